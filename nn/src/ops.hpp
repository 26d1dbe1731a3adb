// Kernels of the non-linear operators and of im2col, on batched row-major tensors (graph.hpp).
// Every kernel writes a whole output tensor whose shape the caller has set to
// {n, node.output_shape...}; none allocates per element.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "graph.hpp"
#include "kirchhoff/nn/tensor.hpp"

namespace kirchhoff::nn::ops {

// The im2col matrix of group `group` of a convolution over all samples of `input`
// ({n, channels, rows.in, cols.in}): column (s·P + oh·cols.out + ow) is the patch of sample s at
// output position (oh, ow), rows ordered (channel within the group, kernel row, kernel column);
// positions in the padding are 0. `x` is resized to (group_channels·kh·kw) × (n·P).
void im2col(const Tensor& input, std::int64_t channels, std::int64_t group,
            std::int64_t group_channels, const graph::Window& rows, const graph::Window& cols,
            Eigen::MatrixXf& x);

void relu(const Tensor& in, Tensor& out);
void clip(const Tensor& in, float lo, float hi, Tensor& out);
void sigmoid(const Tensor& in, Tensor& out);
void tanh(const Tensor& in, Tensor& out);
// Per-channel scale and shift along dimension 1.
void affine(const Tensor& in, const std::vector<float>& scale, const std::vector<float>& shift,
            Tensor& out);
void max_pool(const Tensor& in, const graph::Window& rows, const graph::Window& cols, Tensor& out);
// count_include_pad as PyTorch's avg_pool2d: the divisor counts the padding inside the padded
// input, not the part of a ceil_mode window that reaches beyond it.
void average_pool(const Tensor& in, const graph::Window& rows, const graph::Window& cols,
                  bool count_include_pad, Tensor& out);
// Mean over every dimension after 1 (the channel).
void global_average_pool(const Tensor& in, Tensor& out);
// Numpy broadcasting of two tensors of the same rank (a dimension is equal or 1 in each).
void add(const Tensor& a, const Tensor& b, Tensor& out);
void concat(const std::vector<const Tensor*>& inputs, int axis, Tensor& out);
// Constant padding: input element i goes to output element i + begin along every dimension.
void pad(const Tensor& in, const Shape& begin, float value, Tensor& out);
// Softmax over `axis`; with coerce_2d (opset < 13) over all dimensions from `axis` on.
void softmax(const Tensor& in, int axis, bool coerce_2d, Tensor& out);

}  // namespace kirchhoff::nn::ops
