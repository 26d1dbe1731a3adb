// The network engine: runs the nodes of a Network::Graph over a batch (docs/nn.md, "Engine").
#include "kirchhoff/nn/network.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "graph.hpp"
#include "kirchhoff/core/blas_eigen.hpp"
#include "kirchhoff/core/error.hpp"
#include "ops.hpp"

namespace kirchhoff::nn {

std::int64_t LinearLayer::parameter_count() const noexcept {
  std::int64_t n = bias.size();
  for (const auto& w : weights) n += w.size();
  return n;
}

void FloatExecutor::multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                             std::uint64_t /*first_vector*/, Eigen::MatrixXf& y) const {
  const Eigen::MatrixXf& w = (*layers_).at(layer).weights.at(group);
  if (x.rows() != w.rows()) {
    throw InvalidArgument(
        fmt::format("linear layer {} group {}: input vectors of {} values, the "
                    "weights take {}",
                    layer, group, x.rows(), w.rows()));
  }
  // One GEMM over every vector of the batch (OpenBLAS, one thread: the batches are parallel).
  y.resize(w.cols(), x.cols());
  blas::multiply_transposed(w, x, y);
}

namespace {

std::size_t at(std::int64_t i) {
  return static_cast<std::size_t>(i);
}

void check_product(const Eigen::MatrixXf& y, const LinearLayer& layer, std::size_t group,
                   Eigen::Index vectors) {
  if (y.rows() != layer.outputs_per_group() || y.cols() != vectors) {
    throw InvalidArgument(fmt::format(
        "linear layer '{}' group {}: the executor returned a {}x{} product, expected {}x{}",
        layer.name, group, y.rows(), y.cols(), layer.outputs_per_group(), vectors));
  }
}

// y = W_gᵀ x + b for every group: Conv through im2col patches, Gemm / MatMul on the rows of the
// input. Vectors are numbered from first_sample · P (network.hpp).
void run_linear(const Network::Graph& graph, const graph::Node& node, const Tensor& in,
                std::uint64_t first_sample, const LinearExecutor& executor, Tensor& out) {
  const auto index = static_cast<std::size_t>(node.layer);
  const LinearLayer& layer = graph.layers[index];
  const std::int64_t samples = in.shape[0];
  const std::int64_t per_sample = layer.vectors_per_sample;
  const auto vectors = static_cast<Eigen::Index>(samples * per_sample);
  const std::uint64_t first_vector = first_sample * static_cast<std::uint64_t>(per_sample);
  const Eigen::Index outputs = layer.outputs_per_group();
  Eigen::MatrixXf x, y;
  if (layer.op == "Conv") {
    const std::int64_t groups = static_cast<std::int64_t>(layer.groups());
    const std::int64_t all_outputs = groups * outputs;
    for (std::int64_t g = 0; g < groups; ++g) {
      ops::im2col(in, node.channels, g, node.channels / groups, node.rows, node.cols, x);
      executor.multiply(index, at(g), x, first_vector, y);
      check_product(y, layer, at(g), vectors);
      // Column s·P + p of y is output position p of sample s: back to NCHW.
      for (std::int64_t s = 0; s < samples; ++s) {
        for (Eigen::Index m = 0; m < outputs; ++m) {
          const std::int64_t channel = g * outputs + m;
          float* dst = out.data.data() + (s * all_outputs + channel) * per_sample;
          const float b = layer.bias(static_cast<Eigen::Index>(channel));
          const auto column = static_cast<Eigen::Index>(s * per_sample);
          for (std::int64_t p = 0; p < per_sample; ++p) {
            dst[p] = y(m, column + static_cast<Eigen::Index>(p)) + b;
          }
        }
      }
    }
  } else {
    // Row-major {vectors, inputs} is column-major inputs × vectors: one vector per column.
    x = Eigen::Map<const Eigen::MatrixXf>(in.data.data(), layer.inputs_per_group(), vectors);
    executor.multiply(index, 0, x, first_vector, y);
    check_product(y, layer, 0, vectors);
    Eigen::Map<Eigen::MatrixXf>(out.data.data(), outputs, vectors) = y.colwise() + layer.bias;
  }
}

}  // namespace

Network::Network() : graph_(std::make_unique<Graph>()) {}
Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;
Network::Network(std::unique_ptr<Graph> graph) : graph_(std::move(graph)) {}

