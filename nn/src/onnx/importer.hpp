// The ONNX importer's infrastructure (docs/nn.md, "Supported operators"; "Adding an ONNX
// operator"): reads an onnx::ModelProto, walks its graph node by node in file order and hands each
// node to the translator that the table of operators.cpp registers for its op_type. The
// translators (one file per operator family) see the node through this class: its inputs as
// computed tensors or constants, its attributes, and the graph they append nodes and linear layers
// to. Every error names the file, and for a node its name, index and operator.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "../graph.hpp"
#include "kirchhoff/nn/network.hpp"
#include "kirchhoff/nn/tensor.hpp"

namespace kirchhoff::nn::onnx_import {

inline std::size_t at(std::int64_t i) {
  return static_cast<std::size_t>(i);
}

// What the sizes of a model may be, for messages: "at most 2147483648 (2^31) elements per tensor
// and per dimension" (max_tensor_elements).
[[nodiscard]] std::string size_limit_text();

// A constant tensor: an initializer or the output of a Constant node.
struct Constant {
  Shape shape;
  bool is_float = true;
  std::vector<float> floats;       // float and double tensors
  std::vector<std::int64_t> ints;  // int64, int32 and bool tensors
};

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string what)
      : model_(model), onnx_graph_(model.graph()), what_(std::move(what)) {}

  // The whole model: graph input, normalisation metadata, every node, the graph output.
  std::unique_ptr<Network::Graph> run();

  // --- for the translators: the current node ------------------------------------------------
  [[nodiscard]] const onnx::NodeProto& node() const { return *node_; }
  [[noreturn]] void fail_node(const std::string& message) const;

  // Inputs: a computed tensor ("activation", a value of the graph) or a constant.
  [[nodiscard]] bool has_input(int k) const {
    return k < node_->input_size() && !node_->input(k).empty();
  }
  void expect_inputs(int min, int max) const;
  [[nodiscard]] bool is_value(const std::string& name) const { return values_.contains(name); }
  [[nodiscard]] bool is_constant(const std::string& name) const;
  int activation(int k);
  const Constant& constant(int k, const char* what);
  const Constant& float_constant(int k, const char* what);
  [[nodiscard]] Constant to_constant(const onnx::TensorProto& t, const std::string& name) const;
  [[nodiscard]] const Shape& shape(int value) const {
    return graph_->value_shapes[static_cast<std::size_t>(value)];
  }

  // Outputs.
  void expect_unused_output(int k, const char* what) const;
  // Output 0 is another name for `value`, which the node itself no longer reads.
  void define_alias(int value);
  // Output 0 is the constant c (Constant, Identity of a weight).
  void define_constant(Constant c);

  // Attributes.
  void allow_attributes(std::initializer_list<const char*> names) const;
  [[nodiscard]] const onnx::AttributeProto* attribute(
      const char* name, onnx::AttributeProto::AttributeType type) const;
  [[nodiscard]] std::int64_t int_attribute(const char* name, std::int64_t fallback) const;
  [[nodiscard]] float float_attribute(const char* name, float fallback) const;
  [[nodiscard]] std::string string_attribute(const char* name, const std::string& fallback) const;
  [[nodiscard]] std::vector<std::int64_t> ints_attribute(const char* name) const;
  [[nodiscard]] int axis_attribute(std::int64_t fallback, std::size_t batched_rank) const;
  void spatial_windows(graph::Window& rows, graph::Window& cols, bool ceil_mode,
                       bool pooling) const;

  // The graph being built.
  graph::Node& push_node(graph::OpKind kind, std::vector<int> inputs, Shape output_shape);
  std::size_t push_layer(LinearLayer layer, NodeInfo& info, const std::string& note);
  [[nodiscard]] Network::Graph& graph() { return *graph_; }
  // The index into graph().nodes of the node computing `value` (−1: the graph input).
  [[nodiscard]] int producer(int value) const { return producer_[static_cast<std::size_t>(value)]; }
  // How many node inputs and graph outputs read `value`, under any of its names.
  [[nodiscard]] int uses(int value) const { return value_uses_[static_cast<std::size_t>(value)]; }
  // The description of the ONNX node that made linear layer `layer`.
  [[nodiscard]] NodeInfo& layer_info(int layer) {
    return graph_->info[layer_info_[static_cast<std::size_t>(layer)]];
  }
  // The input's batch dimension when the model fixes it, else 0.
  [[nodiscard]] std::int64_t fixed_batch() const { return fixed_batch_; }

 private:
  [[noreturn]] void fail(const std::string& message) const;
  void read_input();
  void read_normalization();
  void translate(NodeInfo& info);
  void read_output();
  int new_value(Shape shape, int producer);
  void define_output(int k, int value);

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

}  // namespace kirchhoff::nn::onnx_import
