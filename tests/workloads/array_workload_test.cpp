// The "array" workload: exact results with an ideal device and converters, drift of PCM making
// the MVM error grow with time (paired, over trials), ADC and DAC quantisation against the
// uniform-noise estimate Δ²/12, bitwise-identical campaigns for 1 and 2 threads, determinism of
// run_trial, and located ConfigErrors for bad keys.
#include "kirchhoff/workloads/array_workload.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "support/campaign.hpp"
#include "support/hdf5_contents.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::workloads {
namespace {

using namespace kirchhoff::montecarlo;  // the engine that runs the workload

using testing::dataset_bytes;
using testing::metric_index;
using testing::TempDir;

// A campaign of one array-workload point; `workload` is the body of [workload] (after kind).
std::string campaign(const std::string& device, const std::string& read_times,
                     const std::string& workload, const std::string& extra = "") {
  return fmt::format(R"(name = "array"
seed = 11
trials = 8
block_size = 4
read_times = {}
checkpoint_interval = "0s"

[device]
preset = "{}"

[workload]
kind = "array"
{}
{})",
                     read_times, device, workload, extra);
}

Campaign parse(const std::string& text) {
  return testing::parse_builtin(text, "study.toml");
}

TEST(ArrayWorkload, MetricsHaveUnitsAndDescriptions) {
  const Campaign c = parse(campaign("pcm-joshi2020", R"(["1s"])", "rows = 8\ncols = 4"));
  EXPECT_EQ(c.workload_kind, "array");
  ASSERT_EQ(c.metrics.size(), 12u);
  for (const MetricInfo& m : c.metrics) {
    EXPECT_FALSE(m.unit.empty()) << m.name;
    EXPECT_FALSE(m.description.empty()) << m.name;
  }
  EXPECT_EQ(c.metrics[metric_index(c, "snr_db")].unit, "dB");
  EXPECT_EQ(c.metrics[metric_index(c, "g_rms_error")].unit, "S");
  EXPECT_NE(c.workloads[0]->description().find("8 x 4 weights"), std::string::npos)
      << c.workloads[0]->description();
}

TEST(ArrayWorkload, IdealDeviceAndConvertersGiveTheExactProduct) {
  // 70 x 50 weights on 32 x 32 tiles (partial tiles, digital sums), ideal DAC and ADC.
  const Campaign c = parse(campaign("generic-ideal", R"(["1s", "1y"])", R"(rows = 70
cols = 50
[workload.tile]
rows = 32
cols = 32
[workload.dac]
bits = 0
[workload.adc]
bits = 0
)"));
  const std::size_t m = c.metrics.size();
  for (std::uint32_t trial = 0; trial < 3; ++trial) {
    const auto out = testing::run_trial(c, trial);
    for (std::size_t k = 0; k < 2; ++k) {
      const double* row = out.data() + k * m;
      EXPECT_LT(row[metric_index(c, "relative_error")], 1e-13);
      EXPECT_GT(row[metric_index(c, "snr_db")], 250.0);
      EXPECT_NEAR(row[metric_index(c, "output_gain")], 1.0, 1e-13);
      EXPECT_LT(std::abs(row[metric_index(c, "error_mean")]), 1e-14);
      EXPECT_LT(row[metric_index(c, "error_std")], 1e-13);
      EXPECT_GT(row[metric_index(c, "output_range")], 1.0);
      EXPECT_EQ(row[metric_index(c, "clipped_fraction")], 0.0);
      EXPECT_EQ(row[metric_index(c, "g_programming_rms_error")], 0.0);
      EXPECT_EQ(row[metric_index(c, "g_rms_error")], 0.0);
    }
  }
}

// single_precision_signal: the signal product in float costs ~1e-7 of the currents, so with an
// ideal device and converters the error is ~1e-7 (not the 1e-13 of double), and with 8-bit
// converters on PCM the metrics agree with the double product's to far below their spread.
TEST(ArrayWorkload, SinglePrecisionSignalCostsAboutOneEpsilonOfFloat) {
  const std::string ideal =
      "rows = 40\ncols = 30\n[workload.dac]\nbits = 0\n[workload.adc]\nbits = 0\n";
  const Campaign exact = parse(campaign("generic-ideal", R"(["1s"])", ideal));
  const Campaign single =
      parse(campaign("generic-ideal", R"(["1s"])", "single_precision_signal = true\n" + ideal));
  const auto e = testing::run_trial(exact, 0);
  const auto f = testing::run_trial(single, 0);
  const std::size_t k = metric_index(exact, "relative_error");
  EXPECT_LT(e[k], 1e-13);
  EXPECT_GT(f[k], 1e-9);  // the float product really ran
  EXPECT_LT(f[k], 1e-6);

  const std::string converters =
      "rows = 64\ncols = 64\n[workload.dac]\nbits = 8\n[workload.adc]\nbits = 8\n";
  const Campaign pcm = parse(campaign("pcm-joshi2020", R"(["1h"])", converters));
  const Campaign pcm_single = parse(
      campaign("pcm-joshi2020", R"(["1h"])", "single_precision_signal = true\n" + converters));
  const auto d = testing::run_trial(pcm, 0);
  const auto s = testing::run_trial(pcm_single, 0);
  EXPECT_NEAR(s[k], d[k], 1e-3 * d[k]);
}

// IR drop through the exact solver and its first-order approximation, on an ideal device and
// ideal converters, so the wires are the only error: the exact solver finds an error of about
// r·G·N/2 relative (columns and rows of 32 cells), the approximation agrees with it to second
// order, and with ir_drop = "none" the same wires change nothing.
TEST(ArrayWorkload, IrDropThroughTheExactSolverAndItsApproximation) {
  const auto body = [](const char* model) {
    return fmt::format(R"(rows = 32
cols = 32
ir_drop = "{}"
[workload.tile]
rows = 32
cols = 32
[workload.dac]
bits = 0
[workload.adc]
bits = 0
[workload.wires]
r_row = "1ohm"
r_col = "1ohm"
)",
                       model);
  };
  const auto error_of_model = [&](const char* model) {
    const Campaign c = parse(campaign("generic-ideal", R"(["1s"])", body(model)));
    return testing::run_trial(c, 0)[metric_index(c, "relative_error")];
  };
  const double none = error_of_model("none");
  const double exact = error_of_model("exact");
  const double approx = error_of_model("approx");
  EXPECT_LT(none, 1e-13);
  // g up to 25 µS (differential mapping), r = 1 Ω, N = 32: r·G·N ~ 1e-3 relative.
  EXPECT_GT(exact, 1e-5);
  EXPECT_LT(exact, 1e-2);
  EXPECT_NEAR(approx, exact, 0.05 * exact);
}

