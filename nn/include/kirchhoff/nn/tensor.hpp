// A dense float tensor: row-major, dimension 0 the batch (NCHW for images). The network engine
// works in single precision, as the frameworks the models come from do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kirchhoff::nn {

using Shape = std::vector<std::int64_t>;

// The most elements a tensor read from outside may have, and the largest dimension, pad, stride
// or group count an ONNX model may give (docs/nn.md, "Limits"): 2^31 (8 GiB of floats). Every
// product of two such sizes, and sums of a few, fit in int64, so shape arithmetic cannot wrap.
inline constexpr std::int64_t max_tensor_elements = std::int64_t{1} << 31;

// Number of elements of a shape (1 for a scalar, the empty shape). Throws InvalidArgument for a
// negative dimension or a product that does not fit in int64; shapes from outside are checked
// with checked_element_count first.
[[nodiscard]] std::int64_t element_count(const Shape& shape);
// Number of elements of a shape if every dimension is in [0, limit] and their product is at most
// limit, else nothing. Never overflows.
[[nodiscard]] std::optional<std::int64_t> checked_element_count(
    const Shape& shape, std::int64_t limit = max_tensor_elements);
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
