// Statistical validation of the RRAM models (ctest label "statistical"): at fixed seeds, the
// sample mean and standard deviation of 10^5 cells per target and time agree with the closed
// forms written out here from the published coefficients. Bounds: the mean within
// z · σ / sqrt(n) and (n − 1) s² / σ² inside the central chi-square interval, each with
// two-sided false-alarm probability 1e-4 (Boost.Math quantiles). Fixed seeds make every run
// deterministic; a wrong spread or shift by a few per cent fails.
#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "kirchhoff/devices/rram.hpp"

namespace kirchhoff::devices {
namespace {

constexpr double uS = 1e-6;
constexpr std::size_t kCells = 100'000;
constexpr double kAlpha = 1e-4;

// Checks that x looks like a sample of a distribution with this mean and standard deviation.
void expect_moments(const std::vector<double>& x, double mean, double sd, const std::string& what) {
  const double n = static_cast<double>(x.size());
  double m = 0.0;
  for (double v : x) m += v;
  m /= n;
  double m2 = 0.0;
  for (double v : x) m2 += (v - m) * (v - m);
  const double s2 = m2 / (n - 1.0);
  const double z = boost::math::quantile(boost::math::normal_distribution<>(), 1.0 - kAlpha / 2);
  EXPECT_NEAR(m, mean, z * sd / std::sqrt(n)) << what << ": mean";
  const boost::math::chi_squared_distribution<> chi2(n - 1.0);
  const double statistic = (n - 1.0) * s2 / (sd * sd);
  EXPECT_GE(statistic, boost::math::quantile(chi2, kAlpha / 2))
      << what << ": std " << std::sqrt(s2) << " expected " << sd;
  EXPECT_LE(statistic, boost::math::quantile(chi2, 1.0 - kAlpha / 2))
      << what << ": std " << std::sqrt(s2) << " expected " << sd;
}

std::vector<double> at(const DeviceModel& model, const ProgrammedCells& cells, ReadTime time) {
  std::vector<double> g(cells.size());
  model.conductance_at(cells, time, g);
  return g;
}

// ---- Wan 2022 ---------------------------------------------------------------------------------

// Published fits (uS, x = g / 40 uS) and their times.
const double kWanTimes[3] = {1.0, 86400.0, 172800.0};
const double kWan[3][5] = {{0.348, 16.030, -43.853, 45.393, -16.815},
                           {0.701, 22.086, -50.773, 47.095, -16.458},
                           {0.782, 20.274, -43.507, 37.062, -11.934}};

double wan_fit_microsiemens(int j, double x) {
  double s = 0.0;
  for (int k = 0; k < 5; ++k) s += kWan[j][k] * std::pow(x, k);
  return s;
}

// σ(g, t): the fits at their times, linear in ln t between them, held outside [1 s, 2 d].
double wan_sigma(double g, double t) {
  const double x = g / (40 * uS);
  if (t <= kWanTimes[0]) return wan_fit_microsiemens(0, x) * uS;
  if (t >= kWanTimes[2]) return wan_fit_microsiemens(2, x) * uS;
  const int j = t < kWanTimes[1] ? 0 : 1;
  const double w = std::log(t / kWanTimes[j]) / std::log(kWanTimes[j + 1] / kWanTimes[j]);
  return ((1 - w) * wan_fit_microsiemens(j, x) + w * wan_fit_microsiemens(j + 1, x)) * uS;
}

TEST(RramWan2022Statistics, MeanAndSpreadAtSeveralTargetsAndTimes) {
  RramWan2022Parameters p = RramWan2022Parameters::published();
  // No clipping to [g_min, g_max] (tested below); the targets are >= 3.7 σ above 0, where
  // conductances are clamped.
  p.common.clip = false;
  const RramWan2022Model model(p);
  std::uint32_t trial = 0;
  for (double g_t : {15 * uS, 25 * uS, 34 * uS}) {
    const std::vector<double> targets(kCells, g_t);
    const ProgrammedCells cells = model.program(targets, {.seed = 2022, .trial = trial++});
    expect_moments(cells.programmed_siemens, g_t, wan_sigma(g_t, 1.0), "programmed");
    std::uint32_t index = 0;
    for (double t : {1.0, 60.0, 3600.0, 86400.0, 129600.0, 172800.0, 3.15e7}) {
      expect_moments(at(model, cells, {t, index++}), g_t, wan_sigma(g_t, t),
                     "g " + std::to_string(g_t / uS) + " uS, t " + std::to_string(t) + " s");
    }
  }
}

TEST(RramWan2022Statistics, ClippingAtGmaxFollowsTheCensoredNormal) {
  const RramWan2022Model model(RramWan2022Parameters::published());  // clip on
  const double g_max = model.g_max_siemens();
  const std::vector<double> targets(kCells, g_max);
  const ProgrammedCells cells = model.program(targets, {.seed = 9});
  const std::vector<double> g = at(model, cells, {86400.0, 1});
  const double sigma = 2.651 * uS;  // sum of the 1-day coefficients, x = 1
  double sum = 0.0, at_max = 0.0;
  for (double v : g) {
    sum += v;
    if (v == g_max) at_max += 1;
  }
  // Half the cells land at g_max: Binomial(n, 1/2).
  const boost::math::binomial_distribution<> half(static_cast<double>(kCells), 0.5);
  EXPECT_GE(at_max, boost::math::quantile(half, kAlpha / 2));
  EXPECT_LE(at_max, boost::math::quantile(half, 1 - kAlpha / 2));
  // E[min(X, μ)] = μ − σ / sqrt(2π); Var = σ² (1/2 − 1/(2π)).
  const double n = static_cast<double>(kCells);
  const double mean = g_max - sigma / std::sqrt(2 * std::numbers::pi);
  const double sd = sigma * std::sqrt(0.5 - 1 / (2 * std::numbers::pi));
  const double z = boost::math::quantile(boost::math::normal_distribution<>(), 1.0 - kAlpha / 2);
  EXPECT_NEAR(sum / n, mean, z * sd / std::sqrt(n));
}

// ---- CMO / HfOx, Falcone 2025 -----------------------------------------------------------------

TEST(RramCmoStatistics, ProgrammingAndRelaxationMoments) {
  for (auto [acceptance, c0, c1] :
       {std::tuple{CmoAcceptance::two_percent, 0.0112185391, 0.01129027418},
        std::tuple{CmoAcceptance::two_tenths_percent, 0.00081107, 0.00106879}}) {
    RramCmoParameters p = RramCmoParameters::published(acceptance);
    p.common.clip = false;
    const RramCmoModel model(p);
    std::uint32_t trial = 0;
    for (double g_t_microsiemens : {12.0, 50.0, 80.0}) {
      const double g_t = g_t_microsiemens * uS;
      const double sigma_p = (c0 + c1 * g_t_microsiemens) * uS;
      const ProgrammedCells cells =
          model.program(std::vector<double>(kCells, g_t), {.seed = 2025, .trial = trial++});
      const std::string what =
          "c1 " + std::to_string(c1) + ", g " + std::to_string(g_t_microsiemens);
      expect_moments(cells.programmed_siemens, g_t, sigma_p, what + " programmed");
      expect_moments(at(model, cells, {0.0, 0}), g_t, sigma_p, what + " t = 0");
      std::uint32_t index = 1;
      for (double t : {0.5, 1.0, 600.0, 3600.0, 604800.0, 3.15e8}) {
        const double lt = std::log(std::max(t, 1.0));
        const double shift = -0.08900206 * lt * uS;
        const double spread = (0.04201137 * lt + 0.41183342) * uS;
        expect_moments(at(model, cells, {t, index++}), g_t + shift,
                       std::sqrt(sigma_p * sigma_p + spread * spread),
                       what + " t " + std::to_string(t));
      }
    }
  }
}

// ---- Milo 2021 --------------------------------------------------------------------------------

TEST(RramMilo2021Statistics, ProgrammingMoments) {
  RramMilo2021Parameters p = RramMilo2021Parameters::published();
  p.common.clip = false;
  const RramMilo2021Model model(p);
  std::uint32_t trial = 0;
  for (double g_t_microsiemens : {70.0, 120.0, 200.0}) {
    const double g_t = g_t_microsiemens * uS;
    const ProgrammedCells cells =
        model.program(std::vector<double>(kCells, g_t), {.seed = 2021, .trial = trial++});
    const double sigma = (4.782321 - 0.009107 * g_t_microsiemens) * uS;
    expect_moments(cells.programmed_siemens, g_t, sigma, "g " + std::to_string(g_t_microsiemens));
    // Another programming attempt: a fresh, equally distributed draw.
    const ProgrammedCells again =
        model.program(std::vector<double>(kCells, g_t), {.seed = 2021, .trial = trial - 1}, 1);
    expect_moments(again.programmed_siemens, g_t, sigma,
                   "attempt 1, g " + std::to_string(g_t_microsiemens));
    EXPECT_NE(again.programmed_siemens, cells.programmed_siemens);
  }
}

}  // namespace
}  // namespace kirchhoff::devices
