// The ONNX operators the importer translates (docs/nn.md, "Adding an ONNX operator"): one table
// (operators.cpp) maps an op_type and the first opset version a translator reads to the
// translator, a function of one operator family's file that checks the node through the Importer
// and appends its nodes and linear layers to the graph.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "importer.hpp"

namespace kirchhoff::nn::onnx_import {

using Translator = void (*)(Importer& im, NodeInfo& info);

// How a node's outputs are checked before its translator runs.
enum class Outputs : std::uint8_t {
  one,         // exactly one, checked by the importer
  translator,  // by the translator (optional outputs that must be unused, Constant's own message)
};

struct OperatorTranslator {
  std::string_view op_type;
  // The first opset version of the default domain that the translator reads; it serves models up
  // to the next entry of the same op_type (whose attributes and inputs changed there).
  std::int64_t since_opset = 1;
  Translator translate = nullptr;
  Outputs outputs = Outputs::one;
};

// The translator of op_type in a model of the given opset, or null for an unsupported operator.
[[nodiscard]] const OperatorTranslator* find_translator(std::string_view op_type,
                                                        std::int64_t opset);
// The op_types of the table, sorted.
[[nodiscard]] const std::vector<std::string>& operator_names();

// --- linear.cpp: layers whose weights go through a LinearExecutor ----------------------------
void translate_conv(Importer& im, NodeInfo& info);
void translate_gemm(Importer& im, NodeInfo& info);
void translate_matmul(Importer& im, NodeInfo& info);

// --- normalization.cpp ------------------------------------------------------------------------
void translate_batch_normalization(Importer& im, NodeInfo& info);

// --- activation.cpp: element-wise activations and Softmax -------------------------------------
void translate_relu(Importer& im, NodeInfo& info);
void translate_sigmoid(Importer& im, NodeInfo& info);
void translate_tanh(Importer& im, NodeInfo& info);
void translate_clip_opset1(Importer& im, NodeInfo& info);
void translate_clip_opset11(Importer& im, NodeInfo& info);
void translate_softmax_opset1(Importer& im, NodeInfo& info);
void translate_softmax_opset13(Importer& im, NodeInfo& info);

// --- arithmetic.cpp: element-wise arithmetic of two operands ----------------------------------
void translate_add(Importer& im, NodeInfo& info);

// --- pooling.cpp ------------------------------------------------------------------------------
void translate_max_pool(Importer& im, NodeInfo& info);
void translate_average_pool(Importer& im, NodeInfo& info);
void translate_global_average_pool(Importer& im, NodeInfo& info);

// --- shape.cpp: nodes that move values without arithmetic ------------------------------------
void translate_flatten(Importer& im, NodeInfo& info);
void translate_reshape(Importer& im, NodeInfo& info);
void translate_concat(Importer& im, NodeInfo& info);
void translate_pad_opset1(Importer& im, NodeInfo& info);
void translate_pad_opset11(Importer& im, NodeInfo& info);

// --- constant.cpp: constants and nodes that pass their input through (inference) -------------
void translate_constant(Importer& im, NodeInfo& info);
void translate_dropout(Importer& im, NodeInfo& info);
void translate_identity(Importer& im, NodeInfo& info);

}  // namespace kirchhoff::nn::onnx_import
