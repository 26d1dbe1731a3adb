#include "ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kirchhoff::nn::ops {

namespace {

std::size_t at(std::int64_t i) {
  return static_cast<std::size_t>(i);
}

// Elements of dimensions [from, to) of a shape.
std::int64_t span(const Shape& shape, std::size_t from, std::size_t to) {
  std::int64_t n = 1;
  for (std::size_t d = from; d < to; ++d) n *= shape[d];
  return n;
}

// Kernel row of a patch: kw values of an input row from column w0 on, zeros where the window
// lies in the padding. KW > 0 fixes kw at compile time: the common small kernels are then plain
// moves instead of a memmove call per row.
template <int KW>
inline float* copy_patch_row(const float* row, std::int64_t width, std::int64_t w0,
                             std::int64_t kw_dynamic, float* dst) {
  const std::int64_t kw = KW > 0 ? KW : kw_dynamic;
  if (w0 >= 0 && w0 + kw <= width) {
    for (std::int64_t j = 0; j < kw; ++j) dst[j] = row[w0 + j];
  } else {
    for (std::int64_t j = 0; j < kw; ++j) {
      const std::int64_t w = w0 + j;
      dst[j] = (w >= 0 && w < width) ? row[w] : 0.0F;
    }
  }
  return dst + kw;
}

template <int KW>
void im2col_kernel(const Tensor& input, std::int64_t channels, std::int64_t group,
                   std::int64_t group_channels, const graph::Window& rows,
                   const graph::Window& cols, float* dst) {
  const std::int64_t samples = input.shape[0];
  const std::int64_t height = rows.in, width = cols.in, plane = height * width;
  const std::int64_t kh = rows.kernel, kw = KW > 0 ? KW : cols.kernel;
  // Column by column: each patch is written contiguously (x is column-major).
  for (std::int64_t s = 0; s < samples; ++s) {
    const float* sample = input.data.data() + (s * channels + group * group_channels) * plane;
    for (std::int64_t oh = 0; oh < rows.out; ++oh) {
      const std::int64_t h0 = oh * rows.stride - rows.pad_begin;
      for (std::int64_t ow = 0; ow < cols.out; ++ow) {
        const std::int64_t w0 = ow * cols.stride - cols.pad_begin;
        for (std::int64_t c = 0; c < group_channels; ++c) {
          const float* channel = sample + c * plane;
          for (std::int64_t i = 0; i < kh; ++i) {
            const std::int64_t h = h0 + i;
            if (h < 0 || h >= height) {
              for (std::int64_t j = 0; j < kw; ++j) dst[j] = 0.0F;
              dst += kw;
            } else {
              dst = copy_patch_row<KW>(channel + h * width, width, w0, kw, dst);
            }
          }
        }
      }
    }
  }
}

// max(m, v) that propagates NaN, as PyTorch's max pooling.
inline float nan_max(float m, float v) {
  return (v > m || v != v) ? v : m;
}

}  // namespace

void im2col(const Tensor& input, std::int64_t channels, std::int64_t group,
            std::int64_t group_channels, const graph::Window& rows, const graph::Window& cols,
            Eigen::MatrixXf& x) {
  x.resize(static_cast<Eigen::Index>(group_channels * rows.kernel * cols.kernel),
           static_cast<Eigen::Index>(input.shape[0] * rows.out * cols.out));
  float* dst = x.data();
  switch (cols.kernel) {
    case 1:
      return im2col_kernel<1>(input, channels, group, group_channels, rows, cols, dst);
    case 2:
      return im2col_kernel<2>(input, channels, group, group_channels, rows, cols, dst);
    case 3:
      return im2col_kernel<3>(input, channels, group, group_channels, rows, cols, dst);
    case 5:
      return im2col_kernel<5>(input, channels, group, group_channels, rows, cols, dst);
    case 7:
      return im2col_kernel<7>(input, channels, group, group_channels, rows, cols, dst);
    default:
      return im2col_kernel<0>(input, channels, group, group_channels, rows, cols, dst);
  }
}

void relu(const Tensor& in, Tensor& out) {
  // max(x, 0) with NaN passed through, as torch.relu.
  std::transform(in.data.begin(), in.data.end(), out.data.begin(),
                 [](float v) { return v < 0.0F ? 0.0F : v; });
}

void clip(const Tensor& in, float lo, float hi, Tensor& out) {
  // min(max(x, lo), hi): every value becomes hi when lo > hi (ONNX Clip).
  std::transform(in.data.begin(), in.data.end(), out.data.begin(), [lo, hi](float v) {
    const float low = v < lo ? lo : v;
    return low > hi ? hi : low;
  });
}

void sigmoid(const Tensor& in, Tensor& out) {
  std::transform(in.data.begin(), in.data.end(), out.data.begin(),
                 [](float v) { return 1.0F / (1.0F + std::exp(-v)); });
}

