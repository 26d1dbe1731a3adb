#include "kirchhoff/nn/tensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::nn {

std::optional<std::int64_t> checked_element_count(const Shape& shape, std::int64_t limit) {
  if (std::any_of(shape.begin(), shape.end(), [&](std::int64_t d) { return d < 0 || d > limit; })) {
    return std::nullopt;
  }
  // A zero dimension makes the tensor empty whatever the others are.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::int64_t n = 1;
  for (const std::int64_t d : shape) {
    if (n > limit / d) return std::nullopt;
    n *= d;
  }
  return n;
}

std::int64_t element_count(const Shape& shape) {
  const auto n = checked_element_count(shape, std::numeric_limits<std::int64_t>::max());
  if (!n) {
    throw InvalidArgument(
        fmt::format("shape {} has a negative dimension or more elements than "
                    "an int64 counts",
                    to_string(shape)));
  }
  return *n;
}

std::string to_string(const Shape& shape) {
  return fmt::format("{}", fmt::join(shape, "x"));
}

Tensor::Tensor(Shape s)
    : shape(std::move(s)), data(static_cast<std::size_t>(element_count(shape))) {}

Tensor::Tensor(Shape s, std::vector<float> values) : shape(std::move(s)), data(std::move(values)) {
  if (static_cast<std::int64_t>(data.size()) != element_count(shape)) {
    throw InvalidArgument(fmt::format("tensor of shape {} needs {} values, got {}",
                                      to_string(shape), element_count(shape), data.size()));
  }
}

}  // namespace kirchhoff::nn
