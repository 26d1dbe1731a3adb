// The crossbar's options reader: defaults, every table read into MvmOptions, the IR-drop
// settings, and refused values located at their key.
#include "kirchhoff/crossbar/options_config.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/devices/presets.hpp"
#include "support/expect.hpp"

namespace kirchhoff::crossbar {
namespace {

// The pcm-joshi2020 preset: g_min = 0, g_max = 25 uS.
const devices::Device& pcm() {
  static const devices::Device device = devices::load_device("pcm-joshi2020");
  return device;
}

MvmOptions read(const std::string& text) {
  const Config c = Config::parse(text, "x.toml");
  MvmOptions o = read_mvm_options(c.table("workload"), *pcm().model);
  c.check_unknown_keys();
  return o;
}

std::string error_of(const std::string& text) {
  return testing::message_of<ConfigError>([&] { (void)read(text); });
}

TEST(CrossbarOptionsConfig, DefaultsAreTheOptionsDefaults) {
  const MvmOptions o = read("[workload]\n");
  const MvmOptions d;
  EXPECT_EQ(o.mapping.scheme, d.mapping.scheme);
  EXPECT_EQ(o.mapping.slices, 1u);
  EXPECT_EQ(o.mapping.g_max_siemens, 0.0);  // the model's range
  EXPECT_EQ(o.tile.rows, 256);
  EXPECT_EQ(o.tile.cols, 256);
  EXPECT_EQ(o.periphery.dac.bits, 0u);
  EXPECT_EQ(o.periphery.dac.input_range, 1.0);
  EXPECT_EQ(o.periphery.dac.v_read_v, 0.2);
  EXPECT_EQ(o.periphery.adc.range_mode, AdcRangeMode::max_current);
  EXPECT_EQ(o.read_noise, d.read_noise);  // the caller's
  EXPECT_EQ(o.single_precision_signal, d.single_precision_signal);
}

TEST(CrossbarOptionsConfig, ReadsEveryTable) {
  const MvmOptions o = read(R"([workload.mapping]
scheme = "offset_reference"
scaling = "per_column"
slices = 2
base = 4.0
g_min = "1uS"
g_max = "20uS"
[workload.tile]
rows = 64
cols = 32
[workload.dac]
bits = 6
coding = "unipolar"
input_range = 2.0
v_read = "0.1V"
slice_bits = 2
[workload.adc]
bits = 8
range_mode = "calibrated"
percentile = 0.99
gain_std = 0.01
)");
  EXPECT_EQ(o.mapping.scheme, MappingScheme::offset_reference);
  EXPECT_EQ(o.mapping.scaling, WeightScaling::per_column);
  EXPECT_EQ(o.mapping.slices, 2u);
  EXPECT_EQ(o.mapping.base, 4.0);
  EXPECT_DOUBLE_EQ(o.mapping.g_min_siemens, 1e-6);
  EXPECT_DOUBLE_EQ(o.mapping.g_max_siemens, 20e-6);
  EXPECT_EQ(o.tile.rows, 64);
  EXPECT_EQ(o.tile.cols, 32);
  EXPECT_EQ(o.periphery.dac.bits, 6u);
  EXPECT_EQ(o.periphery.dac.coding, Coding::unipolar);
  EXPECT_EQ(o.periphery.dac.input_range, 2.0);
  EXPECT_DOUBLE_EQ(o.periphery.dac.v_read_v, 0.1);
  EXPECT_EQ(o.periphery.dac.slice_bits, 2u);
  EXPECT_EQ(o.periphery.adc.bits, 8u);
  EXPECT_EQ(o.periphery.adc.range_mode, AdcRangeMode::calibrated);
  EXPECT_EQ(o.periphery.adc.percentile, 0.99);
  EXPECT_EQ(o.periphery.adc.gain_std, 0.01);
}

TEST(CrossbarOptionsConfig, RefusedValuesAreLocatedAtTheirKey) {
  EXPECT_CONTAINS(error_of("[workload.mapping]\nscheme = \"offset\"\n"),
                  "x.toml:2:10: key 'workload.mapping.scheme': must be one of \"differential\", "
                  "\"offset_digital\", \"offset_reference\", got \"offset\"");
  EXPECT_CONTAINS(error_of("[workload.mapping]\nbase = 3.0\n"),
                  "key 'workload.mapping.base': only used with slices > 1 or quantize = true");
  EXPECT_CONTAINS(
      error_of("[workload.mapping]\ng_max = \"30uS\"\n"),
      "key 'workload.mapping.g_max': must be <= g_max = 25 uS of the device, got 30 uS");
  EXPECT_CONTAINS(error_of("[workload.tile]\nrows = 0\n"),
                  "key 'workload.tile.rows': must be in [1, 65536], got 0");
  EXPECT_CONTAINS(error_of("[workload.dac]\nbits = 1\n"),
                  "key 'workload.dac.bits': must be 0 (ideal) or in [2, 24] for sign_magnitude "
                  "coding, got 1");
  EXPECT_CONTAINS(error_of("[workload.dac]\nslice_bits = 2\n"),
                  "key 'workload.dac.slice_bits': bit-serial inputs need a quantising DAC");
  EXPECT_CONTAINS(error_of("[workload.adc]\nrange = \"1uA\"\n"),
                  "key 'workload.adc.range': only used with range_mode = \"fixed\"");
  EXPECT_CONTAINS(error_of("[workload.adc]\nrange_mode = \"calibrated\"\npercentile = 1.5\n"),
                  "key 'workload.adc.percentile': must be in (0, 1], got 1.5");
  EXPECT_CONTAINS(error_of("[workload.adc]\ngain_std = -0.1\n"),
                  "key 'workload.adc.gain_std': must be >= 0, got -0.1");
}

TEST(CrossbarOptionsConfig, CalibrationVectorsAreLeftToTheCaller) {
  // Not a crossbar option: unread here, so an unknown key unless the caller reads it.
  EXPECT_CONTAINS(error_of("[workload.adc]\nrange_mode = \"calibrated\"\ncalibration_vectors = "
                           "8\n"),
                  "key 'workload.adc.calibration_vectors': unknown key");
}

TEST(CrossbarOptionsConfig, ArrayResponseFromIrDropAndWires) {
  const Config none = Config::parse("[workload]\n", "x.toml");
  const ArrayResponseSettings ideal = read_array_response(none.table("workload"));
  EXPECT_EQ(ideal.ir_drop, ArrayResponseSettings::IrDrop::none);
  EXPECT_STREQ(ideal.name(), "none");
  EXPECT_TRUE(ideal.wires.ideal());

  const Config exact = Config::parse(
      "[workload]\nir_drop = \"exact\"\n[workload.wires]\nr_row = \"2.5ohm\"\nr_col = \"1ohm\"\n"
      "r_driver = \"10ohm\"\nr_sense = \"5ohm\"\n",
      "x.toml");
  const ArrayResponseSettings s = read_array_response(exact.table("workload"));
  EXPECT_STREQ(s.name(), "exact");
  EXPECT_EQ(s.wires.r_row_ohm, 2.5);
  EXPECT_EQ(s.wires.r_col_ohm, 1.0);
  EXPECT_EQ(s.wires.r_driver_ohm, 10.0);
  EXPECT_EQ(s.wires.r_sense_ohm, 5.0);
  // The response of an exact solver is a transfer matrix of the array's shape (cols x rows).
  const ConductanceMatrix g = ConductanceMatrix::Constant(3, 2, 10e-6);
  EXPECT_EQ(s.response()(g).rows(), 2);
  EXPECT_EQ(s.response()(g).cols(), 3);

  const Config bad = Config::parse("[workload]\nir_drop = \"spice\"\n", "x.toml");
  EXPECT_THROW_MSG((void)read_array_response(bad.table("workload")), ConfigError,
                   "key 'workload.ir_drop': must be one of \"none\", \"exact\", \"approx\"");
}

}  // namespace
}  // namespace kirchhoff::crossbar
