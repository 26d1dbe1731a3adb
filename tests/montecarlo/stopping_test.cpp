// The stopping monitor against closed forms: values alternating 1 and 3 have mean 2 and, over n
// trials, sample variance n / (n - 1), so the Student-t half-width is t(n - 1) / sqrt(n - 1);
// a point stops after the first block at which that meets the target (and min_trials), each
// point on its own, and never without a rule.
#include "kirchhoff/montecarlo/stopping.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo {
namespace {

constexpr std::size_t kBlock = 4;  // trials per block
constexpr std::size_t kWidth = 4;  // 2 read times x 2 metrics

// Two points, two read times, metrics "a" and "b"; the rule watches b at the second read time.
Campaign layout() {
  Campaign c;
  c.points.resize(2);
  c.read_times_s = {1.0, 2.0};
  c.metrics = {{"a", "1", "", 0}, {"b", "1", "", 0}};
  return c;
}

StoppingRule rule_on_b(double half_width, double relative, std::uint64_t min_trials) {
  StoppingRule r;
  r.enabled = true;
  r.metric = "b";
  r.metric_index = 1;
  r.time_index = 1;
  r.half_width = half_width;
  r.relative_half_width = relative;
  r.confidence = 0.95;
  r.min_trials = min_trials;
  return r;
}

// Block b: the watched column alternates 1, 3; the other columns hold values that would never
// meet the rule (growing without bound).
std::vector<double> block_values(std::size_t b) {
  std::vector<double> v(kBlock * kWidth);
  for (std::size_t t = 0; t < kBlock; ++t) {
    const std::size_t trial = b * kBlock + t;
    for (std::size_t k = 0; k < kWidth; ++k) v[t * kWidth + k] = 1e3 * double(trial * trial);
    v[t * kWidth + 3] = trial % 2 == 0 ? 1.0 : 3.0;
  }
  return v;
}

// The first block after which t(n - 1) / sqrt(n - 1) <= target with n >= min_trials.
std::size_t expected_stop_block(double target, std::uint64_t min_trials) {
  for (std::size_t b = 0;; ++b) {
    const double n = double((b + 1) * kBlock);
    const boost::math::students_t t(n - 1.0);
    const double half = boost::math::quantile(t, 0.975) / std::sqrt(n - 1.0);
    if (n >= double(min_trials) && half <= target) return b;
  }
}

// Feeds blocks of point 0 until the monitor stops it; the block it stopped at.
std::size_t stop_block(StoppingMonitor& monitor) {
  for (std::size_t b = 0; b < 100; ++b) {
    if (monitor.add_block(0, block_values(b))) return b;
  }
  return 100;
}

TEST(StoppingMonitor, StopsAtTheFirstBlockWhoseIntervalMeetsTheHalfWidth) {
  const Campaign c = layout();
  StoppingMonitor monitor(rule_on_b(0.5, 0.0, 2), c);
  EXPECT_TRUE(monitor.enabled());
  const std::size_t b = stop_block(monitor);
  EXPECT_EQ(b, expected_stop_block(0.5, 2));
  EXPECT_EQ(b, 4u);  // 20 trials: t(19) / sqrt(19) = 0.480; at 16 trials 0.550
  EXPECT_TRUE(monitor.stopped(0));
  EXPECT_FALSE(monitor.stopped(1));
  // Later blocks change nothing.
  EXPECT_TRUE(monitor.add_block(0, block_values(0)));
}

TEST(StoppingMonitor, RelativeHalfWidthIsRelativeToTheMean) {
  const Campaign c = layout();
  StoppingMonitor monitor(rule_on_b(0.0, 0.25, 2), c);  // 0.25 x mean 2 = 0.5
  EXPECT_EQ(stop_block(monitor), expected_stop_block(0.5, 2));
  // Both targets must be met: the tighter one decides.
  StoppingMonitor both(rule_on_b(0.5, 0.2, 2), c);  // 0.2 x 2 = 0.4
  EXPECT_EQ(stop_block(both), expected_stop_block(0.4, 2));
}

TEST(StoppingMonitor, MinTrialsComeFirst) {
  const Campaign c = layout();
  StoppingMonitor monitor(rule_on_b(0.5, 0.0, 40), c);
  EXPECT_EQ(stop_block(monitor), 9u);  // 40 trials = 10 blocks
}

TEST(StoppingMonitor, PointsStopOnTheirOwn) {
  const Campaign c = layout();
  StoppingMonitor monitor(rule_on_b(0.5, 0.0, 2), c);
  // Point 1: a constant metric has a zero-width interval, met at the first block.
  std::vector<double> constant(kBlock * kWidth, 7.0);
  EXPECT_TRUE(monitor.add_block(1, constant));
  EXPECT_TRUE(monitor.stopped(1));
  EXPECT_FALSE(monitor.stopped(0));
  EXPECT_EQ(stop_block(monitor), 4u);
}

TEST(StoppingMonitor, NeverStopsWithoutARuleOrOnNaN) {
  const Campaign c = layout();
  StoppingMonitor none(StoppingRule{}, c);
  EXPECT_FALSE(none.enabled());
  EXPECT_EQ(stop_block(none), 100u);
  EXPECT_FALSE(none.stopped(0));
  StoppingMonitor monitor(rule_on_b(0.5, 0.0, 2), c);
  std::vector<double> nan(kBlock * kWidth, std::numeric_limits<double>::quiet_NaN());
  for (int b = 0; b < 10; ++b) EXPECT_FALSE(monitor.add_block(0, nan));
}

TEST(StoppingMonitor, RuleNeedsTwoTrials) {
  RunningStats one;
  one.add(1.0);
  EXPECT_FALSE(stopping_rule_met(rule_on_b(1e9, 0.0, 1), one));
  one.add(1.0);
  EXPECT_TRUE(stopping_rule_met(rule_on_b(1e9, 0.0, 1), one));
  EXPECT_FALSE(stopping_rule_met(StoppingRule{}, one));
}

}  // namespace
}  // namespace kirchhoff::montecarlo
