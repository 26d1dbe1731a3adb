// Point summaries without any file, against closed forms: the moments, Student-t interval and
// type-7 quantiles of 1, 2, 3, 4, 5; the Clopper–Pearson interval of a proportion metric from
// Boost's beta quantiles; NaN quantiles for a column with a NaN; the block-ordered fold.
#include "kirchhoff/montecarlo/summary.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <span>
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

// The streamed summary (PointAccumulator + set_quantiles, the results writer's path for large
// points) has the bits of summarize_point on values with ties, both infinities, negatives,
// subnormals and many digits in common; a column with a NaN keeps NaN quantiles. (Where a
// column holds zeros of both signs, which one std::sort puts at a rank is unspecified; the
// streamed selection puts -0 first.)
TEST(Summary, StreamedSummaryHasTheBitsOfTheInMemoryOne) {
  Campaign c;
  c.points.resize(1);
  c.block_size = 7;
  c.read_times_s = {1.0, 2.0};
  c.metrics = {{"a", "1", "", 0}, {"b", "1", "", 0}, {"c", "1", "", 0}};
  c.confidence = 0.95;
  c.quantile_probabilities = {0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1.0};
  const std::size_t width = c.trial_width();
  std::mt19937_64 random(13);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const std::uint64_t trials : {1u, 2u, 9u, 1000u, 4321u, 20000u}) {
    SCOPED_TRACE(trials);
    c.trials = trials;
    std::vector<double> v(trials * width);
    for (std::uint64_t t = 0; t < trials; ++t) {
      v[t * width + 0] = normal(random);                    // continuous
      v[t * width + 1] = std::round(normal(random)) + 0.0;  // many ties, zeros all +0
      v[t * width + 2] = 1e-310 * normal(random);           // subnormals
      v[t * width + 3] = 1.0 + std::ldexp(static_cast<double>(t % 17), -40);  // close values
      v[t * width + 4] = t % 5 == 0   ? std::numeric_limits<double>::infinity()
                         : t % 7 == 0 ? -0.0  // zeros all -0
                                      : -std::exp(normal(random));
      v[t * width + 5] = t == trials / 2 ? kNaN : normal(random);  // one NaN
    }
    v[width + 4 < v.size() ? width + 4 : 4] = -std::numeric_limits<double>::infinity();
    const PointSummary expected = summarize_point(c, v);
    PointAccumulator accumulator(c);
    for (std::uint64_t first = 0; first < trials; first += c.block_size) {
      const std::uint64_t n = std::min<std::uint64_t>(c.block_size, trials - first);
      accumulator.add_block(std::span<const double>(v).subspan(first * width, n * width));
    }
    PointSummary streamed = accumulator.finish();
    int passes = 0;
    set_quantiles(c, accumulator, streamed, [&](const auto& visit) {
      ++passes;
      for (std::uint64_t first = 0; first < trials; first += c.block_size) {  // in reverse too
        const std::uint64_t b = (trials - 1) / c.block_size - first / c.block_size;
        const std::uint64_t n = std::min<std::uint64_t>(c.block_size, trials - b * c.block_size);
        visit(std::span<const double>(v).subspan(b * c.block_size * width, n * width));
      }
    });
    EXPECT_GE(passes, 2);  // a radix pass (11 bits), then collecting the few values left
    EXPECT_LE(passes, 6);  // or at most 64 bits in digits of 11
    auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(std::bit_cast<std::uint64_t>(a[i]), std::bit_cast<std::uint64_t>(b[i]))
            << "element " << i << ": " << a[i] << " vs " << b[i];
      }
    };
    same_bits(streamed.quantiles, expected.quantiles);
    for (auto field :
         {&PointSummary::mean, &PointSummary::std, &PointSummary::sem, &PointSummary::ci_lower,
          &PointSummary::ci_upper, &PointSummary::min, &PointSummary::max}) {
      same_bits(streamed.*field, expected.*field);
    }
    EXPECT_EQ(streamed.trials, expected.trials);
    EXPECT_TRUE(std::isnan(streamed.quantiles[5 * c.quantile_probabilities.size()]));
  }
}

}  // namespace
}  // namespace kirchhoff::montecarlo
