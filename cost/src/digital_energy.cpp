#include "kirchhoff/cost/digital_energy.hpp"

namespace kirchhoff::cost {

std::uint64_t adc_conversions(const TileLayout& layout) noexcept {
  return std::uint64_t{layout.phases} * layout.input_slices * layout.weight_slices *
         static_cast<std::uint64_t>(layout.converted_cols());
}

std::uint64_t dac_conversions(const TileLayout& layout) noexcept {
  return std::uint64_t{layout.phases} * layout.input_slices * layout.weight_slices *
         static_cast<std::uint64_t>(layout.rows);
}

double digital_energy_j(const Technology& tech, const TileLayout& layout) {
  const DigitalTechnology& d = tech.digital;
  const double adds = static_cast<double>(adc_conversions(layout));
  const double outputs = static_cast<double>(layout.cols);
  const double bits = static_cast<double>(layout.rows) * layout.dac.bits +
                      outputs * static_cast<double>(layout.adc_bits);
  return adds * d.add_energy_j + outputs * d.mac_energy_j + bits * d.sram_energy_per_bit_j;
}

}  // namespace kirchhoff::cost
