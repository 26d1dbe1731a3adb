// Read-noise fits: round trips from synthetic repeated reads of the pcm-joshi2020 model (Q_s =
// 0.0088 x^−0.65, DESIGN.md) and of the generic model with a σ polynomial, at fixed seeds; the
// device file loads and reproduces the fitted noise; drift trends between reads; bad inputs.
#include "kirchhoff/fitting/fit_read_noise.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "kirchhoff/devices/pcm.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::fitting {
namespace {

using namespace kirchhoff::devices;  // the device models the fits are checked against
using kirchhoff::testing::message_of;

constexpr double uS = 1e-6;
constexpr double kGMax = 25 * uS;
const std::vector<double> kTargetsUs{2.5, 5, 10, 15, 20, 24};

// `per_target` devices at each target, read at `times` (repeats allowed: each read has its own
// read id, so its own noise), from `model`.
ReadNoiseData draw_reads(const DeviceModel& model, std::size_t per_target,
                         const std::vector<double>& times, std::uint64_t seed,
                         bool with_target = true) {
  std::vector<double> targets;
  for (double t : kTargetsUs) targets.insert(targets.end(), per_target, t * uS);
  const auto cells = model.program(targets, {seed, 0, 0, 0});
  std::vector<std::vector<double>> g(times.size(), std::vector<double>(targets.size()));
  for (std::size_t k = 0; k < times.size(); ++k) {
    model.read(cells, {times[k], 0}, static_cast<std::uint32_t>(k), g[k]);
  }
  ReadNoiseData data;
  data.file = "synthetic";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    for (std::size_t k = 0; k < times.size(); ++k) {
      std::string name = std::to_string(i);
      name.insert(name.begin(), 'd');  // not "d" + ...: GCC 12 warns falsely (-Wrestrict)
      data.device.push_back(name);
      data.time_s.push_back(times[k]);
      data.conductance_siemens.push_back(g[k][i]);
      if (with_target) data.target_siemens.push_back(targets[i]);
      data.line.push_back(static_cast<std::uint32_t>(data.line.size() + 2));
    }
  }
  return data;
}

std::vector<double> repeated(std::vector<std::pair<double, int>> groups) {
  std::vector<double> times;
  for (auto [t, n] : groups) times.insert(times.end(), static_cast<std::size_t>(n), t);
  return times;
}

double joshi_q(double x) {
  return std::min(0.0088 * std::pow(x, -0.65), 0.2);
}

TEST(ReadNoiseFit, PcmFormRoundTripCoversTheJoshiCurve) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const auto data = draw_reads(model, 40, repeated({{60.0, 10}, {3600.0, 10}}), 5);
  ReadNoiseFitOptions options;
  options.g_max_siemens = kGMax;
  const auto fit = fit_read_noise(data, options);
  EXPECT_EQ(fit.reads, data.time_s.size());
  EXPECT_EQ(fit.replicates, 200u);
  EXPECT_LE(fit.q_coefficient.interval.lower, 0.0088);
  EXPECT_GE(fit.q_coefficient.interval.upper, 0.0088);
  EXPECT_LE(fit.q_exponent.interval.lower, 0.65);
  EXPECT_GE(fit.q_exponent.interval.upper, 0.65);
  for (std::size_t k = 0; k < fit.check_g_siemens.size(); ++k) {
    const double truth = joshi_q(fit.check_g_siemens[k] / kGMax);
    EXPECT_LE(fit.check_value[k].interval.lower, truth) << k;
    EXPECT_GE(fit.check_value[k].interval.upper, truth) << k;
  }
  EXPECT_GT(fit.residuals.ks_p_value, 0.01);
  EXPECT_NEAR(fit.residuals.std, 1.0, 0.03);
  // Without a given bound, q_max is the largest Q_s over the data (at 2.5 µS).
  EXPECT_DOUBLE_EQ(fit.q_max, fit.value(2.5 * uS));
  for (const auto& d : fit.devices) EXPECT_FALSE(d.trend);
}

TEST(ReadNoiseFit, DeviceFileLoadsAndReproducesTheFittedNoise) {
  const PcmModel pcm(PcmParameters::published(PcmFit::joshi2020));
  const auto data = draw_reads(pcm, 20, repeated({{60.0, 8}, {86400.0, 8}}), 6);
  ReadNoiseFitOptions options;
  options.g_max_siemens = kGMax;
  options.bootstrap.replicates = 20;
  const auto fit = fit_read_noise(data, options);
  const kirchhoff::testing::TempDir dir("fit-read-noise");
  kirchhoff::testing::write_text(dir / "noisy.toml",
                                 device_file_toml(fit, "noisy", "synthetic.csv"));
  const auto device = load_device((dir / "noisy.toml").string());
  const auto* generic = dynamic_cast<const GenericModel*>(device.model.get());
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(generic->parameters().t_read_s, 250e-9);
  for (double target : {2.5 * uS, 7 * uS, 24 * uS}) {
    for (double t : {60.0, 3600.0}) {
      const double g = 0.9 * target;
      const double expected = g * fit.value(target) * std::sqrt(std::log((t + 250e-9) / 500e-9));
      EXPECT_NEAR(generic->read_sigma_siemens(target, g, t), expected, 1e-8 * expected);
    }
  }
  // Reads from the loaded device, refitted, give the same curve.
  const auto again = draw_reads(*device.model, 20, repeated({{60.0, 8}, {86400.0, 8}}), 7);
  options.bootstrap.replicates = 0;
  const auto refit = fit_read_noise(again, options);
  for (double g : {3 * uS, 10 * uS, 20 * uS}) {
    EXPECT_NEAR(refit.value(g), fit.value(g), 0.1 * fit.value(g)) << g;
  }
}

