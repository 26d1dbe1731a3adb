// Goodness of fit of standardised residuals z against N(0, 1) (fit.hpp, residual_report).
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <numeric>

#include "fit_internal.hpp"
#include "kirchhoff/core/statistics.hpp"

namespace kirchhoff::fitting {

namespace {

// Mean, standard deviation, skewness and excess kurtosis of z (central moments over n).
void add_moments(std::span<const double> z, ResidualReport& report) {
  const std::size_t n = z.size();
  double mean = 0.0;
  for (double v : z) mean += v;
  mean /= static_cast<double>(n);
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (double v : z) {
    const double e = v - mean;
    m2 += e * e;
    m3 += e * e * e;
    m4 += e * e * e * e;
  }
  m2 /= static_cast<double>(n);
  m3 /= static_cast<double>(n);
  m4 /= static_cast<double>(n);
  report.mean = mean;
  report.std =
      n > 1 ? std::sqrt(m2 * static_cast<double>(n) / static_cast<double>(n - 1)) : detail::kNaN;
  report.skewness = m2 > 0.0 ? m3 / std::pow(m2, 1.5) : detail::kNaN;
  report.excess_kurtosis = m2 > 0.0 ? m4 / (m2 * m2) - 3.0 : detail::kNaN;
}

// The standard deviation (divisor n) of z in five equal-count groups by `order`, none with fewer
// than ten z: about 1 in each group when the model's shape is right.
std::vector<double> std_by_group(std::span<const double> z, std::span<const double> order) {
  constexpr std::size_t kGroups = 5;
  const std::size_t n = z.size();
  std::vector<double> out;
  if (n < 2 * kGroups) return out;
  std::vector<std::size_t> index(n);
  std::iota(index.begin(), index.end(), std::size_t{0});
  std::stable_sort(index.begin(), index.end(),
                   [&](std::size_t a, std::size_t b) { return order[a] < order[b]; });
  for (std::size_t g = 0; g < kGroups; ++g) {
    RunningStats stats;
    for (std::size_t k = g * n / kGroups; k < (g + 1) * n / kGroups; ++k) stats.add(z[index[k]]);
    out.push_back(std::sqrt(stats.m2() / static_cast<double>(stats.count())));
  }
  return out;
}

}  // namespace

ResidualReport residual_report(std::span<const double> z, std::span<const double> order) {
  ResidualReport report;
  report.n = z.size();
  if (report.n == 0) return report;
  std::vector<double> sorted(z.begin(), z.end());
  std::sort(sorted.begin(), sorted.end());
  const boost::math::normal_distribution<double> normal;
  report.ks_statistic =
      ks_statistic_sorted(sorted, [&](double v) { return boost::math::cdf(normal, v); });
  report.ks_p_value = kolmogorov_smirnov_p_value(report.ks_statistic, report.n);
  add_moments(z, report);
  report.std_by_target = std_by_group(z, order);
  return report;
}

}  // namespace kirchhoff::fitting
