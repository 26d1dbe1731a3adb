#include "kirchhoff/cost/tile_cost.hpp"

#include "kirchhoff/cost/adc_energy.hpp"
#include "kirchhoff/cost/digital_energy.hpp"
#include "kirchhoff/cost/latency.hpp"

namespace kirchhoff::cost {

EnergyBreakdown& EnergyBreakdown::operator+=(const EnergyBreakdown& o) noexcept {
  cells_j += o.cells_j;
  lines_j += o.lines_j;
  dac_j += o.dac_j;
  adc_j += o.adc_j;
  digital_j += o.digital_j;
  return *this;
}

EnergyBreakdown EnergyBreakdown::scaled(double factor) const noexcept {
  return {cells_j * factor, lines_j * factor, dac_j * factor, adc_j * factor, digital_j * factor};
}

double TileCost::tops_per_watt() const noexcept {
  const double e = energy.total_j();
  return e > 0.0 ? operations / e / 1e12 : 0.0;
}

double TileCost::tops() const noexcept {
  return latency_s > 0.0 ? operations / latency_s / 1e12 : 0.0;
}

TileCost tile_cost(const Technology& tech, const TileLayout& layout,
                   const Eigen::VectorXd& row_conductance_siemens, const InputActivity& activity) {
  TileCost c;
  c.operations = layout.operations();
  c.adc_conversions = adc_conversions(layout);
  c.dac_conversions = dac_conversions(layout);
  c.energy.cells_j = cell_read_energy_j(tech, layout, row_conductance_siemens, activity);
  c.energy.lines_j = line_energy_j(tech, layout, activity);
  c.energy.dac_j = static_cast<double>(c.dac_conversions) * tech.dac.energy_per_conversion_j;
  AdcTechnology adc = tech.adc;
  adc.bits = layout.adc_bits;
  c.energy.adc_j = static_cast<double>(c.adc_conversions) * adc_energy_per_conversion_j(adc);
  c.energy.digital_j = digital_energy_j(tech, layout);
  c.latency_s = tile_latency_s(tech, layout);
  c.area = tile_area(tech, layout);
  return c;
}

}  // namespace kirchhoff::cost