TEST(ReadNoiseFit, PolynomialFormRoundTrip) {
  GenericParameters p;
  p.common.g_max_siemens = kGMax;
  p.common.clip = false;
  // σ_R = (0.05 + 0.4 x − 0.2 x²) µS.
  p.read_sigma_polynomial = {0.05 * uS / kGMax, 0.4 * uS / kGMax, -0.2 * uS / kGMax};
  const GenericModel model(p);
  const auto data = draw_reads(model, 30, repeated({{1.0, 12}}), 8);
  ReadNoiseFitOptions options;
  options.form = ReadNoiseForm::polynomial;
  options.g_max_siemens = kGMax;
  const auto fit = fit_read_noise(data, options);
  const std::vector<double> truth{0.05 * uS, 0.4 * uS, -0.2 * uS};
  ASSERT_EQ(fit.coefficients_siemens.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_LE(fit.coefficients_siemens[k].interval.lower, truth[k]) << k;
    EXPECT_GE(fit.coefficients_siemens[k].interval.upper, truth[k]) << k;
  }
  EXPECT_GT(fit.residuals.ks_p_value, 0.01);
  // The device file's polynomial is the fit's, in units of g_max.
  const kirchhoff::testing::TempDir dir("fit-read-poly");
  kirchhoff::testing::write_text(dir / "poly.toml", device_file_toml(fit, "poly", "synthetic.csv"));
  const auto device = load_device((dir / "poly.toml").string());
  const auto* generic = dynamic_cast<const GenericModel*>(device.model.get());
  ASSERT_NE(generic, nullptr);
  for (double g : {3 * uS, 12 * uS, 24 * uS}) {
    EXPECT_NEAR(generic->read_sigma_siemens(g, g, 1.0), fit.value(g), 1e-8 * fit.value(g));
  }
}

TEST(ReadNoiseFit, ReadsAtDifferentTimesFollowTheDriftTrend) {
  // Every read at its own time: the drifting device is followed by a power law per device.
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  std::vector<double> times;
  for (int k = 0; k < 12; ++k) times.push_back(30.0 * std::pow(1.8, k));
  const auto data = draw_reads(model, 40, times, 9);
  ReadNoiseFitOptions options;
  options.g_max_siemens = kGMax;
  options.bootstrap.replicates = 0;
  const auto fit = fit_read_noise(data, options);
  for (const auto& d : fit.devices) EXPECT_TRUE(d.trend);
  // The log-trend is an approximation at 10-20 % relative noise: within a few per cent.
  EXPECT_NEAR(fit.q_coefficient.value, 0.0088, 0.1 * 0.0088);
  EXPECT_NEAR(fit.q_exponent.value, 0.65, 0.05);
  EXPECT_NEAR(fit.residuals.std, 1.0, 0.05);
}

TEST(ReadNoiseFit, WithoutTargetsTheMeanConductanceStandsForThem) {
  // No drift before t_0 = 20 s: the mean read is the programmed conductance, close to the target.
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const auto data = draw_reads(model, 30, repeated({{10.0, 12}}), 10, false);
  ReadNoiseFitOptions options;
  options.g_max_siemens = kGMax;
  options.bootstrap.replicates = 0;
  const auto fit = fit_read_noise(data, options);
  EXPECT_FALSE(fit.from_targets);
  EXPECT_NEAR(fit.q_exponent.value, 0.65, 0.1);
}

TEST(ReadNoiseFit, BadInputs) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  auto data = draw_reads(model, 3, repeated({{60.0, 4}}), 11);
  for (double& t : data.target_siemens) t = 10 * uS;  // one conductance
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)fit_read_noise(data); }),
            "read-noise fit: the devices are at 1 distinct conductance; the pcm form needs at "
            "least 2");
  auto early = draw_reads(model, 3, repeated({{100e-9, 4}}), 12);
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)fit_read_noise(early); }),
            "read-noise fit: device 'd0' has a read at 100 ns, not after t_read = 250 ns, where "
            "the 1/f model has no noise");
  ReadNoiseFitOptions options;
  options.form = ReadNoiseForm::polynomial;
  options.degree = 7;
  EXPECT_THROW((void)fit_read_noise(draw_reads(model, 3, repeated({{60.0, 4}}), 13), options),
               InvalidArgument);
}

}  // namespace
}  // namespace kirchhoff::fitting
