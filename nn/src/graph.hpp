// The inside of a Network (network.hpp): nodes in execution order over numbered values. Written by
// the ONNX importer (onnx/importer.hpp and the translators of onnx/operators.hpp), run by
// Network::forward (network.cpp) with the kernels of ops.hpp. Every value is a batched tensor
// {n, per-sample shape...}; shapes here are per sample.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kirchhoff/nn/network.hpp"
#include "kirchhoff/nn/tensor.hpp"

namespace kirchhoff::nn {

namespace graph {

enum class OpKind {
  linear,  // Gemm, MatMul, Conv through a LinearExecutor; bias added after
  affine,  // per-channel y = x·scale_c + shift_c (a BatchNormalization that could not be folded)
  relu,
  clip,
  sigmoid,
  tanh,
  max_pool,
  average_pool,
  global_average_pool,
  reshape,  // Flatten, Reshape: same values, another per-sample shape
  pad,      // constant padding
  add,      // numpy broadcasting
  concat,
  softmax,
};

// A sliding window along one spatial axis (convolution or pooling): output position o covers
// input positions o·stride − pad_begin … o·stride − pad_begin + kernel − 1.
struct Window {
  std::int64_t in = 0, kernel = 1, stride = 1, pad_begin = 0, pad_end = 0, out = 0;
};

struct Node {
  OpKind kind = OpKind::relu;
  std::size_t info = 0;     // the ONNX node: index into Graph::info
  std::vector<int> inputs;  // values read (Add: one or two)
  int output = 0;
  Shape output_shape;  // per sample

  int layer = -1;                  // linear: index into Graph::layers
  std::int64_t channels = 0;       // conv: input channels; affine: channels (dimension 1)
  Window rows, cols;               // conv and pooling (height, width)
  bool count_include_pad = false;  // average pool
  float clip_min = 0.0F, clip_max = 0.0F;
  std::vector<float> scale, shift;  // affine, one per channel
  // add with a constant operand: the constant, its shape padded with leading 1s to the batched
  // rank (so its dimension 0 is 1)
  Tensor constant;
  int axis = 1;     // concat / softmax: axis of the batched tensor (≥ 1)
  Shape pad_begin;  // pad: elements added before each batched dimension (0 for the batch)
  float pad_value = 0.0F;
  bool softmax_2d = false;  // opset < 13: softmax over all dimensions from `axis` on
};

}  // namespace graph

struct Network::Graph {
  std::string name;
  Shape input_shape, output_shape;  // per sample
  Normalization normalization;
  std::vector<LinearLayer> layers;
  std::vector<graph::Node> nodes;   // execution order
  std::vector<NodeInfo> info;       // one per ONNX node, in file order
  std::vector<Shape> value_shapes;  // per sample, indexed by value
  int input_value = 0, output_value = 0;
  // Per value, the index of the last node reading it (−1: none), so forward() frees it early.
  std::vector<int> last_use;
};

}  // namespace kirchhoff::nn
