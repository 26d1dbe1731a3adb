#include "kirchhoff/cost/latency.hpp"

#include <algorithm>

#include "kirchhoff/cost/adc_energy.hpp"
#include "kirchhoff/cost/input_encoding.hpp"

namespace kirchhoff::cost {

double tile_latency_s(const Technology& tech, const TileLayout& layout) {
  const Eigen::Index adcs = layout.adcs_per_slice(tech.adc.columns_per_adc);
  // Columns each ADC converts in turn: the used ones, spread over the ADCs.
  const auto k =
      static_cast<double>(std::max<Eigen::Index>(1, (layout.converted_cols() + adcs - 1) / adcs));
  const double settle = tech.dac.settle_time_s;
  const double window = integration_window_s(tech.dac, layout.dac);
  AdcTechnology adc = tech.adc;
  adc.bits = layout.adc_bits;
  const double conversion = adc_conversion_time_s(adc);
  const double slice = adc_converts_while_integrating(adc.architecture)
                           ? k * (settle + window + conversion)
                           : settle + window + k * conversion;
  return static_cast<double>(layout.phases) * static_cast<double>(layout.input_slices) * slice +
         tech.digital.latency_s;
}

}  // namespace kirchhoff::cost
