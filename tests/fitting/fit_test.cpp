// Fits of programming noise and drift: round trips from synthetic data drawn with the generic
// model at known parameters (fixed seeds), device files that load and reproduce the fit, and
// bad-input errors. (The Kolmogorov–Smirnov p-value is core's, tested in core_statistics_test.)
#include "kirchhoff/fitting/fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "synthetic_drift.hpp"

namespace kirchhoff::fitting {
namespace {

using namespace kirchhoff::devices;  // the device models the fits are checked against
using kirchhoff::testing::message_of;

constexpr double uS = 1e-6;
constexpr double kGMax = 25 * uS;
// σ_P of Joshi et al. 2020 (DESIGN.md), in µS: the truth of the round trips.
const std::vector<double> kTrueSigmaUs{0.26348, 1.9650, -1.1731};

struct Programming {
  std::vector<double> target, programmed;
};

// n devices with targets spread over [0.5, 25] µS, programmed by the generic model with the
// Joshi polynomial and a bias of `bias_microsiemens`.
Programming draw_programming(std::size_t n, std::uint64_t seed, double bias_microsiemens = 0.0) {
  GenericParameters p;
  p.common.g_max_siemens = kGMax;
  p.common.clip = false;
  for (double c : kTrueSigmaUs) p.programming_sigma_polynomial.push_back(c * uS / kGMax);
  p.programming_bias = bias_microsiemens * uS / kGMax;
  const GenericModel model(p);
  Programming data;
  for (std::size_t i = 0; i < n; ++i) {
    data.target.push_back((0.5 + 24.5 * static_cast<double>(i) / static_cast<double>(n - 1)) * uS);
  }
  data.programmed = model.program(data.target, {seed, 0, 0, 0}).programmed_siemens;
  return data;
}

double true_sigma(double g) {
  const double x = g / kGMax;
  return (kTrueSigmaUs[0] + kTrueSigmaUs[1] * x + kTrueSigmaUs[2] * x * x) * uS;
}

TEST(ProgrammingFit, RoundTripCoversEveryTrueParameter) {
  const auto data = draw_programming(4000, 7);
  ProgrammingFitOptions options;
  options.g_max_siemens = kGMax;
  const auto fit = fit_programming(data.target, data.programmed, options);
  ASSERT_EQ(fit.coefficients_siemens.size(), 3u);
  EXPECT_EQ(fit.replicates, 200u);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& c = fit.coefficients_siemens[k];
    EXPECT_LE(c.interval.lower, kTrueSigmaUs[k] * uS) << "c" << k;
    EXPECT_GE(c.interval.upper, kTrueSigmaUs[k] * uS) << "c" << k;
    EXPECT_LT(c.interval.lower, c.value);
    EXPECT_GT(c.interval.upper, c.value);
  }
  for (std::size_t k = 0; k < fit.check_targets_siemens.size(); ++k) {
    const double truth = true_sigma(fit.check_targets_siemens[k]);
    EXPECT_LE(fit.check_sigma_siemens[k].interval.lower, truth) << k;
    EXPECT_GE(fit.check_sigma_siemens[k].interval.upper, truth) << k;
  }
  // DESIGN.md check value: σ_P(10 µS) = 0.862 µS, recovered to within 5 %.
  EXPECT_NEAR(fit.sigma_siemens(10 * uS) / uS, 0.862, 0.05 * 0.862);
  EXPECT_GT(fit.residuals.ks_p_value, 0.01);
  EXPECT_NEAR(fit.residuals.std, 1.0, 0.05);
  ASSERT_EQ(fit.residuals.std_by_target.size(), 5u);
  for (double s : fit.residuals.std_by_target) EXPECT_NEAR(s, 1.0, 0.1);
  EXPECT_FALSE(fit.has_bias);
  EXPECT_EQ(fit.bias_siemens.value, 0.0);
}

TEST(ProgrammingFit, BiasIsRecoveredWithItsInterval) {
  const auto data = draw_programming(4000, 8, -0.2);
  ProgrammingFitOptions options;
  options.g_max_siemens = kGMax;
  options.bias = true;
  options.bootstrap.seed = 3;
  const auto fit = fit_programming(data.target, data.programmed, options);
  EXPECT_LE(fit.bias_siemens.interval.lower, -0.2 * uS);
  EXPECT_GE(fit.bias_siemens.interval.upper, -0.2 * uS);
  EXPECT_LT(fit.bias_siemens.interval.upper, 0.0);  // the offset is detected
  // The same data without bias: the mean of z shows the offset.
  options.bias = false;
  const auto unbiased = fit_programming(data.target, data.programmed, options);
  EXPECT_LT(unbiased.residuals.mean, -0.2);
}

TEST(ProgrammingFit, WrongShapeFailsTheGoodnessOfFit) {
  // σ_P depends strongly on x; a constant (degree 0) cannot describe it: the KS test and the
  // standard deviation of z by target groups show it.
  const auto data = draw_programming(4000, 9);
  ProgrammingFitOptions options;
  options.g_max_siemens = kGMax;
  options.degree = 0;
  options.bootstrap.replicates = 0;
  const auto fit = fit_programming(data.target, data.programmed, options);
  EXPECT_LT(fit.residuals.ks_p_value, 1e-3);
  EXPECT_LT(fit.residuals.std_by_target.front(), 0.6);
  EXPECT_TRUE(std::isnan(fit.coefficients_siemens[0].interval.lower));
}

TEST(ProgrammingFit, BootstrapIsReproducibleForASeed) {
  const auto data = draw_programming(500, 10);
  ProgrammingFitOptions options;
  options.bootstrap.replicates = 50;
  const auto a = fit_programming(data.target, data.programmed, options);
  const auto b = fit_programming(data.target, data.programmed, options);
  options.bootstrap.seed = 2;
  const auto c = fit_programming(data.target, data.programmed, options);
  EXPECT_EQ(a.coefficients_siemens[1].interval.lower, b.coefficients_siemens[1].interval.lower);
  EXPECT_NE(a.coefficients_siemens[1].interval.lower, c.coefficients_siemens[1].interval.lower);
  EXPECT_EQ(a.g_max_siemens, 25 * uS);  // default: the largest target
}

TEST(ProgrammingFit, DeviceFileLoadsAndReproducesTheFittedSigma) {
  const auto data = draw_programming(2000, 11, 0.1);
  ProgrammingFitOptions options;
  options.g_max_siemens = kGMax;
  options.bias = true;
  options.bootstrap.replicates = 20;
  const auto fit = fit_programming(data.target, data.programmed, options);
  const kirchhoff::testing::TempDir dir("fit-programming");
  kirchhoff::testing::write_text(dir / "fitted.toml",
                                 device_file_toml(fit, "fitted", "synthetic.csv"));
  const auto device = load_device((dir / "fitted.toml").string());
  EXPECT_EQ(device.description.name, "fitted");
  EXPECT_EQ(device.description.source, "fit to synthetic.csv");
  const auto* generic = dynamic_cast<const GenericModel*>(device.model.get());
  ASSERT_NE(generic, nullptr);
  for (double g : {0.5 * uS, 5 * uS, 12.5 * uS, 25 * uS}) {
    EXPECT_NEAR(generic->programming_sigma_siemens(g), fit.sigma_siemens(g),
                1e-8 * fit.sigma_siemens(g))
        << g;
  }
  EXPECT_NEAR(generic->parameters().programming_bias * kGMax, fit.bias_siemens.value,
              1e-8 * std::abs(fit.bias_siemens.value));
  // Programming through the loaded model reproduces the fitted distribution: refit its output.
  const auto again = device.model->program(data.target, {99, 0, 0, 0}).programmed_siemens;
  options.bootstrap.replicates = 0;
  const auto refit = fit_programming(data.target, again, options);
  for (double g : {2 * uS, 10 * uS, 20 * uS}) {
    EXPECT_NEAR(refit.sigma_siemens(g), fit.sigma_siemens(g), 0.1 * fit.sigma_siemens(g)) << g;
  }
}

TEST(ProgrammingFit, BadInputs) {
  const auto data = draw_programming(20, 1);
  ProgrammingFitOptions options;
  options.degree = 7;
  EXPECT_THROW((void)fit_programming(data.target, data.programmed, options), InvalidArgument);
  options.degree = 2;
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)fit_programming(std::span(data.target).first(12),
                                    std::span(data.programmed).first(12), options);
            }),
            "programming fit: 12 measurements; degree 2 needs at least 15");
  const std::vector<double> same(20, 5 * uS);
  EXPECT_EQ(
      message_of<InvalidArgument>([&] { (void)fit_programming(same, data.programmed, options); }),
      "programming fit: 1 distinct targets cannot determine a polynomial of degree 2");
}