void tanh(const Tensor& in, Tensor& out) {
  std::transform(in.data.begin(), in.data.end(), out.data.begin(),
                 [](float v) { return std::tanh(v); });
}

void affine(const Tensor& in, const std::vector<float>& scale, const std::vector<float>& shift,
            Tensor& out) {
  const std::int64_t samples = in.shape[0], channels = in.shape[1];
  const std::int64_t inner = span(in.shape, 2, in.shape.size());
  for (std::int64_t s = 0; s < samples; ++s) {
    for (std::int64_t c = 0; c < channels; ++c) {
      const auto first = at((s * channels + c) * inner);
      const float a = scale[at(c)], b = shift[at(c)];
      for (std::size_t k = first; k < first + at(inner); ++k) out.data[k] = in.data[k] * a + b;
    }
  }
}

void max_pool(const Tensor& in, const graph::Window& rows, const graph::Window& cols, Tensor& out) {
  const std::int64_t height = rows.in, width = cols.in;
  const std::int64_t planes = in.size() / (height * width);
  const auto is_2x2 = [](const graph::Window& w) {
    return w.kernel == 2 && w.stride == 2 && w.pad_begin == 0 && 2 * w.out <= w.in;
  };
  if (is_2x2(rows) && is_2x2(cols)) {  // the common 2×2 / stride 2 pooling, no bounds checks
    for (std::int64_t p = 0; p < planes; ++p) {
      const float* src = in.data.data() + p * height * width;
      float* dst = out.data.data() + p * rows.out * cols.out;
      for (std::int64_t oh = 0; oh < rows.out; ++oh) {
        const float* r0 = src + 2 * oh * width;
        const float* r1 = r0 + width;
        for (std::int64_t ow = 0; ow < cols.out; ++ow) {
          const float m = nan_max(nan_max(r0[2 * ow], r0[2 * ow + 1]), r1[2 * ow]);
          *dst++ = nan_max(m, r1[2 * ow + 1]);
        }
      }
    }
    return;
  }
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* src = in.data.data() + p * height * width;
    float* dst = out.data.data() + p * rows.out * cols.out;
    for (std::int64_t oh = 0; oh < rows.out; ++oh) {
      const std::int64_t h0 = oh * rows.stride - rows.pad_begin;
      const std::int64_t hs = std::max<std::int64_t>(h0, 0);
      const std::int64_t he = std::min(h0 + rows.kernel, height);
      for (std::int64_t ow = 0; ow < cols.out; ++ow) {
        const std::int64_t w0 = ow * cols.stride - cols.pad_begin;
        const std::int64_t ws = std::max<std::int64_t>(w0, 0);
        const std::int64_t we = std::min(w0 + cols.kernel, width);
        float m = -std::numeric_limits<float>::infinity();
        for (std::int64_t h = hs; h < he; ++h) {
          for (std::int64_t w = ws; w < we; ++w) m = nan_max(m, src[h * width + w]);
        }
        *dst++ = m;
      }
    }
  }
}

void average_pool(const Tensor& in, const graph::Window& rows, const graph::Window& cols,
                  bool count_include_pad, Tensor& out) {
  const std::int64_t height = rows.in, width = cols.in;
  const std::int64_t planes = in.size() / (height * width);
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* src = in.data.data() + p * height * width;
    float* dst = out.data.data() + p * rows.out * cols.out;
    for (std::int64_t oh = 0; oh < rows.out; ++oh) {
      const std::int64_t h0 = oh * rows.stride - rows.pad_begin;
      const std::int64_t hs = std::max<std::int64_t>(h0, 0);
      const std::int64_t he = std::min(h0 + rows.kernel, height);
      const std::int64_t padded_h = std::min(h0 + rows.kernel, height + rows.pad_end) - h0;
      for (std::int64_t ow = 0; ow < cols.out; ++ow) {
        const std::int64_t w0 = ow * cols.stride - cols.pad_begin;
        const std::int64_t ws = std::max<std::int64_t>(w0, 0);
        const std::int64_t we = std::min(w0 + cols.kernel, width);
        const std::int64_t padded_w = std::min(w0 + cols.kernel, width + cols.pad_end) - w0;
        float sum = 0.0F;
        for (std::int64_t h = hs; h < he; ++h) {
          for (std::int64_t w = ws; w < we; ++w) sum += src[h * width + w];
        }
        const std::int64_t count = count_include_pad ? padded_h * padded_w : (he - hs) * (we - ws);
        *dst++ = sum / static_cast<float>(count);
      }
    }
  }
}

