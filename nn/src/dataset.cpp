#include "kirchhoff/nn/dataset.hpp"

#include <fmt/format.h>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::nn {

Tensor Dataset::batch(std::int64_t first, std::int64_t n, const Normalization& norm) const {
  if (first < 0 || n < 0 || first + n > count()) {
    throw InvalidArgument(fmt::format("samples [{}, {}) outside the {} samples of {}", first,
                                      first + n, count(), name));
  }
  const auto channel_size = height * width;
  const auto sample_size = channels * channel_size;
  Tensor out({n, channels, height, width});
  for (std::int64_t c = 0; c < channels; ++c) {
    const auto cs = static_cast<std::size_t>(c);
    const float mean = norm.mean.size() == 1 ? norm.mean[0] : norm.mean.at(cs);
    const float inv_std = 1.0F / (norm.std.size() == 1 ? norm.std[0] : norm.std.at(cs));
    for (std::int64_t s = 0; s < n; ++s) {
      const auto src = static_cast<std::size_t>((first + s) * sample_size + c * channel_size);
      const auto dst = static_cast<std::size_t>(s * sample_size + c * channel_size);
      for (std::int64_t k = 0; k < channel_size; ++k) {
        const auto ks = static_cast<std::size_t>(k);
        out.data[dst + ks] =
            (static_cast<float>(pixels[src + ks]) * norm.pixel_scale - mean) * inv_std;
      }
    }
  }
  return out;
}

}  // namespace kirchhoff::nn
