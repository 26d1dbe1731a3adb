#include "kirchhoff/cost/adc_energy.hpp"

#include <cmath>

namespace kirchhoff::cost {

AdcFiguresOfMerit default_figures_of_merit(AdcArchitecture architecture) noexcept {
  // Assumptions (docs/cost.md): typical, not record, converters of each kind in the survey.
  switch (architecture) {
    case AdcArchitecture::sar:
      return {5e-15, 175.0};
    case AdcArchitecture::flash:
      return {100e-15, 160.0};
    case AdcArchitecture::ramp:
      return {50e-15, 165.0};
    case AdcArchitecture::cco:
      return {50e-15, 165.0};
  }
  return {5e-15, 175.0};
}

double walden_energy_j(double fom_walden_j, double enob) noexcept {
  return fom_walden_j * std::exp2(enob);
}

double schreier_energy_j(double fom_schreier_db, double enob) noexcept {
  const double sndr_db = 6.02 * enob + 1.76;
  return 0.5 * std::pow(10.0, (sndr_db - fom_schreier_db) / 10.0);
}

double adc_energy_per_conversion_j(const AdcTechnology& adc) {
  if (adc.energy_per_conversion_j > 0.0) return adc.energy_per_conversion_j;
  const AdcFiguresOfMerit fallback = default_figures_of_merit(adc.architecture);
  const double enob = static_cast<double>(adc.bits) - adc.enob_loss_bits;
  if (adc.bits <= adc.walden_max_bits) {
    return walden_energy_j(adc.fom_walden_j > 0.0 ? adc.fom_walden_j : fallback.walden_j, enob);
  }
  return schreier_energy_j(adc.fom_schreier_db > 0.0 ? adc.fom_schreier_db : fallback.schreier_db,
                           enob);
}

double adc_conversion_time_s(const AdcTechnology& adc) {
  const double period = 1.0 / adc.clock_hz;
  switch (adc.architecture) {
    case AdcArchitecture::sar:
      return (static_cast<double>(adc.bits) + 1.0) * period;
    case AdcArchitecture::flash:
    case AdcArchitecture::cco:
      return period;
    case AdcArchitecture::ramp:
      return std::exp2(static_cast<double>(adc.bits)) * period;
  }
  return period;
}

bool adc_converts_while_integrating(AdcArchitecture architecture) noexcept {
  return architecture == AdcArchitecture::cco;
}

}  // namespace kirchhoff::cost
