#include "kirchhoff/devices/presets.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::devices {
namespace {

using kirchhoff::testing::message_of;

class PresetsTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    kirchhoff::testing::write_text(dir_ / name, text);
    return (dir_ / name).string();
  }
  const kirchhoff::testing::TempDir dir_{"presets"};
};

TEST_F(PresetsTest, EveryPresetLoadsUsesEveryKeyAndNamesItsSource) {
  const auto presets = list_presets();
  ASSERT_GE(presets.size(), 4u);
  const auto kinds = model_kinds();
  for (const auto& p : presets) {
    SCOPED_TRACE(p.name);
    EXPECT_EQ(p.file.stem().string(), p.name);
    EXPECT_FALSE(p.description.empty());
    EXPECT_FALSE(p.source.empty());
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), p.model), kinds.end());
    const Device device = load_device(p.name);  // throws on any unknown or bad key
    EXPECT_EQ(device.model->kind(), p.model);
    EXPECT_EQ(device.description.name, p.name);
    EXPECT_GT(device.model->g_max_siemens(), device.model->g_min_siemens());
  }
}

TEST_F(PresetsTest, UnknownPresetSuggestsTheClosestName) {
  const auto message = message_of<ConfigError>([] { (void)load_device("rram-wan2021"); });
  EXPECT_EQ(message.rfind("unknown device preset 'rram-wan2021'; did you mean 'rram-wan2022'? "
                          "('kirchhoff device list' shows the presets; searched: ",
                          0),
            0u)
      << message;
  EXPECT_EQ(message_of<IoError>([] { (void)load_device("no/such/device.toml"); }),
            "device file 'no/such/device.toml' does not exist");
}

TEST_F(PresetsTest, AUserFileOverridesPresetParameters) {
  const auto file = write("mine.toml",
                          "preset = \"rram-wan2022\"\ndescription = \"our wafer\"\n"
                          "[parameters]\ng_max = \"30uS\"\nstuck_on_rate = 0.02\n");
  const Device device = load_device(file);
  EXPECT_EQ(device.model->kind(), "rram-wan2022");
  EXPECT_DOUBLE_EQ(device.model->g_max_siemens(), 30e-6);
  EXPECT_DOUBLE_EQ(device.model->common().stuck_on_rate, 0.02);
  EXPECT_EQ(device.description.name, "mine");
  EXPECT_EQ(device.description.description, "our wafer");
  EXPECT_NE(device.description.source.find("Wan"), std::string::npos);  // from the preset
  EXPECT_EQ(device.description.file, file);
}

TEST_F(PresetsTest, ErrorsInOverridesPointAtTheUsersFile) {
  const auto typo =
      write("typo.toml", "preset = \"rram-wan2022\"\n[parameters]\ng_mx = \"30uS\"\n");
  EXPECT_EQ(message_of<ConfigError>([&] { (void)load_device(typo); }),
            typo + ":3:8: key 'parameters.g_mx': unknown key; did you mean 'parameters.g_max'?");
  const auto unit =
      write("unit.toml", "preset = \"rram-wan2022\"\n[parameters]\ng_max = \"30us\"\n");
  const auto message = message_of<ConfigError>([&] { (void)load_device(unit); });
  EXPECT_EQ(message.rfind(unit + ":3:9: key 'parameters.g_max': ", 0), 0u) << message;
  const auto top = write("top.toml", "preset = \"rram-wan2022\"\ndescriptoin = \"x\"\n");
  EXPECT_EQ(message_of<ConfigError>([&] { (void)load_device(top); }),
            top + ":2:1: key 'descriptoin': unknown key; did you mean 'description'?");
}

TEST_F(PresetsTest, PresetsChainAndTheOuterFileWins) {
  const auto base = write(
      "base.toml", "preset = \"rram-hfox-cmo\"\n[parameters]\ng_max = \"80uS\"\nlevels = 16\n");
  const auto outer = write("outer.toml", "preset = \"" + base + "\"\n[parameters]\nlevels = 32\n");
  const Device device = load_device(outer);
  EXPECT_EQ(device.model->kind(), "rram-hfox-cmo");
  EXPECT_DOUBLE_EQ(device.model->g_max_siemens(), 80e-6);
  EXPECT_EQ(device.model->common().levels, 32u);
}

