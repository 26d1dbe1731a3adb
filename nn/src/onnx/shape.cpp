// Nodes that move values without arithmetic (docs/nn.md, "Supported operators"): Flatten and
// Reshape relabel the per-sample shape, Concat joins tensors along an axis, Pad adds constant
// values around them; none may mix the samples of the batch.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

using graph::Node;
using graph::OpKind;

namespace {

// Constant padding: `pads` holds the elements added before every batched dimension, then after
// them. PyTorch exports AvgPool2d(count_include_pad=True) as Pad → AveragePool.
void pad(Importer& im, NodeInfo& info, const std::vector<std::int64_t>& pads, float value) {
  const std::string mode = im.string_attribute("mode", "constant");
  if (mode != "constant") {
    im.fail_node(fmt::format("mode '{}' is not supported (only constant)", mode));
  }
  const int x = im.activation(0);
  const Shape in = im.shape(x);
  const std::size_t rank = in.size() + 1;
  const auto text = fmt::format("[{}]", fmt::join(pads, ","));
  if (pads.size() != 2 * rank) {
    im.fail_node(fmt::format("pads {}: {} values expected for a {}-D input", text, 2 * rank, rank));
  }
  if (std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p < 0; })) {
    im.fail_node(fmt::format("pads {}: negative pads (cropping) are not supported", text));
  }
  if (std::any_of(pads.begin(), pads.end(),
                  [](std::int64_t p) { return p > max_tensor_elements; })) {
    im.fail_node(fmt::format("pads {}: at most {} (2^31) each", text, max_tensor_elements));
  }
  if (pads[0] != 0 || pads[rank] != 0) {
    im.fail_node(fmt::format("pads {} pad the batch dimension", text));
  }
  Shape out = in;
  for (std::size_t d = 0; d < in.size(); ++d) out[d] += pads[d + 1] + pads[d + 1 + rank];
  Node& node = im.push_node(OpKind::pad, {x}, out);
  node.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(rank));
  node.pad_value = value;
  info.note = fmt::format("pads {}, value {}", text, value);
}

}  // namespace

void translate_flatten(Importer& im, NodeInfo& /*info*/) {
  im.allow_attributes({"axis"});
  im.expect_inputs(1, 1);
  const int x = im.activation(0);
  const Shape& in = im.shape(x);
  const auto rank = static_cast<std::int64_t>(in.size()) + 1;
  const std::int64_t given = im.int_attribute("axis", 1);
  if ((given < 0 ? given + rank : given) != 1) {
    im.fail_node(
        fmt::format("axis {} of a {}-D input would mix samples of the batch; only axis 1 "
                    "(N × everything else) is supported",
                    given, rank));
  }
  im.push_node(OpKind::reshape, {x}, {element_count(in)});
}

void translate_reshape(Importer& im, NodeInfo& info) {
  im.allow_attributes({"allowzero"});
  im.expect_inputs(2, 2);
  const int x = im.activation(0);
  const Shape& in = im.shape(x);
  const Constant& target = im.constant(1, "shape");
  if (target.is_float || target.shape.size() != 1 || target.ints.empty()) {
    im.fail_node("the shape input must be a constant 1-D integer tensor");
  }
  const std::vector<std::int64_t>& s = target.ints;
  const bool allow_zero = im.int_attribute("allowzero", 0) != 0;
  const auto text = fmt::format("[{}]", fmt::join(s, ","));
  // Entry 0 must keep the batch: 0 (copy), −1 (inferred) or the input's fixed batch size.
  const std::int64_t fixed_batch = im.fixed_batch();
  if (!(s[0] == -1 || (s[0] == 0 && !allow_zero) || (fixed_batch > 0 && s[0] == fixed_batch))) {
    im.fail_node(fmt::format(
        "shape {} does not keep the batch as dimension 0 (expected 0, -1{})", text,
        fixed_batch > 0 ? fmt::format(" or the fixed batch size {}", fixed_batch) : ""));
  }
  Shape out;
  int inferred = -1;
  for (std::size_t d = 1; d < s.size(); ++d) {
    if (s[d] == 0 && !allow_zero) {
      if (d - 1 >= in.size())
        im.fail_node(fmt::format("shape {}: entry {} copies a missing dimension", text, d));
      out.push_back(in[d - 1]);
    } else if (s[d] == -1 && inferred < 0 && s[0] != -1) {
      inferred = static_cast<int>(out.size());
      out.push_back(1);
    } else if (s[d] > 0) {
      out.push_back(s[d]);
    } else {
      im.fail_node(fmt::format("shape {}: entry {} = {} is not allowed here", text, d, s[d]));
    }
  }
  // The input's count is within the limits (Importer::push_node), the target's is checked: a
  // product that wraps around must not pass for the input's.
  const auto known = checked_element_count(out);
  if (!known) {
    im.fail_node(fmt::format("shape {} is too large: {}", text, size_limit_text()));
  }
  const std::int64_t count = element_count(in);
  if (inferred >= 0 && *known > 0 && count % *known == 0) {
    out[static_cast<std::size_t>(inferred)] = count / *known;
  }
  if (element_count(out) != count) {
    im.fail_node(
        fmt::format("shape {} does not fit an input of Nx{} per sample", text, to_string(in)));
  }
  im.push_node(OpKind::reshape, {x}, out);
  info.note = fmt::format("shape {}", text);
}

void translate_concat(Importer& im, NodeInfo& /*info*/) {
  im.allow_attributes({"axis"});
  im.expect_inputs(1, std::numeric_limits<int>::max());
  std::vector<int> inputs;
  for (int k = 0; k < im.node().input_size(); ++k) inputs.push_back(im.activation(k));
  Shape out = im.shape(inputs.front());
  if (!im.attribute("axis", onnx::AttributeProto::INT))
    im.fail_node("the axis attribute is required");
  const int axis = im.axis_attribute(0, out.size() + 1);
  const auto d = static_cast<std::size_t>(axis - 1);
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    const Shape& s = im.shape(inputs[k]);
    Shape a = out, b = s;
    if (s.size() != out.size()) {
      im.fail_node(fmt::format("inputs of shapes Nx{} and Nx{} differ in rank",
                               to_string(im.shape(inputs.front())), to_string(s)));
    }
    a[d] = b[d] = 0;
    if (a != b) {
      im.fail_node(fmt::format("inputs of shapes Nx{} and Nx{} differ outside axis {}",
                               to_string(im.shape(inputs.front())), to_string(s), axis));
    }
    out[d] += s[d];
  }
  im.push_node(OpKind::concat, inputs, out).axis = axis;
}

// Opset < 11: pads and value are attributes.
void translate_pad_opset1(Importer& im, NodeInfo& info) {
  im.allow_attributes({"mode", "pads", "value"});
  im.expect_inputs(1, 1);
  const std::vector<std::int64_t> pads = im.ints_attribute("pads");
  const float value = im.float_attribute("value", 0.0F);
  pad(im, info, pads, value);
}

// Opset ≥ 11: pads and constant_value are inputs.
void translate_pad_opset11(Importer& im, NodeInfo& info) {
  im.allow_attributes({"mode"});
  im.expect_inputs(2, 3);
  const Constant& pads = im.constant(1, "pads");
  if (pads.is_float) im.fail_node("pads must be an integer tensor");
  float value = 0.0F;
  if (im.has_input(2)) {
    const Constant& v = im.float_constant(2, "constant_value");
    if (v.floats.size() != 1) im.fail_node("constant_value must be a scalar");
    value = v.floats.front();
  }
  pad(im, info, pads.ints, value);
}

}  // namespace kirchhoff::nn::onnx_import