void global_average_pool(const Tensor& in, Tensor& out) {
  const std::int64_t planes = in.shape[0] * in.shape[1];
  const std::int64_t inner = span(in.shape, 2, in.shape.size());
  for (std::int64_t p = 0; p < planes; ++p) {
    // Double accumulation: the mean of a large plane does not depend on summation order.
    double sum = 0.0;
    for (std::int64_t k = 0; k < inner; ++k) sum += static_cast<double>(in.data[at(p * inner + k)]);
    out.data[at(p)] = static_cast<float>(sum / static_cast<double>(inner));
  }
}

void add(const Tensor& a, const Tensor& b, Tensor& out) {
  if (a.shape == b.shape) {
    std::transform(a.data.begin(), a.data.end(), b.data.begin(), out.data.begin(),
                   [](float u, float v) { return u + v; });
    return;
  }
  // Strides of each operand over the output's dimensions (0 along a broadcast dimension).
  const std::size_t rank = out.shape.size();
  std::vector<std::int64_t> stride_a(rank, 0), stride_b(rank, 0);
  std::int64_t step_a = 1, step_b = 1;
  for (std::size_t d = rank; d-- > 0;) {
    if (a.shape[d] != 1) stride_a[d] = step_a;
    if (b.shape[d] != 1) stride_b[d] = step_b;
    step_a *= a.shape[d];
    step_b *= b.shape[d];
  }
  const std::int64_t inner = out.shape[rank - 1];
  const std::int64_t ia = stride_a[rank - 1], ib = stride_b[rank - 1];
  const std::int64_t outer = out.size() / inner;
  std::vector<std::int64_t> index(rank, 0);
  for (std::int64_t o = 0; o < outer; ++o) {
    std::int64_t offset_a = 0, offset_b = 0;
    for (std::size_t d = 0; d + 1 < rank; ++d) {
      offset_a += index[d] * stride_a[d];
      offset_b += index[d] * stride_b[d];
    }
    float* dst = out.data.data() + o * inner;
    for (std::int64_t k = 0; k < inner; ++k) {
      dst[k] = a.data[at(offset_a + k * ia)] + b.data[at(offset_b + k * ib)];
    }
    for (std::size_t d = rank - 1; d-- > 0;) {  // next index over the outer dimensions
      if (++index[d] < out.shape[d]) break;
      index[d] = 0;
    }
  }
}

void concat(const std::vector<const Tensor*>& inputs, int axis, Tensor& out) {
  const auto ax = static_cast<std::size_t>(axis);
  const std::int64_t outer = span(out.shape, 0, ax);
  float* dst = out.data.data();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (const Tensor* t : inputs) {
      const std::int64_t chunk = span(t->shape, ax, t->shape.size());
      const float* src = t->data.data() + o * chunk;
      dst = std::copy(src, src + chunk, dst);
    }
  }
}

void pad(const Tensor& in, const Shape& begin, float value, Tensor& out) {
  // Row by row along the last dimension: a row is padding or a copy framed by padding.
  const std::size_t rank = out.shape.size();
  const std::int64_t row_out = out.shape[rank - 1], row_in = in.shape[rank - 1];
  const std::int64_t before = begin[rank - 1];
  const std::int64_t rows = out.size() / row_out;
  std::vector<std::int64_t> index(rank - 1, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    float* dst = out.data.data() + r * row_out;
    bool inside = true;
    std::int64_t source_row = 0;
    for (std::size_t d = 0; d + 1 < rank; ++d) {
      const std::int64_t i = index[d] - begin[d];
      inside = inside && i >= 0 && i < in.shape[d];
      source_row = source_row * in.shape[d] + i;
    }
    if (!inside) {
      std::fill(dst, dst + row_out, value);
    } else {
      const float* src = in.data.data() + source_row * row_in;
      std::fill(dst, dst + before, value);
      std::copy(src, src + row_in, dst + before);
      std::fill(dst + before + row_in, dst + row_out, value);
    }
    for (std::size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < out.shape[d]) break;
      index[d] = 0;
    }
  }
}

void softmax(const Tensor& in, int axis, bool coerce_2d, Tensor& out) {
  const auto ax = static_cast<std::size_t>(axis);
  const std::int64_t outer = span(in.shape, 0, ax);
  const std::int64_t length = coerce_2d ? span(in.shape, ax, in.shape.size()) : in.shape[ax];
  const std::int64_t inner = coerce_2d ? 1 : span(in.shape, ax + 1, in.shape.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      const float* src = in.data.data() + o * length * inner + i;
      float* dst = out.data.data() + o * length * inner + i;
      float m = -std::numeric_limits<float>::infinity();
      for (std::int64_t k = 0; k < length; ++k) m = std::max(m, src[k * inner]);
      float sum = 0.0F;
      for (std::int64_t k = 0; k < length; ++k) {
        dst[k * inner] = std::exp(src[k * inner] - m);
        sum += dst[k * inner];
      }
      for (std::int64_t k = 0; k < length; ++k) dst[k * inner] /= sum;
    }
  }
}

}  // namespace kirchhoff::nn::ops
