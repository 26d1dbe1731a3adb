// Statistical tests of the pulse-programmed device (ctest label "statistical"): the spread of
// the programmed conductance against its closed form, at fixed seeds. Bounds are two-sided
// Boost.Math quantiles at a total false-alarm probability of about 1e-6 per check.
// Kirchhoff first: glibc's <signal.h>, pulled in by Boost.Math, defines a macro `si_value`
// that clashes with a parameter name in core/units.hpp.
#include "kirchhoff/devices/pulse.hpp"
// Then the rest.
#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <vector>

namespace kd = kirchhoff::devices;

namespace {

constexpr double kAlpha = 1e-6;

// Checks that `samples` are N(mean, sigma²): sample mean and variance inside their exact
// sampling distributions' central 1 − kAlpha intervals.
void expect_normal(const std::vector<double>& samples, double mean, double sigma,
                   const std::string& what) {
  const auto n = static_cast<double>(samples.size());
  double sum = 0;
  for (double s : samples) sum += s;
  const double m = sum / n;
  double ss = 0;
  for (double s : samples) ss += (s - m) * (s - m);
  const boost::math::normal_distribution<> z;
  const double z_bound = boost::math::quantile(z, 1 - kAlpha / 2);
  EXPECT_LT(std::abs(m - mean), z_bound * sigma / std::sqrt(n)) << what;
  const boost::math::chi_squared_distribution<> chi(n - 1);
  const double statistic = ss / (sigma * sigma);
  EXPECT_GT(statistic, boost::math::quantile(chi, kAlpha / 2)) << what;
  EXPECT_LT(statistic, boost::math::quantile(chi, 1 - kAlpha / 2)) << what;
}

}  // namespace

// After k pulses the C2C error is N(0, k σ²) (NeuroSim: σ·√k per write), σ = c2c·(G_max − G_min).
TEST(PulseStatistics, CycleToCycleSpreadGrowsAsSqrtOfPulses) {
  kd::PulseParameters p;
  p.g_min_siemens = 1e-6;
  p.g_max_siemens = 10e-6;
  p.pulses_ltp = p.pulses_ltd = 63;
  p.nl_ltp = 2.4;
  p.nl_ltd = -4.88;
  p.c2c = 0.002;  // small enough that no cell reaches the range ends (17 σ away at worst)
  kd::CommonParameters common;
  common.clip = false;
  const kd::PulseNonlinearModel model(p, common);
  const std::uint32_t pulse_counts[] = {1, 9, 25, 36};
  constexpr std::size_t per_group = 50000;
  std::vector<double> targets;
  for (const std::uint32_t k : pulse_counts) {
    targets.insert(targets.end(), per_group, model.ltp_curve().conductance(k));
  }
  const auto cells =
      model.program(targets, {.seed = 2024, .point = 1, .trial = 2, .first_cell = 77});
  const double sigma = 0.002 * 9e-6;
  for (std::size_t g = 0; g < 4; ++g) {
    const std::uint32_t k = pulse_counts[g];
    const double level = model.ltp_curve().conductance(k);
    std::vector<double> samples(cells.programmed_siemens.begin() + long(g * per_group),
                                cells.programmed_siemens.begin() + long((g + 1) * per_group));
    EXPECT_EQ(cells.target_siemens[g * per_group], level);
    expect_normal(samples, level, sigma * std::sqrt(double(k)), "pulses " + std::to_string(k));
  }
}

// Device-to-device variation of G_max (NeuroSim's conductance range variation): cells
// programmed with P_max pulses sit at their own G_max ~ N(G_max, σ²).
TEST(PulseStatistics, DeviceToDeviceGmax) {
  kd::PulseParameters p;
  p.g_min_siemens = 1e-6;
  p.g_max_siemens = 10e-6;
  p.pulses_ltp = p.pulses_ltd = 15;
  p.nl_ltp = 1.0;
  p.d2d_g_max_siemens = 0.4e-6;
  kd::CommonParameters common;
  common.clip = false;
  const kd::PulseNonlinearModel model(p, common);
  const std::vector<double> targets(100000, 10e-6);
  const auto a = model.program(targets, {.seed = 7, .first_cell = 0}, 0);
  expect_normal(a.programmed_siemens, 10e-6, 0.4e-6, "G_max d2d");
  // A device property: the same for another programming attempt.
  const auto b = model.program(targets, {.seed = 7, .first_cell = 0}, 5);
  EXPECT_EQ(a.programmed_siemens, b.programmed_siemens);
}

// The pulse-response curve applies one NeuroSim write per pulse. On the linear curve the
// position moves by exactly one pulse each time, so after k LTP pulses the deviation from the
// noiseless curve is the sum of k independent N(0, σ²) draws: N(0, k σ²).
TEST(PulseStatistics, PulseResponseAccumulatesPerPulseNoise) {
  kd::PulseParameters p;
  p.g_min_siemens = 1e-6;
  p.g_max_siemens = 10e-6;
  p.pulses_ltp = p.pulses_ltd = 64;
  p.c2c = 0.002;
  const kd::PulseNonlinearModel model(p, kd::CommonParameters{});
  constexpr std::size_t devices = 20000;
  std::vector<double> after5, after20;
  after5.reserve(devices);
  after20.reserve(devices);
  for (std::size_t d = 0; d < devices; ++d) {
    const auto rows = kd::pulse_response(model, 20, 0, {.seed = 11, .first_cell = d});
    after5.push_back(rows[5].g_siemens - rows[5].g_noiseless_siemens);
    after20.push_back(rows[20].g_siemens - rows[20].g_noiseless_siemens);
  }
  const double sigma = 0.002 * 9e-6;
  expect_normal(after5, 0.0, sigma * std::sqrt(5.0), "5 pulses");
  expect_normal(after20, 0.0, sigma * std::sqrt(20.0), "20 pulses");
}
