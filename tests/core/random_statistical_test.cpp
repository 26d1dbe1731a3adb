// Statistical validation of the random transforms (ctest label "statistical"): moments and
// Kolmogorov–Smirnov statistics against Boost.Math's distributions at fixed seeds. Fixed seeds
// make each run deterministic; the acceptance bounds are those a correct generator meets with
// probability 1 - 1e-3 or better, so a wrong transform fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "support/distributions.hpp"

namespace kirchhoff {
namespace {

constexpr std::size_t kSamples = 1'000'000;
// Asymptotic Kolmogorov distribution: P(sqrt(n) D_n > 1.9495) = 0.001.
const double kKsCritical = testing::ks_critical_value(kSamples, 1e-3);

struct Moments {
  double mean, variance, skewness, excess_kurtosis;
};
Moments moments(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (double v : x) {
    const double d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {mean, m2, m3 / std::pow(m2, 1.5), m4 / (m2 * m2) - 3.0};
}

class NormalTransformStatistical : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(NormalTransformStatistical, MomentsAndKolmogorovSmirnovAgainstBoostCdf) {
  const RandomStream stream(GetParam(), {2, 3, StreamId::testing, 0});
  std::vector<double> z(kSamples);
  stream.normal(z);
  const auto m = moments(z);
  const double n = static_cast<double>(kSamples);
  // Standard errors of the sample moments of N(0,1): 1/√n, √(2/n), √(6/n), √(24/n); 4 σ bounds.
  EXPECT_NEAR(m.mean, 0.0, 4.0 / std::sqrt(n));
  EXPECT_NEAR(m.variance, 1.0, 4.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(m.skewness, 0.0, 4.0 * std::sqrt(6.0 / n));
  EXPECT_NEAR(m.excess_kurtosis, 0.0, 4.0 * std::sqrt(24.0 / n));
  const boost::math::normal_distribution<> normal;
  EXPECT_LT(ks_statistic(z, [&](double x) { return boost::math::cdf(normal, x); }), kKsCritical);
}

INSTANTIATE_TEST_SUITE_P(FixedSeeds, NormalTransformStatistical,
                         ::testing::Values(1u, 20261124u, 0xdeadbeefcafeu));

TEST(UniformTransformStatistical, KolmogorovSmirnovAndEquidistributionOfPairs) {
  const RandomStream stream(8, {0, 0, StreamId::testing, 1});
  std::vector<double> u(kSamples);
  stream.uniform(u);
  EXPECT_LT(ks_statistic(u, [](double x) { return x; }), kKsCritical);
  // Successive pairs in a 16 x 16 grid: chi-square with 255 degrees of freedom.
  std::vector<double> counts(256, 0.0);
  for (std::size_t i = 0; i + 1 < u.size(); i += 2) {
    counts[static_cast<std::size_t>(u[i] * 16) * 16 + static_cast<std::size_t>(u[i + 1] * 16)] += 1;
  }
  const double expected = static_cast<double>(kSamples / 2) / 256.0;
  double chi2 = 0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  const boost::math::chi_squared_distribution<> dist(255);
  EXPECT_LT(chi2, boost::math::quantile(dist, 0.999));
}

TEST(LognormalTransformStatistical, KolmogorovSmirnovAgainstBoostCdf) {
  const RandomStream stream(9, {0, 0, StreamId::device_to_device, 0});
  std::vector<double> x(kSamples);
  stream.lognormal(x, std::log(25e-6), 0.3);
  const boost::math::lognormal_distribution<> dist(std::log(25e-6), 0.3);
  EXPECT_LT(ks_statistic(x, [&](double v) { return boost::math::cdf(dist, v); }), kKsCritical);
}

TEST(TruncatedNormalTransformStatistical, KolmogorovSmirnovOnCentralAndTailIntervals) {
  const RandomStream stream(10, {0, 0, StreamId::testing, 2});
  const boost::math::normal_distribution<> normal(1.0, 2.0);
  std::vector<double> x(kSamples);
  for (auto [lo, hi] : {std::pair{-1.0, 2.0}, {7.0, 12.0}, {-15.0, -3.0}, {1.0, 1e9}}) {
    stream.truncated_normal(x, 1.0, 2.0, lo, hi);
    const double c_lo = boost::math::cdf(normal, lo), c_hi = boost::math::cdf(normal, hi);
    const double q_lo = boost::math::cdf(boost::math::complement(normal, lo));
    const double q_hi = boost::math::cdf(boost::math::complement(normal, hi));
    const bool upper = lo > 1.0;  // compute the CDF in the tail where it is accurate
    auto cdf = [&](double v) {
      if (upper)
        return (q_lo - boost::math::cdf(boost::math::complement(normal, v))) / (q_lo - q_hi);
      return (boost::math::cdf(normal, v) - c_lo) / (c_hi - c_lo);
    };
    EXPECT_LT(ks_statistic(x, cdf), kKsCritical) << "[" << lo << ", " << hi << "]";
  }
}

TEST(BernoulliTransformStatistical, CountsInsideTheBinomialCentralInterval) {
  const RandomStream stream(12, {0, 0, StreamId::stuck_at_fault, 0});
  std::vector<std::uint8_t> hit(kSamples);
  for (double p : {1e-4, 0.098, 0.5, 0.9}) {
    stream.bernoulli(hit, p);
    const double k = std::accumulate(hit.begin(), hit.end(), 0.0);
    const boost::math::binomial_distribution<> dist(static_cast<double>(kSamples), p);
    EXPECT_GE(k, boost::math::quantile(dist, 0.0005)) << p;
    EXPECT_LE(k, boost::math::quantile(dist, 0.9995)) << p;
  }
}

}  // namespace
}  // namespace kirchhoff
