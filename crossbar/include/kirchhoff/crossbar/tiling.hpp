// Splitting a weight matrix (inputs × outputs) into tiles of a set physical size. Tile (r, c)
// holds inputs [r·rows, ...) and outputs [c·cols, ...); the last tiles of a row or column of
// tiles are only partly used (their unused cells are programmed to G_min and their unused rows
// get no input). Each tile is read and digitised on its own; partial results are summed
// digitally (mvm.hpp).
#pragma once

#include <Eigen/Core>

namespace kirchhoff::crossbar {

struct TileShape {
  Eigen::Index rows = 256;  // inputs (word lines) per tile
  Eigen::Index cols = 256;  // outputs (bit lines) per tile

  // Throws InvalidArgument unless 1 <= rows, cols <= 65536.
  void validate() const;
};

class TileGrid {
 public:
  // Throws InvalidArgument for an empty matrix or an invalid shape.
  TileGrid(Eigen::Index inputs, Eigen::Index outputs, TileShape shape);

  [[nodiscard]] Eigen::Index inputs() const noexcept { return inputs_; }
  [[nodiscard]] Eigen::Index outputs() const noexcept { return outputs_; }
  [[nodiscard]] const TileShape& shape() const noexcept { return shape_; }
  [[nodiscard]] Eigen::Index tile_rows() const noexcept { return tile_rows_; }
  [[nodiscard]] Eigen::Index tile_cols() const noexcept { return tile_cols_; }
  [[nodiscard]] Eigen::Index tiles() const noexcept { return tile_rows_ * tile_cols_; }

  // First input and number of used inputs of tile row r; first output and used outputs of
  // tile column c.
  [[nodiscard]] Eigen::Index row_begin(Eigen::Index r) const noexcept { return r * shape_.rows; }
  [[nodiscard]] Eigen::Index row_count(Eigen::Index r) const noexcept;
  [[nodiscard]] Eigen::Index col_begin(Eigen::Index c) const noexcept { return c * shape_.cols; }
  [[nodiscard]] Eigen::Index col_count(Eigen::Index c) const noexcept;

 private:
  Eigen::Index inputs_, outputs_;
  TileShape shape_;
  Eigen::Index tile_rows_, tile_cols_;
};

}  // namespace kirchhoff::crossbar
