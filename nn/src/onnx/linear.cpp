// Linear layers (docs/nn.md, "Supported operators"): Conv, Gemm and MatMul with constant weights
// become a LinearLayer, W_g (inputs × outputs) per group and one bias per output, whose products
// go through a LinearExecutor.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Core>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

using graph::Node;
using graph::OpKind;
using graph::Window;

void translate_conv(Importer& im, NodeInfo& info) {
  im.allow_attributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  im.expect_inputs(2, 3);
  const int x = im.activation(0);
  const Shape in = im.shape(x);
  if (in.size() != 3) {
    im.fail_node(
        fmt::format("input of shape Nx{}: only 2-D convolutions (input N×C×H×W) are "
                    "supported",
                    to_string(in)));
  }
  const Constant& w = im.float_constant(1, "weights");
  if (w.shape.size() != 4) {
    im.fail_node(fmt::format("weights of shape {}: 4 dimensions (M×C/group×kH×kW) expected",
                             to_string(w.shape)));
  }
  const std::int64_t groups = im.int_attribute("group", 1);
  const std::int64_t channels = in[0], outputs = w.shape[0];
  if (groups < 1 || groups > channels || channels % groups != 0 || outputs % groups != 0 ||
      w.shape[1] * groups != channels) {
    im.fail_node(fmt::format("weights of shape {} with group {} do not fit an input of {} channels",
                             to_string(w.shape), groups, channels));
  }
  const auto kernel = im.ints_attribute("kernel_shape");
  if (!kernel.empty() && kernel != std::vector<std::int64_t>{w.shape[2], w.shape[3]}) {
    im.fail_node(fmt::format("kernel_shape [{}] differs from the weights' {}x{}",
                             fmt::join(kernel, ","), w.shape[2], w.shape[3]));
  }
  Window rows{.in = in[1], .kernel = w.shape[2]}, cols{.in = in[2], .kernel = w.shape[3]};
  im.spatial_windows(rows, cols, false, false);

  LinearLayer layer;
  layer.name = info.name;
  layer.op = "Conv";
  const std::int64_t group_outputs = outputs / groups;
  const std::int64_t patch = w.shape[1] * w.shape[2] * w.shape[3];
  for (std::int64_t g = 0; g < groups; ++g) {
    // Row r of W_g is element r of the flattened filter (channel, kernel row, kernel column),
    // the im2col patch order.
    Eigen::MatrixXf wg(static_cast<Eigen::Index>(patch), static_cast<Eigen::Index>(group_outputs));
    for (std::int64_t m = 0; m < group_outputs; ++m) {
      for (std::int64_t r = 0; r < patch; ++r) {
        wg(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(m)) =
            w.floats[at((g * group_outputs + m) * patch + r)];
      }
    }
    layer.weights.push_back(std::move(wg));
  }
  layer.bias = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(outputs));
  if (im.has_input(2)) {
    const Constant& b = im.float_constant(2, "bias");
    if (b.shape != Shape{outputs}) {
      im.fail_node(fmt::format("bias of shape {}, expected {}", to_string(b.shape), outputs));
    }
    for (std::int64_t m = 0; m < outputs; ++m)
      layer.bias(static_cast<Eigen::Index>(m)) = b.floats[at(m)];
  }
  layer.vectors_per_sample = rows.out * cols.out;
  const std::string note = fmt::format(
      "{}x{} kernel, stride {}x{}, pads {},{},{},{}{}, {} vectors/sample", rows.kernel, cols.kernel,
      rows.stride, cols.stride, rows.pad_begin, cols.pad_begin, rows.pad_end, cols.pad_end,
      groups > 1 ? fmt::format(", {} groups", groups) : "", layer.vectors_per_sample);
  const std::size_t index = im.push_layer(std::move(layer), info, note);
  Node& node = im.push_node(OpKind::linear, {x}, {outputs, rows.out, cols.out});
  node.layer = static_cast<int>(index);
  node.channels = channels;
  node.rows = rows;
  node.cols = cols;
}

