// ADC energy from survey figures of merit and conversion time by architecture, against the
// closed forms of cost/adc_energy.hpp.
#include "kirchhoff/cost/adc_energy.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kirchhoff::cost {
namespace {

TEST(AdcEnergy, WaldenIsFigureOfMeritTimesLevels) {
  EXPECT_DOUBLE_EQ(walden_energy_j(5e-15, 8.0), 5e-15 * 256.0);
  EXPECT_DOUBLE_EQ(walden_energy_j(1e-15, 10.0), 1.024e-12);
  // One bit more doubles it.
  EXPECT_DOUBLE_EQ(walden_energy_j(3e-15, 7.0) * 2.0, walden_energy_j(3e-15, 8.0));
}

TEST(AdcEnergy, SchreierQuadruplesPerBit) {
  // FoM_S = SNDR + 10 log10(f_s / 2 / P): with SNDR = FoM_S the energy P / f_s is 1/2 J.
  const double enob = (180.0 - 1.76) / 6.02;
  EXPECT_NEAR(schreier_energy_j(180.0, enob), 0.5, 1e-12);
  // 12 bits, 180 dB: SNDR 74.0 dB -> 0.5 · 10^(-10.6) J.
  EXPECT_NEAR(schreier_energy_j(180.0, 12.0), 0.5 * std::pow(10.0, (6.02 * 12 + 1.76 - 180) / 10),
              1e-25);
  EXPECT_NEAR(schreier_energy_j(180.0, 13.0) / schreier_energy_j(180.0, 12.0),
              std::pow(10.0, 0.602), 1e-12);
}

TEST(AdcEnergy, WaldenUpToTheLimitSchreierAbove) {
  AdcTechnology adc;
  adc.architecture = AdcArchitecture::sar;
  adc.fom_walden_j = 2e-15;
  adc.fom_schreier_db = 178.0;
  adc.walden_max_bits = 10;
  adc.bits = 10;
  EXPECT_DOUBLE_EQ(adc_energy_per_conversion_j(adc), 2e-15 * 1024.0);
  adc.bits = 11;
  EXPECT_DOUBLE_EQ(adc_energy_per_conversion_j(adc), schreier_energy_j(178.0, 11.0));
  adc.enob_loss_bits = 1.5;
  EXPECT_DOUBLE_EQ(adc_energy_per_conversion_j(adc), schreier_energy_j(178.0, 9.5));
  adc.energy_per_conversion_j = 3e-12;  // a measured value replaces the model
  EXPECT_DOUBLE_EQ(adc_energy_per_conversion_j(adc), 3e-12);
}

TEST(AdcEnergy, ArchitectureDefaultsWhenNoFigureIsGiven) {
  for (const AdcArchitecture a : {AdcArchitecture::sar, AdcArchitecture::flash,
                                  AdcArchitecture::ramp, AdcArchitecture::cco}) {
    AdcTechnology adc;
    adc.architecture = a;
    adc.bits = 6;
    const AdcFiguresOfMerit fom = default_figures_of_merit(a);
    EXPECT_DOUBLE_EQ(adc_energy_per_conversion_j(adc), fom.walden_j * 64.0);
    adc.bits = 14;
    EXPECT_DOUBLE_EQ(adc_energy_per_conversion_j(adc), schreier_energy_j(fom.schreier_db, 14.0));
  }
  // A SAR converter is the most efficient default, a flash the least.
  EXPECT_LT(default_figures_of_merit(AdcArchitecture::sar).walden_j,
            default_figures_of_merit(AdcArchitecture::flash).walden_j);
}

TEST(AdcEnergy, ConversionTimeByArchitecture) {
  AdcTechnology adc;
  adc.bits = 8;
  adc.clock_hz = 2e9;
  adc.architecture = AdcArchitecture::sar;
  EXPECT_DOUBLE_EQ(adc_conversion_time_s(adc), 9 * 0.5e-9);
  adc.architecture = AdcArchitecture::flash;
  EXPECT_DOUBLE_EQ(adc_conversion_time_s(adc), 0.5e-9);
  adc.architecture = AdcArchitecture::ramp;
  EXPECT_DOUBLE_EQ(adc_conversion_time_s(adc), 256 * 0.5e-9);
  adc.architecture = AdcArchitecture::cco;
  EXPECT_DOUBLE_EQ(adc_conversion_time_s(adc), 0.5e-9);
  EXPECT_TRUE(adc_converts_while_integrating(AdcArchitecture::cco));
  EXPECT_FALSE(adc_converts_while_integrating(AdcArchitecture::sar));
}

}  // namespace
}  // namespace kirchhoff::cost