TEST(ArrayWorkload, RunTrialIsAPureFunctionOfTheTrial) {
  const Campaign c = parse(campaign("pcm-joshi2020", R"(["1s", "1d"])", R"(rows = 40
cols = 24
[workload.dac]
bits = 8
[workload.adc]
bits = 8
range_mode = "calibrated"
calibration_vectors = 32
gain_std = 0.01
output_noise_std = 0.001
)"));
  const auto a = testing::run_trial(c, 3), b = testing::run_trial(c, 3),
             other = testing::run_trial(c, 4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  // Fresh read noise at each read time and drift: the two read times differ.
  const std::size_t m = c.metrics.size();
  EXPECT_NE(a[metric_index(c, "relative_error")], a[m + metric_index(c, "relative_error")]);
}

TEST(ArrayWorkload, WeightsPerPointAreSharedByTheTrials) {
  // Ideal device and converters: trials differ only by their inputs and weights; with weights
  // per point and the same inputs they would be equal, so compare the conductance-free metric
  // output_range under both settings: per trial it varies with the weights as well.
  const std::string body = R"(rows = 16
cols = 8
[workload.dac]
bits = 0
[workload.adc]
bits = 0
[workload.weights]
resample = "point"
)";
  const Campaign c = parse(campaign("generic-ideal", R"(["1s"])", body));
  EXPECT_NE(c.workloads[0]->description().find("per point"), std::string::npos);
  const Campaign t = parse(campaign("generic-ideal", R"(["1s"])",
                                    R"(rows = 16
cols = 8
[workload.dac]
bits = 0
[workload.adc]
bits = 0
)"));
  EXPECT_NE(t.workloads[0]->description().find("per trial"), std::string::npos);
  // Same inputs (same trial), different weights: per point vs per trial give different outputs.
  EXPECT_NE(testing::run_trial(c, 2)[metric_index(c, "output_range")],
            testing::run_trial(t, 2)[metric_index(t, "output_range")]);
}

// Mean and standard error of paired differences later - earlier of one metric over trials.
struct Paired {
  double mean = 0.0, sem = 0.0;
};
Paired paired_difference(const Campaign& c, std::size_t metric, std::size_t earlier,
                         std::size_t later, std::uint32_t trials) {
  RunningStats s;
  const std::size_t m = c.metrics.size();
  for (std::uint32_t t = 0; t < trials; ++t) {
    const auto out = testing::run_trial(c, t);
    s.add(out[later * m + metric] - out[earlier * m + metric]);
  }
  return {s.mean(), s.stddev() / std::sqrt(static_cast<double>(s.count()))};
}

TEST(ArrayWorkloadStatistics, PcmDriftMakesTheErrorGrowWithTime) {
  const Campaign c = parse(campaign("pcm-joshi2020", R"(["20s", "1d", "1y"])", R"(rows = 128
cols = 64
[workload.dac]
bits = 8
[workload.adc]
bits = 8
)"));
  constexpr std::uint32_t kTrials = 36;
  const std::size_t rel = metric_index(c, "relative_error");
  const std::size_t g = metric_index(c, "g_rms_error");
  const std::size_t gain = metric_index(c, "output_gain");
  for (const auto& [earlier, later] : {std::pair{0u, 1u}, std::pair{1u, 2u}}) {
    // The error and the conductance error grow by many standard errors of the paired
    // differences (a one-sided 5-sigma margin), and the output shrinks (drift lowers G).
    const Paired e = paired_difference(c, rel, earlier, later, kTrials);
    EXPECT_GT(e.mean, 5.0 * e.sem) << "relative_error " << earlier << " -> " << later;
    const Paired dg = paired_difference(c, g, earlier, later, kTrials);
    EXPECT_GT(dg.mean, 5.0 * dg.sem) << "g_rms_error " << earlier << " -> " << later;
    const Paired dgain = paired_difference(c, gain, earlier, later, kTrials);
    EXPECT_LT(dgain.mean, -5.0 * dgain.sem) << "output_gain " << earlier << " -> " << later;
  }
  // Joshi's drift, ν ≈ 0.05 ... 0.1: after a year G has shrunk to ~(1y / 20s)^-ν ≈ 0.25 ... 0.5.
  const auto out = testing::run_trial(c, 0);
  const double gain_1y = out[2 * c.metrics.size() + gain];
  EXPECT_GT(gain_1y, 0.2);
  EXPECT_LT(gain_1y, 0.6);
  // Programming error alone (20 s = t0, before drift) is a few per cent of g_max.
  const double programming = out[metric_index(c, "g_programming_relative_rms_error")];
  EXPECT_GT(programming, 0.01);
  EXPECT_LT(programming, 0.06);
}

// Ideal device, 256 inputs, weights uniform on [-1, 1] mapped with weight_scale = 1 (so the
// scale is exactly 1), inputs uniform on [-1, 1].
std::string quantisation_body(int dac_bits, int adc_bits) {
  return fmt::format(R"(rows = 256
cols = 64
[workload.inputs]
count = 256
[workload.mapping]
weight_scale = 1.0
[workload.dac]
bits = {}
[workload.adc]
bits = {}
range_mode = "max_current"
)",
                     dac_bits, adc_bits);
}

TEST(ArrayWorkloadStatistics, AdcQuantisationNoiseIsDeltaSquaredOverTwelve) {
  // 8-bit sign-magnitude ADC at full scale F = R v_read ΔG: Δ_I = F / 127, which is
  // Δ_y = R · X · s / 127 = 256 / 127 in output units; uniform quantisation noise gives
  // rms Δ_y / sqrt(12) = 0.5819. Each trial pools 64 × 256 = 16,384 errors: the sampling error
  // of the rms is ~0.35 % per trial; the bound is 3 %. The max-current range never clips.
  const Campaign c = parse(campaign("generic-ideal", R"(["1s"])", quantisation_body(0, 8)));
  const double expected = 256.0 / 127.0 / std::sqrt(12.0);
  for (std::uint32_t t = 0; t < 4; ++t) {
    const auto out = testing::run_trial(c, t);
    EXPECT_NEAR(out[metric_index(c, "rms_error")], expected, 0.03 * expected) << "trial " << t;
    EXPECT_EQ(out[metric_index(c, "clipped_fraction")], 0.0);
    // Unbiased: the mean error is far below its standard deviation.
    EXPECT_LT(std::abs(out[metric_index(c, "error_mean")]),
              5.0 * out[metric_index(c, "error_std")] / std::sqrt(16384.0));
    // SNR from the same estimate: signal power 256 · E[W²] E[x²] = 256 / 9 per output.
    const double snr = 10.0 * std::log10(256.0 / 9.0 / (expected * expected));
    EXPECT_NEAR(out[metric_index(c, "snr_db")], snr, 0.5);
  }
}

TEST(ArrayWorkloadStatistics, DacQuantisationNoiseIsDeltaSquaredOverTwelvePerInput) {
  // 8-bit DAC, step Δ_x = X / 127: the error of output j is Σ_i W_ij δ_i, variance
  // Σ_i W_ij² Δ_x² / 12 ≈ 256 · (1/3) · Δ_x² / 12 → rms 0.02100. The weights' Σ W² varies
  // by ~0.7 % between trials (64 columns of 256); the bound is 3 %.
  const Campaign c = parse(campaign("generic-ideal", R"(["1s"])", quantisation_body(8, 0)));
  const double expected = std::sqrt(256.0 / 3.0 / 12.0) / 127.0;
  for (std::uint32_t t = 0; t < 4; ++t) {
    const auto out = testing::run_trial(c, t);
    EXPECT_NEAR(out[metric_index(c, "rms_error")], expected, 0.03 * expected) << "trial " << t;
  }
}

using kirchhoff::testing::options_for;

TEST(ArrayWorkloadEngine, OneAndTwoThreadsGiveIdenticalDatasets) {
  TempDir dir("array-threads");
  const Campaign c = parse(campaign("pcm-joshi2020", R"(["1s", "1d"])", R"(rows = 48
cols = 20
[workload.tile]
rows = 32
cols = 16
[workload.inputs]
count = 40
[workload.dac]
bits = 8
[workload.adc]
bits = 8
range_mode = "calibrated"
calibration_vectors = 64
offset_std = 0.01
)",
                                    R"(
[[sweep]]
key = "workload.adc.bits"
values = [6, 8]
)"));
  ASSERT_EQ(c.points.size(), 2u);
  for (unsigned threads : {1u, 2u}) {
    const auto r = run_campaign(c, options_for(dir / fmt::format("t{}.h5", threads), threads));
    EXPECT_EQ(r.status, RunStatus::completed);
    EXPECT_EQ(r.trials_run, 2u * 8u);
  }
  const auto a = dataset_bytes(dir / "t1.h5"), b = dataset_bytes(dir / "t2.h5");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.contains(name)) << name;
    EXPECT_TRUE(bytes == b.at(name)) << "dataset " << name << " differs";
  }
  const auto file = h5::File::open(dir / "t1.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  EXPECT_EQ(file.read_attribute<std::string>("workload"), "array");
  const auto units = file.read_dataset<std::vector<std::string>>("metrics/unit");
  EXPECT_EQ(units.size(), c.metrics.size());
}

// Exact IR drop through both engine paths — the line-relaxation solver on each block of vectors
// (8 vectors per read time, fewer than the 32 rows of a tile) and its transfer matrix (40
// vectors) — gives bitwise the same datasets on 1 and 2 threads.
TEST(ArrayWorkloadEngine, ExactIrDropIsInvariantUnderThreadCount) {
  TempDir dir("array-ir-threads");
  const Campaign c = parse(campaign("rram-wan2022", R"(["1s", "1d"])", R"(rows = 48
cols = 20
ir_drop = "exact"
[workload.tile]
rows = 32
cols = 16
[workload.dac]
bits = 8
[workload.adc]
bits = 8
[workload.wires]
r_row = "2.5ohm"
r_col = "2.5ohm"
r_sense = "5ohm"
)",
                                    R"(
[[sweep]]
key = "workload.inputs.count"
values = [8, 40]
)"));
  ASSERT_EQ(c.points.size(), 2u);
  for (unsigned threads : {1u, 2u}) {
    const auto r = run_campaign(c, options_for(dir / fmt::format("t{}.h5", threads), threads));
    EXPECT_EQ(r.status, RunStatus::completed);
  }
  const auto a = dataset_bytes(dir / "t1.h5"), b = dataset_bytes(dir / "t2.h5");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.contains(name)) << name;
    EXPECT_TRUE(bytes == b.at(name)) << "dataset " << name << " differs";
  }
}

