// Statistical validation of the generic device model (ctest label "statistical"): 10^5 cells per
// target at fixed seeds, sample means and variances against the distribution the model defines:
//
//   g_P  = X D, X ~ N(g_T, σ_a² + (σ_r g_T)²), D = exp(s z)   E[g_P^k] = E[X^k] e^{k² s²/2}
//   ν    ~ N(μ_ν(g_T), σ_ν(g_T)²), table-interpolated         chi-square for the variance
//   g(t) = g_P r, r = (t/t_0)^(−ν) = exp(−a ν), a = ln(t/t_0)  E[r^k] = e^{−k a μ + k² a² σ²/2}
//   read = g + sqrt(σ_Ra² + σ_Rr² g²) z                        moments from those of g
// and, for the folded option ν = |N(μ, σ²)|, E[r^k] by Boost.Math quadrature.
//
// Acceptance: means within 5 standard errors, variances within 5 standard errors of the variance
// estimator (exact fourth central moment) or inside the chi-square interval at 1 − 10⁻⁶.
#include <gtest/gtest.h>

#include <array>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "support/distributions.hpp"

namespace kirchhoff::devices {
namespace {

using namespace kirchhoff::testing;  // closed-form moment and KS checks

constexpr double uS = 1e-6;
constexpr std::size_t kCells = 100'000;
constexpr double kHour = 3600.0, kDay = 86400.0, kYear = 365.25 * 86400.0;

Moments normal_moments(double m, double s) {
  const double s2 = s * s;
  return {{m, m * m + s2, m * m * m + 3 * m * s2, m * m * m * m + 6 * m * m * s2 + 3 * s2 * s2}};
}
// E[exp(k b Z)], Z ~ N(c, d²): the moments of exp(b Z).
Moments lognormal_moments(double c, double d) {
  Moments m;
  for (std::size_t k = 0; k < 4; ++k) {
    const double kk = static_cast<double>(k + 1);
    m.raw[k] = std::exp(kk * c + kk * kk * d * d / 2);
  }
  return m;
}
// y = g + sqrt(a² + b² g²) z, z ~ N(0, 1) independent of g.
Moments with_read_noise(const Moments& g, double a, double b) {
  const double a2 = a * a, b2 = b * b;
  const auto& e = g.raw;
  Moments y;
  y.raw[0] = e[0];
  y.raw[1] = e[1] * (1 + b2) + a2;
  y.raw[2] = e[2] * (1 + 3 * b2) + 3 * a2 * e[0];
  y.raw[3] =
      e[3] + 6 * (a2 * e[1] + b2 * e[3]) + 3 * (a2 * a2 + 2 * a2 * b2 * e[1] + b2 * b2 * e[3]);
  return y;
}

// E[|N|^k] (power = true) or E[exp(−k a |N|)] (power = false) by quadrature.
Moments folded_quadrature(double mu, double sd, bool power, double a = 0.0) {
  Moments m;
  const double hi = std::abs(mu) + 12 * sd;
  for (std::size_t k = 0; k < 4; ++k) {
    const double kk = static_cast<double>(k + 1);
    m.raw[k] = integrate(
        [&](double v) {
          return (power ? std::pow(v, kk) : std::exp(-kk * a * v)) * folded_pdf(v, mu, sd);
        },
        0.0, hi);
  }
  return m;
}

void expect_normal(const std::vector<double>& values, double mean, double sd,
                   const std::string& what) {
  RunningStats stats;
  stats.add(values);
  const double n = static_cast<double>(stats.count());
  EXPECT_NEAR(stats.mean(), mean, kMomentSigmas * sd / std::sqrt(n)) << what;
  expect_normal_variance(values, sd, what);
}

std::vector<double> in_microsiemens(std::vector<double> g) {
  for (double& v : g) v /= uS;
  return g;
}

GenericParameters everything() {
  GenericParameters p;
  p.common.g_min_siemens = 0.0;
  p.common.g_max_siemens = 25 * uS;
  p.common.clip = false;  // the closed forms have no truncation
  p.programming_sigma_siemens = 0.3 * uS;
  p.programming_sigma_relative = 0.04;
  p.device_to_device_sigma = 0.1;
  p.t0_s = 10.0;
  p.drift_g_siemens = {2 * uS, 10 * uS, 20 * uS};
  p.drift_nu_mean = {0.08, 0.05, 0.03};
  p.drift_nu_std = {0.02, 0.01, 0.005};
  p.read_sigma_siemens = 0.1 * uS;
  p.read_sigma_relative = 0.02;
  return p;
}

struct Case {
  double target_microsiemens, nu_mean,
      nu_std;  // ν's parameters at the target, from the table by hand
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.target_microsiemens << " uS";
}

class GenericStatistics : public ::testing::TestWithParam<Case> {};

TEST_P(GenericStatistics, AllEffectsMatchTheirClosedForms) {
  const Case c = GetParam();
  const std::string name = std::to_string(c.target_microsiemens) + " uS";
  const GenericParameters p = everything();
  const GenericModel model(p);
  const std::vector<double> targets(kCells, c.target_microsiemens * uS);
  const ProgrammedCells cells = model.program(targets, {.seed = 424242, .point = 1, .trial = 3});

  const double sigma_x = std::hypot(0.3, 0.04 * c.target_microsiemens);  // µS
  const Moments g_p = normal_moments(c.target_microsiemens, sigma_x) *
                      lognormal_moments(0.0, p.device_to_device_sigma);
  expect_moments(in_microsiemens(cells.programmed_siemens), g_p, name + ", g_P");
  expect_normal(cells.drift_exponent, c.nu_mean, c.nu_std, name + ", nu");

  std::vector<double> g(kCells), r(kCells);
  const std::array<double, 4> times = {1.0, kHour, kDay, kYear};
  for (std::uint32_t k = 0; k < times.size(); ++k) {
    const double t = times[k];
    const std::string at = name + ", t = " + std::to_string(t) + " s";
    Moments drift{{1.0, 1.0, 1.0, 1.0}};
    if (t > p.t0_s) {
      const double a = std::log(t / p.t0_s);  // r = exp(−a ν), −a ν ~ N(−a μ, (a σ)²)
      drift = lognormal_moments(-a * c.nu_mean, a * c.nu_std);
    }
    const Moments g_t = g_p * drift;
    model.conductance_at(cells, {t, k}, g);
    expect_moments(in_microsiemens(g), g_t, at + ", g(t)");
    model.read(cells, {t, k}, k, r);
    expect_moments(in_microsiemens(r), with_read_noise(g_t, 0.1, 0.02), at + ", read");
  }
}

INSTANTIATE_TEST_SUITE_P(TablePoints, GenericStatistics,
                         ::testing::Values(Case{5.0, 0.08 - 0.03 * 3.0 / 8.0,
                                                0.02 - 0.01 * 3.0 / 8.0},  // between
                                           Case{10.0, 0.05, 0.01},         // on a point
                                           Case{22.0, 0.03, 0.005},        // beyond
                                           Case{1.0, 0.08, 0.02}));        // below

TEST(GenericStatisticsFolded, AbsoluteExponentsAndTheirDriftMatchQuadrature) {
  GenericParameters p;
  p.common.g_max_siemens = 25 * uS;
  p.t0_s = 1.0;
  p.drift_g_siemens = {0.0};
  p.drift_nu_mean = {0.01};
  p.drift_nu_std = {0.02};  // folding matters: P(N < 0) = 31 %
  p.drift_nu_absolute = true;
  const GenericModel model(p);
  const std::vector<double> targets(kCells, 10 * uS);
  const ProgrammedCells cells = model.program(targets, {.seed = 17});
  expect_moments(cells.drift_exponent, folded_quadrature(0.01, 0.02, true), "folded nu");
  std::vector<double> g(kCells);
  for (double t : {kHour, kYear}) {
    model.conductance_at(cells, {t, 0}, g);
    const Moments g_t =
        Moments{{10.0, 100.0, 1000.0, 10000.0}} * folded_quadrature(0.01, 0.02, false, std::log(t));
    expect_moments(in_microsiemens(g), g_t, "folded drift at " + std::to_string(t) + " s");
  }
}

}  // namespace
}  // namespace kirchhoff::devices
