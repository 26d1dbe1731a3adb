// The ONNX importer's infrastructure (importer.hpp): tensors, the graph input and normalisation
// metadata, the current node's inputs, outputs and attributes, and the walk over the nodes that
// hands each one to its translator (operators.cpp).
#include "importer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <tuple>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"
#include "operators.hpp"

namespace kirchhoff::nn::onnx_import {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; this reader copies it as is");

using graph::Node;
using graph::OpKind;
using graph::Window;

namespace {

const char* data_type_name(int type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
      return "float";
    case onnx::TensorProto::UINT8:
      return "uint8";
    case onnx::TensorProto::INT8:
      return "int8";
    case onnx::TensorProto::UINT16:
      return "uint16";
    case onnx::TensorProto::INT16:
      return "int16";
    case onnx::TensorProto::INT32:
      return "int32";
    case onnx::TensorProto::INT64:
      return "int64";
    case onnx::TensorProto::STRING:
      return "string";
    case onnx::TensorProto::BOOL:
      return "bool";
    case onnx::TensorProto::FLOAT16:
      return "float16";
    case onnx::TensorProto::DOUBLE:
      return "double";
    case onnx::TensorProto::UINT32:
      return "uint32";
    case onnx::TensorProto::UINT64:
      return "uint64";
    case onnx::TensorProto::BFLOAT16:
      return "bfloat16";
    default:
      return nullptr;
  }
}

// "float (1)", or "99, which is not an ONNX data type".
std::string data_type_text(int type) {
  const char* name = data_type_name(type);
  return name == nullptr ? fmt::format("{}, which is not an ONNX data type", type)
                         : fmt::format("{} ({})", name, type);
}

}  // namespace

std::string size_limit_text() {
  return fmt::format("at most {} (2^31) elements per tensor and per dimension",
                     max_tensor_elements);
}

// ---------------------------------------------------------------------------------------------
// Errors

void Importer::fail(const std::string& message) const {
  throw FormatError(fmt::format("ONNX model '{}': {}", what_, message));
}

void Importer::fail_node(const std::string& message) const {
  throw FormatError(fmt::format("ONNX model '{}': node '{}' (#{}, {}): {}", what_, node_name_,
                                node_index_, node_->op_type(), message));
}

// ---------------------------------------------------------------------------------------------
// Tensors