TEST_F(PresetsTest, CyclesAndContradictionsAreRefused) {
  const auto a = (dir_ / "a.toml").string(), b = (dir_ / "b.toml").string();
  write("a.toml", "preset = \"" + b + "\"\n");
  write("b.toml", "preset = \"" + a + "\"\n");
  const auto cycle = message_of<ConfigError>([&] { (void)load_device(a); });
  EXPECT_NE(cycle.find("leads back to itself"), std::string::npos) << cycle;
  const auto both = write("both.toml", "model = \"rram-wan2022\"\npreset = \"rram-wan2022\"\n");
  EXPECT_EQ(message_of<ConfigError>([&] { (void)load_device(both); }),
            both + ": give either 'model' or 'preset', not both");
  const auto neither = write("neither.toml", "description = \"?\"\n");
  EXPECT_EQ(
      message_of<ConfigError>([&] { (void)load_device(neither); }),
      neither + ": needs 'model' (a model kind) or 'preset' (a preset name or a device file)");
  const auto kind = write("kind.toml", "model = \"rram-wan2023\"\n");
  const auto unknown = message_of<ConfigError>([&] { (void)load_device(kind); });
  EXPECT_EQ(unknown.rfind(kind + ":1:9: key 'model': unknown model 'rram-wan2023'; did you mean "
                                 "'rram-wan2022'? (known models: ",
                          0),
            0u)
      << unknown;
}

TEST_F(PresetsTest, ACampaignStyleDeviceTableWorksToo) {
  auto config = Config::parse(
      "[device]\npreset = \"rram-milo2021\"\n[device.parameters]\nstuck_off_rate = 0.1\n",
      "campaign.toml");
  const Device device = make_device(config.table("device"));
  EXPECT_DOUBLE_EQ(device.model->common().stuck_off_rate, 0.1);
  EXPECT_FALSE(device.model->is_linear());
  config.check_unknown_keys();  // the device keys count as read
}

TEST_F(PresetsTest, AnUnknownPresetInATableIsReportedAtItsKey) {
  const auto config = Config::parse("[device]\npreset = \"pcm-josh2020\"\n", "campaign.toml");
  const auto message = message_of<ConfigError>([&] { (void)make_device(config.table("device")); });
  EXPECT_EQ(message.rfind("campaign.toml:2:10: key 'device.preset': unknown device preset "
                          "'pcm-josh2020'; did you mean 'pcm-joshi2020'?",
                          0),
            0u)
      << message;
}

// One rule for paths: a device file named in a file is relative to that file's directory, one
// given on the command line (--set) to the current directory; errors say which base was used.
TEST_F(PresetsTest, ADeviceFileNamedInAFileIsRelativeToThatFile) {
  std::filesystem::create_directories(dir_ / "study" / "devices");
  write("study/devices/base.toml", "preset = \"pcm-joshi2020\"\n[parameters]\ng_max = \"20uS\"\n");
  write("study/devices/mine.toml", "preset = \"base.toml\"\n");  // beside mine.toml
  const auto campaign = write("study/campaign.toml", "[device]\npreset = \"devices/mine.toml\"\n");
  auto config = Config::load_file(campaign);  // the current directory is elsewhere
  const Device device = make_device(config.table("device"));
  EXPECT_DOUBLE_EQ(device.model->g_max_siemens(), 20e-6);
  EXPECT_EQ(device.description.file, (dir_ / "study" / "devices" / "mine.toml").lexically_normal());

  auto missing = Config::load_file(campaign);
  missing.set_override("device.preset=devices/other.toml");
  EXPECT_EQ(message_of<ConfigError>([&] { (void)make_device(missing.table("device")); }),
            "--set device.preset=devices/other.toml: key 'device.preset': device file "
            "'devices/other.toml' does not exist (looked for 'devices/other.toml', relative to "
            "the current directory (a path given on the command line))");
  auto swept = Config::load_file(campaign);
  swept.set_override("device.preset=devices/other.toml", campaign);  // as a [[sweep]] value
  EXPECT_CONTAINS(message_of<ConfigError>([&] { (void)make_device(swept.table("device")); }),
                  "(looked for '" + (dir_ / "study" / "devices" / "other.toml").string() +
                      "', relative to the directory of '" + campaign + "')");
}

}  // namespace
}  // namespace kirchhoff::devices
