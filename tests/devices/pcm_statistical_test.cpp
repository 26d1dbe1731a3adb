// Statistical validation of the PCM models (ctest label "statistical"): for each fit, several
// targets and read times, 10^5 cells are programmed, drifted and read at fixed seeds, and the
// sample means and variances are compared with the distribution the model defines:
//
//   g_P  = max(X, 0), X ~ N(g_T, σ_P²)                moments by quadrature of the normal density
//   ν    = |N(μ_ν, σ_ν²)| (folded normal)             closed-form mean and variance, KS test
//   g(t) = g_P r, r = (t/t_0)^(−ν) (t > t_0)          E[r^k] by quadrature over the folded normal
//   read = g(t) (1 + c z), c = Q_s sqrt(ln((t + t_read)/(2 t_read)))   moments of 1 + c z exact
//
// g_P and ν come from different streams, so E[g(t)^k] = E[g_P^k] E[r^k]. The curves σ_P, μ_ν,
// σ_ν, Q_s are taken from pcm_fit (checked against the published values in pcm_test.cpp).
//
// Acceptance: sample mean within 5 standard errors; sample variance within 5 standard errors of
// the variance estimator, sqrt((μ₄ − σ⁴)/n) from the exact fourth central moment (for g_P, where
// it is normal, the chi-square interval at 1 − 10⁻⁶ as well); Kolmogorov–Smirnov at α = 10⁻⁴.
// A correct model passes each check with probability > 1 − 10⁻⁴; fixed seeds make it
// deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <functional>
#include <numbers>
#include <ostream>
#include <string>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/pcm.hpp"
#include "support/distributions.hpp"

