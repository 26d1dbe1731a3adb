// The cost of one tile MVM: every term of docs/cost.md for one tile of a programmed chip.
//
//   const cost::TileLayout layout = cost::tile_layout(mvm, tech, rows, cols);
//   const cost::InputActivity a = cost::input_activity(x, layout, tech.dac.encoding);
//   const cost::TileCost c = cost::tile_cost(tech, layout, cost::row_conductance_sums(g), a);
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "kirchhoff/cost/area.hpp"
#include "kirchhoff/cost/array_energy.hpp"
#include "kirchhoff/cost/tile_layout.hpp"

namespace kirchhoff::cost {

struct EnergyBreakdown {
  double cells_j = 0.0, lines_j = 0.0, dac_j = 0.0, adc_j = 0.0, digital_j = 0.0;
  // The array's share: its cells and lines.
  [[nodiscard]] double array_j() const noexcept { return cells_j + lines_j; }
  [[nodiscard]] double total_j() const noexcept {
    return cells_j + lines_j + dac_j + adc_j + digital_j;
  }
  EnergyBreakdown& operator+=(const EnergyBreakdown& o) noexcept;
  [[nodiscard]] EnergyBreakdown scaled(double factor) const noexcept;
};

struct TileCost {
  EnergyBreakdown energy;  // J per MVM
  double latency_s = 0.0;
  AreaBreakdown area;
  double operations = 0.0;  // 2 · rows · cols
  std::uint64_t adc_conversions = 0, dac_conversions = 0;

  // Operations per joule / 1e12 (TOPS/W) and per second / 1e12 (TOPS) of this tile alone.
  [[nodiscard]] double tops_per_watt() const noexcept;
  [[nodiscard]] double tops() const noexcept;
};

[[nodiscard]] TileCost tile_cost(const Technology& tech, const TileLayout& layout,
                                 const Eigen::VectorXd& row_conductance_siemens,
                                 const InputActivity& activity);

}  // namespace kirchhoff::cost
