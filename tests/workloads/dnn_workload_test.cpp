// The "dnn" workload: metrics with units and sample counts, the float accuracy reproduced by an
// ideal chip at every read time, bitwise-identical campaigns for 1 and 2 threads with binomial
// intervals that match Clopper–Pearson recomputed from the file, and located ConfigErrors.
#include "kirchhoff/workloads/dnn_workload.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kirchhoff/core/hdf5.hpp"
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

const std::string kData = std::string(KIRCHHOFF_TEST_SOURCE_DIR) + "/../../data";

// One dnn point on `device` with the MLP over the first `samples` shipped test images.
std::string campaign(const std::string& device, const std::string& workload,
                     const std::string& extra = "", std::int64_t samples = 200) {
  return fmt::format(R"(name = "dnn"
seed = 5
trials = 4
block_size = 2
read_times = ["1s", "1d"]
checkpoint_interval = "0s"

[device]
preset = "{}"

[workload]
kind = "dnn"
model = "{}/models/mlp.onnx"
dataset = "{}/datasets/fashion-mnist"
samples = {}
{}
{})",
                     device, kData, kData, samples, workload, extra);
}

Campaign parse(const std::string& text) {
  return testing::parse_builtin(text, "dnn.toml");
}

constexpr const char* kIdealPeriphery = R"(read_noise = false
[workload.dac]
bits = 0
[workload.adc]
bits = 0
)";

TEST(DnnWorkload, MetricsAreAccuraciesOverTheSamples) {
  const Campaign c = parse(campaign("generic-ideal", kIdealPeriphery));
  ASSERT_EQ(c.metrics.size(), 4u);
  EXPECT_EQ(c.metrics[0].name, "top1_accuracy");
  EXPECT_EQ(c.metrics[0].bernoulli_samples, 200u);
  EXPECT_EQ(c.metrics[1].name, "top5_accuracy");
  EXPECT_EQ(c.metrics[2].name, "clipped_fraction");
  EXPECT_EQ(c.metrics[2].bernoulli_samples, 0u);
  EXPECT_EQ(c.metrics[3].name, "float_top1_accuracy");
  for (const auto& m : c.metrics) EXPECT_EQ(m.unit, "1");
  EXPECT_NE(c.workloads.front()->description().find("mlp"), std::string::npos);
}

TEST(DnnWorkload, IdealChipReproducesTheFloatAccuracyAtEveryReadTime) {
  const Campaign c = parse(campaign("generic-ideal", kIdealPeriphery));
  const std::size_t top1 = metric_index(c, "top1_accuracy");
  const std::size_t reference = metric_index(c, "float_top1_accuracy");
  for (std::uint32_t t = 0; t < 2; ++t) {
    const auto out = testing::run_trial(c, t);
    for (std::size_t k = 0; k < 2; ++k) {
      const double* row = out.data() + k * c.metrics.size();
      EXPECT_GT(row[reference], 0.8);
      EXPECT_EQ(row[top1], row[reference]) << "trial " << t << " time " << k;
      EXPECT_EQ(row[metric_index(c, "clipped_fraction")], 0.0);
    }
  }
}

TEST(DnnWorkload, IrDropAndWiresAreReadAsForTheArrayWorkload) {
  // ir_drop first ([workload] keys), then the ideal periphery's tables, then wires and tiles.
  const auto body = [](const char* ir_drop) {
    return fmt::format("ir_drop = \"{}\"\n{}", ir_drop, kIdealPeriphery) + R"([workload.wires]
r_row = "20ohm"
r_col = "20ohm"
[workload.tile]
rows = 128
cols = 128
)";
  };
  const Campaign ideal = parse(campaign("generic-ideal", body("none")));
  const Campaign dropped = parse(campaign("generic-ideal", body("approx")));
  EXPECT_NE(dropped.workloads.front()->description().find("IR drop approx"), std::string::npos);
  // The approximation's own error estimate (cells at the middle of the range, 128 x 128 tiles
  // on 20 ohm segments) is far above 1 %: the campaign warns, as the array workload does.
  const auto warns = [](const Campaign& c) {
    return std::any_of(c.warnings.begin(), c.warnings.end(), [](const std::string& w) {
      return w.find("ir_drop = \"approx\": its estimated error") != std::string::npos;
    });
  };
  EXPECT_TRUE(warns(dropped));
  EXPECT_FALSE(warns(ideal));
  const std::size_t top1 = metric_index(ideal, "top1_accuracy");
  const auto a = testing::run_trial(ideal, 0), b = testing::run_trial(dropped, 0);
  EXPECT_EQ(a[top1], a[metric_index(ideal, "float_top1_accuracy")]);
  // 20 ohm segments over 128 cells of at most 25 uS: a first-order loss of up to ~4 % of the far
  // columns' currents, which the classifier mostly tolerates (the effect on the outputs is
  // checked in tests/nn/analog_test.cpp).
  EXPECT_NEAR(b[top1], a[top1], 0.03);
}

