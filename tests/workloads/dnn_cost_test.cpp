// Cost metrics of the "dnn" workload ([workload.cost], docs/cost.md): present only with the
// table, consistent with each other, per chip and read time, and the same network cost as
// `kirchhoff nn cost` would sum (every analog layer's tile MVMs per inference).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kirchhoff/montecarlo/campaign.hpp"
#include "support/campaign.hpp"

namespace kirchhoff::workloads {
namespace {

using namespace kirchhoff::montecarlo;
using testing::metric_index;

const std::string kData = std::string(KIRCHHOFF_TEST_SOURCE_DIR) + "/../../data";

std::string campaign(const std::string& device, const std::string& extra) {
  return fmt::format(R"(name = "dnn-cost"
seed = 5
trials = 4
block_size = 2
read_times = ["1s", "1y"]
checkpoint_interval = "0s"

[device]
preset = "{}"

[workload]
kind = "dnn"
model = "{}/models/mlp.onnx"
dataset = "{}/datasets/fashion-mnist"
samples = 50
[workload.calibration]
samples = 32
[workload.dac]
bits = 8
[workload.adc]
bits = 8
range_mode = "calibrated"
{})",
                     device, kData, kData, extra);
}

constexpr const char* kCost = "[workload.cost]\ntechnology = \"hermes-pcm-14nm\"\n";

TEST(DnnWorkloadCost, MetricsOnlyWithTheCostTable) {
  const Campaign plain = testing::parse_builtin(campaign("pcm-joshi2020", ""), "dnn.toml");
  const Campaign c = testing::parse_builtin(campaign("pcm-joshi2020", kCost), "dnn.toml");
  ASSERT_EQ(c.metrics.size(), plain.metrics.size() + 5);
  EXPECT_EQ(c.metrics[metric_index(c, "energy_per_inference")].unit, "J");
  EXPECT_EQ(c.metrics[metric_index(c, "latency_per_inference")].unit, "s");
  const auto a = testing::run_trial(plain, 0), b = testing::run_trial(c, 0);
  EXPECT_EQ(a[metric_index(plain, "top1_accuracy")], b[metric_index(c, "top1_accuracy")]);
}

TEST(DnnWorkloadCost, PerChipAndReadTimeAndConsistent) {
  const Campaign c = testing::parse_builtin(campaign("pcm-joshi2020", kCost), "dnn.toml");
  const std::size_t m = c.metrics.size();
  const std::size_t energy = metric_index(c, "energy_per_inference");
  const std::size_t cells = metric_index(c, "cell_energy_per_inference");
  const auto a = testing::run_trial(c, 0), b = testing::run_trial(c, 1);
  EXPECT_GT(a[energy], a[cells]);
  EXPECT_GT(a[cells], 0.0);
  EXPECT_NE(a[cells], b[cells]);  // another chip
  // Drift lowers the cell energy; nothing else changes with time.
  EXPECT_LT(a[m + cells], a[cells]);
  EXPECT_NEAR(a[m + energy] - a[m + cells], a[energy] - a[cells], 1e-12 * a[energy]);
  EXPECT_EQ(a[m + metric_index(c, "latency_per_inference")],
            a[metric_index(c, "latency_per_inference")]);
  // The MLP 784-256-128-10: 234752 MACs per inference, two operations each.
  EXPECT_NEAR(a[metric_index(c, "tops_per_watt")], 2.0 * 234752 / a[energy] / 1e12, 1e-9);
  EXPECT_GT(a[metric_index(c, "area")], 0.0);
}

}  // namespace
}  // namespace kirchhoff::workloads
