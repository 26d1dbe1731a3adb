// Element-wise arithmetic of two operands (docs/nn.md, "Supported operators"): Add of two tensors
// of the graph, or of a tensor and a constant, with numpy broadcasting of the per-sample
// dimensions (never over the batch).
#include <fmt/format.h>

#include <algorithm>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

using graph::Node;
using graph::OpKind;

void translate_add(Importer& im, NodeInfo& info) {
  im.allow_attributes({});
  im.expect_inputs(2, 2);
  const bool c0 = !im.is_value(im.node().input(0)) && im.is_constant(im.node().input(0));
  const bool c1 = !im.is_value(im.node().input(1)) && im.is_constant(im.node().input(1));
  if (c0 && c1) im.fail_node("both inputs are constants (constant folding is not supported)");
  const int a = im.activation(c0 ? 1 : 0);
  const Shape& sa = im.shape(a);
  const auto rank = sa.size() + 1;  // batched
  // The other operand, batched: either a tensor of the graph or the constant with leading 1s.
  Shape sb;
  int b = -1;
  Tensor constant_operand;
  if (c0 || c1) {
    const Constant& c = im.float_constant(c0 ? 0 : 1, "constant operand");
    if (c.shape.size() > rank || (c.shape.size() == rank && c.shape.front() != 1)) {
      im.fail_node(
          fmt::format("constant of shape {} would broadcast over the batch of an Nx{} "
                      "tensor",
                      to_string(c.shape), to_string(sa)));
    }
    sb.assign(rank - c.shape.size(), 1);
    sb.insert(sb.end(), c.shape.begin(), c.shape.end());
    constant_operand = Tensor(sb, c.floats);
    sb.erase(sb.begin());
  } else {
    b = im.activation(1);
    sb = im.shape(b);
    if (sb.size() != sa.size()) {
      im.fail_node(
          fmt::format("inputs of shapes Nx{} and Nx{}: tensors of the graph must have the "
                      "same rank",
                      to_string(sa), to_string(im.shape(b))));
    }
  }
  Shape out(sa.size());
  for (std::size_t d = 0; d < sa.size(); ++d) {
    if (sa[d] != sb[d] && sa[d] != 1 && sb[d] != 1) {
      im.fail_node(
          fmt::format("shapes Nx{} and Nx{} do not broadcast", to_string(sa), to_string(sb)));
    }
    out[d] = std::max(sa[d], sb[d]);
  }
  if (b >= 0) {
    im.push_node(OpKind::add, {a, b}, out);
  } else {
    Node& node = im.push_node(OpKind::add, {a}, out);
    node.constant = std::move(constant_operand);
    info.parameters = element_count(node.constant.shape);
    info.note = "constant operand";
  }
}

}  // namespace kirchhoff::nn::onnx_import
