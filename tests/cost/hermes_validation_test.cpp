// The published figures of the IBM HERMES 64-core chip [Le Gallo et al., Nat. Electron. 6, 680
// (2023)], from the parameters of data/technology/hermes-pcm-14nm.toml: 8-bit MVMs at
// 63.1 TOPS and 9.76 TOPS/W with the one-phase read, 16.1 TOPS and 2.48 TOPS/W with the
// four-phase read, each within ±30 %.
//
// Workload (the paper's peak figures do not say theirs): a full 256 x 256 core of weights
// uniform in [−1, 1] mapped differentially onto [0, 20.7 uS], 8-bit inputs uniform in [−1, 1]
// (cost/workload.hpp). Throughput is that of the 64 cores working in parallel, each MVM
// 2 · 256 · 256 operations; efficiency is the same per core and per chip. What the preset takes
// from the sources and what it assumes is written beside each value in the file and in
// docs/cost.md ("HERMES"): the ADC figure of merit is derived from the single-core efficiency of
// HERMES-Core (Khaddam-Aljameh et al., JSSC 2022, 10.5 TOPS/W), so the one-phase efficiency is a
// consistency check between the two papers; the latencies (from the 1 GHz clock and the 7-bit
// PWM magnitude) and the four-phase figures are predictions of the model.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kirchhoff/cost/technology_config.hpp"
#include "kirchhoff/cost/tile_cost.hpp"
#include "kirchhoff/cost/workload.hpp"

namespace kirchhoff::cost {
namespace {

constexpr double kCores = 64.0;  // [Le Gallo 2023]

std::string fmt_phases(std::uint32_t phases) {
  return "array.read_phases=" + std::to_string(phases);
}

struct ChipFigures {
  double tops, tops_per_watt;
  TileCost core;
};

ChipFigures hermes(std::uint32_t phases) {
  const Technology tech = load_technology("hermes-pcm-14nm", {fmt_phases(phases)});
  const crossbar::MvmOptions mvm = technology_mvm_options(tech);
  const ArrayWorkload w = uniform_workload(mvm, 256, 256, 64, 1);
  const TileLayout layout = tile_layout(mvm, tech, 256, 256);
  const TileCost core = tile_cost(tech, layout, row_conductance_sums(w.arrays),
                                  input_activity(w.inputs, layout, tech.dac.encoding));
  return {kCores * core.tops(), core.tops_per_watt(), core};
}

void expect_within_30_percent(double model, double published, const char* what) {
  EXPECT_GT(model, 0.7 * published) << what << ": model " << model << ", published " << published;
  EXPECT_LT(model, 1.3 * published) << what << ": model " << model << ", published " << published;
}

TEST(HermesValidation, OnePhaseReadWithin30PercentOfPublished) {
  const ChipFigures f = hermes(1);
  expect_within_30_percent(f.tops, 63.1, "TOPS, one-phase");
  expect_within_30_percent(f.tops_per_watt, 9.76, "TOPS/W, one-phase");
  // The terms are what the preset says: 256 conversions, a 127 ns PWM window.
  EXPECT_EQ(f.core.adc_conversions, 256u);
  EXPECT_NEAR(f.core.latency_s, 5e-9 + 127e-9 + 1e-9 + 1e-9, 1e-15);
  // The ADCs take most of the energy, as the derivation of their figure of merit assumes.
  EXPECT_GT(f.core.energy.adc_j, 0.5 * f.core.energy.total_j());
  RecordProperty("tops", std::to_string(f.tops));
  RecordProperty("tops_per_watt", std::to_string(f.tops_per_watt));
}

TEST(HermesValidation, FourPhaseReadWithin30PercentOfPublished) {
  const ChipFigures f = hermes(4);
  expect_within_30_percent(f.tops, 16.1, "TOPS, four-phase");
  expect_within_30_percent(f.tops_per_watt, 2.48, "TOPS/W, four-phase");
  // Published ratios one-phase / four-phase: 63.1 / 16.1 = 3.92 and 9.76 / 2.48 = 3.94.
  const ChipFigures one = hermes(1);
  expect_within_30_percent(one.tops / f.tops, 63.1 / 16.1, "TOPS ratio");
  expect_within_30_percent(one.tops_per_watt / f.tops_per_watt, 9.76 / 2.48, "TOPS/W ratio");
}

}  // namespace
}  // namespace kirchhoff::cost
