// A feed-forward network imported from ONNX (onnx_import.hpp) and the engine that runs it
// (docs/nn.md). The graph is a list of nodes in topological order over named tensors; every
// Gemm / MatMul / Conv is a LinearLayer whose products are computed by a LinearExecutor, so the
// same graph runs in float (FloatExecutor) or with chosen layers on analog tiles (analog.hpp).
//
// The crossbar convention: a linear layer's group g maps an input vector x (one column of the
// layer's input matrix) to y = W_gᵀ x + b_g. For Gemm / MatMul the vectors are the rows of the
// layer input (one per sample); for Conv they are im2col patches, ordered (input channel of the
// group, kernel row, kernel column), one per output position. Vector numbering over a dataset:
// sample s owns vectors s·P … s·P + P − 1 (P = vectors_per_sample: output positions in
// row-major order for Conv, 1 otherwise), so an executor that draws noise per vector (the
// analog one) gives the same result however the dataset is cut into batches.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kirchhoff/nn/tensor.hpp"

namespace kirchhoff::nn {

struct LinearLayer {
  std::string name;  // the ONNX node name; "<op>_<node index>" when the node has none (unique)
  std::string op;    // "Gemm", "MatMul" or "Conv"
  // Per group: inputs × outputs (BatchNormalization already folded in).
  std::vector<Eigen::MatrixXf> weights;
  Eigen::VectorXf bias;                 // all outputs, groups one after another (zeros if none)
  std::int64_t vectors_per_sample = 1;  // Conv: H_out · W_out; otherwise 1

  [[nodiscard]] std::size_t groups() const noexcept { return weights.size(); }
  [[nodiscard]] Eigen::Index inputs_per_group() const noexcept { return weights.front().rows(); }
  [[nodiscard]] Eigen::Index outputs_per_group() const noexcept { return weights.front().cols(); }
  [[nodiscard]] std::int64_t parameter_count() const noexcept;  // weights + bias
};

// Computes y = W_gᵀ x (without the bias) for group `group` of linear layer `layer`; x is
// inputs × n, its column c is vector (first_vector + c) of the layer (numbering above). y is
// resized to outputs × n. Must be safe to call from several threads at once.
class LinearExecutor {
 public:
  virtual ~LinearExecutor() = default;
  LinearExecutor() = default;
  LinearExecutor(const LinearExecutor&) = delete;
  LinearExecutor& operator=(const LinearExecutor&) = delete;
  virtual void multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                        std::uint64_t first_vector, Eigen::MatrixXf& y) const = 0;
};

// The float products of the network's own weights.
class FloatExecutor final : public LinearExecutor {
 public:
  explicit FloatExecutor(const std::vector<LinearLayer>& layers) : layers_(&layers) {}
  void multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                std::uint64_t first_vector, Eigen::MatrixXf& y) const override;

 private:
  const std::vector<LinearLayer>* layers_;
};

// Input normalisation: the network sees (pixel · pixel_scale − mean_c) / std_c for channel c
// (one value of mean / std applies to every channel). From the model's metadata
// ("kirchhoff.normalization.mean", ".std", ".pixel_scale"; comma-separated) or the campaign.
struct Normalization {
  float pixel_scale = 1.0F / 255.0F;
  std::vector<float> mean{0.0F};
  std::vector<float> std{1.0F};
};

// One row of `kirchhoff nn info`.
struct NodeInfo {
  std::string name;
  std::string op;
  Shape output_shape;           // per sample (without the batch dimension)
  std::int64_t parameters = 0;  // weights and biases held by the node (after folding)
  int linear_layer = -1;        // index into linear_layers(), or -1
  std::string note;             // e.g. "folded into conv1", "ignored (inference)"
};

class Network {
 public:
  Network();
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;

  [[nodiscard]] const std::vector<LinearLayer>& linear_layers() const noexcept;
  [[nodiscard]] const Shape& input_shape() const noexcept;   // per sample, e.g. {1, 28, 28}
  [[nodiscard]] const Shape& output_shape() const noexcept;  // per sample, e.g. {10}
  [[nodiscard]] const Normalization& normalization() const noexcept;
  [[nodiscard]] const std::string& name() const noexcept;  // graph name, or the file's stem
  [[nodiscard]] std::vector<NodeInfo> describe() const;

  // Runs a batch: input {n, input_shape...}; first_sample is the index of the batch's first
  // sample in the dataset (the vector numbering above). Returns {n, output_shape...}.
  [[nodiscard]] Tensor forward(const Tensor& input, std::uint64_t first_sample,
                               const LinearExecutor& executor) const;
  // The same with the network's float weights.
  [[nodiscard]] Tensor forward(const Tensor& input) const;

  struct Graph;  // the nodes (network.cpp / onnx/importer.cpp)
  explicit Network(std::unique_ptr<Graph> graph);

 private:
  std::unique_ptr<Graph> graph_;
};

}  // namespace kirchhoff::nn
