// The analog-network options reader: defaults, the keys of a dnn [workload] table, the
// crossbar tables read through the crossbar's reader, [normalization] checked against the
// channels, and refused values located at their key.
#include "kirchhoff/nn/analog_config.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/devices/presets.hpp"
#include "support/expect.hpp"

namespace kirchhoff::nn {
namespace {

const devices::Device& pcm() {
  static const devices::Device device = devices::load_device("pcm-joshi2020");
  return device;
}

AnalogSettings read(const std::string& text, std::uint32_t read_times = 2) {
  const Config c = Config::parse("[workload]\n" + text, "dnn.toml");
  AnalogSettings s = read_analog_options(c.table("workload"), *pcm().model, read_times);
  c.check_unknown_keys();
  return s;
}

std::string error_of(const std::string& text) {
  return testing::message_of<ConfigError>([&] { (void)read(text); });
}

TEST(AnalogConfig, Defaults) {
  const AnalogSettings s = read("");
  const AnalogOptions& o = s.options;
  EXPECT_EQ(o.layers, std::vector<std::string>{"*"});
  EXPECT_TRUE(o.mvm.read_noise);
  EXPECT_TRUE(o.mvm.single_precision_signal);  // unlike MvmOptions: activations are float
  EXPECT_TRUE(o.calibrate_inputs);
  EXPECT_EQ(o.compensation, DriftCompensation::none);
  EXPECT_EQ(o.reference_time_s, 20.0);
  EXPECT_EQ(o.reference_vectors, 256);
  EXPECT_EQ(o.read_times, 2u);
  EXPECT_EQ(o.input_percentile, 1.0);
  EXPECT_STREQ(s.response.name(), "none");
  EXPECT_FALSE(s.calibration_dataset.has_value());
  EXPECT_EQ(s.calibration_samples, 256);
  EXPECT_EQ(s.calibration_vectors, 4096);
}

TEST(AnalogConfig, ReadsTheNetworkAndCrossbarKeys) {
  const AnalogSettings s = read(R"(analog_layers = ["conv*", "fc2"]
read_noise = false
single_precision_signal = false
compensation = "per_column"
reference_time = "1min"
reference_vectors = 32
ir_drop = "approx"
[workload.wires]
r_row = "1ohm"
[workload.dac]
bits = 8
input_range = 2.0
[workload.tile]
rows = 128
[workload.calibration]
dataset = "fashion-mnist:train"
samples = 64
vectors = 512
input_percentile = 0.999
)",
                                3);
  const AnalogOptions& o = s.options;
  EXPECT_EQ(o.layers, (std::vector<std::string>{"conv*", "fc2"}));
  EXPECT_FALSE(o.mvm.read_noise);
  EXPECT_FALSE(o.mvm.single_precision_signal);
  EXPECT_FALSE(o.calibrate_inputs);  // a given DAC range holds for every layer
  EXPECT_EQ(o.mvm.periphery.dac.bits, 8u);
  EXPECT_EQ(o.mvm.periphery.dac.input_range, 2.0);
  EXPECT_EQ(o.mvm.tile.rows, 128);
  EXPECT_EQ(o.compensation, DriftCompensation::per_column);
  EXPECT_EQ(o.reference_time_s, 60.0);
  EXPECT_EQ(o.reference_vectors, 32);
  EXPECT_EQ(o.read_times, 3u);
  EXPECT_STREQ(s.response.name(), "approx");
  EXPECT_EQ(s.response.wires.r_row_ohm, 1.0);
  EXPECT_EQ(s.calibration_dataset, "fashion-mnist:train");
  EXPECT_EQ(s.calibration_samples, 64);
  EXPECT_EQ(s.calibration_vectors, 512);
  EXPECT_EQ(o.input_percentile, 0.999);
}

TEST(AnalogConfig, LayerSelectionWords) {
  EXPECT_EQ(read("analog_layers = \"all\"\n").options.layers, std::vector<std::string>{"*"});
  EXPECT_TRUE(read("analog_layers = \"none\"\n").options.layers.empty());
  EXPECT_EQ(read("analog_layers = \"fc1\"\n").options.layers, std::vector<std::string>{"fc1"});
  EXPECT_TRUE(read("analog_layers = []\n").options.layers.empty());
}

TEST(AnalogConfig, RefusedValuesAreLocatedAtTheirKey) {
  EXPECT_CONTAINS(error_of("compensation = \"local\"\n"),
                  "dnn.toml:2:16: key 'workload.compensation': must be one of \"none\", "
                  "\"global\", \"per_column\", got \"local\"");
  EXPECT_CONTAINS(error_of("reference_time = \"10s\"\n"),
                  "key 'workload.reference_time': only used with compensation = \"global\" or "
                  "\"per_column\"");
  EXPECT_CONTAINS(error_of("[workload.calibration]\ninput_percentile = 0\n"),
                  "key 'workload.calibration.input_percentile': must be in (0, 1]");
  EXPECT_CONTAINS(error_of("[workload.adc]\nbits = 30\n"),
                  "key 'workload.adc.bits': must be 0 (ideal) or in [2, 24]");
  // The network's calibration batch is [calibration], not the array workload's random one.
  EXPECT_CONTAINS(error_of("[workload.adc]\ncalibration_vectors = 8\n"),
                  "key 'workload.adc.calibration_vectors': only used with range_mode = "
                  "\"calibrated\"");
  EXPECT_CONTAINS(
      error_of("[workload.adc]\nrange_mode = \"calibrated\"\ncalibration_vectors = 8\n"),
      "key 'workload.adc.calibration_vectors': only used by the array workload (the dnn "
      "workload has [workload.calibration])");
}

TEST(AnalogConfig, NormalizationOverridesTheModelsAndIsCheckedAgainstTheChannels) {
  const Normalization model{1.0F / 255.0F, {0.5F}, {0.25F}};
  const auto normalization = [&](const std::string& text, std::int64_t channels) {
    const Config c = Config::parse("[workload.normalization]\n" + text, "dnn.toml");
    return read_normalization(c.table("workload"), model, channels);
  };
  const Normalization same = normalization("", 1);
  EXPECT_EQ(same.mean, model.mean);
  EXPECT_EQ(same.std, model.std);
  EXPECT_EQ(same.pixel_scale, model.pixel_scale);
  const Normalization rgb =
      normalization("mean = [0.1, 0.2, 0.3]\nstd = 0.5\npixel_scale = 1.0\n", 3);
  EXPECT_EQ(rgb.mean, (std::vector<float>{0.1F, 0.2F, 0.3F}));
  EXPECT_EQ(rgb.std, std::vector<float>{0.5F});
  EXPECT_EQ(rgb.pixel_scale, 1.0F);
  EXPECT_THROW_MSG((void)normalization("mean = [0.1, 0.2]\n", 3), ConfigError,
                   "key 'workload.normalization.mean': needs 1 or 3 values (channels)");
  EXPECT_THROW_MSG((void)normalization("std = [0.0]\n", 1), ConfigError,
                   "key 'workload.normalization.std': must be > 0");
  EXPECT_THROW_MSG((void)normalization("mean = []\n", 1), ConfigError,
                   "key 'workload.normalization.mean': needs at least one value");
}

TEST(AnalogConfig, CompensationNames) {
  EXPECT_STREQ(compensation_name(DriftCompensation::none), "none");
  EXPECT_STREQ(compensation_name(DriftCompensation::global), "global");
  EXPECT_STREQ(compensation_name(DriftCompensation::per_column), "per column");
}

}  // namespace
}  // namespace kirchhoff::nn