const std::vector<LinearLayer>& Network::linear_layers() const noexcept {
  return graph_->layers;
}
const Shape& Network::input_shape() const noexcept {
  return graph_->input_shape;
}
const Shape& Network::output_shape() const noexcept {
  return graph_->output_shape;
}
const Normalization& Network::normalization() const noexcept {
  return graph_->normalization;
}
const std::string& Network::name() const noexcept {
  return graph_->name;
}
std::vector<NodeInfo> Network::describe() const {
  return graph_->info;
}

Tensor Network::forward(const Tensor& input) const {
  const FloatExecutor executor(graph_->layers);
  return forward(input, 0, executor);
}

Tensor Network::forward(const Tensor& input, std::uint64_t first_sample,
                        const LinearExecutor& executor) const {
  const Graph& g = *graph_;
  if (input.shape.size() != g.input_shape.size() + 1 ||
      !std::equal(g.input_shape.begin(), g.input_shape.end(), input.shape.begin() + 1)) {
    throw InvalidArgument(fmt::format("network '{}' takes inputs of shape Nx{}, got {}", g.name,
                                      to_string(g.input_shape), to_string(input.shape)));
  }
  if (input.size() != element_count(input.shape)) {
    throw InvalidArgument(fmt::format("input tensor of shape {} holds {} values",
                                      to_string(input.shape), input.size()));
  }
  const std::int64_t samples = input.shape[0];
  std::vector<Tensor> values(g.value_shapes.size());
  const auto value = [&](int v) -> const Tensor& {
    return v == g.input_value ? input : values[static_cast<std::size_t>(v)];
  };
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const graph::Node& node = g.nodes[i];
    Shape shape{samples};
    shape.insert(shape.end(), node.output_shape.begin(), node.output_shape.end());
    Tensor out;
    const Tensor& in = value(node.inputs.front());
    const bool in_dies =
        node.inputs.front() != g.input_value && node.inputs.front() != g.output_value &&
        g.last_use[static_cast<std::size_t>(node.inputs.front())] == static_cast<int>(i);
    if (node.kind == graph::OpKind::reshape) {
      out.shape = std::move(shape);
      out.data =
          in_dies ? std::move(values[static_cast<std::size_t>(node.inputs.front())].data) : in.data;
    } else {
      out = Tensor(std::move(shape));
      switch (node.kind) {
        case graph::OpKind::linear:
          run_linear(g, node, in, first_sample, executor, out);
          break;
        case graph::OpKind::affine:
          ops::affine(in, node.scale, node.shift, out);
          break;
        case graph::OpKind::relu:
          ops::relu(in, out);
          break;
        case graph::OpKind::clip:
          ops::clip(in, node.clip_min, node.clip_max, out);
          break;
        case graph::OpKind::sigmoid:
          ops::sigmoid(in, out);
          break;
        case graph::OpKind::tanh:
          ops::tanh(in, out);
          break;
        case graph::OpKind::max_pool:
          ops::max_pool(in, node.rows, node.cols, out);
          break;
        case graph::OpKind::average_pool:
          ops::average_pool(in, node.rows, node.cols, node.count_include_pad, out);
          break;
        case graph::OpKind::global_average_pool:
          ops::global_average_pool(in, out);
          break;
        case graph::OpKind::add:
          if (node.inputs.size() == 2) {
            ops::add(in, value(node.inputs[1]), out);
          } else {
            ops::add(in, node.constant, out);
          }
          break;
        case graph::OpKind::concat: {
          std::vector<const Tensor*> parts;
          for (int v : node.inputs) parts.push_back(&value(v));
          ops::concat(parts, node.axis, out);
          break;
        }
        case graph::OpKind::softmax:
          ops::softmax(in, node.axis, node.softmax_2d, out);
          break;
        case graph::OpKind::pad:
          ops::pad(in, node.pad_begin, node.pad_value, out);
          break;
        case graph::OpKind::reshape:
          break;
      }
    }
    values[static_cast<std::size_t>(node.output)] = std::move(out);
    // Free what no later node reads.
    for (int v : node.inputs) {
      const auto vs = static_cast<std::size_t>(v);
      if (v != g.input_value && v != g.output_value && g.last_use[vs] == static_cast<int>(i)) {
        values[vs] = Tensor();
      }
    }
  }
  if (g.output_value == g.input_value) return input;
  return std::move(values[static_cast<std::size_t>(g.output_value)]);
}

}  // namespace kirchhoff::nn
