// Campaign files: settings, sweeps (cartesian, zip, ranges), and every rejected input with its
// message, before any work starts.
#include "kirchhoff/montecarlo/campaign.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "kirchhoff/workloads/registry.hpp"
#include "support/campaign.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::small_campaign;

Campaign parse(const std::string& text, std::vector<std::string> overrides = {}) {
  return testing::parse_builtin(text, "study.toml", overrides);
}

// The message of the ConfigError that parsing throws ("" if none).
std::string error_of(const std::string& text, std::vector<std::string> overrides = {}) {
  try {
    static_cast<void>(parse(text, overrides));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kBase = R"(name = "t"
seed = 1
trials = 10
read_times = ["1s"]
[device]
preset = "pcm-joshi2020"
[workload]
kind = "device"
cells = 4
)";

TEST(Campaign, ReadsSettingsAndDefaults) {
  const Campaign c = parse(kBase);
  EXPECT_EQ(c.name, "t");
  EXPECT_EQ(c.seed, 1u);
  EXPECT_EQ(c.output, "t.h5");
  EXPECT_EQ(c.trials, 10u);
  EXPECT_EQ(c.block_size, 32u);
  EXPECT_EQ(c.blocks_per_point(), 1u);
  EXPECT_EQ(c.trials_in_block(0), 10u);
  ASSERT_EQ(c.points.size(), 1u);
  EXPECT_EQ(c.points[0].label, "");
  EXPECT_EQ(c.metrics.front().name, "mean_error");
  EXPECT_EQ(c.metrics.front().unit, "S");
  EXPECT_EQ(c.trial_width(), c.metrics.size());
  EXPECT_FALSE(c.stopping.enabled);
}

TEST(Campaign, LastBlockHoldsTheRemainder) {
  const Campaign c = parse(small_campaign());
  EXPECT_EQ(c.blocks_per_point(), 8u);  // 30 trials in blocks of 4
  EXPECT_EQ(c.trials_in_block(6), 4u);
  EXPECT_EQ(c.trials_in_block(7), 2u);
}

TEST(Campaign, CartesianProductFirstSweepSlowest) {
  const Campaign c = parse(small_campaign());
  ASSERT_EQ(c.points.size(), 4u);
  EXPECT_EQ(c.points[0].label, "device.parameters.g_max=20uS, workload.cells=8");
  EXPECT_EQ(c.points[1].label, "device.parameters.g_max=20uS, workload.cells=16");
  EXPECT_EQ(c.points[3].label, "device.parameters.g_max=25uS, workload.cells=16");
  EXPECT_DOUBLE_EQ(c.axes[0].values[1].si, 25e-6);
  EXPECT_EQ(c.axes[0].values[1].unit, "S");
  EXPECT_EQ(c.axes[1].values[0].unit, "1");
  EXPECT_EQ(c.workloads.size(), 4u);
  EXPECT_NE(c.workloads[1]->description().find("16 cells"), std::string::npos);
}

TEST(Campaign, ZippedSweepsAdvanceTogether) {
  const Campaign c = parse(kBase + R"(
[[sweep]]
key = "device.parameters.g_max"
values = ["20uS", "25uS", "30uS"]
zip = "a"
[[sweep]]
key = "workload.cells"
values = [2, 4, 8]
zip = "a"
)");
  ASSERT_EQ(c.points.size(), 3u);
  EXPECT_EQ(c.points[2].label, "device.parameters.g_max=30uS, workload.cells=8");
}

TEST(Campaign, ZipGroupsMustHaveEqualLengths) {
  const auto e = error_of(kBase + R"(
[[sweep]]
key = "device.parameters.g_max"
values = ["20uS", "25uS"]
zip = "a"
[[sweep]]
key = "workload.cells"
values = [2, 4, 8]
zip = "a"
)");
  EXPECT_NE(e.find("zip group 'a': 3 values here but 2"), std::string::npos) << e;
}

TEST(Campaign, LogRangeOfQuantities) {
  const Campaign c = parse(kBase + R"(
[[sweep]]
key = "device.parameters.t0"
start = "1s"
stop = "100s"
steps = 3
scale = "log"
)");
  ASSERT_EQ(c.axes[0].values.size(), 3u);
  EXPECT_DOUBLE_EQ(c.axes[0].values[0].si, 1.0);
  EXPECT_NEAR(c.axes[0].values[1].si, 10.0, 1e-12);
  EXPECT_DOUBLE_EQ(c.axes[0].values[2].si, 100.0);
  EXPECT_EQ(c.axes[0].values[1].unit, "s");
}

TEST(Campaign, LinearIntegerRange) {
  const Campaign c = parse(kBase + R"(
[[sweep]]
key = "workload.cells"
start = 2
stop = 8
steps = 4
)");
  ASSERT_EQ(c.points.size(), 4u);
  EXPECT_EQ(c.points[1].label, "workload.cells=4");
  EXPECT_EQ(c.points[3].label, "workload.cells=8");
}

TEST(Campaign, OverridesAreAppliedAndHashed) {
  const Campaign a = parse(kBase);
  const Campaign b = parse(kBase, {"trials=20"});
  EXPECT_EQ(b.trials, 20u);
  EXPECT_NE(a.config_hash, b.config_hash);
  // Where the output goes and how often checkpoints are written change no result.
  const Campaign c = parse(kBase, {"output=\"elsewhere.h5\"", "checkpoint_interval=\"1h\""});
  EXPECT_EQ(a.config_hash, c.config_hash);
}

TEST(CampaignErrors, SyntaxErrorNamesFileAndLine) {
  const auto e = error_of("name = \"x\"\nseed = = 3\n");
  EXPECT_NE(e.find("study.toml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("syntax"), std::string::npos) << e;
}

TEST(CampaignErrors, UnknownKeyWithSuggestion) {
  const auto e = error_of(kBase + "trails = 3\n");
  EXPECT_NE(e.find("study.toml:10"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'trials'?"), std::string::npos) << e;
  const auto w = error_of(kBase + "[workload.targets]\ndistribusion = \"uniform\"\n");
  EXPECT_NE(w.find("did you mean 'workload.targets.distribution'?"), std::string::npos) << w;
}

TEST(CampaignErrors, WrongType) {
  const auto e =
      error_of(std::string(kBase).replace(kBase.find("trials = 10"), 11, "trials = \"10\""));
  EXPECT_NE(e.find("study.toml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("key 'trials'"), std::string::npos) << e;
}

TEST(CampaignErrors, OutOfRange) {
  const auto e = error_of(std::string(kBase).replace(kBase.find("trials = 10"), 11, "trials = 0"));
  EXPECT_NE(e.find("study.toml:3:10: key 'trials': must be in [1, 4294967295], got 0"),
            std::string::npos)
      << e;
  const auto b = error_of(kBase, {"block_size=-1"});
  EXPECT_NE(b.find("key 'block_size'"), std::string::npos) << b;
  const auto t = error_of(kBase + "[workload.targets]\nmax = \"30uS\"\n");
  EXPECT_NE(t.find("key 'workload.targets.max': must be in [0, g_max = 25 uS]"), std::string::npos)
      << t;
}

TEST(CampaignErrors, EmptySweep) {
  const auto e = error_of(kBase + "[[sweep]]\nkey = \"workload.cells\"\nvalues = []\n");
  EXPECT_NE(e.find("study.toml:12:10: key 'sweep[0].values': empty sweep"), std::string::npos) << e;
}

TEST(CampaignErrors, MissingPreset) {
  const auto e =
      error_of(std::string(kBase).replace(kBase.find("pcm-joshi2020"), 13, "pcm-joshi2021"));
  EXPECT_NE(e.find("study.toml:6:10: key 'device.preset': unknown device preset"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("did you mean 'pcm-joshi2020'?"), std::string::npos) << e;
}

TEST(CampaignErrors, SweptValueOutOfRangeIsLocatedAtTheSweep) {
  const auto e = error_of(kBase + R"(
[[sweep]]
key = "workload.cells"
values = [4, 0]
)");
  EXPECT_NE(e.find("study.toml:12"), std::string::npos) << e;
  EXPECT_NE(e.find("at sweep point 1 (workload.cells=0)"), std::string::npos) << e;
  EXPECT_NE(e.find("must be in [1, 2^26 = 67108864] (a trial holds all its cells in memory: for "
                   "more cells, run more trials), got 0"),
            std::string::npos)
      << e;
}

TEST(CampaignErrors, SweepOfAnUnknownKeyIsLocatedAtTheSweep) {
  const auto e = error_of(kBase + R"(
[[sweep]]
key = "device.parameters.g_mx"
values = ["20uS"]
)");
  EXPECT_NE(e.find("study.toml:12"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'parameters.g_max'"), std::string::npos) << e;
}

TEST(CampaignErrors, CampaignWideKeysCannotBeSwept) {
  const auto e = error_of(kBase + "[[sweep]]\nkey = \"trials\"\nvalues = [1, 2]\n");
  EXPECT_NE(e.find("cannot be swept"), std::string::npos) << e;
}

TEST(CampaignErrors, SetOfASweptKeyIsRefusedAtTheSweep) {
  const std::string text = kBase + "[[sweep]]\nkey = \"workload.cells\"\nvalues = [1, 2]\n";
  const std::vector<std::string> overrides{"workload.cells = 3"};
  try {
    (void)testing::parse_builtin(text, "c.toml", overrides);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("key 'workload.cells': is swept here, so '--set workload.cells = 3' "
                           "would have no effect"),
              std::string::npos)
        << message;
    EXPECT_EQ(e.where().file, "c.toml");
  }
  // Dropping the sweep with it works.
  const std::vector<std::string> both{"sweep=[]", "workload.cells=3"};
  EXPECT_EQ(testing::parse_builtin(text, "c.toml", both).points.size(), 1u);
}

// The value written for a swept key is used by no point; it must still be the sweep's kind of
// value, or it would pass validation and fail only once the sweep is dropped.
TEST(CampaignErrors, WrittenValueOfASweptKeyMustBeTheSweepsKind) {
  const std::string sweep =
      "[[sweep]]\nkey = \"device.parameters.g_max\"\nvalues = [\"20uS\", \"25uS\"]\n";
  std::string text = kBase;
  text.insert(text.find("[workload]"), "[device.parameters]\ng_max = \"20kOhm\"\n");
  const auto e = error_of(text + sweep);
  EXPECT_NE(e.find("study.toml:8:9: key 'device.parameters.g_max': is a quantity in ohm here, but "
                   "the sweep at study.toml:"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("gives it a quantity in S; the value here is used by no sweep point"),
            std::string::npos)
      << e;
  const auto cells =
      error_of(std::string(kBase).replace(kBase.find("cells = 4"), 9, "cells = \"four\"") +
               "[[sweep]]\nkey = \"workload.cells\"\nvalues = [1, 2]\n");
  EXPECT_NE(cells.find("is a string here, but the sweep"), std::string::npos) << cells;
  EXPECT_NE(cells.find("gives it a number"), std::string::npos) << cells;
  // The same kind passes, whatever the value.
  std::string same = kBase;
  same.insert(same.find("[workload]"), "[device.parameters]\ng_max = \"30uS\"\n");
  EXPECT_EQ(parse(same + sweep).points.size(), 2u);
}

TEST(CampaignErrors, ADirectoryIsNotACampaign) {
  const testing::TempDir dir("campaign-dir");
  testing::write_text(dir / "study.toml", kBase);
  try {
    (void)load_campaign(dir.path(), {}, workloads::builtin_registry());
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("is a directory; give a campaign file (TOML), such as " +
                           (dir / "study.toml").string()),
              std::string::npos)
        << message;
  }
}

TEST(CampaignErrors, SweepNeedsValuesOrRange) {
  const auto e = error_of(kBase + "[[sweep]]\nkey = \"workload.cells\"\n");
  EXPECT_NE(e.find("needs 'values' (a list) or a range"), std::string::npos) << e;
}

TEST(CampaignErrors, UnknownWorkload) {
  const auto e = error_of(std::string(kBase).replace(kBase.find("\"device\""), 8, "\"devise\""));
  EXPECT_NE(e.find("did you mean 'device'?"), std::string::npos) << e;
  // A known kind reads its own keys: the dnn workload needs a model.
  const auto a = error_of(std::string(kBase).replace(kBase.find("\"device\""), 8, "\"dnn\""));
  EXPECT_NE(a.find("key 'workload.model'"), std::string::npos) << a;
}

TEST(CampaignErrors, StoppingRuleChecksItsMetric) {
  const auto e = error_of(kBase + "[stopping]\nmetric = \"rms_eror\"\nhalf_width = \"1nS\"\n");
  EXPECT_NE(e.find("did you mean 'rms_error'?"), std::string::npos) << e;
  const auto u = error_of(kBase + "[stopping]\nmetric = \"rms_error\"\nhalf_width = 0.1\n");
  EXPECT_NE(u.find("needs a unit"), std::string::npos) << u;
}

TEST(CampaignErrors, ReadTimesMustBePositiveQuantities) {
  const auto e = error_of(std::string(kBase).replace(kBase.find("[\"1s\"]"), 6, "[\"1uS\"]"));
  EXPECT_NE(e.find("key 'read_times"), std::string::npos) << e;
}

// A device whose drift was fitted on a day of data, read at a year: the campaign says so once,
// whatever the number of points; within the data it says nothing.
TEST(Campaign, ReadTimesBeyondTheDriftDataAreAWarning) {
  const std::vector<std::string> fitted_on_an_hour{"device.parameters.drift_measured_until=1h"};
  const Campaign c = testing::parse_builtin(small_campaign(), "small.toml", fitted_on_an_hour);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].rfind("device 'pcm-joshi2020' (", 0), 0u) << c.warnings[0];
  EXPECT_CONTAINS(c.warnings[0],
                  "pcm-joshi2020.toml): its drift was fitted on reads up to 1 h "
                  "(drift_measured_until); read time 1 d is 24x later, an extrapolation of the "
                  "fit beyond its data");
  const std::vector<std::string> fitted_on_a_day{"device.parameters.drift_measured_until=1d"};
  EXPECT_TRUE(
      testing::parse_builtin(small_campaign(), "small.toml", fitted_on_a_day).warnings.empty());
  EXPECT_TRUE(testing::parse_builtin(small_campaign()).warnings.empty());
}

}  // namespace
}  // namespace kirchhoff::montecarlo
