// Area of one tile (docs/cost.md, "Area"): cells, ADCs, DACs and drivers, digital.
//   cells   = arrays · physical rows · physical cols · devices per polarity · A_device
//   ADCs    = weight slices · ⌈physical cols / columns per ADC⌉ · A_ADC
//   DACs    = weight slices · physical rows · A_DAC (each array has its own row drivers)
//   digital = A_digital per tile
// A_device = cell_area_f2 · F² (cross-point 4F², 1T1R and 2T2R 12F² per device by default).
#pragma once

#include "kirchhoff/cost/tile_layout.hpp"

namespace kirchhoff::cost {

struct AreaBreakdown {
  double cells_m2 = 0.0, adc_m2 = 0.0, dac_m2 = 0.0, digital_m2 = 0.0;
  [[nodiscard]] double total_m2() const noexcept { return cells_m2 + adc_m2 + dac_m2 + digital_m2; }
};

[[nodiscard]] AreaBreakdown tile_area(const Technology& tech, const TileLayout& layout);

}  // namespace kirchhoff::cost
