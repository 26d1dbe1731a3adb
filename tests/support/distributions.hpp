// Closed-form checks shared by the statistical tests: raw moments of a distribution, and sample
// checks against them at 5 standard errors (means, variances with the exact fourth moment), a
// chi-square interval at 1 − 10⁻⁶ (variance of a normal sample), and the Kolmogorov–Smirnov
// distance of a sample from a CDF (core's ks_statistic) against its asymptotic critical value.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kirchhoff/core/statistics.hpp"

namespace kirchhoff::testing {

inline constexpr double kMomentSigmas = 5.0;

// Raw moments E[Y^k], k = 1..4, of a distribution.
struct Moments {
  std::array<double, 4> raw{};

  [[nodiscard]] double mean() const { return raw[0]; }
  [[nodiscard]] double variance() const { return raw[1] - raw[0] * raw[0]; }
  [[nodiscard]] double central4() const {
    const double m = raw[0];
    return raw[3] - 4 * m * raw[2] + 6 * m * m * raw[1] - 3 * m * m * m * m;
  }
  // Moments of the product of two independent variables.
  friend Moments operator*(const Moments& a, const Moments& b) {
    Moments p;
    for (std::size_t k = 0; k < 4; ++k) p.raw[k] = a.raw[k] * b.raw[k];
    return p;
  }
};

// ∫_lo^hi f(x) dx, adaptive Gauss–Kronrod (Boost.Math).
inline double integrate(const std::function<double(double)>& f, double lo, double hi) {
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, lo, hi, 15, 1e-13);
}

// Density of |X|, X ~ N(mu, sd²), at v >= 0.
inline double folded_pdf(double v, double mu, double sd) {
  const boost::math::normal_distribution<> normal(mu, sd);
  return boost::math::pdf(normal, v) + boost::math::pdf(normal, -v);
}

// Sample mean within 5 standard errors, sample variance within 5 standard errors of the
// variance estimator (from the exact fourth central moment).
inline void expect_moments(const std::vector<double>& values, const Moments& expected,
                           const std::string& what) {
  RunningStats stats;
  stats.add(values);
  const double n = static_cast<double>(stats.count());
  const double var = expected.variance();
  const double se_var = std::sqrt((expected.central4() - var * var * (n - 3) / (n - 1)) / n);
  EXPECT_NEAR(stats.mean(), expected.mean(), kMomentSigmas * std::sqrt(var / n))
      << what << ": mean " << stats.mean() << " expected " << expected.mean();
  EXPECT_NEAR(stats.variance(), var, kMomentSigmas * se_var)
      << what << ": variance " << stats.variance() << " expected " << var;
}

// Chi-square interval for the variance of a normal sample, two-sided at 1 − 10⁻⁶.
inline void expect_normal_variance(const std::vector<double>& values, double sd,
                                   const std::string& what) {
  RunningStats stats;
  stats.add(values);
  const double dof = static_cast<double>(stats.count() - 1);
  const boost::math::chi_squared_distribution<> chi2(dof);
  const double statistic = dof * stats.variance() / (sd * sd);
  EXPECT_GT(statistic, boost::math::quantile(chi2, 0.5e-6)) << what << ": " << stats.variance();
  EXPECT_LT(statistic, boost::math::quantile(boost::math::complement(chi2, 0.5e-6)))
      << what << ": " << stats.variance();
}

// The critical value of the one-sample KS statistic D_n at significance `alpha` from the
// asymptotic Kolmogorov distribution, P(sqrt(n) D_n > K) ≈ 2 exp(−2K²) for small alpha:
// K = sqrt(−ln(alpha / 2) / 2), so ks_critical_value(n, 1e-3) = 1.9495 / sqrt(n).
inline double ks_critical_value(std::size_t n, double alpha) {
  return std::sqrt(-0.5 * std::log(0.5 * alpha)) / std::sqrt(static_cast<double>(n));
}

// The KS distance of `values` from `cdf` is below the critical value at `alpha`.
inline void expect_ks_below(std::span<const double> values,
                            const std::function<double(double)>& cdf, double alpha,
                            const std::string& what) {
  const double d = ks_statistic(values, cdf);
  EXPECT_LT(d, ks_critical_value(values.size(), alpha))
      << what << ": Kolmogorov-Smirnov D = " << d << " over " << values.size() << " values";
}

}  // namespace kirchhoff::testing
