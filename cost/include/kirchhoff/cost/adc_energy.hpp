// ADC energy and conversion time by architecture (docs/cost.md, "ADC").
//
// Energy per conversion from a survey figure of merit [B. Murmann, "ADC Performance Survey
// 1997–2024", https://github.com/bmurmann/ADC-survey]:
//   Walden   FoM_W = P / (f_s · 2^ENOB)        →  E = P / f_s = FoM_W · 2^ENOB
//   Schreier FoM_S = SNDR + 10 log10(f_s/2 / P) →  E = 10^((SNDR − FoM_S)/10) / 2,
//            SNDR = 6.02 ENOB + 1.76 dB
// Walden's figure describes converters limited by their circuits' energy per step (low
// resolution), Schreier's those limited by thermal noise, whose energy grows 4× per bit (high
// resolution); the survey plots Walden below ~10 bits and Schreier above, and so does this model
// (AdcTechnology::walden_max_bits).
//
// Conversion time per column in clock periods T = 1/clock: SAR (bits + 1)·T (sampling + one
// comparison per bit), flash 1·T, ramp 2^bits·T (a counter runs through every level), CCO 1·T
// (the oscillator counts during the integration window; only the counter is read out after it).
#pragma once

#include <cstdint>

#include "kirchhoff/cost/technology.hpp"

namespace kirchhoff::cost {

// The default figures of merit of each architecture (assumptions of the order of converters in
// Murmann's survey at 1–1000 MS/s, not its best ones; docs/cost.md lists them).
struct AdcFiguresOfMerit {
  double walden_j;  // J per conversion step
  double schreier_db;
};
[[nodiscard]] AdcFiguresOfMerit default_figures_of_merit(AdcArchitecture architecture) noexcept;

// E = FoM_W · 2^enob.
[[nodiscard]] double walden_energy_j(double fom_walden_j, double enob) noexcept;
// E = 10^((6.02 enob + 1.76 − FoM_S)/10) / 2.
[[nodiscard]] double schreier_energy_j(double fom_schreier_db, double enob) noexcept;

// Energy of one conversion at the ADC's bits (energy_per_conversion_j when given; Walden up to
// walden_max_bits, Schreier above).
[[nodiscard]] double adc_energy_per_conversion_j(const AdcTechnology& adc);
// Time of one conversion after the integration window (see above).
[[nodiscard]] double adc_conversion_time_s(const AdcTechnology& adc);
// Whether the ADC converts during the integration window (CCO): then each multiplexed column
// needs its own window.
[[nodiscard]] bool adc_converts_while_integrating(AdcArchitecture architecture) noexcept;

}  // namespace kirchhoff::cost
