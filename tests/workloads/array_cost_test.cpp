// Cost metrics of the "array" workload ([workload.cost], docs/cost.md): present only with the
// table, the terms that follow from the layout in closed form, the cell energy per chip and per
// read time, and a located error for an unknown technology.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kirchhoff/montecarlo/campaign.hpp"
#include "support/campaign.hpp"
#include "support/expect.hpp"

namespace kirchhoff::workloads {
namespace {

using namespace kirchhoff::montecarlo;
using testing::metric_index;

std::string campaign(const std::string& device, const std::string& extra) {
  return fmt::format(R"(name = "array-cost"
seed = 5
trials = 4
block_size = 2
read_times = ["1s", "1y"]
checkpoint_interval = "0s"

[device]
preset = "{}"

[workload]
kind = "array"
rows = 40
cols = 24
[workload.dac]
bits = 8
[workload.adc]
bits = 8
{})",
                     device, extra);
}

constexpr const char* kCost = "[workload.cost]\ntechnology = \"hermes-pcm-14nm\"\n";

TEST(ArrayWorkloadCost, MetricsOnlyWithTheCostTable) {
  const Campaign plain = testing::parse_builtin(campaign("pcm-joshi2020", ""), "study.toml");
  EXPECT_EQ(plain.metrics.size(), 12u);
  const Campaign c = testing::parse_builtin(campaign("pcm-joshi2020", kCost), "study.toml");
  ASSERT_EQ(c.metrics.size(), 18u);
  EXPECT_EQ(c.metrics[metric_index(c, "energy_per_mvm")].unit, "J");
  EXPECT_EQ(c.metrics[metric_index(c, "latency_per_mvm")].unit, "s");
  EXPECT_EQ(c.metrics[metric_index(c, "area")].unit, "m2");
  // The accuracy metrics are those of the campaign without the table.
  EXPECT_EQ(testing::run_trial(plain, 1)[0], testing::run_trial(c, 1)[0]);
}

TEST(ArrayWorkloadCost, TermsOfTheLayoutInClosedForm) {
  const Campaign c = testing::parse_builtin(campaign("pcm-joshi2020", kCost), "study.toml");
  const auto out = testing::run_trial(c, 0);
  // One 256 x 256 tile, 24 used columns: 24 conversions of 160 fJ x 2^8; a 5 + 127 + 1 + 1 ns
  // CCO read with PWM inputs.
  EXPECT_NEAR(out[metric_index(c, "adc_energy_per_mvm")], 24 * 160e-15 * 256, 1e-20);
  EXPECT_NEAR(out[metric_index(c, "latency_per_mvm")], 134e-9, 1e-15);
  EXPECT_NEAR(out[metric_index(c, "tops_per_watt")],
              2.0 * 40 * 24 / out[metric_index(c, "energy_per_mvm")] / 1e12, 1e-9);
  EXPECT_GT(out[metric_index(c, "area")], 0.0);
}

TEST(ArrayWorkloadCost, CellEnergyIsThatOfEachChipAtEachReadTime) {
  const Campaign c = testing::parse_builtin(campaign("pcm-joshi2020", kCost), "study.toml");
  const std::size_t m = c.metrics.size();
  const std::size_t cells = metric_index(c, "cell_energy_per_mvm");
  const auto a = testing::run_trial(c, 0), b = testing::run_trial(c, 1);
  EXPECT_GT(a[cells], 0.0);
  EXPECT_NE(a[cells], b[cells]);            // another chip (and other weights and inputs)
  EXPECT_LT(a[m + cells], 0.9 * a[cells]);  // PCM drift over a year lowers the conductances
  // Only the cells change with time.
  const std::size_t adc = metric_index(c, "adc_energy_per_mvm");
  EXPECT_EQ(a[m + adc], a[adc]);
  // An ideal device does not drift: the same energy at both read times.
  const Campaign ideal = testing::parse_builtin(campaign("generic-ideal", kCost), "study.toml");
  const auto i = testing::run_trial(ideal, 0);
  EXPECT_EQ(i[m + cells], i[cells]);
}

TEST(ArrayWorkloadCost, UnknownTechnologyIsLocated) {
  const std::string m = kirchhoff::testing::message_of<ConfigError>([] {
    (void)testing::parse_builtin(
        campaign("pcm-joshi2020", "[workload.cost]\ntechnology = \"hermes-pcm-14\"\n"),
        "study.toml");
  });
  EXPECT_CONTAINS(m, "study.toml:");
  EXPECT_CONTAINS(m, "key 'workload.cost.technology'");
  EXPECT_CONTAINS(m, "did you mean 'hermes-pcm-14nm'");
}

}  // namespace
}  // namespace kirchhoff::workloads