Constant Importer::to_constant(const onnx::TensorProto& t, const std::string& name) const {
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0) {
    fail(
        fmt::format("tensor '{}' keeps its data in an external file, which is not supported "
                    "(save the model with its weights inside)",
                    name));
  }
  if (t.has_segment()) fail(fmt::format("tensor '{}' is segmented, which is not supported", name));
  Constant c;
  for (const auto d : t.dims()) {
    if (d < 0) fail(fmt::format("tensor '{}' has a negative dimension {}", name, d));
    c.shape.push_back(d);
  }
  const auto checked = checked_element_count(c.shape);
  if (!checked) {
    fail(fmt::format("tensor '{}' of shape [{}] is too large: {}", name, fmt::join(c.shape, ","),
                     size_limit_text()));
  }
  const auto count = at(*checked);
  const std::string& raw = t.raw_data();
  const auto check_count = [&](std::size_t n) {
    if (n != count) {
      fail(fmt::format("tensor '{}' of shape [{}] holds {} values, expected {}", name,
                       fmt::join(c.shape, ","), n, count));
    }
  };
  const auto read_raw = [&]<typename T>(std::vector<T>& out) {
    if (raw.size() != count * sizeof(T)) {
      fail(fmt::format("tensor '{}' of shape [{}] has {} bytes of raw data, expected {}", name,
                       fmt::join(c.shape, ","), raw.size(), count * sizeof(T)));
    }
    out.resize(count);
    if (count > 0) std::memcpy(out.data(), raw.data(), count * sizeof(T));
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (!raw.empty()) {
        read_raw(c.floats);
      } else {
        check_count(static_cast<std::size_t>(t.float_data_size()));
        c.floats.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE: {
      std::vector<double> d;
      if (!raw.empty()) {
        read_raw(d);
      } else {
        check_count(static_cast<std::size_t>(t.double_data_size()));
        d.assign(t.double_data().begin(), t.double_data().end());
      }
      for (const double v : d) c.floats.push_back(static_cast<float>(v));
      break;
    }
    case onnx::TensorProto::INT64:
      c.is_float = false;
      if (!raw.empty()) {
        read_raw(c.ints);
      } else {
        check_count(static_cast<std::size_t>(t.int64_data_size()));
        c.ints.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::BOOL: {
      c.is_float = false;
      if (!raw.empty()) {
        if (t.data_type() == onnx::TensorProto::BOOL) {
          std::vector<std::uint8_t> b;
          read_raw(b);
          c.ints.assign(b.begin(), b.end());
        } else {
          std::vector<std::int32_t> i;
          read_raw(i);
          c.ints.assign(i.begin(), i.end());
        }
      } else {
        check_count(static_cast<std::size_t>(t.int32_data_size()));
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    }
    default:
      fail(fmt::format(
          "tensor '{}' has data type {} (supported: float (1), double (11), int64 (7), int32 (6), "
          "bool (9))",
          name, data_type_text(t.data_type())));
  }
  return c;
}

void Importer::read_input() {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& in : onnx_graph_.input()) {
    if (!initializers_.contains(in.name())) inputs.push_back(&in);
  }
  if (inputs.size() != 1) {
    std::vector<std::string> names;
    for (const auto* in : inputs) names.push_back(in->name());
    fail(
        fmt::format("the graph has {} inputs [{}] besides its initializers; exactly one (the "
                    "batch of samples) is supported",
                    inputs.size(), fmt::join(names, ", ")));
  }
  const onnx::ValueInfoProto& in = *inputs.front();
  const auto& type = in.type();
  if (!type.has_tensor_type()) {
    fail(fmt::format("graph input '{}' is not a tensor (a float tensor expected)", in.name()));
  }
  if (type.tensor_type().elem_type() != onnx::TensorProto::FLOAT) {
    fail(fmt::format("graph input '{}' has data type {}; float (1) expected", in.name(),
                     data_type_text(type.tensor_type().elem_type())));
  }
  if (!type.tensor_type().has_shape() || type.tensor_type().shape().dim_size() < 2) {
    fail(fmt::format("graph input '{}' has no shape of at least 2 dimensions (batch first)",
                     in.name()));
  }
  const auto& dims = type.tensor_type().shape().dim();
  if (dims[0].has_dim_value()) fixed_batch_ = dims[0].dim_value();
  for (int d = 1; d < dims.size(); ++d) {
    if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0) {
      const std::string is = dims[d].has_dim_value() ? fmt::format("is {}", dims[d].dim_value())
                             : dims[d].dim_param().empty()
                                 ? std::string("has no size")
                                 : fmt::format("is the symbol '{}'", dims[d].dim_param());
      fail(
          fmt::format("graph input '{}': dimension {} {}; every dimension but the first "
                      "(batch) must be a fixed positive size",
                      in.name(), d, is));
    }
    graph_->input_shape.push_back(dims[d].dim_value());
  }
  if (!checked_element_count(graph_->input_shape)) {
    fail(fmt::format("graph input '{}' of shape Nx{} is too large: {}", in.name(),
                     to_string(graph_->input_shape), size_limit_text()));
  }
  graph_->input_value = new_value(graph_->input_shape, -1);
  values_[in.name()] = graph_->input_value;
  value_uses_[static_cast<std::size_t>(graph_->input_value)] = uses_[in.name()];
}

