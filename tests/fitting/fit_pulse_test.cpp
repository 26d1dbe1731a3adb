// Pulse-response fits: exact recovery of the NeuroSim curves without noise (which checks the
// fit's one-step map against PulseCurve), round trips from pulse_response of the
// agasi-neurosim preset and of a device population with device-to-device variation at fixed
// seeds, the device file, bad inputs.
#include "kirchhoff/fitting/fit_pulse.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/devices/pulse.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::fitting {
namespace {

using namespace kirchhoff::devices;  // the device models the fits are checked against
using kirchhoff::testing::message_of;

constexpr double uS = 1e-6;

// `devices` devices of `model` (device d: cell d, so its own device-to-device draws), each
// LTP for P_max pulses from G_min, then LTD for the LTD curve's P_max (pulse_response).
PulseData draw(const PulseNonlinearModel& model, std::size_t devices, std::uint64_t seed) {
  PulseData data;
  data.file = "synthetic";
  for (std::size_t d = 0; d < devices; ++d) {
    const auto rows = pulse_response(model, model.parameters().pulses_ltp,
                                     model.parameters().pulses_ltd, {seed, 0, 0, d});
    for (const auto& r : rows) {
      std::string name = std::to_string(d);
      name.insert(name.begin(), 'd');  // not "d" + ...: GCC 12 warns falsely (-Wrestrict)
      data.device.push_back(name);
      data.pulse.push_back(r.pulse);
      data.polarity.push_back(r.polarity);
      data.conductance_siemens.push_back(r.g_siemens);
      data.line.push_back(static_cast<std::uint32_t>(data.line.size() + 2));
    }
  }
  return data;
}

PulseParameters agasi() {
  // data/devices/agasi-neurosim.toml (NeuroSim device table, Chen & Yu 2019).
  PulseParameters p;
  p.g_max_siemens = 38.462e-9;
  p.g_min_siemens = p.g_max_siemens / 12.5;
  p.pulses_ltp = 97;
  p.pulses_ltd = 100;
  p.nl_ltp = 2.4;
  p.nl_ltd = -4.88;
  p.c2c = 0.035;
  return p;
}

void expect_covers(const Estimate& e, double truth, const char* what) {
  EXPECT_LE(e.interval.lower, truth) << what << " " << e.value;
  EXPECT_GE(e.interval.upper, truth) << what << " " << e.value;
}

TEST(PulseFit, NoiselessCurvesAreRecoveredExactly) {
  PulseParameters p = agasi();
  p.c2c = 0.0;
  const PulseNonlinearModel model(p, CommonParameters{});
  PulseFitOptions options;
  options.bootstrap.replicates = 0;
  options.pulses_ltd = 100;  // the LTD run of the data is 100 pulses too: also found alone
  const auto fit = fit_pulse(draw(model, 2, 1), options);
  EXPECT_EQ(fit.pulses_ltp, 97u);
  EXPECT_EQ(fit.pulses_ltd, 100u);
  EXPECT_NEAR(fit.nl_ltp.value, 2.4, 1e-6);
  EXPECT_NEAR(fit.nl_ltd.value, -4.88, 1e-6);
  EXPECT_NEAR(fit.g_min_siemens.value, p.g_min_siemens, 1e-9 * p.g_max_siemens);
  EXPECT_NEAR(fit.g_max_siemens.value, p.g_max_siemens, 1e-9 * p.g_max_siemens);
  EXPECT_LT(fit.sigma_siemens.value, 1e-9 * p.g_max_siemens);
  EXPECT_NEAR(fit.a_ltp.value, normalised_a(2.4) * 97, 1e-6);  // NL 2.4 <-> A/P_max = 0.4992
  for (double path : fit.row_path_siemens) EXPECT_GE(path, p.g_min_siemens * (1 - 1e-12));
}

// Six devices of the preset: every interval holds its truth at this seed. Each 95 % interval
// misses in about one data set of twenty, so some seeds miss one of the six (seeds 3 and 5 of
// 1-5: NL_LTD by 0.05, c2c by 0.0005); coverage over many data sets is in docs/fitting.md.
TEST(PulseFit, PresetRoundTripCoversTheTruth) {
  const PulseNonlinearModel model(agasi(), CommonParameters{});
  PulseFitOptions options;
  options.pulses_ltd = 100;
  options.bootstrap.replicates = 100;
  const auto fit = fit_pulse(draw(model, 6, 1), options);
  const PulseParameters p = agasi();
  expect_covers(fit.nl_ltp, 2.4, "NL_LTP");
  expect_covers(fit.nl_ltd, -4.88, "NL_LTD");
  expect_covers(fit.g_max_siemens, p.g_max_siemens, "G_max");
  expect_covers(fit.g_min_siemens, p.g_min_siemens, "G_min");
  expect_covers(fit.c2c, 0.035, "c2c");
  expect_covers(fit.sigma_siemens, 0.035 * (p.g_max_siemens - p.g_min_siemens), "sigma");
  EXPECT_GT(fit.residuals.ks_p_value, 0.01);
  EXPECT_NEAR(fit.residuals.std, 1.0, 0.1);
  // The reads clipped at the bounds fix them for most devices.
  int clipped = 0;
  for (const auto& d : fit.devices) clipped += d.g_min_clipped ? 1 : 0;
  EXPECT_GE(clipped, 4);
}

TEST(PulseFit, DeviceToDeviceSpreadAndTheDeviceFile) {
  PulseParameters p;
  p.g_min_siemens = 1 * uS;
  p.g_max_siemens = 10 * uS;
  p.pulses_ltp = p.pulses_ltd = 64;
  p.nl_ltp = 2.0;
  p.nl_ltd = -3.0;
  p.c2c = 0.01;
  p.d2d_nl = 0.4;
  p.d2d_g_max_siemens = 0.4 * uS;
  const PulseNonlinearModel model(p, CommonParameters{});
  PulseFitOptions options;
  options.bootstrap.replicates = 50;
  const auto fit = fit_pulse(draw(model, 16, 4), options);
  expect_covers(fit.nl_ltp, 2.0, "NL_LTP");
  expect_covers(fit.nl_ltd, -3.0, "NL_LTD");
  expect_covers(fit.g_max_siemens, 10 * uS, "G_max");
  expect_covers(fit.c2c, 0.01, "c2c");
  EXPECT_EQ(fit.devices.size(), 16u);
  // The spreads the fit can see are those of these 16 devices, drawn with σ = 0.4 and 0.4 µS
  // (at this seed their own standard deviation of NL_LTP is well above 0.4): each device's truth
  // from the model, their standard deviation inside the interval, and every device's fitted label
  // near its own.
  RunningStats ltp, ltd, g_max;
  for (std::size_t d = 0; d < 16; ++d) {
    const PulseDevice truth = model.devices({4, 0, 0, d}, 1).front();
    ltp.add(nonlinearity_label(truth.ltp.a_normalised));
    ltd.add(nonlinearity_label(truth.ltd.a_normalised));
    g_max.add(truth.ltp.g_max_siemens);
    EXPECT_NEAR(fit.devices[d].nl_ltp, nonlinearity_label(truth.ltp.a_normalised),
                4 * fit.devices[d].se_nl_ltp)
        << d;
    EXPECT_NEAR(fit.devices[d].nl_ltd, nonlinearity_label(truth.ltd.a_normalised),
                4 * fit.devices[d].se_nl_ltd)
        << d;
  }
  expect_covers(fit.d2d_nl_ltp, ltp.stddev(), "d2d NL_LTP");
  expect_covers(fit.d2d_nl_ltd, ltd.stddev(), "d2d NL_LTD");
  expect_covers(fit.d2d_g_max_siemens, g_max.stddev(), "d2d G_max");

  const kirchhoff::testing::TempDir dir("fit-pulse");
  kirchhoff::testing::write_text(dir / "pulsed.toml",
                                 device_file_toml(fit, "pulsed", "synthetic.csv"));
  const auto device = load_device((dir / "pulsed.toml").string());
  const auto* pulse = dynamic_cast<const PulseNonlinearModel*>(device.model.get());
  ASSERT_NE(pulse, nullptr);
  const PulseParameters& q = pulse->parameters();
  EXPECT_NEAR(q.g_max_siemens, fit.g_max_siemens.value, 1e-8 * q.g_max_siemens);
  EXPECT_NEAR(q.g_min_siemens, fit.g_min_siemens.value, 1e-8 * q.g_max_siemens);
  EXPECT_NEAR(q.nl_ltp, fit.nl_ltp.value, 1e-8);
  EXPECT_NEAR(q.nl_ltd, fit.nl_ltd.value, 1e-8);
  EXPECT_NEAR(q.c2c, fit.c2c.value, 1e-8);
  EXPECT_EQ(q.pulses_ltp, 64u);
  EXPECT_NEAR(q.d2d_nl,
              std::sqrt(0.5 * (fit.d2d_nl_ltp.value * fit.d2d_nl_ltp.value +
                               fit.d2d_nl_ltd.value * fit.d2d_nl_ltd.value)),
              1e-8);
}

TEST(PulseFit, BootstrapIsReproducibleForASeed) {
  const PulseNonlinearModel model(agasi(), CommonParameters{});
  const auto data = draw(model, 2, 5);
  PulseFitOptions options;
  options.pulses_ltd = 100;
  options.bootstrap.replicates = 10;
  const auto a = fit_pulse(data, options);
  const auto b = fit_pulse(data, options);
  options.bootstrap.seed = 2;
  const auto c = fit_pulse(data, options);
  EXPECT_EQ(a.nl_ltp.interval.lower, b.nl_ltp.interval.lower);
  EXPECT_NE(a.nl_ltp.interval.lower, c.nl_ltp.interval.lower);
}

TEST(PulseFit, BadInputs) {
  PulseData data;
  data.file = "x";
  for (std::uint32_t k = 0; k < 8; ++k) {
    data.device.push_back("a");
    data.pulse.push_back(k);
    data.polarity.push_back(k == 0 ? 0 : (k < 5 ? 1 : -1));
    data.conductance_siemens.push_back(0.0);
    data.line.push_back(k + 2);
  }
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)fit_pulse(data); }),
            "pulse fit: every conductance is 0");
  data.polarity[3] = 0;
  data.conductance_siemens.assign(8, 1e-6);
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)fit_pulse(data); }),
            "pulse fit: device 'a': polarity 0 after its first read");
}

}  // namespace
}  // namespace kirchhoff::fitting