// Drift data: `per_target` devices at each of three targets, read at `times`, from the generic
// model with a ν table; read noise of `read_relative` (fraction of g(t)).
DriftData draw_drift(std::size_t per_target, std::uint64_t seed, double read_relative,
                     GenericParameters& p) {
  p.common.g_max_siemens = kGMax;
  p.common.clip = false;
  p.t0_s = 20.0;
  p.drift_g_siemens = {2 * uS, 10 * uS, 20 * uS};
  p.drift_nu_mean = {0.08, 0.05, 0.04};
  p.drift_nu_std = {0.03, 0.015, 0.01};
  p.read_sigma_relative = read_relative;
  const GenericModel model(p);
  std::vector<double> targets;
  for (double g : p.drift_g_siemens) targets.insert(targets.end(), per_target, g);
  const auto cells = model.program(targets, {seed, 0, 0, 0});
  const std::vector<double> times{20, 60, 600, 3600, 36000, 86400};
  return testing::simulate_drift(model, cells, targets, times, read_relative > 0.0);
}

TEST(DriftFit, ExactWithoutReadNoise) {
  GenericParameters p;
  const auto data = draw_drift(50, 3, 0.0, p);
  const GenericModel model(p);
  std::vector<double> targets;
  for (double g : p.drift_g_siemens) targets.insert(targets.end(), 50, g);
  const auto cells = model.program(targets, {3, 0, 0, 0});
  const auto fit = fit_drift(data);
  ASSERT_EQ(fit.devices.size(), 150u);
  EXPECT_EQ(fit.t0_s, 20.0);
  for (std::size_t i = 0; i < 150; ++i) {
    EXPECT_NEAR(fit.devices[i].nu, cells.drift_exponent[i], 1e-12) << i;
    EXPECT_NEAR(fit.devices[i].g0_siemens, cells.programmed_siemens[i],
                1e-12 * cells.programmed_siemens[i]);
  }
  EXPECT_LT(fit.log_residual_rms, 1e-12);
  ASSERT_EQ(fit.bins.size(), 3u);
  for (std::size_t b = 0; b < 3; ++b) {
    EXPECT_EQ(fit.bins[b].g_siemens, p.drift_g_siemens[b]);
    EXPECT_EQ(fit.bins[b].devices, 50u);
    EXPECT_LE(fit.bins[b].nu_mean.interval.lower, p.drift_nu_mean[b]) << b;
    EXPECT_GE(fit.bins[b].nu_mean.interval.upper, p.drift_nu_mean[b]) << b;
    EXPECT_LE(fit.bins[b].nu_std.interval.lower, p.drift_nu_std[b]) << b;
    EXPECT_GE(fit.bins[b].nu_std.interval.upper, p.drift_nu_std[b]) << b;
  }
}