void translate_gemm(Importer& im, NodeInfo& info) {
  im.allow_attributes({"alpha", "beta", "transA", "transB"});
  im.expect_inputs(2, 3);
  if (im.int_attribute("transA", 0) != 0) {
    im.fail_node("transA = 1 is not supported (input A must be the batch of row vectors)");
  }
  const int a = im.activation(0);
  const Shape in = im.shape(a);
  if (in.size() != 1) {
    im.fail_node(fmt::format("input A of shape Nx{}: Gemm takes a 2-D input N×K (flatten it first)",
                             to_string(in)));
  }
  const Constant& b = im.float_constant(1, "B, the weights");
  if (b.shape.size() != 2) {
    im.fail_node(fmt::format("B of shape {}: 2 dimensions expected", to_string(b.shape)));
  }
  const bool trans_b = im.int_attribute("transB", 0) != 0;
  const std::int64_t inputs = trans_b ? b.shape[1] : b.shape[0];
  const std::int64_t outputs = trans_b ? b.shape[0] : b.shape[1];
  if (inputs != in[0]) {
    im.fail_node(fmt::format("B of shape {}{} takes {} inputs, but A has {}", to_string(b.shape),
                             trans_b ? " (transB)" : "", inputs, in[0]));
  }
  const float alpha = im.float_attribute("alpha", 1.0F), beta = im.float_attribute("beta", 1.0F);
  LinearLayer layer;
  layer.name = info.name;
  layer.op = "Gemm";
  Eigen::MatrixXf w(static_cast<Eigen::Index>(inputs), static_cast<Eigen::Index>(outputs));
  for (std::int64_t k = 0; k < inputs; ++k) {
    for (std::int64_t j = 0; j < outputs; ++j) {
      const float v = trans_b ? b.floats[at(j * inputs + k)] : b.floats[at(k * outputs + j)];
      w(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = alpha * v;
    }
  }
  layer.weights.push_back(std::move(w));
  layer.bias = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(outputs));
  if (im.has_input(2)) {
    const Constant& c = im.float_constant(2, "C, the bias");
    const std::int64_t n = element_count(c.shape);
    const bool row = c.shape.empty() || c.shape.back() == n;  // {}, {n}, {1, n}
    if (!(row && (n == outputs || n == 1))) {
      im.fail_node(
          fmt::format("C of shape {} does not broadcast to one bias per output ({}) "
                      "independent of the sample",
                      to_string(c.shape), outputs));
    }
    for (std::int64_t j = 0; j < outputs; ++j) {
      layer.bias(static_cast<Eigen::Index>(j)) = beta * c.floats[at(n == 1 ? 0 : j)];
    }
  }
  std::string note;
  if (alpha != 1.0F) note += fmt::format("alpha {} folded", alpha);
  if (im.has_input(2) && beta != 1.0F)
    note += fmt::format("{}beta {} folded", note.empty() ? "" : ", ", beta);
  const std::size_t index = im.push_layer(std::move(layer), info, note);
  im.push_node(OpKind::linear, {a}, {outputs}).layer = static_cast<int>(index);
}

void translate_matmul(Importer& im, NodeInfo& info) {
  im.allow_attributes({});
  im.expect_inputs(2, 2);
  if (!im.is_value(im.node().input(0)) && im.is_value(im.node().input(1))) {
    im.fail_node(
        "the first input must be computed from the graph input and the second a constant "
        "2-D weight matrix (constant × tensor is not supported)");
  }
  const int a = im.activation(0);
  Shape out = im.shape(a);
  if (out.empty()) im.fail_node("input A is a scalar per sample");
  const Constant& b = im.float_constant(1, "B, the weights");
  if (b.shape.size() != 2) {
    im.fail_node(fmt::format("B of shape {}: a 2-D weight matrix expected", to_string(b.shape)));
  }
  const std::int64_t inputs = b.shape[0], outputs = b.shape[1];
  if (out.back() != inputs) {
    im.fail_node(fmt::format("B of shape {} takes {} inputs, but A (Nx{}) has {}",
                             to_string(b.shape), inputs, to_string(out), out.back()));
  }
  LinearLayer layer;
  layer.name = info.name;
  layer.op = "MatMul";
  Eigen::MatrixXf w(static_cast<Eigen::Index>(inputs), static_cast<Eigen::Index>(outputs));
  for (std::int64_t k = 0; k < inputs; ++k) {
    for (std::int64_t j = 0; j < outputs; ++j) {
      w(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = b.floats[at(k * outputs + j)];
    }
  }
  layer.weights.push_back(std::move(w));
  layer.bias = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(outputs));
  // Every row of a batched A {n, ..., K} is one vector.
  layer.vectors_per_sample = element_count(out) / inputs;
  out.back() = outputs;
  const std::string note = layer.vectors_per_sample > 1
                               ? fmt::format("{} vectors/sample", layer.vectors_per_sample)
                               : "";
  const std::size_t index = im.push_layer(std::move(layer), info, note);
  im.push_node(OpKind::linear, {a}, out).layer = static_cast<int>(index);
}

}  // namespace kirchhoff::nn::onnx_import