namespace kirchhoff::devices {
namespace {

using namespace kirchhoff::testing;  // closed-form moment and KS checks

constexpr double uS = 1e-6;
constexpr std::size_t kCells = 100'000;

Moments constant_one() {
  return {{1.0, 1.0, 1.0, 1.0}};
}

// Moments of max(X, 0), X ~ N(mean, sd²): the atom at 0 contributes nothing for k >= 1.
Moments rectified_normal(double mean, double sd) {
  const boost::math::normal_distribution<> normal(mean, sd);
  const double lo = std::max(0.0, mean - 12 * sd), hi = mean + 12 * sd;
  Moments m;
  for (std::size_t k = 0; k < 4; ++k) {
    const double power = static_cast<double>(k + 1);
    m.raw[k] = integrate([&](double x) { return std::pow(x, power) * boost::math::pdf(normal, x); },
                         lo, hi);
  }
  return m;
}

// Density of |N(mu, sd²)| on [0, ∞).
double folded_cdf(double v, double mu, double sd) {
  const boost::math::normal_distribution<> normal(mu, sd);
  return boost::math::cdf(normal, v) - boost::math::cdf(normal, -v);
}
double folded_upper(double mu, double sd) {
  return std::abs(mu) + 12 * sd;
}

// Closed forms of the folded normal (Leone, Nelson & Nottingham 1961).
double folded_mean(double mu, double sd) {
  const boost::math::normal_distribution<> standard;
  return sd * std::sqrt(2.0 / std::numbers::pi) * std::exp(-mu * mu / (2 * sd * sd)) +
         mu * (1.0 - 2.0 * boost::math::cdf(standard, -mu / sd));
}
double folded_variance(double mu, double sd) {
  const double m = folded_mean(mu, sd);
  return mu * mu + sd * sd - m * m;
}

// Moments of ν = |N(mu, sd²)| by quadrature.
Moments folded_moments(double mu, double sd) {
  Moments m;
  for (std::size_t k = 0; k < 4; ++k) {
    const double power = static_cast<double>(k + 1);
    m.raw[k] = integrate([&](double v) { return std::pow(v, power) * folded_pdf(v, mu, sd); }, 0.0,
                         folded_upper(mu, sd));
  }
  return m;
}

// Moments of r = ratio^(−ν), ν = |N(mu, sd²)|: E[r^k] = ∫ exp(−k ν ln ratio) f(ν) dν.
Moments drift_factor_moments(double ratio, double mu, double sd) {
  const double a = std::log(ratio);
  Moments m;
  for (std::size_t k = 0; k < 4; ++k) {
    const double kk = static_cast<double>(k + 1);
    m.raw[k] = integrate([&](double v) { return std::exp(-kk * a * v) * folded_pdf(v, mu, sd); },
                         0.0, folded_upper(mu, sd));
  }
  return m;
}

// Moments of 1 + c z, z ~ N(0, 1).
Moments multiplicative_noise(double c) {
  const double c2 = c * c;
  return {{1.0, 1.0 + c2, 1.0 + 3 * c2, 1.0 + 6 * c2 + 3 * c2 * c2}};
}

std::vector<double> in_microsiemens(std::vector<double> g) {
  for (double& v : g) v /= uS;
  return g;
}

struct Case {
  PcmFit fit;
  double target_microsiemens;
};

std::string case_name(const Case& c) {
  const char* fit = c.fit == PcmFit::joshi2020         ? "joshi2020"
                    : c.fit == PcmFit::hermes2023_pair ? "hermes2023_pair"
                                                       : "hermes2023_single";
  return std::string(fit) + " at " + std::to_string(c.target_microsiemens) + " uS";
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << case_name(c);
}

class PcmStatistics : public ::testing::TestWithParam<Case> {};

TEST_P(PcmStatistics, ProgrammedDriftedAndReadConductancesMatchTheModel) {
  const Case c = GetParam();
  const std::string name = case_name(c);
  const PcmModel model(PcmParameters::published(c.fit));
  const double target = c.target_microsiemens * uS;
  const double x = target / model.g_max_siemens();
  const double sigma_p = model.programming_sigma_siemens(target) / uS;
  const double mu_nu = pcm_fit::drift_exponent_mean(c.fit, x);
  const double sd_nu = pcm_fit::drift_exponent_std(c.fit, x);
  const double t0 = model.parameters().t0_s, t_read = model.parameters().t_read_s;

  const std::vector<double> targets(kCells, target);
  const CellAddress address{.seed = 20260101, .point = 2, .trial = 7, .first_cell = 0};
  const ProgrammedCells cells = model.program(targets, address);

  // Programmed conductance: rectified normal; chi-square too where the floor at 0 is negligible.
  const Moments g_p = rectified_normal(c.target_microsiemens, sigma_p);
  const std::vector<double> programmed = in_microsiemens(cells.programmed_siemens);
  expect_moments(programmed, g_p, name + ", g_P");
  const boost::math::normal_distribution<> standard;
  if (boost::math::cdf(standard, -c.target_microsiemens / sigma_p) < 1e-9) {
    expect_normal_variance(programmed, sigma_p, name + ", g_P");
  }

  // Drift exponent: folded normal, closed-form mean and variance, and its CDF.
  RunningStats nu;
  nu.add(cells.drift_exponent);
  const double n = static_cast<double>(kCells);
  const Moments nu_moments = folded_moments(mu_nu, sd_nu);
  // The quadrature reproduces the closed forms (a check of the test's own machinery).
  ASSERT_NEAR(nu_moments.mean(), folded_mean(mu_nu, sd_nu), 1e-12);
  ASSERT_NEAR(nu_moments.variance(), folded_variance(mu_nu, sd_nu), 1e-12);
  EXPECT_NEAR(nu.mean(), folded_mean(mu_nu, sd_nu),
              kMomentSigmas * std::sqrt(folded_variance(mu_nu, sd_nu) / n))
      << name << ", nu";
  expect_moments(cells.drift_exponent, nu_moments, name + ", nu");
  // Against the asymptotic Kolmogorov distribution at α = 10⁻⁴.
  expect_ks_below(
      cells.drift_exponent, [&](double v) { return folded_cdf(v, mu_nu, sd_nu); }, 1e-4,
      name + ", nu");

  // Conductance without and with read noise at each time.
  std::vector<double> g(kCells), r(kCells);
  const std::array<double, 4> times = {1.0, seconds_per_hour, seconds_per_day, seconds_per_year};
  for (std::uint32_t k = 0; k < times.size(); ++k) {
    const double t = times[k];
    const std::string at = name + ", t = " + format_quantity(t, Dimension::time);
    const Moments drift = t > t0 ? drift_factor_moments(t / t0, mu_nu, sd_nu) : constant_one();
    const Moments g_t = g_p * drift;
    model.conductance_at(cells, {t, k}, g);
    expect_moments(in_microsiemens(g), g_t, at + ", g(t)");

    const double c_read =
        pcm_fit::read_noise_q(c.fit, x) * std::sqrt(std::log((t + t_read) / (2 * t_read)));
    model.read(cells, {t, k}, 10 + k, r);
    expect_moments(in_microsiemens(r), g_t * multiplicative_noise(c_read), at + ", read");
  }
}

INSTANTIATE_TEST_SUITE_P(FitsAndTargets, PcmStatistics,
                         ::testing::Values(
                             // Joshi 2020: 0.25 µS (x = 0.01, floor at 0 active), 2.5, 10, 20 µS.
                             Case{PcmFit::joshi2020, 0.25}, Case{PcmFit::joshi2020, 2.5},
                             Case{PcmFit::joshi2020, 10.0}, Case{PcmFit::joshi2020, 20.0},
                             // 64-core chip, two devices: 1 µS (log branches), 5 µS, 15 µS.
                             Case{PcmFit::hermes2023_pair, 1.0}, Case{PcmFit::hermes2023_pair, 5.0},
                             Case{PcmFit::hermes2023_pair, 15.0},
                             // 64-core chip, one device: 1, 5, 9 µS of 10.35 µS.
                             Case{PcmFit::hermes2023_single, 1.0},
                             Case{PcmFit::hermes2023_single, 5.0},
                             Case{PcmFit::hermes2023_single, 9.0}));

// A mixed array (many targets at once) drifts on average as the per-target expectations say:
// the mean over cells of g(t)/E[g(t) | target] is 1 within its standard error.
TEST(PcmStatisticsMixed, MixedTargetsAverageToTheirExpectations) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const std::vector<double> levels_microsiemens = {1.0, 3.0, 7.0, 12.0, 18.0, 25.0};
  std::vector<double> targets(kCells);
  for (std::size_t i = 0; i < kCells; ++i)
    targets[i] = levels_microsiemens[i % levels_microsiemens.size()] * uS;
  const ProgrammedCells cells = model.program(targets, {.seed = 99, .trial = 1});
  const double t = seconds_per_day;
  std::vector<double> g(kCells);
  model.read(cells, {t, 0}, 0, g);
  std::vector<Moments> expected;
  for (double level : levels_microsiemens) {
    const double x = level * uS / model.g_max_siemens();
    const Moments g_p = rectified_normal(level, model.programming_sigma_siemens(level * uS) / uS);
    const double mu = pcm_fit::drift_exponent_mean(PcmFit::joshi2020, x);
    const double sd = pcm_fit::drift_exponent_std(PcmFit::joshi2020, x);
    const double c =
        pcm_fit::read_noise_q(PcmFit::joshi2020, x) * std::sqrt(std::log((t + 250e-9) / 500e-9));
    expected.push_back(g_p * drift_factor_moments(t / 20.0, mu, sd) * multiplicative_noise(c));
  }
  // Standardised values (g − E g)/sd g: mean 0 and variance 1 for a correct model.
  std::vector<double> z(kCells);
  for (std::size_t i = 0; i < kCells; ++i) {
    const Moments& m = expected[i % levels_microsiemens.size()];
    z[i] = (g[i] / uS - m.mean()) / std::sqrt(m.variance());
  }
  // Fourth moment of the standardised mixture (equal weights): the standard error of its variance.
  double kurtosis = 0.0;
  for (const Moments& m : expected) kurtosis += m.central4() / (m.variance() * m.variance());
  kurtosis /= static_cast<double>(expected.size());
  RunningStats stats;
  stats.add(z);
  const double n = static_cast<double>(kCells);
  EXPECT_NEAR(stats.mean(), 0.0, kMomentSigmas / std::sqrt(n));
  EXPECT_NEAR(stats.variance(), 1.0, kMomentSigmas * std::sqrt((kurtosis - 1.0) / n));
}

}  // namespace
}  // namespace kirchhoff::devices
