// The table of ONNX operators (operators.hpp): the one place that says which op_type and opset
// versions load_onnx accepts, and which translator reads them.
#include "operators.hpp"

#include <array>

namespace kirchhoff::nn::onnx_import {

namespace {

// Sorted by op_type, then since_opset; every op_type's first entry is since opset 1.
constexpr auto kOperators = std::to_array<OperatorTranslator>({
    {"Add", 1, translate_add},
    {"AveragePool", 1, translate_average_pool},
    {"BatchNormalization", 1, translate_batch_normalization, Outputs::translator},
    {"Clip", 1, translate_clip_opset1},    // min, max attributes
    {"Clip", 11, translate_clip_opset11},  // min, max inputs
    {"Concat", 1, translate_concat},
    {"Constant", 1, translate_constant, Outputs::translator},
    {"Conv", 1, translate_conv},
    {"Dropout", 1, translate_dropout, Outputs::translator},
    {"Flatten", 1, translate_flatten},
    {"Gemm", 1, translate_gemm},
    {"GlobalAveragePool", 1, translate_global_average_pool},
    {"Identity", 1, translate_identity},
    {"MatMul", 1, translate_matmul},
    {"MaxPool", 1, translate_max_pool, Outputs::translator},
    {"Pad", 1, translate_pad_opset1},    // pads, value attributes
    {"Pad", 11, translate_pad_opset11},  // pads, constant_value inputs
    {"Relu", 1, translate_relu},
    {"Reshape", 1, translate_reshape},
    {"Sigmoid", 1, translate_sigmoid},
    {"Softmax", 1, translate_softmax_opset1},    // over all dimensions from axis on
    {"Softmax", 13, translate_softmax_opset13},  // over one axis
    {"Tanh", 1, translate_tanh},
});

constexpr bool well_ordered(const auto& table) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    const bool first = i == 0 || table[i - 1].op_type != table[i].op_type;
    if (first && table[i].since_opset != 1) return false;
    if (!first && table[i - 1].since_opset >= table[i].since_opset) return false;
    if (i > 0 && table[i - 1].op_type > table[i].op_type) return false;
  }
  return true;
}
static_assert(well_ordered(kOperators),
              "kOperators: sorted by op_type then since_opset, each op_type from opset 1");

}  // namespace

const OperatorTranslator* find_translator(std::string_view op_type, std::int64_t opset) {
  const OperatorTranslator* found = nullptr;
  for (const OperatorTranslator& entry : kOperators) {
    if (entry.op_type == op_type && entry.since_opset <= opset) found = &entry;
  }
  return found;
}

const std::vector<std::string>& operator_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> unique;
    for (const OperatorTranslator& entry : kOperators) {
      if (unique.empty() || unique.back() != entry.op_type) unique.emplace_back(entry.op_type);
    }
    return unique;
  }();
  return names;
}

}  // namespace kirchhoff::nn::onnx_import