// ir_drop = "approx" estimates its own error (the first-order drop squared, cells at the middle
// of the mapping range) and warns above 1 %, in the campaign's warnings (printed by run and
// validate) and in the results file; a small array on thin wires, or exact, does not warn.
TEST(ArrayWorkload, ApproxWarnsWhenItsErrorEstimateExceedsOnePercent) {
  const auto body = [](const char* model, int n, const char* r) {
    return fmt::format(
        "rows = {0}\ncols = {0}\nir_drop = \"{1}\"\n[workload.tile]\nrows = {0}\ncols = "
        "{0}\n[workload.wires]\nr_row = \"{2}\"\nr_col = \"{2}\"\n",
        n, model, r);
  };
  const auto approx_warnings = [](const Campaign& c) {
    std::vector<std::string> w;
    for (const std::string& s : c.warnings) {
      if (s.find("ir_drop = \"approx\"") != std::string::npos) w.push_back(s);
    }
    return w;
  };
  // 128 x 128 of rram-wan2022 (0-40 uS, 20 uS at the middle) on 3 Ohm wires: ε ≈ 2·20 µS·3 Ω·
  // 128·127/2 ≈ 0.98, error ≈ 95 %.
  const Campaign loud = parse(campaign("rram-wan2022", R"(["1s"])", body("approx", 128, "3ohm")));
  const auto w = approx_warnings(loud);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("estimated error is 95 %"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("use ir_drop = \"exact\""), std::string::npos) << w[0];
  // 16 x 16 on 0.1 Ohm: ε = 2·20 µS·0.1 Ω·120 = 4.8e-4, error 2.3e-7.
  EXPECT_TRUE(
      approx_warnings(parse(campaign("rram-wan2022", R"(["1s"])", body("approx", 16, "0.1ohm"))))
          .empty());
  EXPECT_TRUE(
      approx_warnings(parse(campaign("rram-wan2022", R"(["1s"])", body("exact", 128, "3ohm"))))
          .empty());

  TempDir dir("array-approx-warning");
  Campaign small = parse(campaign("rram-wan2022", R"(["1s"])", body("approx", 64, "3ohm")));
  ASSERT_EQ(approx_warnings(small).size(), 1u);
  ASSERT_EQ(run_campaign(small, options_for(dir / "w.h5", 1)).status, RunStatus::completed);
  const auto file = h5::File::open(dir / "w.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  ASSERT_TRUE(file.has_attribute("warnings"));
  EXPECT_EQ(file.read_attribute<std::vector<std::string>>("warnings"), small.warnings);
  Campaign quiet = parse(campaign("rram-wan2022", R"(["1s"])", body("approx", 16, "0.1ohm")));
  ASSERT_EQ(run_campaign(quiet, options_for(dir / "q.h5", 1)).status, RunStatus::completed);
  EXPECT_FALSE(h5::File::open(dir / "q.h5", h5::OpenMode::read_only, kCampaignFiletype, 1)
                   .has_attribute("warnings"));
}

// The ConfigError that parsing throws for a campaign ("" if none).
std::string error_of(const std::string& text) {
  try {
    static_cast<void>(parse(text));
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a ConfigError: ") + e.what();
  }
  return "";
}

std::string workload_error(const std::string& body) {
  return error_of(campaign("pcm-joshi2020", R"(["1s"])", body));
}

void expect_error(const std::string& body, const std::string& key, const std::string& text) {
  const std::string e = workload_error(body);
  EXPECT_EQ(e.rfind("study.toml:", 0), 0u) << "not located: " << e;
  EXPECT_NE(e.find("key '" + key + "'"), std::string::npos) << e;
  EXPECT_NE(e.find(text), std::string::npos) << e;
}

TEST(ArrayWorkloadErrors, BadKeysAreLocatedConfigErrors) {
  expect_error("rows = 0\ncols = 4", "workload.rows", "must be in [1, 65536], got 0");
  expect_error("rows = 4", "workload.cols", "");
  expect_error("rows = 4\ncols = 4\nir_drop = \"exact\"\n[workload.wires]\nr_row = \"1uS\"",
               "workload.wires.r_row", "is a conductance, expected a resistance");
  expect_error("rows = 4\ncols = 4\nir_drop = \"exact\"\n[workload.wires]\nr_col = 2.5",
               "workload.wires.r_col", "with its unit");
  expect_error("rows = 4\ncols = 4\nir_drop = \"full\"", "workload.ir_drop",
               "must be one of \"none\", \"exact\", \"approx\"");
  expect_error("rows = 4\ncols = 4\nread_noise = 1", "workload.read_noise", "");
  expect_error("rows = 4\ncols = 4\n[workload.weights]\ndistribution = \"cauchy\"",
               "workload.weights.distribution", "must be one of \"uniform\", \"normal\"");
  expect_error("rows = 4\ncols = 4\n[workload.weights]\nstd = 0.5", "workload.weights.std",
               "only used with distribution = \"normal\"");
  expect_error("rows = 4\ncols = 4\n[workload.weights]\ndistribution = \"normal\"\nstd = 0",
               "workload.weights.std", "must be > 0");
  expect_error("rows = 4\ncols = 4\n[workload.weights]\nmin = 1\nmax = -1", "workload.weights.max",
               "must be > min");
  expect_error("rows = 4\ncols = 4\n[workload.weights]\nresample = \"block\"",
               "workload.weights.resample", "\"trial\", \"point\"");
  expect_error("rows = 4\ncols = 4\n[workload.inputs]\ncount = 0", "workload.inputs.count",
               "must be in [1, 65536]");
  expect_error("rows = 4\ncols = 4\n[workload.mapping]\nscheme = \"diff\"",
               "workload.mapping.scheme", "\"differential\", \"offset_digital\"");
  expect_error("rows = 4\ncols = 4\n[workload.mapping]\ng_max = \"30uS\"", "workload.mapping.g_max",
               "must be <= g_max = 25 uS of the device");
  expect_error("rows = 4\ncols = 4\n[workload.mapping]\ng_max = 25", "workload.mapping.g_max", "");
  expect_error("rows = 4\ncols = 4\n[workload.mapping]\nslices = 17", "workload.mapping.slices",
               "must be in [1, 16]");
  expect_error("rows = 4\ncols = 4\n[workload.mapping]\nbase = 4", "workload.mapping.base",
               "only used with slices > 1 or quantize = true");
  expect_error("rows = 4\ncols = 4\n[workload.tile]\nrows = 0", "workload.tile.rows",
               "must be in [1, 65536]");
  expect_error("rows = 4\ncols = 4\n[workload.dac]\nbits = 1", "workload.dac.bits",
               "must be 0 (ideal) or in [2, 24] for sign_magnitude");
  expect_error("rows = 4\ncols = 4\n[workload.dac]\nbits = 8\nslice_bits = 8",
               "workload.dac.slice_bits", "in [1, 7]");
  expect_error("rows = 4\ncols = 4\n[workload.dac]\nv_read = 0.2", "workload.dac.v_read", "");
  expect_error("rows = 4\ncols = 4\n[workload.adc]\nbits = 25", "workload.adc.bits",
               "must be 0 (ideal) or in [2, 24]");
  expect_error("rows = 4\ncols = 4\n[workload.adc]\nrange_mode = \"calibrate\"",
               "workload.adc.range_mode", "\"fixed\", \"max_current\", \"calibrated\"");
  expect_error("rows = 4\ncols = 4\n[workload.adc]\nrange = \"1uA\"", "workload.adc.range",
               "only used with range_mode = \"fixed\"");
  expect_error("rows = 4\ncols = 4\n[workload.adc]\nrange_mode = \"fixed\"", "workload.adc.range",
               "");
  expect_error("rows = 4\ncols = 4\n[workload.adc]\nrange_mode = \"calibrated\"\npercentile = 0",
               "workload.adc.percentile", "must be in (0, 1]");
  expect_error("rows = 4\ncols = 4\n[workload.adc]\ngain_std = -0.1", "workload.adc.gain_std",
               "must be >= 0");
  // A typo is reported as an unknown key with a suggestion.
  expect_error("rows = 4\ncols = 4\n[workload.adc]\nbitz = 8", "workload.adc.bitz", "did you mean");
}

TEST(ArrayWorkloadErrors, NeedsADevice) {
  const std::string e = error_of(R"(name = "t"
seed = 1
trials = 1
read_times = ["1s"]
[workload]
kind = "array"
rows = 4
cols = 4
)");
  EXPECT_NE(e.find("needs a [device] table"), std::string::npos) << e;
}

TEST(ArrayWorkloadErrors, SweptBadValueNamesThePoint) {
  const std::string e = error_of(campaign("pcm-joshi2020", R"(["1s"])", "rows = 4\ncols = 4",
                                          "[[sweep]]\nkey = \"workload.adc.bits\"\n"
                                          "values = [8, 30]\n"));
  EXPECT_NE(e.find("workload.adc.bits=30"), std::string::npos) << e;
}

}  // namespace
}  // namespace kirchhoff::workloads