TEST(DnnWorkload, PcmCampaignIsIdenticalForOneAndTwoThreadsWithBinomialIntervals) {
  TempDir dir("dnn-threads");
  const Campaign c = parse(campaign("pcm-joshi2020", R"(compensation = "global"
[workload.dac]
bits = 8
[workload.adc]
bits = 8
range_mode = "calibrated"
[workload.calibration]
samples = 64
)",
                                    "", 100));
  for (const unsigned threads : {1u, 2u}) {
    RunOptions o;
    o.output = dir / fmt::format("t{}.h5", threads);
    o.threads = threads;
    o.progress.mode = ProgressMode::silent;
    EXPECT_EQ(run_campaign(c, o).status, RunStatus::completed);
  }
  const auto a = dataset_bytes(dir / "t1.h5"), b = dataset_bytes(dir / "t2.h5");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.contains(name)) << name;
    EXPECT_TRUE(bytes == b.at(name)) << "dataset " << name << " differs";
  }
  const auto file = h5::File::open(dir / "t1.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  EXPECT_EQ(file.read_attribute<std::string>("workload"), "dnn");
  const auto samples = file.read_dataset<std::vector<std::uint64_t>>("metrics/bernoulli_samples");
  ASSERT_EQ(samples.size(), c.metrics.size());
  EXPECT_EQ(samples[0], 100u);
  const auto mean = file.read_dataset<h5::NdArray<double>>("summary/mean");
  const auto lower = file.read_dataset<h5::NdArray<double>>("summary/binomial_lower");
  const auto upper = file.read_dataset<h5::NdArray<double>>("summary/binomial_upper");
  const std::size_t m = c.metrics.size();
  for (std::size_t k = 0; k < 2; ++k) {
    const std::size_t i = k * m;  // top1_accuracy at read time k
    const auto expected = clopper_pearson_interval(
        static_cast<std::uint64_t>(std::round(mean.data[i] * 100.0)), 100, 0.95);
    EXPECT_DOUBLE_EQ(lower.data[i], expected.lower);
    EXPECT_DOUBLE_EQ(upper.data[i], expected.upper);
    EXPECT_TRUE(std::isnan(lower.data[i + metric_index(c, "clipped_fraction")]));
  }
}

// The ConfigError of parsing a campaign ("" if none).
std::string error_of(const std::string& text) {
  try {
    static_cast<void>(parse(text));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(DnnWorkloadErrors, AreLocatedAtTheirKeys) {
  std::string text = campaign("generic-ideal", "");
  const auto missing = error_of(text.replace(text.find("mlp.onnx"), 8, "nope.onnx"));
  EXPECT_NE(missing.find("key 'workload.model'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("nope.onnx"), std::string::npos) << missing;
  const auto pattern = error_of(campaign("generic-ideal", R"(analog_layers = ["conv*"])"));
  EXPECT_NE(pattern.find("key 'workload.analog_layers'"), std::string::npos) << pattern;
  EXPECT_NE(pattern.find("'conv*' matches none"), std::string::npos) << pattern;
  const auto too_many = error_of(campaign("generic-ideal", "", "", 5000));
  EXPECT_NE(too_many.find("key 'workload.samples'"), std::string::npos) << too_many;
  const auto mode = error_of(campaign("generic-ideal", R"(compensation = "per_row")"));
  EXPECT_NE(mode.find("key 'workload.compensation'"), std::string::npos) << mode;
  const auto reference = error_of(campaign("generic-ideal", R"(reference_time = "1s")"));
  EXPECT_NE(reference.find("only used with compensation"), std::string::npos) << reference;
  const auto adc = error_of(campaign("generic-ideal", R"([workload.adc]
range_mode = "calibrated"
calibration_vectors = 10
)"));
  EXPECT_NE(adc.find("workload.adc.calibration_vectors"), std::string::npos) << adc;
  const auto typo = error_of(campaign("generic-ideal", "compensaton = \"global\""));
  EXPECT_NE(typo.find("did you mean 'workload.compensation'"), std::string::npos) << typo;
}

}  // namespace
}  // namespace kirchhoff::workloads
