// Technology files: the presets load, a user's file in the same form is read key by key, and
// every refused value is reported at its file, line and key with what is allowed.
#include "kirchhoff/cost/technology_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::cost {
namespace {

Technology parse(const std::string& text) {
  const Config c = Config::parse(text, "tech.toml");
  return read_technology(c);
}

std::string error_of(const std::string& text) {
  return testing::message_of<ConfigError>([&] { (void)parse(text); });
}

TEST(TechnologyConfig, PresetsLoadWithTheirSources) {
  const auto names = technology_presets();
  for (const char* name : {"hermes-pcm-14nm", "rram-1t1r-22nm"}) {
    ASSERT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    const Technology t = load_technology(name);
    EXPECT_EQ(t.name, name);
    EXPECT_FALSE(t.sources.empty());
    EXPECT_NO_THROW(t.validate());
  }
  const Technology h = load_technology("hermes-pcm-14nm");
  EXPECT_DOUBLE_EQ(h.feature_size_m, 14e-9);
  EXPECT_EQ(h.array.rows, 256);
  EXPECT_EQ(h.adc.architecture, AdcArchitecture::cco);
  EXPECT_EQ(h.dac.encoding, InputEncoding::pwm);
  EXPECT_EQ(h.adc.columns_per_adc, 1u);
  EXPECT_DOUBLE_EQ(h.adc.fom_walden_j, 160e-15);
  EXPECT_DOUBLE_EQ(h.array.g_max_siemens, 20.7e-6);
}

TEST(TechnologyConfig, ReadsEveryKeyOfAUserFile) {
  const Technology t = parse(R"(
name = "mine"
node_nm = 28
[array]
rows = 128
cols = 64
cell = "cross_point"
cell_area_f2 = 5
devices_per_polarity = 2
g_max = "50uS"
read_voltage = "0.1V"
wire_capacitance_per_cell = "0.1fF"
bitline_swing = "0.05V"
read_phases = 2
[dac]
encoding = "amplitude"
bits = 6
slice_bits = 2
energy_per_conversion = "12fJ"
settle_time = "1ns"
integration_time = "30ns"
area_um2 = 3
[adc]
architecture = "ramp"
bits = 5
enob_loss_bits = 0.5
columns_per_adc = 16
fom_walden = "20fJ"
fom_schreier_db = 170
walden_max_bits = 9
energy_per_conversion = "0J"
clock = "2GHz"
area_um2 = 300
[digital]
add_energy = "10fJ"
mac_energy = "0.1pJ"
sram_energy_per_bit = "30fJ"
latency = "2ns"
area_um2 = 1000
)");
  EXPECT_EQ(t.name, "mine");
  EXPECT_DOUBLE_EQ(t.feature_size_m, 28e-9);
  EXPECT_EQ(t.array.cols, 64);
  EXPECT_EQ(t.array.cell, CellType::cross_point);
  EXPECT_DOUBLE_EQ(t.device_area_m2(), 5 * 28e-9 * 28e-9);
  EXPECT_DOUBLE_EQ(t.array.wire_capacitance_per_cell_f, 0.1e-15);
  EXPECT_EQ(t.array.read_phases, 2u);
  EXPECT_EQ(t.dac.slice_bits, 2u);
  EXPECT_DOUBLE_EQ(t.dac.integration_time_s, 30e-9);
  EXPECT_DOUBLE_EQ(t.dac.area_m2, 3e-12);
  EXPECT_EQ(t.adc.architecture, AdcArchitecture::ramp);
  EXPECT_EQ(t.adc.columns_per_adc, 16u);
  EXPECT_DOUBLE_EQ(t.adc.fom_walden_j, 20e-15);
  EXPECT_DOUBLE_EQ(t.adc.clock_hz, 2e9);
  EXPECT_DOUBLE_EQ(t.digital.mac_energy_j, 0.1e-12);
  EXPECT_DOUBLE_EQ(t.digital.area_m2, 1e-9);
}

TEST(TechnologyConfig, RefusedValuesNameFileLineKeyAndWhatIsAllowed) {
  EXPECT_CONTAINS(error_of("[adc]\narchitecture = \"pipeline\"\n"), "tech.toml:2:");
  EXPECT_CONTAINS(error_of("[adc]\narchitecture = \"pipeline\"\n"), "key 'adc.architecture'");
  EXPECT_CONTAINS(error_of("[adc]\narchitecture = \"pipeline\"\n"), "cco");
  EXPECT_CONTAINS(error_of("[array]\ncell = \"3t1r\"\n"), "cross_point");
  EXPECT_CONTAINS(error_of("[adc]\ncolumns_per_adc = 300\n"), "key 'adc.columns_per_adc'");
  EXPECT_CONTAINS(error_of("[dac]\nenergy_per_conversion = \"5pF\"\n"), "energy");
  EXPECT_CONTAINS(error_of("[dac]\nbits = 4\nslice_bits = 4\n"), "key 'dac.slice_bits'");
  EXPECT_CONTAINS(error_of("[dac]\nencoding = \"pwm\"\nintegration_time = \"10ns\"\n"),
                  "key 'dac.integration_time'");
  EXPECT_CONTAINS(error_of("[array]\nread_volts = \"0.2V\"\n"),
                  "did you mean 'array.read_voltage'");
  EXPECT_CONTAINS(error_of("node_nm = 0\n"), "key 'node_nm'");
}

TEST(TechnologyConfig, UnknownPresetListsTheKnownOnes) {
  const std::string m =
      testing::message_of<ConfigError>([] { (void)load_technology("hermes-pcm-14"); });
  EXPECT_CONTAINS(m, "unknown technology 'hermes-pcm-14'");
  EXPECT_CONTAINS(m, "did you mean 'hermes-pcm-14nm'");
  EXPECT_THROW(static_cast<void>(load_technology("absent/tech.toml")), IoError);
}

TEST(TechnologyConfig, LoadsAUserFileByPath) {
  const testing::TempDir dir("technology");
  const auto file = dir / "my-tech.toml";
  testing::write_text(file, "node_nm = 7\n[adc]\nbits = 4\n");
  const Technology t = load_technology(file.string());
  EXPECT_EQ(t.name, "my-tech");
  EXPECT_EQ(t.adc.bits, 4u);
  testing::write_text(file, "node_nm = 7\n[adc]\nbits = 1\n");
  const std::string m =
      testing::message_of<ConfigError>([&] { (void)load_technology(file.string()); });
  EXPECT_CONTAINS(m, "my-tech.toml:3:");
  EXPECT_CONTAINS(m, "key 'adc.bits'");
}

}  // namespace
}  // namespace kirchhoff::cost
