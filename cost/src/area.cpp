#include "kirchhoff/cost/area.hpp"

namespace kirchhoff::cost {

AreaBreakdown tile_area(const Technology& tech, const TileLayout& layout) {
  AreaBreakdown a;
  const double slices = static_cast<double>(layout.weight_slices);
  a.cells_m2 = static_cast<double>(layout.arrays()) * static_cast<double>(layout.physical_rows) *
               static_cast<double>(layout.physical_cols) *
               static_cast<double>(tech.array.devices_per_polarity) * tech.device_area_m2();
  a.adc_m2 = slices * static_cast<double>(layout.adcs_per_slice(tech.adc.columns_per_adc)) *
             tech.adc.area_m2;
  a.dac_m2 = slices * static_cast<double>(layout.physical_rows) * tech.dac.area_m2;
  a.digital_m2 = tech.digital.area_m2;
  return a;
}

}  // namespace kirchhoff::cost
