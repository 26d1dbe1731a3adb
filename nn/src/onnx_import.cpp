// ONNX import (docs/nn.md, "Supported operators"): parses an onnx::ModelProto and translates its
// graph, node by node in file order, into a Network::Graph. Shapes are inferred per sample on the
// way; BatchNormalization is folded into the linear layer before it when that layer's output
// feeds nothing else. Every unsupported operator, attribute or shape is an error that names the
// file, the node (name and index) and the operator.
#include "kirchhoff/nn/onnx_import.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "graph.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"

namespace kirchhoff::nn {

namespace {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; this reader copies it as is");

using graph::Node;
using graph::OpKind;
using graph::Window;

const std::vector<std::string> kSupportedOperators = {"Add",
                                                      "AveragePool",
                                                      "BatchNormalization",
                                                      "Clip",
                                                      "Concat",
                                                      "Constant",
                                                      "Conv",
                                                      "Dropout",
                                                      "Flatten",
                                                      "Gemm",
                                                      "GlobalAveragePool",
                                                      "Identity",
                                                      "MatMul",
                                                      "MaxPool",
                                                      "Pad",
                                                      "Relu",
                                                      "Reshape",
                                                      "Sigmoid",
                                                      "Softmax",
                                                      "Tanh"};

std::size_t at(std::int64_t i) {
  return static_cast<std::size_t>(i);
}

// A constant tensor: an initializer or the output of a Constant node.
struct Constant {
  Shape shape;
  bool is_float = true;
  std::vector<float> floats;       // float and double tensors
  std::vector<std::int64_t> ints;  // int64, int32 and bool tensors
};

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
      return "another type";
  }
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string what)
      : model_(model), onnx_graph_(model.graph()), what_(std::move(what)) {}

  std::unique_ptr<Network::Graph> run();

 private:
  // --- errors -----------------------------------------------------------------------------
  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError(fmt::format("ONNX model '{}': {}", what_, message));
  }
  [[noreturn]] void fail_node(const std::string& message) const {
    throw FormatError(fmt::format("ONNX model '{}': node '{}' (#{}, {}): {}", what_, node_name_,
                                  node_index_, node_->op_type(), message));
  }

  // --- tensors ----------------------------------------------------------------------------
  Constant to_constant(const onnx::TensorProto& t, const std::string& name) const;
  void read_input();
  void read_normalization();

  // --- the current node -------------------------------------------------------------------
  bool has_input(int k) const { return k < node_->input_size() && !node_->input(k).empty(); }
  void expect_inputs(int min, int max) const;
  bool is_constant(const std::string& name) const;
  int activation(int k);
  const Constant& constant(int k, const char* what);
  const Constant& float_constant(int k, const char* what);
  int new_value(Shape shape, int producer);
  void define_output(int k, int value);
  void define_alias(int value);
  void expect_unused_output(int k, const char* what) const;
  const Shape& shape(int value) const {
    return graph_->value_shapes[static_cast<std::size_t>(value)];
  }

  // --- attributes -------------------------------------------------------------------------
  void allow_attributes(std::initializer_list<const char*> names) const;
  const onnx::AttributeProto* attribute(const char* name,
                                        onnx::AttributeProto::AttributeType type) const;
  std::int64_t int_attribute(const char* name, std::int64_t fallback) const;
  float float_attribute(const char* name, float fallback) const;
  std::string string_attribute(const char* name, const std::string& fallback) const;
  std::vector<std::int64_t> ints_attribute(const char* name) const;
  int axis_attribute(std::int64_t fallback, std::size_t batched_rank) const;
  void spatial_windows(Window& rows, Window& cols, bool ceil_mode, bool pooling) const;

  // --- operators ----------------------------------------------------------------------------
  void translate(NodeInfo& info);
  void conv(NodeInfo& info);
  void gemm(NodeInfo& info);
  void matmul(NodeInfo& info);
  void batch_normalization(NodeInfo& info);
  void unary(NodeInfo& info, OpKind kind);
  void clip(NodeInfo& info);
  void pool(NodeInfo& info, OpKind kind);
  void global_average_pool(NodeInfo& info);
  void flatten(NodeInfo& info);
  void reshape(NodeInfo& info);
  void add(NodeInfo& info);
  void concat(NodeInfo& info);
  void softmax(NodeInfo& info);
  void pad(NodeInfo& info);
  void pass_through(NodeInfo& info);
  void constant_node(NodeInfo& info);
  Node& push_node(OpKind kind, std::vector<int> inputs, Shape output_shape);
  std::size_t push_layer(LinearLayer layer, NodeInfo& info, const std::string& note);

  const onnx::ModelProto& model_;
  const onnx::GraphProto& onnx_graph_;
  std::string what_;
  std::unique_ptr<Network::Graph> graph_ = std::make_unique<Network::Graph>();
  std::int64_t opset_ = 0;
  std::int64_t fixed_batch_ = 0;  // the input's batch dimension when fixed, else 0

  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
  std::unordered_map<std::string, Constant> constants_;  // converted on first use
  std::unordered_map<std::string, int> values_;          // computed tensors by name
  std::unordered_map<std::string, int> uses_;  // node inputs and graph outputs naming a tensor
  std::vector<int> value_uses_;                // per value: uses of all the names it has
  std::vector<int> producer_;                  // per value: index into graph_->nodes, or −1
  std::vector<std::size_t> layer_info_;        // per linear layer: index into graph_->info
  std::set<std::string> node_names_;

  const onnx::NodeProto* node_ = nullptr;
  int node_index_ = 0;
  std::string node_name_;
};

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
  const auto count = at(element_count(c.shape));
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
      fail(
          fmt::format("tensor '{}' has data type {} (supported: float, double, int64, int32, bool)",
                      name, data_type_name(t.data_type())));
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
  if (!type.has_tensor_type() || type.tensor_type().elem_type() != onnx::TensorProto::FLOAT) {
    fail(fmt::format("graph input '{}' is not a float tensor", in.name()));
  }
  if (!type.tensor_type().has_shape() || type.tensor_type().shape().dim_size() < 2) {
    fail(fmt::format("graph input '{}' has no shape of at least 2 dimensions (batch first)",
                     in.name()));
  }
  const auto& dims = type.tensor_type().shape().dim();
  if (dims[0].has_dim_value()) fixed_batch_ = dims[0].dim_value();
  for (int d = 1; d < dims.size(); ++d) {
    if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0) {
      fail(
          fmt::format("graph input '{}': dimension {} is '{}'; every dimension but the first "
                      "(batch) must be a fixed positive size",
                      in.name(), d, dims[d].dim_param()));
    }
    graph_->input_shape.push_back(dims[d].dim_value());
  }
  graph_->input_value = new_value(graph_->input_shape, -1);
  values_[in.name()] = graph_->input_value;
  value_uses_[static_cast<std::size_t>(graph_->input_value)] = uses_[in.name()];
}

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
  if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1) {
    fail_node(fmt::format("strides [{}]: two values ≥ 1 expected", fmt::join(strides, ",")));
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
  if (pads.size() != 4 ||
      std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p < 0; })) {
    fail_node(fmt::format("pads [{}]: four values ≥ 0 expected (top, left, bottom, right)",
                          fmt::join(pads, ",")));
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
// Operators

Node& Importer::push_node(OpKind kind, std::vector<int> inputs, Shape output_shape) {
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

void Importer::conv(NodeInfo& info) {
  allow_attributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  expect_inputs(2, 3);
  const int x = activation(0);
  const Shape in = shape(x);
  if (in.size() != 3) {
    fail_node(
        fmt::format("input of shape Nx{}: only 2-D convolutions (input N×C×H×W) are "
                    "supported",
                    to_string(in)));
  }
  const Constant& w = float_constant(1, "weights");
  if (w.shape.size() != 4) {
    fail_node(fmt::format("weights of shape {}: 4 dimensions (M×C/group×kH×kW) expected",
                          to_string(w.shape)));
  }
  const std::int64_t groups = int_attribute("group", 1);
  const std::int64_t channels = in[0], outputs = w.shape[0];
  if (groups < 1 || channels % groups != 0 || outputs % groups != 0 ||
      w.shape[1] * groups != channels) {
    fail_node(fmt::format("weights of shape {} with group {} do not fit an input of {} channels",
                          to_string(w.shape), groups, channels));
  }
  const auto kernel = ints_attribute("kernel_shape");
  if (!kernel.empty() && kernel != std::vector<std::int64_t>{w.shape[2], w.shape[3]}) {
    fail_node(fmt::format("kernel_shape [{}] differs from the weights' {}x{}",
                          fmt::join(kernel, ","), w.shape[2], w.shape[3]));
  }
  Window rows{.in = in[1], .kernel = w.shape[2]}, cols{.in = in[2], .kernel = w.shape[3]};
  spatial_windows(rows, cols, false, false);

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
  if (has_input(2)) {
    const Constant& b = float_constant(2, "bias");
    if (b.shape != Shape{outputs}) {
      fail_node(fmt::format("bias of shape {}, expected {}", to_string(b.shape), outputs));
    }
    for (std::int64_t m = 0; m < outputs; ++m)
      layer.bias(static_cast<Eigen::Index>(m)) = b.floats[at(m)];
  }
  layer.vectors_per_sample = rows.out * cols.out;
  const std::string note = fmt::format(
      "{}x{} kernel, stride {}x{}, pads {},{},{},{}{}, {} vectors/sample", rows.kernel, cols.kernel,
      rows.stride, cols.stride, rows.pad_begin, cols.pad_begin, rows.pad_end, cols.pad_end,
      groups > 1 ? fmt::format(", {} groups", groups) : "", layer.vectors_per_sample);
  const std::size_t index = push_layer(std::move(layer), info, note);
  Node& node = push_node(OpKind::linear, {x}, {outputs, rows.out, cols.out});
  node.layer = static_cast<int>(index);
  node.channels = channels;
  node.rows = rows;
  node.cols = cols;
}

void Importer::gemm(NodeInfo& info) {
  allow_attributes({"alpha", "beta", "transA", "transB"});
  expect_inputs(2, 3);
  if (int_attribute("transA", 0) != 0) {
    fail_node("transA = 1 is not supported (input A must be the batch of row vectors)");
  }
  const int a = activation(0);
  const Shape in = shape(a);
  if (in.size() != 1) {
    fail_node(fmt::format("input A of shape Nx{}: Gemm takes a 2-D input N×K (flatten it first)",
                          to_string(in)));
  }
  const Constant& b = float_constant(1, "B, the weights");
  if (b.shape.size() != 2) {
    fail_node(fmt::format("B of shape {}: 2 dimensions expected", to_string(b.shape)));
  }
  const bool trans_b = int_attribute("transB", 0) != 0;
  const std::int64_t inputs = trans_b ? b.shape[1] : b.shape[0];
  const std::int64_t outputs = trans_b ? b.shape[0] : b.shape[1];
  if (inputs != in[0]) {
    fail_node(fmt::format("B of shape {}{} takes {} inputs, but A has {}", to_string(b.shape),
                          trans_b ? " (transB)" : "", inputs, in[0]));
  }
  const float alpha = float_attribute("alpha", 1.0F), beta = float_attribute("beta", 1.0F);
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
  if (has_input(2)) {
    const Constant& c = float_constant(2, "C, the bias");
    const std::int64_t n = element_count(c.shape);
    const bool row = c.shape.empty() || c.shape.back() == n;  // {}, {n}, {1, n}
    if (!(row && (n == outputs || n == 1))) {
      fail_node(
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
  if (has_input(2) && beta != 1.0F)
    note += fmt::format("{}beta {} folded", note.empty() ? "" : ", ", beta);
  const std::size_t index = push_layer(std::move(layer), info, note);
  push_node(OpKind::linear, {a}, {outputs}).layer = static_cast<int>(index);
}

void Importer::matmul(NodeInfo& info) {
  allow_attributes({});
  expect_inputs(2, 2);
  if (!values_.contains(node_->input(0)) && values_.contains(node_->input(1))) {
    fail_node(
        "the first input must be computed from the graph input and the second a constant "
        "2-D weight matrix (constant × tensor is not supported)");
  }
  const int a = activation(0);
  Shape out = shape(a);
  if (out.empty()) fail_node("input A is a scalar per sample");
  const Constant& b = float_constant(1, "B, the weights");
  if (b.shape.size() != 2) {
    fail_node(fmt::format("B of shape {}: a 2-D weight matrix expected", to_string(b.shape)));
  }
  const std::int64_t inputs = b.shape[0], outputs = b.shape[1];
  if (out.back() != inputs) {
    fail_node(fmt::format("B of shape {} takes {} inputs, but A (Nx{}) has {}", to_string(b.shape),
                          inputs, to_string(out), out.back()));
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
  const std::size_t index = push_layer(std::move(layer), info, note);
  push_node(OpKind::linear, {a}, out).layer = static_cast<int>(index);
}

void Importer::batch_normalization(NodeInfo& info) {
  allow_attributes(
      {"epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"});
  expect_inputs(5, 5);
  if (int_attribute("training_mode", 0) != 0) {
    fail_node("training_mode = 1 is not supported (inference only)");
  }
  if (int_attribute("spatial", 1) != 1) fail_node("spatial = 0 is not supported");
  for (int k = 1; k < node_->output_size(); ++k) expect_unused_output(k, "training statistics");
  const int x = activation(0);
  const Shape in = shape(x);
  if (in.empty()) fail_node("input has no channel dimension");
  const std::int64_t channels = in[0];
  const char* names[] = {"scale", "B", "input_mean", "input_var"};
  std::vector<const Constant*> p;
  for (int k = 1; k <= 4; ++k) {
    const Constant& c = float_constant(k, names[k - 1]);
    if (element_count(c.shape) != channels || c.shape.size() != 1) {
      fail_node(fmt::format("{} of shape {}, expected {} (one per channel)", names[k - 1],
                            to_string(c.shape), channels));
    }
    p.push_back(&c);
  }
  const double epsilon = static_cast<double>(float_attribute("epsilon", 1e-5F));
  // y = scale·(x − mean)/sqrt(var + ε) + B = s·x + t, in double before rounding to float.
  std::vector<double> s(at(channels)), t(at(channels));
  for (std::size_t c = 0; c < s.size(); ++c) {
    s[c] = static_cast<double>(p[0]->floats[c]) /
           std::sqrt(static_cast<double>(p[3]->floats[c]) + epsilon);
    t[c] = static_cast<double>(p[1]->floats[c]) - static_cast<double>(p[2]->floats[c]) * s[c];
  }
  // Folding needs the linear layer's output to feed this node only, with the channel at
  // dimension 1 of the batched tensor being the layer's output (Conv, or 2-D Gemm / MatMul).
  const int producer = producer_[static_cast<std::size_t>(x)];
  const Node* linear = producer >= 0 && graph_->nodes[at(producer)].kind == OpKind::linear
                           ? &graph_->nodes[at(producer)]
                           : nullptr;
  std::string why_not;
  if (!linear) {
    why_not = "its input is not the output of a Conv, Gemm or MatMul";
  } else if (graph_->layers[at(linear->layer)].op != "Conv" && in.size() != 1) {
    why_not = "the MatMul output's channel dimension is not its output features";
  } else if (value_uses_[static_cast<std::size_t>(x)] != 1) {
    why_not = fmt::format("the output of {} is also used elsewhere",
                          graph_->layers[at(linear->layer)].name);
  }
  if (why_not.empty()) {
    LinearLayer& layer = graph_->layers[at(linear->layer)];
    const Eigen::Index per_group = layer.outputs_per_group();
    for (std::size_t c = 0; c < s.size(); ++c) {
      const auto ci = static_cast<Eigen::Index>(c);
      Eigen::MatrixXf& w = layer.weights[static_cast<std::size_t>(ci / per_group)];
      w.col(ci % per_group) = (w.col(ci % per_group).cast<double>() * s[c]).cast<float>();
      layer.bias(ci) = static_cast<float>(static_cast<double>(layer.bias(ci)) * s[c] + t[c]);
    }
    NodeInfo& layer_info = graph_->info[layer_info_[at(linear->layer)]];
    layer_info.note += fmt::format("{}BatchNormalization '{}' folded in",
                                   layer_info.note.empty() ? "" : "; ", info.name);
    layer_info.parameters = layer.parameter_count();
    info.note = fmt::format("folded into {}", layer.name);
    define_alias(x);
    return;
  }
  Node& node = push_node(OpKind::affine, {x}, in);
  node.channels = channels;
  for (std::size_t c = 0; c < s.size(); ++c) {
    node.scale.push_back(static_cast<float>(s[c]));
    node.shift.push_back(static_cast<float>(t[c]));
  }
  info.parameters = 2 * channels;
  info.note = "per-channel affine, not folded: " + why_not;
}

void Importer::unary(NodeInfo& /*info*/, OpKind kind) {
  allow_attributes({});
  expect_inputs(1, 1);
  const int x = activation(0);
  push_node(kind, {x}, shape(x));
}

void Importer::clip(NodeInfo& info) {
  float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  if (opset_ < 11) {
    allow_attributes({"min", "max"});
    expect_inputs(1, 1);
    lo = float_attribute("min", lo);
    hi = float_attribute("max", hi);
  } else {
    allow_attributes({});
    expect_inputs(1, 3);
    for (int k = 1; k <= 2; ++k) {
      if (!has_input(k)) continue;
      const Constant& c = float_constant(k, k == 1 ? "min" : "max");
      if (c.floats.size() != 1) {
        fail_node(fmt::format("{} of shape {}: a scalar expected", k == 1 ? "min" : "max",
                              to_string(c.shape)));
      }
      (k == 1 ? lo : hi) = c.floats.front();
    }
  }
  const int x = activation(0);
  Node& node = push_node(OpKind::clip, {x}, shape(x));
  node.clip_min = lo;
  node.clip_max = hi;
  info.note = fmt::format("[{}, {}]", lo, hi);
}

void Importer::pool(NodeInfo& info, OpKind kind) {
  const bool average = kind == OpKind::average_pool;
  if (average) {
    allow_attributes({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape",
                      "pads", "strides"});
  } else {
    // storage_order only changes the Indices output, which must be unused.
    allow_attributes(
        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
    expect_unused_output(1, "Indices");
  }
  expect_inputs(1, 1);
  const int x = activation(0);
  const Shape in = shape(x);
  if (in.size() != 3) {
    fail_node(fmt::format("input of shape Nx{}: only 2-D pooling (input N×C×H×W) is supported",
                          to_string(in)));
  }
  const auto kernel = ints_attribute("kernel_shape");
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1) {
    fail_node(fmt::format("kernel_shape [{}]: two values ≥ 1 expected", fmt::join(kernel, ",")));
  }
  Window rows{.in = in[1], .kernel = kernel[0]}, cols{.in = in[2], .kernel = kernel[1]};
  const bool ceil_mode = int_attribute("ceil_mode", 0) != 0;
  spatial_windows(rows, cols, ceil_mode, true);
  Node& node = push_node(kind, {x}, {in[0], rows.out, cols.out});
  node.rows = rows;
  node.cols = cols;
  node.count_include_pad = average && int_attribute("count_include_pad", 0) != 0;
  info.note = fmt::format("{}x{} window, stride {}x{}, pads {},{},{},{}{}{}", rows.kernel,
                          cols.kernel, rows.stride, cols.stride, rows.pad_begin, cols.pad_begin,
                          rows.pad_end, cols.pad_end, ceil_mode ? ", ceil_mode" : "",
                          node.count_include_pad ? ", count_include_pad" : "");
}

void Importer::global_average_pool(NodeInfo& /*info*/) {
  allow_attributes({});
  expect_inputs(1, 1);
  const int x = activation(0);
  Shape out = shape(x);
  if (out.size() < 2) {
    fail_node(fmt::format("input of shape Nx{}: N×C×spatial dimensions expected", to_string(out)));
  }
  std::fill(out.begin() + 1, out.end(), 1);
  push_node(OpKind::global_average_pool, {x}, out);
}

void Importer::flatten(NodeInfo& /*info*/) {
  allow_attributes({"axis"});
  expect_inputs(1, 1);
  const int x = activation(0);
  const Shape& in = shape(x);
  const auto rank = static_cast<std::int64_t>(in.size()) + 1;
  const std::int64_t given = int_attribute("axis", 1);
  if ((given < 0 ? given + rank : given) != 1) {
    fail_node(
        fmt::format("axis {} of a {}-D input would mix samples of the batch; only axis 1 "
                    "(N × everything else) is supported",
                    given, rank));
  }
  push_node(OpKind::reshape, {x}, {element_count(in)});
}

void Importer::reshape(NodeInfo& info) {
  allow_attributes({"allowzero"});
  expect_inputs(2, 2);
  const int x = activation(0);
  const Shape& in = shape(x);
  const Constant& target = constant(1, "shape");
  if (target.is_float || target.shape.size() != 1 || target.ints.empty()) {
    fail_node("the shape input must be a constant 1-D integer tensor");
  }
  const std::vector<std::int64_t>& s = target.ints;
  const bool allow_zero = int_attribute("allowzero", 0) != 0;
  const auto text = fmt::format("[{}]", fmt::join(s, ","));
  // Entry 0 must keep the batch: 0 (copy), −1 (inferred) or the input's fixed batch size.
  if (!(s[0] == -1 || (s[0] == 0 && !allow_zero) || (fixed_batch_ > 0 && s[0] == fixed_batch_))) {
    fail_node(fmt::format(
        "shape {} does not keep the batch as dimension 0 (expected 0, -1{})", text,
        fixed_batch_ > 0 ? fmt::format(" or the fixed batch size {}", fixed_batch_) : ""));
  }
  Shape out;
  int inferred = -1;
  for (std::size_t d = 1; d < s.size(); ++d) {
    if (s[d] == 0 && !allow_zero) {
      if (d - 1 >= in.size())
        fail_node(fmt::format("shape {}: entry {} copies a missing dimension", text, d));
      out.push_back(in[d - 1]);
    } else if (s[d] == -1 && inferred < 0 && s[0] != -1) {
      inferred = static_cast<int>(out.size());
      out.push_back(1);
    } else if (s[d] > 0) {
      out.push_back(s[d]);
    } else {
      fail_node(fmt::format("shape {}: entry {} = {} is not allowed here", text, d, s[d]));
    }
  }
  const std::int64_t known = element_count(out);
  if (inferred >= 0 && known > 0 && element_count(in) % known == 0) {
    out[static_cast<std::size_t>(inferred)] = element_count(in) / known;
  }
  if (element_count(out) != element_count(in)) {
    fail_node(
        fmt::format("shape {} does not fit an input of Nx{} per sample", text, to_string(in)));
  }
  push_node(OpKind::reshape, {x}, out);
  info.note = fmt::format("shape {}", text);
}

void Importer::add(NodeInfo& info) {
  allow_attributes({});
  expect_inputs(2, 2);
  const bool c0 = !values_.contains(node_->input(0)) && is_constant(node_->input(0));
  const bool c1 = !values_.contains(node_->input(1)) && is_constant(node_->input(1));
  if (c0 && c1) fail_node("both inputs are constants (constant folding is not supported)");
  const int a = activation(c0 ? 1 : 0);
  const Shape& sa = shape(a);
  const auto rank = sa.size() + 1;  // batched
  // The other operand, batched: either a tensor of the graph or the constant with leading 1s.
  Shape sb;
  int b = -1;
  Tensor constant_operand;
  if (c0 || c1) {
    const Constant& c = float_constant(c0 ? 0 : 1, "constant operand");
    if (c.shape.size() > rank || (c.shape.size() == rank && c.shape.front() != 1)) {
      fail_node(
          fmt::format("constant of shape {} would broadcast over the batch of an Nx{} "
                      "tensor",
                      to_string(c.shape), to_string(sa)));
    }
    sb.assign(rank - c.shape.size(), 1);
    sb.insert(sb.end(), c.shape.begin(), c.shape.end());
    constant_operand = Tensor(sb, c.floats);
    sb.erase(sb.begin());
  } else {
    b = activation(1);
    sb = shape(b);
    if (sb.size() != sa.size()) {
      fail_node(
          fmt::format("inputs of shapes Nx{} and Nx{}: tensors of the graph must have the "
                      "same rank",
                      to_string(sa), to_string(shape(b))));
    }
  }
  Shape out(sa.size());
  for (std::size_t d = 0; d < sa.size(); ++d) {
    if (sa[d] != sb[d] && sa[d] != 1 && sb[d] != 1) {
      fail_node(fmt::format("shapes Nx{} and Nx{} do not broadcast", to_string(sa), to_string(sb)));
    }
    out[d] = std::max(sa[d], sb[d]);
  }
  if (b >= 0) {
    push_node(OpKind::add, {a, b}, out);
  } else {
    push_node(OpKind::add, {a}, out).constant = std::move(constant_operand);
    info.parameters = element_count(graph_->nodes.back().constant.shape);
    info.note = "constant operand";
  }
}

void Importer::concat(NodeInfo& /*info*/) {
  allow_attributes({"axis"});
  expect_inputs(1, std::numeric_limits<int>::max());
  std::vector<int> inputs;
  for (int k = 0; k < node_->input_size(); ++k) inputs.push_back(activation(k));
  Shape out = shape(inputs.front());
  if (!attribute("axis", onnx::AttributeProto::INT)) fail_node("the axis attribute is required");
  const int axis = axis_attribute(0, out.size() + 1);
  const auto d = static_cast<std::size_t>(axis - 1);
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    const Shape& s = shape(inputs[k]);
    Shape a = out, b = s;
    if (s.size() != out.size()) {
      fail_node(fmt::format("inputs of shapes Nx{} and Nx{} differ in rank",
                            to_string(shape(inputs.front())), to_string(s)));
    }
    a[d] = b[d] = 0;
    if (a != b) {
      fail_node(fmt::format("inputs of shapes Nx{} and Nx{} differ outside axis {}",
                            to_string(shape(inputs.front())), to_string(s), axis));
    }
    out[d] += s[d];
  }
  push_node(OpKind::concat, inputs, out).axis = axis;
}

void Importer::softmax(NodeInfo& info) {
  allow_attributes({"axis"});
  expect_inputs(1, 1);
  const int x = activation(0);
  const Shape& in = shape(x);
  // Opset < 13: the input is seen as 2-D, [dims before axis] × [axis and after]; default axis 1.
  const bool coerce = opset_ < 13;
  const int axis = axis_attribute(coerce ? 1 : -1, in.size() + 1);
  Node& node = push_node(OpKind::softmax, {x}, in);
  node.axis = axis;
  node.softmax_2d = coerce;
  info.note = fmt::format("axis {}{}", axis, coerce ? " (opset < 13: all dimensions from it)" : "");
}

// PyTorch exports AvgPool2d(count_include_pad=True) as Pad → AveragePool.
void Importer::pad(NodeInfo& info) {
  std::vector<std::int64_t> pads;
  float value = 0.0F;
  if (opset_ < 11) {
    allow_attributes({"mode", "pads", "value"});
    expect_inputs(1, 1);
    pads = ints_attribute("pads");
    value = float_attribute("value", 0.0F);
  } else {
    allow_attributes({"mode"});
    expect_inputs(2, 3);
    const Constant& p = constant(1, "pads");
    if (p.is_float) fail_node("pads must be an integer tensor");
    pads = p.ints;
    if (has_input(2)) {
      const Constant& v = float_constant(2, "constant_value");
      if (v.floats.size() != 1) fail_node("constant_value must be a scalar");
      value = v.floats.front();
    }
  }
  const std::string mode = string_attribute("mode", "constant");
  if (mode != "constant") {
    fail_node(fmt::format("mode '{}' is not supported (only constant)", mode));
  }
  const int x = activation(0);
  const Shape in = shape(x);
  const std::size_t rank = in.size() + 1;
  const auto text = fmt::format("[{}]", fmt::join(pads, ","));
  if (pads.size() != 2 * rank) {
    fail_node(fmt::format("pads {}: {} values expected for a {}-D input", text, 2 * rank, rank));
  }
  if (std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p < 0; })) {
    fail_node(fmt::format("pads {}: negative pads (cropping) are not supported", text));
  }
  if (pads[0] != 0 || pads[rank] != 0) {
    fail_node(fmt::format("pads {} pad the batch dimension", text));
  }
  Shape out = in;
  for (std::size_t d = 0; d < in.size(); ++d) out[d] += pads[d + 1] + pads[d + 1 + rank];
  Node& node = push_node(OpKind::pad, {x}, out);
  node.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(rank));
  node.pad_value = value;
  info.note = fmt::format("pads {}, value {}", text, value);
}

void Importer::pass_through(NodeInfo& info) {
  if (node_->op_type() == "Dropout") {
    allow_attributes({"ratio", "seed", "is_test"});
    expect_inputs(1, 3);
    expect_unused_output(1, "mask");
    if (has_input(2)) {
      const Constant& training = constant(2, "training_mode");
      if (training.ints.size() != 1 || training.ints.front() != 0) {
        fail_node("training_mode must be a constant false (inference only)");
      }
    }
    if (has_input(1)) (void)constant(1, "ratio");
  } else {
    allow_attributes({});
    expect_inputs(1, 1);
  }
  info.note = "pass-through (inference)";
  const std::string& name = node_->input(0);
  if (!values_.contains(name) && is_constant(name)) {
    // Identity of a weight (shared initializers in PyTorch exports): another name for it.
    const Constant c = constant(0, "input");
    if (values_.contains(node_->output(0)) || is_constant(node_->output(0))) {
      fail_node(fmt::format("output '{}' is already defined", node_->output(0)));
    }
    info.output_shape = c.shape;
    constants_.emplace(node_->output(0), c);
    return;
  }
  define_alias(activation(0));
}

void Importer::constant_node(NodeInfo& info) {
  allow_attributes({"value", "value_float", "value_floats", "value_int", "value_ints"});
  expect_inputs(0, 0);
  if (node_->attribute_size() != 1) fail_node("exactly one value attribute expected");
  const onnx::AttributeProto& a = node_->attribute(0);
  Constant c;
  if (a.name() == "value") {
    c = to_constant(attribute("value", onnx::AttributeProto::TENSOR)->t(), node_->output(0));
  } else if (a.name() == "value_float") {
    c.floats = {float_attribute("value_float", 0.0F)};
  } else if (a.name() == "value_floats") {
    const auto* f = attribute("value_floats", onnx::AttributeProto::FLOATS);
    c.floats.assign(f->floats().begin(), f->floats().end());
    c.shape = {static_cast<std::int64_t>(c.floats.size())};
  } else if (a.name() == "value_int") {
    c.is_float = false;
    c.ints = {int_attribute("value_int", 0)};
  } else {
    c.is_float = false;
    c.ints = ints_attribute("value_ints");
    c.shape = {static_cast<std::int64_t>(c.ints.size())};
  }
  if (node_->output_size() != 1 || node_->output(0).empty()) fail_node("one output expected");
  if (values_.contains(node_->output(0)) || is_constant(node_->output(0))) {
    fail_node(fmt::format("output '{}' is already defined", node_->output(0)));
  }
  info.output_shape = c.shape;
  info.note = "constant";
  constants_.emplace(node_->output(0), std::move(c));
}

void Importer::translate(NodeInfo& info) {
  const std::string& op = node_->op_type();
  if (!node_->domain().empty() && node_->domain() != "ai.onnx") {
    fail_node(fmt::format("operator domain '{}' is not supported (only the default ONNX domain)",
                          node_->domain()));
  }
  if (op != "Constant" && op != "Dropout" && op != "MaxPool" && op != "BatchNormalization") {
    if (node_->output_size() != 1) {
      fail_node(fmt::format("{} outputs, expected 1", node_->output_size()));
    }
  }
  if (op == "Conv") {
    conv(info);
  } else if (op == "Gemm") {
    gemm(info);
  } else if (op == "MatMul") {
    matmul(info);
  } else if (op == "BatchNormalization") {
    batch_normalization(info);
  } else if (op == "Relu") {
    unary(info, OpKind::relu);
  } else if (op == "Sigmoid") {
    unary(info, OpKind::sigmoid);
  } else if (op == "Tanh") {
    unary(info, OpKind::tanh);
  } else if (op == "Clip") {
    clip(info);
  } else if (op == "MaxPool") {
    pool(info, OpKind::max_pool);
  } else if (op == "AveragePool") {
    pool(info, OpKind::average_pool);
  } else if (op == "GlobalAveragePool") {
    global_average_pool(info);
  } else if (op == "Flatten") {
    flatten(info);
  } else if (op == "Reshape") {
    reshape(info);
  } else if (op == "Add") {
    add(info);
  } else if (op == "Concat") {
    concat(info);
  } else if (op == "Softmax") {
    softmax(info);
  } else if (op == "Pad") {
    pad(info);
  } else if (op == "Dropout" || op == "Identity") {
    pass_through(info);
  } else if (op == "Constant") {
    constant_node(info);
  } else {
    fail_node(fmt::format("unsupported operator {} (supported: {})", op,
                          fmt::join(kSupportedOperators, ", ")));
  }
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
  graph_->last_use.assign(graph_->value_shapes.size(), -1);
  for (std::size_t i = 0; i < graph_->nodes.size(); ++i) {
    for (const int v : graph_->nodes[i].inputs) {
      graph_->last_use[static_cast<std::size_t>(v)] = static_cast<int>(i);
    }
  }
  return std::move(graph_);
}

}  // namespace

Network load_onnx_bytes(const std::string& bytes, const std::string& what) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    throw FormatError(
        fmt::format("ONNX model '{}': not a readable ONNX protobuf ({} bytes; "
                    "truncated or corrupt)",
                    what, bytes.size()));
  }
  if (model.ir_version() <= 0 || !model.has_graph()) {
    throw FormatError(fmt::format("ONNX model '{}': not an ONNX model (no {})", what,
                                  model.ir_version() <= 0 ? "IR version" : "graph"));
  }
  auto graph = Importer(model, what).run();
  if (graph->name.empty()) graph->name = std::filesystem::path(what).stem().string();
  return Network(std::move(graph));
}

Network load_onnx(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError(fmt::format("cannot read ONNX model '{}': it is a directory", path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(fmt::format("cannot open ONNX model '{}'", path));
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) throw IoError(fmt::format("cannot read ONNX model '{}'", path));
  return load_onnx_bytes(bytes.str(), path);
}

const std::vector<std::string>& supported_operators() {
  return kSupportedOperators;
}

}  // namespace kirchhoff::nn
