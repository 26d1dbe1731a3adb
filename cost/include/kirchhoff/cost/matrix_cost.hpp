// The cost of one MVM of a programmed matrix (crossbar::AnalogMatrix) on all its tiles, with the
// conductances the chip has at its current read time: the cell energy is that chip's, the other
// terms follow from the tile layout and the inputs (docs/cost.md). Tiles work in parallel: the
// matrix's latency is its slowest tile's; energy and area are sums over tiles.
//
//   const cost::MatrixCostModel model(tech, matrix, x);   // once per chip and input batch
//   matrix.set_read_time(t);
//   const cost::MatrixCost c = model.at_read_time(matrix);
#pragma once

#include <Eigen/Core>
#include <vector>

#include "kirchhoff/cost/tile_cost.hpp"
#include "kirchhoff/crossbar/mvm.hpp"

namespace kirchhoff::cost {

struct MatrixCost {
  EnergyBreakdown energy;  // J per matrix MVM (every tile once)
  double latency_s = 0.0;
  double area_m2 = 0.0;
  double operations = 0.0;  // 2 · inputs · outputs
  [[nodiscard]] double tops_per_watt() const noexcept;
};

class MatrixCostModel {
 public:
  // x: the inputs (matrix inputs × vectors) in the DAC's input units, as given to multiply().
  MatrixCostModel(const Technology& tech, const crossbar::AnalogMatrix& matrix,
                  const Eigen::MatrixXd& x);

  // The cost with `matrix`'s conductances at its read time (set_read_time must have been
  // called). `matrix` is the one the model was made for.
  [[nodiscard]] MatrixCost at_read_time(const crossbar::AnalogMatrix& matrix) const;

 private:
  struct Tile {
    Eigen::Index tile_row = 0, tile_col = 0;
    TileLayout layout;
    TileCost fixed;  // every term but the cells
  };
  const Technology* tech_;
  std::vector<InputActivity> activity_;  // per tile row
  std::vector<Tile> tiles_;
  double operations_ = 0.0;
};

}  // namespace kirchhoff::cost
