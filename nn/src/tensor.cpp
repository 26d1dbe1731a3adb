#include "kirchhoff/nn/tensor.hpp"

#include <fmt/format.h>

#include <numeric>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::nn {

std::int64_t element_count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
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
