// A dense float tensor: row-major, dimension 0 the batch (NCHW for images). The network engine
// works in single precision, as the frameworks the models come from do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kirchhoff::nn {

using Shape = std::vector<std::int64_t>;

// Number of elements of a shape (1 for a scalar, the empty shape).
[[nodiscard]] std::int64_t element_count(const Shape& shape);
// "1x28x28"
[[nodiscard]] std::string to_string(const Shape& shape);

struct Tensor {
  Shape shape;
  std::vector<float> data;  // element_count(shape) values, row-major

  Tensor() = default;
  explicit Tensor(Shape s);                    // zero-filled
  Tensor(Shape s, std::vector<float> values);  // throws InvalidArgument on a size mismatch
  [[nodiscard]] std::int64_t size() const noexcept {
    return static_cast<std::int64_t>(data.size());
  }
};

}  // namespace kirchhoff::nn
