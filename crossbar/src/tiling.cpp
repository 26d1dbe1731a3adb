#include "kirchhoff/crossbar/tiling.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {

void TileShape::validate() const {
  if (rows < 1 || rows > 65536 || cols < 1 || cols > 65536) {
    throw InvalidArgument(
        fmt::format("tile shape {} x {}; allowed: 1 ... 65536 rows and columns", rows, cols));
  }
}

TileGrid::TileGrid(Eigen::Index inputs, Eigen::Index outputs, TileShape shape)
    : inputs_(inputs), outputs_(outputs), shape_(shape) {
  shape_.validate();
  if (inputs < 1 || outputs < 1) {
    throw InvalidArgument(fmt::format("cannot tile an empty {} x {} matrix", inputs, outputs));
  }
  tile_rows_ = (inputs + shape_.rows - 1) / shape_.rows;
  tile_cols_ = (outputs + shape_.cols - 1) / shape_.cols;
}

Eigen::Index TileGrid::row_count(Eigen::Index r) const noexcept {
  return std::min(shape_.rows, inputs_ - row_begin(r));
}

Eigen::Index TileGrid::col_count(Eigen::Index c) const noexcept {
  return std::min(shape_.cols, outputs_ - col_begin(c));
}

}  // namespace kirchhoff::crossbar
