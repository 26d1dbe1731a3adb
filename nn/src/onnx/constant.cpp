// Constants and nodes that pass their input through in inference (docs/nn.md, "Supported
// operators"): Constant defines a constant tensor; Identity and Dropout give their input another
// name, a computed tensor or a constant.
#include <fmt/format.h>

#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

namespace {

// Output 0 names input 0, whose inputs and attributes have been checked.
void pass_through(Importer& im, NodeInfo& info) {
  info.note = "pass-through (inference)";
  const std::string& name = im.node().input(0);
  if (!im.is_value(name) && im.is_constant(name)) {
    // Identity of a weight (shared initializers in PyTorch exports): another name for it.
    const Constant c = im.constant(0, "input");
    info.output_shape = c.shape;
    im.define_constant(c);
    return;
  }
  im.define_alias(im.activation(0));
}

}  // namespace

void translate_constant(Importer& im, NodeInfo& info) {
  im.allow_attributes({"value", "value_float", "value_floats", "value_int", "value_ints"});
  im.expect_inputs(0, 0);
  const onnx::NodeProto& node = im.node();
  if (node.attribute_size() != 1) im.fail_node("exactly one value attribute expected");
  const onnx::AttributeProto& a = node.attribute(0);
  Constant c;
  if (a.name() == "value") {
    c = im.to_constant(im.attribute("value", onnx::AttributeProto::TENSOR)->t(), node.output(0));
  } else if (a.name() == "value_float") {
    c.floats = {im.float_attribute("value_float", 0.0F)};
  } else if (a.name() == "value_floats") {
    const auto* f = im.attribute("value_floats", onnx::AttributeProto::FLOATS);
    c.floats.assign(f->floats().begin(), f->floats().end());
    c.shape = {static_cast<std::int64_t>(c.floats.size())};
  } else if (a.name() == "value_int") {
    c.is_float = false;
    c.ints = {im.int_attribute("value_int", 0)};
  } else {
    c.is_float = false;
    c.ints = im.ints_attribute("value_ints");
    c.shape = {static_cast<std::int64_t>(c.ints.size())};
  }
  if (node.output_size() != 1 || node.output(0).empty()) im.fail_node("one output expected");
  info.output_shape = c.shape;
  info.note = "constant";
  im.define_constant(std::move(c));
}

void translate_dropout(Importer& im, NodeInfo& info) {
  im.allow_attributes({"ratio", "seed", "is_test"});
  im.expect_inputs(1, 3);
  im.expect_unused_output(1, "mask");
  if (im.has_input(2)) {
    const Constant& training = im.constant(2, "training_mode");
    if (training.ints.size() != 1 || training.ints.front() != 0) {
      im.fail_node("training_mode must be a constant false (inference only)");
    }
  }
  if (im.has_input(1)) (void)im.constant(1, "ratio");
  pass_through(im, info);
}

void translate_identity(Importer& im, NodeInfo& info) {
  im.allow_attributes({});
  im.expect_inputs(1, 1);
  pass_through(im, info);
}

}  // namespace kirchhoff::nn::onnx_import
