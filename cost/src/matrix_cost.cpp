#include "kirchhoff/cost/matrix_cost.hpp"

#include <algorithm>

namespace kirchhoff::cost {

double MatrixCost::tops_per_watt() const noexcept {
  const double e = energy.total_j();
  return e > 0.0 ? operations / e / 1e12 : 0.0;
}

MatrixCostModel::MatrixCostModel(const Technology& tech, const crossbar::AnalogMatrix& matrix,
                                 const Eigen::MatrixXd& x)
    : tech_(&tech) {
  const crossbar::TileGrid& grid = matrix.grid();
  const crossbar::MvmOptions& mvm = matrix.options();
  const double range = mvm.periphery.dac.input_range;
  operations_ = 2.0 * static_cast<double>(grid.inputs()) * static_cast<double>(grid.outputs());
  for (Eigen::Index r = 0; r < grid.tile_rows(); ++r) {
    const TileLayout rows_layout = tile_layout(mvm, tech, grid.row_count(r), grid.col_count(0));
    activity_.push_back(input_activity(x.middleRows(grid.row_begin(r), grid.row_count(r)) / range,
                                       rows_layout, tech.dac.encoding));
    for (Eigen::Index c = 0; c < grid.tile_cols(); ++c) {
      Tile t;
      t.tile_row = r;
      t.tile_col = c;
      t.layout = tile_layout(mvm, tech, grid.row_count(r), grid.col_count(c));
      t.fixed =
          tile_cost(tech, t.layout, Eigen::VectorXd::Zero(grid.row_count(r)), activity_.back());
      tiles_.push_back(std::move(t));
    }
  }
}

MatrixCost MatrixCostModel::at_read_time(const crossbar::AnalogMatrix& matrix) const {
  MatrixCost total;
  total.operations = operations_;
  const std::uint32_t polarities = matrix.options().mapping.polarities();
  for (const Tile& t : tiles_) {
    // S_i of the tile: its used rows over every weight slice and polarity (all columns: unused
    // cells sit at G_min and conduct like the others).
    Eigen::VectorXd s = Eigen::VectorXd::Zero(t.layout.rows);
    for (std::uint32_t k = 0; k < t.layout.weight_slices; ++k) {
      const std::size_t g = matrix.group_index(t.tile_row, t.tile_col, k);
      for (std::uint32_t p = 0; p < polarities; ++p) {
        s += matrix.conductances(g * polarities + p).topRows(t.layout.rows).rowwise().sum();
      }
    }
    EnergyBreakdown e = t.fixed.energy;
    e.cells_j =
        cell_read_energy_j(*tech_, t.layout, s, activity_[static_cast<std::size_t>(t.tile_row)]);
    total.energy += e;
    total.latency_s = std::max(total.latency_s, t.fixed.latency_s);
    total.area_m2 += t.fixed.area.total_m2();
  }
  return total;
}

}  // namespace kirchhoff::cost