namespace {

// The comma-separated numbers of a metadata value.
std::vector<float> metadata_numbers(const std::string& key, const std::string& value,
                                    const std::function<void(const std::string&)>& fail) {
  std::vector<float> numbers;
  std::string_view rest = value;
  while (true) {
    const auto comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    float v = 0.0F;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (field.empty() || ec != std::errc() || end != field.data() + field.size() ||
        !std::isfinite(v)) {
      fail(
          fmt::format("metadata '{}' = '{}': '{}' is not a finite number (comma-separated "
                      "numbers expected)",
                      key, value, field));
    }
    numbers.push_back(v);
    if (comma == std::string_view::npos) return numbers;
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace

void Importer::read_normalization() {
  const std::vector<std::string> known = {"kirchhoff.normalization.mean",
                                          "kirchhoff.normalization.std",
                                          "kirchhoff.normalization.pixel_scale"};
  const auto failure = [this](const std::string& message) { fail(message); };
  const std::int64_t channels = graph_->input_shape.front();
  Normalization& norm = graph_->normalization;
  for (const auto& entry : model_.metadata_props()) {
    const std::string& key = entry.key();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      // Other keys (kirchhoff.dataset, producer notes) describe the model and are not read, but
      // a misspelt normalisation key must not be ignored.
      if (const auto match = closest_match(key, known)) {
        fail(fmt::format("unknown metadata key '{}'; did you mean '{}'?", key, *match));
      }
      continue;
    }
    const std::vector<float> values = metadata_numbers(key, entry.value(), failure);
    if (key.ends_with("pixel_scale")) {
      if (values.size() != 1) fail(fmt::format("metadata '{}' must be one number", key));
      norm.pixel_scale = values.front();
      continue;
    }
    if (values.size() != 1 && static_cast<std::int64_t>(values.size()) != channels) {
      fail(fmt::format("metadata '{}' has {} values; expected 1 or one per input channel ({})", key,
                       values.size(), channels));
    }
    if (key.ends_with("mean")) {
      norm.mean = values;
    } else {
      if (std::any_of(values.begin(), values.end(), [](float v) { return !(v > 0.0F); })) {
        fail(fmt::format("metadata '{}': standard deviations must be > 0", key));
      }
      norm.std = values;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The current node's inputs, outputs and attributes

void Importer::expect_inputs(int min, int max) const {
  const int n = node_->input_size();
  if (n < min || n > max) {
    fail_node(min == max ? fmt::format("{} inputs, expected {}", n, min)
                         : fmt::format("{} inputs, expected {} to {}", n, min, max));
  }
  for (int k = 0; k < min; ++k) {
    if (node_->input(k).empty()) fail_node(fmt::format("input {} is required but empty", k));
  }
}

bool Importer::is_constant(const std::string& name) const {
  return constants_.contains(name) || initializers_.contains(name);
}

int Importer::activation(int k) {
  const std::string& name = node_->input(k);
  if (const auto it = values_.find(name); it != values_.end()) return it->second;
  if (is_constant(name)) {
    fail_node(
        fmt::format("input {} '{}' is a constant; this operator needs a tensor computed "
                    "from the graph input there",
                    k, name));
  }
  fail_node(
      fmt::format("input {} '{}' is neither the graph input, an initializer nor the output "
                  "of an earlier node",
                  k, name));
}

const Constant& Importer::constant(int k, const char* what) {
  const std::string& name = node_->input(k);
  if (const auto it = constants_.find(name); it != constants_.end()) return it->second;
  if (const auto it = initializers_.find(name); it != initializers_.end()) {
    return constants_.emplace(name, to_constant(*it->second, name)).first->second;
  }
  if (values_.contains(name)) {
    fail_node(
        fmt::format("input {} ({}) '{}' is computed by the graph; it must be an initializer "
                    "or a Constant",
                    k, what, name));
  }
  fail_node(fmt::format("missing initializer '{}' for input {} ({})", name, k, what));
}

const Constant& Importer::float_constant(int k, const char* what) {
  const Constant& c = constant(k, what);
  if (!c.is_float) {
    fail_node(fmt::format("input {} ({}) '{}' is an integer tensor; float expected", k, what,
                          node_->input(k)));
  }
  return c;
}

int Importer::new_value(Shape shape, int producer) {
  graph_->value_shapes.push_back(std::move(shape));
  value_uses_.push_back(0);
  producer_.push_back(producer);
  return static_cast<int>(graph_->value_shapes.size()) - 1;
}

void Importer::define_output(int k, int value) {
  const std::string& name = node_->output(k);
  if (name.empty()) fail_node(fmt::format("output {} has no name", k));
  if (values_.contains(name) || is_constant(name)) {
    fail_node(fmt::format("output '{}' is already defined (a graph assigns each name once)", name));
  }
  values_[name] = value;
  const auto it = uses_.find(name);
  value_uses_[static_cast<std::size_t>(value)] += it == uses_.end() ? 0 : it->second;
}

// Output 0 names the same value as input 0, which the node itself no longer reads.
void Importer::define_alias(int value) {
  --value_uses_[static_cast<std::size_t>(value)];
  define_output(0, value);
}

void Importer::define_constant(Constant c) {
  if (values_.contains(node_->output(0)) || is_constant(node_->output(0))) {
    fail_node(fmt::format("output '{}' is already defined", node_->output(0)));
  }
  constants_.emplace(node_->output(0), std::move(c));
}

void Importer::expect_unused_output(int k, const char* what) const {
  if (k >= node_->output_size() || node_->output(k).empty()) return;
  const auto it = uses_.find(node_->output(k));
  if (it != uses_.end() && it->second > 0) {
    fail_node(fmt::format("output {} ({}) '{}' is used; only the inference output is supported", k,
                          what, node_->output(k)));
  }
}

void Importer::allow_attributes(std::initializer_list<const char*> names) const {
  for (const auto& a : node_->attribute()) {
    if (std::none_of(names.begin(), names.end(), [&](const char* n) { return a.name() == n; })) {
      std::vector<std::string> allowed(names.begin(), names.end());
      fail_node(fmt::format(
          "unsupported attribute '{}' (supported: {})", a.name(),
          allowed.empty() ? std::string("none") : fmt::format("{}", fmt::join(allowed, ", "))));
    }
  }
}

const onnx::AttributeProto* Importer::attribute(const char* name,
                                                onnx::AttributeProto::AttributeType type) const {
  for (const auto& a : node_->attribute()) {
    if (a.name() != name) continue;
    if (a.type() != type) {
      fail_node(fmt::format("attribute '{}' has type {}, expected {}", name,
                            onnx::AttributeProto::AttributeType_Name(a.type()),
                            onnx::AttributeProto::AttributeType_Name(type)));
    }
    return &a;
  }
  return nullptr;
}

std::int64_t Importer::int_attribute(const char* name, std::int64_t fallback) const {
  const auto* a = attribute(name, onnx::AttributeProto::INT);
  return a ? a->i() : fallback;
}

float Importer::float_attribute(const char* name, float fallback) const {
  const auto* a = attribute(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : fallback;
}

std::string Importer::string_attribute(const char* name, const std::string& fallback) const {
  const auto* a = attribute(name, onnx::AttributeProto::STRING);
  return a ? a->s() : fallback;
}

std::vector<std::int64_t> Importer::ints_attribute(const char* name) const {
  const auto* a = attribute(name, onnx::AttributeProto::INTS);
  if (!a) return {};
  return {a->ints().begin(), a->ints().end()};
}

// An axis attribute of a tensor of `batched_rank` dimensions (batch included), made
// non-negative; axis 0, the batch, mixes samples and is refused.
int Importer::axis_attribute(std::int64_t fallback, std::size_t batched_rank) const {
  const auto rank = static_cast<std::int64_t>(batched_rank);
  const std::int64_t given = int_attribute("axis", fallback);
  const std::int64_t axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) {
    fail_node(fmt::format("axis {} is outside a tensor of {} dimensions", given, rank));
  }
  if (axis == 0) {
    fail_node(
        fmt::format("axis {} is the batch dimension, whose samples must stay independent", given));
  }
  return static_cast<int>(axis);
}

// Kernel, strides and padding (pads / auto_pad) of a 2-D convolution or pooling; rows.in,
// cols.in and the kernels are set by the caller. ceil_mode rounds the output size up, but as in
// PyTorch no window starts in the bottom/right padding.
void Importer::spatial_windows(Window& rows, Window& cols, bool ceil_mode, bool pooling) const {
  const auto dilations = ints_attribute("dilations");
  if (std::any_of(dilations.begin(), dilations.end(), [](std::int64_t d) { return d != 1; })) {
    fail_node(fmt::format("dilations [{}] are not supported (only 1)", fmt::join(dilations, ",")));
  }
  auto strides = ints_attribute("strides");
  if (strides.empty()) strides = {1, 1};
  if (strides.size() != 2 || std::any_of(strides.begin(), strides.end(), [](std::int64_t s) {
        return s < 1 || s > max_tensor_elements;
      })) {
    fail_node(fmt::format("strides [{}]: two values from 1 to {} (2^31) expected",
                          fmt::join(strides, ","), max_tensor_elements));
  }
  rows.stride = strides[0];
  cols.stride = strides[1];
  const std::string auto_pad = string_attribute("auto_pad", "NOTSET");
  auto pads = ints_attribute("pads");
  if (!pads.empty() && auto_pad != "NOTSET" &&
      std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p != 0; })) {
    fail_node(
        fmt::format("both pads [{}] and auto_pad {} are given", fmt::join(pads, ","), auto_pad));
  }
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [](std::int64_t p) {
        return p < 0 || p > max_tensor_elements;
      })) {
    fail_node(
        fmt::format("pads [{}]: four values from 0 to {} (2^31) expected (top, left, bottom, "
                    "right)",
                    fmt::join(pads, ","), max_tensor_elements));
  }
  if (std::max(rows.kernel, cols.kernel) > max_tensor_elements) {
    fail_node(fmt::format("kernel {}x{}: at most {} (2^31) per dimension", rows.kernel, cols.kernel,
                          max_tensor_elements));
  }
  for (auto [w, begin, end] :
       {std::tuple{&rows, pads[0], pads[2]}, std::tuple{&cols, pads[1], pads[3]}}) {
    if (auto_pad == "NOTSET" || auto_pad == "VALID") {
      w->pad_begin = auto_pad == "VALID" ? 0 : begin;
      w->pad_end = auto_pad == "VALID" ? 0 : end;
      const std::int64_t span = w->in + w->pad_begin + w->pad_end - w->kernel;
      if (span < 0) {
        fail_node(fmt::format("kernel {}x{} is larger than the padded input {}x{}", rows.kernel,
                              cols.kernel, rows.in + pads[0] + pads[2],
                              cols.in + pads[1] + pads[3]));
      }
      w->out = (ceil_mode ? (span + w->stride - 1) / w->stride : span / w->stride) + 1;
      if (ceil_mode && (w->out - 1) * w->stride >= w->in + w->pad_begin) --w->out;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w->out = (w->in + w->stride - 1) / w->stride;
      const std::int64_t total =
          std::max<std::int64_t>(0, (w->out - 1) * w->stride + w->kernel - w->in);
      w->pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w->pad_end = total - w->pad_begin;
    } else {
      fail_node(fmt::format("auto_pad '{}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER",
                            auto_pad));
    }
    // A pooling window entirely in the padding has no value (PyTorch refuses such pads too).
    if (pooling &&
        (w->pad_begin >= w->kernel || (w->out - 1) * w->stride - w->pad_begin >= w->in)) {
      fail_node(
          fmt::format("pads [{}] leave a pooling window without input (pads must be "
                      "smaller than the kernel {}x{})",
                      fmt::join(pads, ","), rows.kernel, cols.kernel));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The graph being built

Node& Importer::push_node(OpKind kind, std::vector<int> inputs, Shape output_shape) {
  // Checked here once for every operator: the engine allocates batch x this per node.
  const auto count = checked_element_count(output_shape);
  if (!count) {
    fail_node(fmt::format("its output of Nx{} per sample is too large: {}", to_string(output_shape),
                          size_limit_text()));
  }
  if (*count == 0) {
    fail_node(
        fmt::format("its output of Nx{} per sample has no elements", to_string(output_shape)));
  }
  Node node;
  node.kind = kind;
  node.info = graph_->info.size();  // the NodeInfo pushed after this node is translated
  node.inputs = std::move(inputs);
  node.output_shape = output_shape;
  node.output = new_value(std::move(output_shape), static_cast<int>(graph_->nodes.size()));
  graph_->nodes.push_back(std::move(node));
  define_output(0, graph_->nodes.back().output);
  return graph_->nodes.back();
}

std::size_t Importer::push_layer(LinearLayer layer, NodeInfo& info, const std::string& note) {
  const std::size_t index = graph_->layers.size();
  info.parameters = layer.parameter_count();
  info.linear_layer = static_cast<int>(index);
  info.note = note;
  graph_->layers.push_back(std::move(layer));
  layer_info_.push_back(graph_->info.size());
  return index;
}

// ---------------------------------------------------------------------------------------------
// The walk over the graph

void Importer::translate(NodeInfo& info) {
  const std::string& op = node_->op_type();
  if (!node_->domain().empty() && node_->domain() != "ai.onnx") {
    fail_node(fmt::format("operator domain '{}' is not supported (only the default ONNX domain)",
                          node_->domain()));
  }
  if (node_->output_size() == 0 || node_->output(0).empty()) {
    fail_node("the node has no output (output 0 must name the tensor it computes)");
  }
  const OperatorTranslator* translator = find_translator(op, opset_);
  if (translator == nullptr || translator->outputs == Outputs::one) {
    if (node_->output_size() != 1) {
      fail_node(fmt::format("{} outputs, expected 1", node_->output_size()));
    }
  }
  if (translator == nullptr) {
    fail_node(fmt::format("unsupported operator {} (supported: {})", op,
                          fmt::join(operator_names(), ", ")));
  }
  translator->translate(*this, info);
  // Constants keep the shape set above; computed tensors have a per-sample shape.
  if (const auto it = values_.find(node_->output(0)); it != values_.end()) {
    info.output_shape = shape(it->second);
  }
}

std::unique_ptr<Network::Graph> Importer::run() {
  for (const auto& opset : model_.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") opset_ = opset.version();
  }
  if (opset_ <= 0) fail("no opset version for the default ONNX domain");
  if (onnx_graph_.output_size() != 1) {
    fail(fmt::format("the graph has {} outputs; exactly one is supported",
                     onnx_graph_.output_size()));
  }
  for (const auto& t : onnx_graph_.initializer()) initializers_[t.name()] = &t;
  if (onnx_graph_.sparse_initializer_size() > 0) fail("sparse initializers are not supported");
  for (const auto& n : onnx_graph_.node()) {
    for (const auto& in : n.input()) {
      if (!in.empty()) ++uses_[in];
    }
  }
  ++uses_[onnx_graph_.output(0).name()];
  read_input();
  read_normalization();
  graph_->name = onnx_graph_.name();

  for (int i = 0; i < onnx_graph_.node_size(); ++i) {
    node_ = &onnx_graph_.node(i);
    node_index_ = i;
    node_name_ = node_->name();
    if (node_name_.empty() || node_names_.contains(node_name_)) {
      node_name_ = fmt::format("{}_{}", node_->op_type(), i);
    }
    node_names_.insert(node_name_);
    NodeInfo info;
    info.name = node_name_;
    info.op = node_->op_type();
    translate(info);
    graph_->info.push_back(std::move(info));
  }

  read_output();
  graph_->last_use.assign(graph_->value_shapes.size(), -1);
  for (std::size_t i = 0; i < graph_->nodes.size(); ++i) {
    for (const int v : graph_->nodes[i].inputs) {
      graph_->last_use[static_cast<std::size_t>(v)] = static_cast<int>(i);
    }
  }
  return std::move(graph_);
}

// The graph output: computed from the input, and of the declared shape if one is declared.
void Importer::read_output() {
  const auto& output = onnx_graph_.output(0);
  const auto it = values_.find(output.name());
  if (it == values_.end()) {
    fail(fmt::format("graph output '{}' is not computed from the graph input", output.name()));
  }
  graph_->output_value = it->second;
  graph_->output_shape = shape(it->second);
  if (output.type().has_tensor_type() && output.type().tensor_type().has_shape()) {
    const auto& dims = output.type().tensor_type().shape().dim();
    bool fits = static_cast<std::size_t>(dims.size()) == graph_->output_shape.size() + 1;
    for (int d = 1; fits && d < dims.size(); ++d) {
      fits = !dims[d].has_dim_value() ||
             dims[d].dim_value() == graph_->output_shape[static_cast<std::size_t>(d - 1)];
    }
    if (!fits) {
      std::vector<std::string> declared;
      for (const auto& d : dims) {
        declared.push_back(d.has_dim_value() ? std::to_string(d.dim_value()) : d.dim_param());
      }
      fail(fmt::format("graph output '{}' is declared [{}] but computes Nx{}", output.name(),
                       fmt::join(declared, ","), to_string(graph_->output_shape)));
    }
  }
}

}  // namespace kirchhoff::nn::onnx_import
