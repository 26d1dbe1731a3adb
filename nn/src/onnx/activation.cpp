// Activations (docs/nn.md, "Supported operators"): the element-wise Relu, Sigmoid, Tanh and Clip,
// and Softmax.
#include <fmt/format.h>

#include <limits>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

using graph::Node;
using graph::OpKind;

namespace {

void unary(Importer& im, OpKind kind) {
  im.allow_attributes({});
  im.expect_inputs(1, 1);
  const int x = im.activation(0);
  im.push_node(kind, {x}, im.shape(x));
}

void clip(Importer& im, NodeInfo& info, float lo, float hi) {
  const int x = im.activation(0);
  Node& node = im.push_node(OpKind::clip, {x}, im.shape(x));
  node.clip_min = lo;
  node.clip_max = hi;
  info.note = fmt::format("[{}, {}]", lo, hi);
}

// coerce (opset < 13): the input is seen as 2-D, [dims before axis] × [axis and after]; default
// axis 1. Else one axis, default −1.
void softmax(Importer& im, NodeInfo& info, bool coerce) {
  im.allow_attributes({"axis"});
  im.expect_inputs(1, 1);
  const int x = im.activation(0);
  const Shape& in = im.shape(x);
  const int axis = im.axis_attribute(coerce ? 1 : -1, in.size() + 1);
  Node& node = im.push_node(OpKind::softmax, {x}, in);
  node.axis = axis;
  node.softmax_2d = coerce;
  info.note = fmt::format("axis {}{}", axis, coerce ? " (opset < 13: all dimensions from it)" : "");
}

}  // namespace

void translate_relu(Importer& im, NodeInfo& /*info*/) {
  unary(im, OpKind::relu);
}

void translate_sigmoid(Importer& im, NodeInfo& /*info*/) {
  unary(im, OpKind::sigmoid);
}

void translate_tanh(Importer& im, NodeInfo& /*info*/) {
  unary(im, OpKind::tanh);
}

// Opset < 11: the bounds are attributes.
void translate_clip_opset1(Importer& im, NodeInfo& info) {
  float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  im.allow_attributes({"min", "max"});
  im.expect_inputs(1, 1);
  lo = im.float_attribute("min", lo);
  hi = im.float_attribute("max", hi);
  clip(im, info, lo, hi);
}

// Opset ≥ 11: the bounds are optional scalar inputs.
void translate_clip_opset11(Importer& im, NodeInfo& info) {
  float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  im.allow_attributes({});
  im.expect_inputs(1, 3);
  for (int k = 1; k <= 2; ++k) {
    if (!im.has_input(k)) continue;
    const Constant& c = im.float_constant(k, k == 1 ? "min" : "max");
    if (c.floats.size() != 1) {
      im.fail_node(fmt::format("{} of shape {}: a scalar expected", k == 1 ? "min" : "max",
                               to_string(c.shape)));
    }
    (k == 1 ? lo : hi) = c.floats.front();
  }
  clip(im, info, lo, hi);
}

void translate_softmax_opset1(Importer& im, NodeInfo& info) {
  softmax(im, info, true);
}

void translate_softmax_opset13(Importer& im, NodeInfo& info) {
  softmax(im, info, false);
}

}  // namespace kirchhoff::nn::onnx_import
