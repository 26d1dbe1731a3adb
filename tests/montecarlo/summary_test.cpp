// Point summaries without any file, against closed forms: the moments, Student-t interval and
// type-7 quantiles of 1, 2, 3, 4, 5; the Clopper–Pearson interval of a proportion metric from
// Boost's beta quantiles; NaN quantiles for a column with a NaN; the block-ordered fold.
#include "kirchhoff/montecarlo/summary.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One read time; "x" a plain metric, "accuracy" a proportion of 10 samples; blocks of 2 trials.
Campaign layout() {
  Campaign c;
  c.points.resize(1);
  c.block_size = 2;
  c.trials = 5;
  c.read_times_s = {1.0};
  c.metrics = {{"x", "1", "", 0}, {"accuracy", "1", "", 10}};
  c.confidence = 0.9;
  c.quantile_probabilities = {0.0, 0.25, 0.5, 1.0};
  return c;
}

// [trial][x, accuracy]: x = 1 ... 5, accuracy = 0.5 ... 0.9.
std::vector<double> values() {
  std::vector<double> v;
  for (int t = 0; t < 5; ++t) v.insert(v.end(), {1.0 + t, 0.5 + 0.1 * t});
  return v;
}

TEST(PointSummary, MomentsIntervalsAndQuantilesOfOneToFive) {
  const PointSummary s = summarize_point(layout(), values());
  EXPECT_EQ(s.trials, 5u);
  ASSERT_EQ(s.mean.size(), 2u);
  EXPECT_DOUBLE_EQ(s.mean[0], 3.0);
  EXPECT_DOUBLE_EQ(s.std[0], std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(s.sem[0], std::sqrt(0.5));
  const double t = boost::math::quantile(boost::math::students_t(4.0), 0.95);
  EXPECT_NEAR(s.ci_lower[0], 3.0 - t * std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(s.ci_upper[0], 3.0 + t * std::sqrt(0.5), 1e-12);
  EXPECT_EQ(s.min[0], 1.0);
  EXPECT_EQ(s.max[0], 5.0);
  ASSERT_EQ(s.quantiles.size(), 8u);  // 2 columns x 4 probabilities
  EXPECT_DOUBLE_EQ(s.quantiles[0], 1.0);
  EXPECT_DOUBLE_EQ(s.quantiles[1], 2.0);  // type 7: 1 + 0.25 (n - 1)
  EXPECT_DOUBLE_EQ(s.quantiles[2], 3.0);
  EXPECT_DOUBLE_EQ(s.quantiles[3], 5.0);
  // Not a proportion: no binomial interval.
  EXPECT_TRUE(std::isnan(s.binomial_lower[0]));
  EXPECT_TRUE(std::isnan(s.binomial_upper[0]));
}

TEST(PointSummary, ClopperPearsonIntervalOfAProportionMetric) {
  const PointSummary s = summarize_point(layout(), values());
  EXPECT_NEAR(s.mean[1], 0.7, 1e-15);
  // 7 of 10 samples at 90 %: the beta quantiles B(0.05; 7, 4) and B(0.95; 8, 3).
  const double lower = boost::math::quantile(boost::math::beta_distribution<>(7.0, 4.0), 0.05);
  const double upper = boost::math::quantile(boost::math::beta_distribution<>(8.0, 3.0), 0.95);
  EXPECT_NEAR(s.binomial_lower[1], lower, 1e-12);
  EXPECT_NEAR(s.binomial_upper[1], upper, 1e-12);
}

TEST(PointSummary, MomentsAreTheBlockOrderedFold) {
  const std::vector<double> v = values();
  OrderedReduction fold;
  for (std::uint64_t b = 0; b < 3; ++b) {
    RunningStats s;
    for (std::uint64_t t = 2 * b; t < std::min<std::uint64_t>(5, 2 * b + 2); ++t) s.add(v[2 * t]);
    fold.submit(b, s);
  }
  const PointSummary s = summarize_point(layout(), v);
  EXPECT_EQ(s.mean[0], fold.total().mean());  // bitwise
  EXPECT_EQ(s.std[0], fold.total().stddev());
}

TEST(PointSummary, FewerTrialsThanThePointHasAndNaNValues) {
  std::vector<double> v = values();
  v.resize(4 * 2);  // a stopping rule ended the point after two blocks
  v[2 * 1 + 1] = kNaN;
  const PointSummary s = summarize_point(layout(), v);
  EXPECT_EQ(s.trials, 4u);
  EXPECT_DOUBLE_EQ(s.mean[0], 2.5);
  EXPECT_DOUBLE_EQ(s.quantiles[3], 4.0);
  // A NaN spoils the quantiles of its column only.
  for (std::size_t q = 4; q < 8; ++q) EXPECT_TRUE(std::isnan(s.quantiles[q])) << q;
}

}  // namespace
}  // namespace kirchhoff::montecarlo