TEST(DriftFit, ReadNoiseIsDeconvolvedAndTheDeviceFileLoads) {
  GenericParameters p;
  const auto data = draw_drift(200, 6, 0.02, p);
  const auto fit =
      fit_drift(data, {.t0_s = 20.0, .g_max_siemens = kGMax, .bins = 0, .bootstrap = {}});
  EXPECT_NEAR(fit.log_residual_rms, 0.02, 0.003);
  for (std::size_t b = 0; b < 3; ++b) {
    EXPECT_LE(fit.bins[b].nu_mean.interval.lower, p.drift_nu_mean[b]) << b;
    EXPECT_GE(fit.bins[b].nu_mean.interval.upper, p.drift_nu_mean[b]) << b;
    EXPECT_LE(fit.bins[b].nu_std.interval.lower, p.drift_nu_std[b]) << b;
    EXPECT_GE(fit.bins[b].nu_std.interval.upper, p.drift_nu_std[b]) << b;
  }
  EXPECT_GT(fit.residuals.ks_p_value, 0.01);

  const kirchhoff::testing::TempDir dir("fit-drift");
  kirchhoff::testing::write_text(dir / "drifty.toml", device_file_toml(fit, "drifty", "synthetic"));
  const auto device = load_device((dir / "drifty.toml").string());
  const auto* generic = dynamic_cast<const GenericModel*>(device.model.get());
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(generic->parameters().t0_s, 20.0);
  for (const auto& bin : fit.bins) {
    EXPECT_NEAR(generic->drift_exponent_mean(bin.g_siemens), bin.nu_mean.value, 1e-8);
    EXPECT_NEAR(generic->drift_exponent_std(bin.g_siemens), bin.nu_std.value, 1e-8);
  }
}

TEST(DriftFit, EqualCountBins) {
  GenericParameters p;
  const auto data = draw_drift(20, 5, 0.0, p);
  DriftFitOptions options;
  options.bins = 2;
  const auto fit = fit_drift(data, options);
  ASSERT_EQ(fit.bins.size(), 2u);
  EXPECT_EQ(fit.bins[0].devices, 30u);
  EXPECT_EQ(fit.bins[0].g_low_siemens, 2 * uS);
  EXPECT_EQ(fit.bins[0].g_high_siemens, 10 * uS);
  options.bins = 40;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)fit_drift(data, options); }),
            "drift fit: the bin at 2 uS has 1 device; each bin needs at least 2 (use fewer "
            "--bins)");
}

}  // namespace
}  // namespace kirchhoff::fitting
