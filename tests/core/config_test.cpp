#include "kirchhoff/core/config.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff {
namespace {

// Runs `action`, expecting a ConfigError, and returns its message (empty, with a test failure,
// when nothing or something else is thrown).
std::string config_error(const std::function<void()>& action) {
  try {
    action();
    ADD_FAILURE() << "no ConfigError was thrown";
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

constexpr std::string_view campaign = R"(title = "retention study"
trials = 1000
seed = 42

[device]
model = "pcm"
g_max = "25uS"
g_min = "0.1 uS"
drift_nu = 0.05
levels = 4
programmed = true

[read]
times = ["1s", "1h", "1d", "1y"]
voltage = "0.2V"
weights = [1, 2.5, 3]
labels = ["a", "b"]
flags = [true, false]
counts = [3, 5, 8]

[[sweep]]
name = "low"
g_max = "10uS"

[[sweep]]
name = "high"
g_max = "50uS"
)";

Config campaign_config() {
  return Config::parse(campaign, "campaign.toml");
}

// ---------------------------------------------------------------------------------------------
// Typed access

TEST(ConfigGet, ReadsScalarsOfEveryType) {
  const Config config = campaign_config();
  const ConfigTable root = config.root();
  EXPECT_EQ(root.get<std::string>("title"), "retention study");
  EXPECT_EQ(root.get<std::int64_t>("trials"), 1000);
  EXPECT_EQ(root.get<int>("seed"), 42);
  EXPECT_EQ(root.get<std::uint32_t>("seed"), 42u);
  EXPECT_EQ(root.get<bool>("device.programmed"), true);
  EXPECT_DOUBLE_EQ(root.get<double>("device.drift_nu"), 0.05);
  // An integer is accepted where a double is expected.
  EXPECT_DOUBLE_EQ(root.get<double>("trials"), 1000.0);
  const ConfigTable device = config.table("device");
  EXPECT_EQ(device.get<std::string>("model"), "pcm");
  EXPECT_EQ(device.path(), "device");
  EXPECT_EQ(root.path(), "");
}

TEST(ConfigGet, FallsBackOnlyWhenAbsent) {
  const Config config = campaign_config();
  const ConfigTable root = config.root();
  EXPECT_EQ(root.get_or<std::int64_t>("repeats", 7), 7);
  EXPECT_EQ(root.get_or("repeats", 7), 7);
  EXPECT_EQ(root.get_or("trials", 7), 1000);
  EXPECT_EQ(root.get_or("output", "out.h5"), "out.h5");
  EXPECT_EQ(root.get_or("title", "x"), "retention study");
  EXPECT_EQ(root.get_or("verbose", false), false);
  EXPECT_DOUBLE_EQ(root.get_or("noise.sigma", 0.25), 0.25);
  // Present but of the wrong type is an error, not the fallback.
  EXPECT_EQ(config_error([&] { (void)root.get_or("title", 3); }),
            "campaign.toml:1:9: key 'title': expected an integer, got the string \"retention "
            "study\"");
}

TEST(ConfigGet, ReportsAStringWhereAnIntegerIsExpected) {
  const Config config = Config::parse("trials = \"many\"\n", "c.toml");
  EXPECT_EQ(config_error([&] { (void)config.root().get<std::int64_t>("trials"); }),
            "c.toml:1:10: key 'trials': expected an integer, got the string \"many\"");
}

TEST(ConfigGet, ReportsAFloatWhereAnIntegerIsExpected) {
  const Config config = Config::parse("[run]\ntrials = 2.5\nlevels = 3.0\n", "c.toml");
  EXPECT_EQ(config_error([&] { (void)config.table("run").get<int>("trials"); }),
            "c.toml:2:10: key 'run.trials': expected an integer, got the float 2.5");
  EXPECT_EQ(config_error([&] { (void)config.table("run").get<int>("levels"); }),
            "c.toml:3:10: key 'run.levels': expected an integer, got the float 3.0");
}

TEST(ConfigGet, ReportsAnIntegerWhereAStringIsExpected) {
  const Config config = Config::parse("model = 3\n", "c.toml");
  EXPECT_EQ(config_error([&] { (void)config.root().get<std::string>("model"); }),
            "c.toml:1:9: key 'model': expected a string, got the integer 3");
}

TEST(ConfigGet, ReportsOtherTypeMismatches) {
  const Config config = Config::parse("a = 1\nb = [1]\nc = {x = 1}\nd = 1979-05-27\n", "c.toml");
  const ConfigTable root = config.root();
  EXPECT_EQ(config_error([&] { (void)root.get<bool>("a"); }),
            "c.toml:1:5: key 'a': expected a boolean, got the integer 1");
  EXPECT_EQ(config_error([&] { (void)root.get<double>("b"); }),
            "c.toml:2:5: key 'b': expected a number, got an array");
  EXPECT_EQ(config_error([&] { (void)root.get<std::string>("c"); }),
            "c.toml:3:5: key 'c': expected a string, got a table");
  EXPECT_EQ(config_error([&] { (void)root.get<std::string>("d"); }),
            "c.toml:4:5: key 'd': expected a string, got a date");
  EXPECT_EQ(config_error([&] { (void)root.table("a"); }),
            "c.toml:1:5: key 'a': expected a table, got the integer 1");
  EXPECT_EQ(config_error([&] { (void)root.get<int>("a.x"); }),
            "c.toml:1:5: key 'a': expected a table (to look up 'x' in it), got the integer 1");
}

TEST(ConfigGet, ReportsAMissingRequiredKey) {
  const Config config = campaign_config();
  EXPECT_EQ(config_error([&] { (void)config.root().get<std::int64_t>("repeats"); }),
            "campaign.toml: key 'repeats': required key is missing (expected an integer)");
  // Inside a table: located at the table.
  EXPECT_EQ(config_error([&] { (void)config.table("device").get<double>("temperature"); }),
            "campaign.toml:5:1: key 'device.temperature': required key is missing (expected a "
            "number)");
  // Inside a table that is itself absent: located at the nearest table that exists.
  EXPECT_EQ(config_error([&] { (void)config.table("noise.read").get<bool>("enabled"); }),
            "campaign.toml: key 'noise.read.enabled': required key is missing (expected a "
            "boolean)");
  EXPECT_EQ(config_error([&] { (void)config.root().get<std::string>("device.vendor"); }),
            "campaign.toml:5:1: key 'device.vendor': required key is missing (expected a string)");
}

TEST(ConfigGet, ChecksTheRangeOfNarrowIntegers) {
  const Config config = Config::parse("big = 5000000000\nnegative = -1\nsmall = 300\n", "c.toml");
  const ConfigTable root = config.root();
  EXPECT_EQ(root.get<std::int64_t>("big"), 5000000000);
  EXPECT_EQ(config_error([&] { (void)root.get<std::int32_t>("big"); }),
            "c.toml:1:7: key 'big': the integer 5000000000 is out of range: allowed from "
            "-2147483648 to 2147483647");
  EXPECT_EQ(config_error([&] { (void)root.get<std::size_t>("negative"); }),
            "c.toml:2:12: key 'negative': the integer -1 is out of range: allowed from 0 to "
            "9223372036854775807");
  EXPECT_EQ(config_error([&] { (void)root.get<std::uint8_t>("small"); }),
            "c.toml:3:9: key 'small': the integer 300 is out of range: allowed from 0 to 255");
  EXPECT_EQ(root.get_or<std::uint8_t>("absent", 9), 9);
}

TEST(ConfigGet, ReadsArrays) {
  const Config config = campaign_config();
  const ConfigTable read = config.table("read");
  EXPECT_EQ(read.get_array<double>("weights"), (std::vector<double>{1.0, 2.5, 3.0}));
  EXPECT_EQ(read.get_array<std::string>("labels"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(read.get_array<bool>("flags"), (std::vector<bool>{true, false}));
  EXPECT_EQ(read.get_array<int>("counts"), (std::vector<int>{3, 5, 8}));
  EXPECT_EQ(config_error([&] { (void)read.get_array<int>("weights"); }),
            "campaign.toml:16:15: key 'read.weights[1]': expected an integer, got the float 2.5");
  EXPECT_EQ(config_error([&] { (void)read.get_array<std::uint8_t>("voltage"); }),
            "campaign.toml:15:11: key 'read.voltage': expected an array of integers, got the "
            "string \"0.2V\"");
  EXPECT_EQ(config_error([&] { (void)read.get_array<std::string>("names"); }),
            "campaign.toml:13:1: key 'read.names': required key is missing (expected an array "
            "of strings)");
}

TEST(ConfigGet, ReportsAnInvalidKeyFromTheProgram) {
  const Config config = campaign_config();
  EXPECT_THROW((void)config.root().contains("device..g_max"), InvalidArgument);
  EXPECT_THROW((void)config.root().contains(""), InvalidArgument);
}

TEST(ConfigTable, ListsKeysAndTypesInFileOrder) {
  const Config config = campaign_config();
  EXPECT_EQ(
      config.table("device").keys(),
      (std::vector<std::string>{"model", "g_max", "g_min", "drift_nu", "levels", "programmed"}));
  const ConfigTable root = config.root();
  EXPECT_EQ(root.type("trials"), ConfigType::integer);
  EXPECT_EQ(root.type("device"), ConfigType::table);
  EXPECT_EQ(root.type("device.drift_nu"), ConfigType::floating);
  EXPECT_EQ(root.type("sweep"), ConfigType::array);
  EXPECT_EQ(root.type("nothing"), ConfigType::absent);
  EXPECT_TRUE(root.contains("device.g_max"));
  EXPECT_FALSE(root.contains("device.g_mid"));
  EXPECT_TRUE(config.table("device").exists());
  EXPECT_FALSE(config.table("noise").exists());
  EXPECT_TRUE(config.table("noise").keys().empty());
}

TEST(ConfigTable, ReadsArraysOfTables) {
  const Config config = campaign_config();
  const std::vector<ConfigTable> sweep = config.root().get_table_array("sweep");
  ASSERT_EQ(sweep.size(), 2u);
  EXPECT_EQ(sweep[1].path(), "sweep[1]");
  EXPECT_EQ(sweep[1].get<std::string>("name"), "high");
  EXPECT_DOUBLE_EQ(sweep[0].get_quantity("g_max", Dimension::conductance), 10e-6);
  EXPECT_EQ(sweep[1].location("name").str(), "campaign.toml:26:8");
  EXPECT_EQ(config_error([&] { (void)sweep[1].get_quantity("g_max", Dimension::time); }),
            "campaign.toml:27:9: key 'sweep[1].g_max': \"50uS\" is a conductance, expected a time "
            "such as \"1h\" (units are case-sensitive: did you mean \"50us\"?)");
  EXPECT_EQ(config_error([&] { (void)config.root().get_table_array("device"); }),
            "campaign.toml:5:1: key 'device': expected an array of tables ([[device]]), got a "
            "table");
  EXPECT_EQ(config_error([&] { (void)config.root().get_table_array("runs"); }),
            "campaign.toml: key 'runs': required key is missing (expected an array of tables)");

  const Config mixed = Config::parse("runs = [{a = 1}, 2]\n", "m.toml");
  EXPECT_EQ(config_error([&] { (void)mixed.root().get_table_array("runs"); }),
            "m.toml:1:18: key 'runs[1]': expected a table, got the integer 2");
}

// ---------------------------------------------------------------------------------------------
// Quantities

TEST(ConfigQuantity, ReadsQuantitiesWithUnits) {
  const Config config = campaign_config();
  const ConfigTable device = config.table("device");
  EXPECT_DOUBLE_EQ(device.get_quantity("g_max", Dimension::conductance), 25e-6);
  EXPECT_DOUBLE_EQ(device.get_quantity("g_min", Dimension::conductance), 0.1e-6);
  EXPECT_DOUBLE_EQ(device.get_quantity_or("g_off", Dimension::conductance, 1e-9), 1e-9);
  EXPECT_DOUBLE_EQ(config.table("read").get_quantity("voltage", Dimension::voltage), 0.2);
  const std::vector<double> times =
      config.table("read").get_quantity_array("times", Dimension::time);
  EXPECT_EQ(times, (std::vector<double>{1.0, 3600.0, 86400.0, 365.25 * 86400.0}));
}

TEST(ConfigQuantity, ReportsABadUnit) {
  const Config config = Config::parse("[device]\ng_max = \"25uX\"\n", "c.toml");
  EXPECT_EQ(config_error([&] {
              (void)config.table("device").get_quantity("g_max", Dimension::conductance);
            }),
            "c.toml:2:9: key 'device.g_max': \"25uX\": unknown unit \"uX\"; expected a "
            "conductance such as \"25uS\"; units allowed: S with prefixes f p n u m k M G T");
}

TEST(ConfigQuantity, ReportsTheWrongDimension) {
  const Config config = Config::parse("[device]\ng_max = \"1h\"\n", "c.toml");
  EXPECT_EQ(config_error([&] {
              (void)config.table("device").get_quantity_or("g_max", Dimension::conductance, 0);
            }),
            "c.toml:2:9: key 'device.g_max': \"1h\" is a time, expected a conductance such as "
            "\"25uS\"");
}

TEST(ConfigQuantity, RefusesABareNumber) {
  const Config config = Config::parse("g_max = 25\ng_min = 0.5\nflag = true\n", "c.toml");
  EXPECT_EQ(
      config_error([&] { (void)config.root().get_quantity("g_max", Dimension::conductance); }),
      "c.toml:1:9: key 'g_max': expected a conductance with its unit such as \"25uS\", got the "
      "number 25 (write quantities as strings with a unit)");
  EXPECT_EQ(
      config_error([&] { (void)config.root().get_quantity("g_min", Dimension::conductance); }),
      "c.toml:2:9: key 'g_min': expected a conductance with its unit such as \"25uS\", got the "
      "number 0.5 (write quantities as strings with a unit)");
  EXPECT_EQ(config_error([&] { (void)config.root().get_quantity("flag", Dimension::time); }),
            "c.toml:3:8: key 'flag': expected a time such as \"1h\", got the boolean true");
  EXPECT_EQ(config_error([&] { (void)config.root().get_quantity("none", Dimension::time); }),
            "c.toml: key 'none': required key is missing (expected a time such as \"1h\")");
}

TEST(ConfigQuantity, NamesTheBadArrayElement) {
  const Config config =
      Config::parse("[read]\nread_times = [\"1s\", \"1h\", 3, \"1 parsec\"]\n", "c.toml");
  const ConfigTable read = config.table("read");
  EXPECT_EQ(config_error([&] { (void)read.get_quantity_array("read_times", Dimension::time); }),
            "c.toml:2:27: key 'read.read_times[2]': expected a time with its unit such as "
            "\"1h\", got the number 3 (write quantities as strings with a unit)");
  const Config other = Config::parse("read_times = [\"1s\", \"1 parsec\"]\n", "d.toml");
  EXPECT_EQ(
      config_error([&] { (void)other.root().get_quantity_array("read_times", Dimension::time); }),
      "d.toml:1:21: key 'read_times[1]': \"1 parsec\": unknown unit \"parsec\"; expected a "
      "time such as \"1h\"; units allowed: s with prefixes f p n u m k M G T; min, h, d "
      "(day), y or yr (Julian year, 365.25 d)");
  EXPECT_EQ(config_error([&] { (void)read.get_quantity_array("missing", Dimension::voltage); }),
            "c.toml:1:1: key 'read.missing': required key is missing (expected an array of "
            "voltage values such as \"0.2V\")");
}

// ---------------------------------------------------------------------------------------------
// Locations and program-side validation

TEST(ConfigLocation, PointsAtTheValue) {
  const Config config = campaign_config();
  EXPECT_EQ(config.root().location("trials").str(), "campaign.toml:2:10");
  EXPECT_EQ(config.table("device").location("g_max").str(), "campaign.toml:7:9");
  EXPECT_EQ(config.root().location("device.g_max").str(), "campaign.toml:7:9");
  EXPECT_EQ(config.table("device").location().str(), "campaign.toml:5:1");
  EXPECT_EQ(config.root().location().str(), "campaign.toml");
  // Absent: where it would go.
  EXPECT_EQ(config.table("device").location("vendor").str(), "campaign.toml:5:1");
  const TextLocation where = config.root().location("seed");
  EXPECT_EQ(where.file, "campaign.toml");
  EXPECT_EQ(where.line, 3u);
  EXPECT_EQ(where.column, 8u);
}

TEST(ConfigFail, ReportsProgramErrorsAtTheKey) {
  const Config config = Config::parse("name = \"x\"\n\n[run]\ntrials = 0\n", "c.toml");
  const ConfigTable run = config.table("run");
  const std::int64_t trials = run.get<std::int64_t>("trials");
  try {
    run.fail("trials", "must be >= 1, got " + std::to_string(trials));
    ADD_FAILURE() << "fail() returned";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "c.toml:4:10: key 'run.trials': must be >= 1, got 0");
    EXPECT_EQ(e.key(), "run.trials");
    EXPECT_EQ(e.where().file, "c.toml");
    EXPECT_EQ(e.where().line, 4u);
    EXPECT_EQ(e.where().column, 10u);
  }
  EXPECT_EQ(config_error([&] { config.root().fail("run.seed", "is required for this model"); }),
            "c.toml:3:1: key 'run.seed': is required for this model");
}

TEST(ConfigFail, ReportsElementsAndWholeTables) {
  const Config config = campaign_config();
  const ConfigTable read = config.table("read");
  EXPECT_EQ(config_error([&] { read.fail_element("times", 2, "must be later than times[1]"); }),
            "campaign.toml:14:22: key 'read.times[2]': must be later than times[1]");
  EXPECT_EQ(config_error([&] { read.fail_element("times", 9, "is needed"); }),
            "campaign.toml:14:9: key 'read.times[9]': is needed");
  const std::vector<ConfigTable> sweep = config.root().get_table_array("sweep");
  EXPECT_EQ(config_error([&] { sweep[1].fail_table("needs 'values' or 'range'"); }),
            "campaign.toml:25:1: key 'sweep[1]': needs 'values' or 'range'");
  EXPECT_EQ(config_error([&] { config.root().fail_table("is empty"); }), "campaign.toml: is empty");
}

// ---------------------------------------------------------------------------------------------
// Syntax errors and files

TEST(ConfigParse, ReportsSyntaxErrorsWithLineAndColumn) {
  // The descriptions after "TOML syntax error: " are toml++'s own (3.3).
  EXPECT_EQ(config_error([] { (void)Config::parse("a = 1\nb = \n", "broken.toml"); }),
            "broken.toml:2:5: TOML syntax error: Error while parsing key-value pair: expected "
            "value, saw '\\n'");
  EXPECT_EQ(config_error([] { (void)Config::parse("a = 1\na = 2\n", "dup.toml"); }),
            "dup.toml:2:5: TOML syntax error: Error while parsing key-value pair: cannot redefine "
            "existing integer 'a'");
  try {
    (void)Config::parse("x = [1, 2\n", "eof.toml");
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().file, "eof.toml");
    EXPECT_EQ(e.where().line, 1u);
    EXPECT_EQ(e.where().column, 11u);
    EXPECT_EQ(e.key(), "");
  }
}

class ConfigFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, std::string_view content) {
    const std::filesystem::path path = directory_ / name;
    testing::write_text(path, content);
    return path;
  }

  const testing::TempDir directory_{"config"};
};

TEST_F(ConfigFile, LoadsAFile) {
  const std::filesystem::path path = write("campaign.toml", campaign);
  const Config config = Config::load_file(path);
  EXPECT_EQ(config.source_name(), path.string());
  EXPECT_EQ(config.root().get<std::int64_t>("trials"), 1000);
  EXPECT_EQ(config_error([&] { (void)config.root().get<std::string>("trials"); }),
            path.string() + ":2:10: key 'trials': expected a string, got the integer 1000");
}

TEST_F(ConfigFile, NamesTheFileInSyntaxErrors) {
  const std::filesystem::path path = write("broken.toml", "[device\ng_max = 1\n");
  const std::string message = config_error([&] { (void)Config::load_file(path); });
  EXPECT_EQ(message.rfind(path.string() + ":1:", 0), 0u) << message;
  EXPECT_NE(message.find("TOML syntax error: "), std::string::npos) << message;
}

TEST_F(ConfigFile, ReportsUnreadableFiles) {
  const std::filesystem::path missing = directory_ / "missing.toml";
  try {
    (void)Config::load_file(missing);
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open configuration file '" + missing.string() +
                                         "': No such file or directory");
  }
  try {
    (void)Config::load_file(directory_.path());
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read configuration file '" +
                                         directory_.path().string() + "': it is a directory");
  }
  // A device would never end: refused before anything is read.
  try {
    (void)Config::load_file("/dev/zero");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot read configuration file '/dev/zero': not a regular file (it is read whole)");
  }
}

// ---------------------------------------------------------------------------------------------
// Unknown keys

// Reads what a program would read from `campaign`, leaving out what `skip` names.
void read_campaign(const Config& config) {
  const ConfigTable root = config.root();
  (void)root.get<std::string>("title");
  (void)root.get<std::int64_t>("trials");
  (void)root.get_or<std::int64_t>("seed", 1);
  const ConfigTable device = root.table("device");
  (void)device.get<std::string>("model");
  (void)device.get_quantity("g_max", Dimension::conductance);
  (void)device.get_quantity("g_min", Dimension::conductance);
  (void)device.get_or("drift_nu", 0.0);
  (void)device.get_or("levels", 2);
  (void)device.get_or("programmed", false);
  const ConfigTable read = root.table("read");
  (void)read.get_quantity_array("times", Dimension::time);
  (void)read.get_quantity("voltage", Dimension::voltage);
  (void)read.contains("weights");
  (void)read.contains("labels");
  (void)read.contains("flags");
  (void)read.contains("counts");
  for (const ConfigTable& point : root.get_table_array("sweep")) {
    (void)point.get<std::string>("name");
    (void)point.get_quantity("g_max", Dimension::conductance);
  }
}

TEST(ConfigUnknownKeys, AcceptsADocumentWhoseKeysWereAllRead) {
  const Config config = campaign_config();
  read_campaign(config);
  EXPECT_TRUE(config.unknown_keys().empty());
  EXPECT_NO_THROW(config.check_unknown_keys());
}

TEST(ConfigUnknownKeys, SuggestsAKeyOfTheSameTable) {
  std::string text(campaign);
  text.replace(text.find("drift_nu ="), 8, "drfit_nu");
  const Config config = Config::parse(text, "campaign.toml");
  read_campaign(config);
  EXPECT_EQ(config.unknown_keys(), (std::vector<std::string>{"device.drfit_nu"}));
  EXPECT_EQ(
      config_error([&] { config.check_unknown_keys(); }),
      "campaign.toml:9:1: key 'device.drfit_nu': unknown key; did you mean 'device.drift_nu'?");
}

TEST(ConfigUnknownKeys, SuggestsAKeyOfAnotherTable) {
  const Config config =
      Config::parse("[device]\ng_max = \"1uS\"\n\n[read]\ng_max = \"2uS\"\n", "c.toml");
  (void)config.table("device").get_quantity("g_max", Dimension::conductance);
  (void)config.table("read").get_or("voltage", 0.2);
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }),
            "c.toml:5:1: key 'read.g_max': unknown key; did you mean 'device.g_max'?");
}

TEST(ConfigUnknownKeys, ListsTheAllowedKeysWhenNothingIsClose) {
  const Config config =
      Config::parse("[device]\nmodel = \"pcm\"\ntemperature = 300\ng_max = \"1uS\"\n", "c.toml");
  (void)config.table("device").get<std::string>("model");
  (void)config.table("device").get_quantity("g_max", Dimension::conductance);
  (void)config.table("device").get_or("g_min", 0.0);
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }),
            "c.toml:3:1: key 'device.temperature': unknown key; keys allowed in 'device': "
            "'g_max', 'g_min', 'model'");
}

TEST(ConfigUnknownKeys, ReportsUnknownTablesAndTopLevelKeys) {
  const Config config = Config::parse("verbose = true\n[noise]\nsigma = 1\n", "c.toml");
  (void)config.root().get_or("trials", 10);
  EXPECT_EQ(config.unknown_keys(), (std::vector<std::string>{"verbose", "noise"}));
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }),
            "c.toml:1:1: key 'verbose': unknown key; keys allowed at the top level: 'trials' "
            "(also unknown: 'noise')");
  const Config nothing_read = Config::parse("x = 1\n", "n.toml");
  EXPECT_EQ(config_error([&] { nothing_read.check_unknown_keys(); }),
            "n.toml:1:1: key 'x': unknown key; no keys are read at the top level");
}

TEST(ConfigUnknownKeys, ReportsTheFirstInFileOrder) {
  // Alphabetical order would put 'alpha' first; the file has 'zeta' first.
  const Config config = Config::parse("zeta = 1\n[b]\nalpha = 2\n", "c.toml");
  (void)config.table("b");
  EXPECT_EQ(config.unknown_keys(), (std::vector<std::string>{"zeta", "b.alpha"}));
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }).rfind("c.toml:1:1: key 'zeta'", 0),
            0u);
}

TEST(ConfigUnknownKeys, CountsKeysAskedAboutButAbsentAsKnown) {
  const Config config = Config::parse("[device]\ng_mx = \"1uS\"\n", "c.toml");
  EXPECT_FALSE(config.root().contains("device.g_max"));
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }),
            "c.toml:2:1: key 'device.g_mx': unknown key; did you mean 'device.g_max'?");
}

TEST(ConfigUnknownKeys, ChecksEachTableOfAnArray) {
  const Config config =
      Config::parse("[[sweep]]\nname = \"a\"\n[[sweep]]\nname = \"b\"\nnmae = \"c\"\n", "c.toml");
  for (const ConfigTable& point : config.root().get_table_array("sweep")) {
    (void)point.get<std::string>("name");
  }
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }),
            "c.toml:5:1: key 'sweep[1].nmae': unknown key; did you mean 'sweep[1].name'?");
}

TEST(ConfigUnknownKeys, AcceptsFreeFormTables) {
  const Config config =
      Config::parse("[notes]\nauthor = \"me\"\n[notes.extra]\nx = 1\n[other]\ny = 2\n", "c.toml");
  config.table("notes").accept_any_keys();
  EXPECT_EQ(config.unknown_keys(), (std::vector<std::string>{"other"}));
}

// ---------------------------------------------------------------------------------------------
// Overrides

TEST(ConfigOverride, SetsValuesOfEveryType) {
  Config config = campaign_config();
  config.set_override("trials=3");
  config.set_override("device.drift_nu = 2.5");
  config.set_override("device.programmed=false");
  config.set_override("title=\"quoted text\"");
  config.set_override("read.counts=[1, 2]");
  config.set_override("device.model=rram");  // bare word
  config.set_override("device.g_max=30uS");  // bare word read as a quantity
  const ConfigTable root = config.root();
  EXPECT_EQ(root.get<int>("trials"), 3);
  EXPECT_DOUBLE_EQ(root.get<double>("device.drift_nu"), 2.5);
  EXPECT_FALSE(root.get<bool>("device.programmed"));
  EXPECT_EQ(root.get<std::string>("title"), "quoted text");
  EXPECT_EQ(root.get_array<int>("read.counts"), (std::vector<int>{1, 2}));
  EXPECT_EQ(root.get<std::string>("device.model"), "rram");
  EXPECT_DOUBLE_EQ(root.get_quantity("device.g_max", Dimension::conductance), 30e-6);
}

TEST(ConfigOverride, CreatesNewKeysAndTables) {
  Config config = campaign_config();
  config.set_override("noise.read.sigma=0.01");
  config.set_override("\"odd key\".x=1");
  EXPECT_DOUBLE_EQ(config.root().get<double>("noise.read.sigma"), 0.01);
  EXPECT_EQ(config.root().get<int>("odd key.x"), 1);
  EXPECT_EQ(config.table("noise").location().str(), "--set noise.read.sigma=0.01");
}

TEST(ConfigOverride, ReportsOverriddenValuesAtTheOverride) {
  Config config = campaign_config();
  config.set_override("trials=many");
  config.set_override("device={g_max = 3}");
  EXPECT_EQ(config.root().location("trials").str(), "--set trials=many");
  EXPECT_EQ(config_error([&] { (void)config.root().get<int>("trials"); }),
            "--set trials=many: key 'trials': expected an integer, got the string \"many\"");
  EXPECT_EQ(
      config_error(
          [&] { (void)config.table("device").get_quantity("g_max", Dimension::conductance); }),
      "--set device={g_max = 3}: key 'device.g_max': expected a conductance with its unit such as "
      "\"25uS\", got the number 3 (write quantities as strings with a unit)");
}

TEST(ConfigOverride, ReportsUnknownOverriddenKeys) {
  Config config = campaign_config();
  config.set_override("device.g_mx=30uS");
  read_campaign(config);
  EXPECT_EQ(config_error([&] { config.check_unknown_keys(); }),
            "--set device.g_mx=30uS: key 'device.g_mx': unknown key; did you mean "
            "'device.g_max'?");
}

TEST(ConfigOverride, ReportsAPathThroughANonTable) {
  Config config = campaign_config();
  EXPECT_EQ(config_error([&] { config.set_override("trials.max=3"); }),
            "--set trials.max=3: key 'trials.max': cannot set it: 'trials' is the integer 1000 "
            "(campaign.toml:2:10), not a table");
  EXPECT_EQ(config_error([&] { config.set_override("sweep.name=x"); }),
            "--set sweep.name=x: key 'sweep.name': cannot set it: 'sweep' is an array "
            "(campaign.toml:21:1), not a table");
  EXPECT_EQ(config_error([&] { config.set_override("device=3"); }),
            "--set device=3: key 'device': cannot replace the table 'device' (campaign.toml:5:1) "
            "by the integer 3");
  // Nothing was changed by the failed overrides.
  EXPECT_EQ(config.root().get<int>("trials"), 1000);
  EXPECT_EQ(config.table("device").get<std::string>("model"), "pcm");
}

TEST(ConfigOverride, ReportsMalformedAssignments) {
  Config config = campaign_config();
  EXPECT_EQ(config_error([&] { config.set_override("trials"); }),
            "--set trials: expected key=value, e.g. --set device.g_max=25uS");
  EXPECT_EQ(config_error([&] { config.set_override("=3"); }), "--set =3: missing key before '='");
  EXPECT_EQ(config_error([&] { config.set_override("a..b=3"); }),
            "--set a..b=3: 'a..b' is not a valid key; expected a dotted key such as device.g_max");
  EXPECT_EQ(config_error([&] { config.set_override("a b=3"); }),
            "--set a b=3: 'a b' is not a valid key; expected a dotted key such as device.g_max");
  EXPECT_EQ(config_error([&] { config.set_override("trials="); }),
            "--set trials=: key 'trials': missing value after '='; write trials=\"\" for an empty "
            "string");
  const std::string bad_array = config_error([&] { config.set_override("read.counts=[1, 2"); });
  EXPECT_EQ(bad_array.rfind("--set read.counts=[1, 2: key 'read.counts': '[1, 2' is not a valid "
                            "TOML value: ",
                            0),
            0u)
      << bad_array;
  // A bare word that is not UTF-8 (found by fuzzing: it was kept, and the resolved TOML did not
  // parse back equal).
  EXPECT_EQ(config_error([&] { config.set_override("device.g_max=30u\xaa"); }),
            "--set device.g_max=30u\xaa: key 'device.g_max': the value is not valid UTF-8");
  EXPECT_EQ(config_error([&] { config.set_override("title=\xc0\xaf"); }),  // overlong '/'
            "--set title=\xc0\xaf: key 'title': the value is not valid UTF-8");
  config.set_override("title=10kΩ");  // well-formed multi-byte characters stay allowed
  const std::string bad_string = config_error([&] { config.set_override("title=\"open"); });
  EXPECT_EQ(
      bad_string.rfind("--set title=\"open: key 'title': '\"open' is not a valid TOML value: ", 0),
      0u)
      << bad_string;
}

TEST(ConfigOverride, ReplacesAnEarlierOverride) {
  Config config = campaign_config();
  config.set_override("noise={sigma = 1}");
  config.set_override("noise.sigma=2");
  config.set_override("noise.sigma=3");
  EXPECT_EQ(config.root().get<int>("noise.sigma"), 3);
  EXPECT_EQ(config.root().location("noise.sigma").str(), "--set noise.sigma=3");
  EXPECT_EQ(config.table("noise").location().str(), "--set noise={sigma = 1}");
}

// ---------------------------------------------------------------------------------------------
// Writing back

TEST(ConfigToToml, RoundTripsTheResolvedDocument) {
  Config config = Config::parse(std::string(campaign) +
                                    "\n[extra]\nthird = 0.1\ntiny = 1e-300\nthird_exact = "
                                    "0.3333333333333333\nwhen = 1979-05-27T07:32:00Z\n"
                                    "text = \"line\\nbreak \\\"quoted\\\"\"\n",
                                "campaign.toml");
  config.set_override("device.g_max=30uS");
  config.set_override("noise.sigma=0.25");
  const std::string text = config.to_toml();
  const Config again = Config::parse(text, "again.toml");
  EXPECT_TRUE(again == config) << text;
  EXPECT_EQ(again.to_toml(), text);
  EXPECT_EQ(again.root().get<std::string>("device.g_max"), "30uS");
  EXPECT_DOUBLE_EQ(again.root().get<double>("noise.sigma"), 0.25);
  EXPECT_EQ(again.root().get<double>("extra.third_exact"), 1.0 / 3.0);
  EXPECT_EQ(again.root().get<double>("extra.tiny"), 1e-300);
  EXPECT_EQ(again.root().get<std::string>("extra.text"), "line\nbreak \"quoted\"");
  EXPECT_EQ(again.root().get_table_array("sweep").size(), 2u);

  // A different value makes a different document.
  Config changed = Config::parse(text, "changed.toml");
  changed.set_override("trials=1001");
  EXPECT_FALSE(changed == config);
}

TEST(Config, PathsAreRelativeToTheFileThatWritesThemOrToTheCurrentDirectory) {
  Config config = Config::parse(
      "model = \"../models/cnn.onnx\"\nabsolute = \"/data/x\"\ncli = \"a\"\nswept = \"b\"\n",
      "runs/study/campaign.toml");
  config.set_override("cli=models/m.onnx");
  config.set_override("swept=../m.onnx", "runs/study/campaign.toml");
  const ConfigTable root = config.root();
  EXPECT_EQ(root.get_path("model"), std::filesystem::path("runs/models/cnn.onnx"));
  EXPECT_EQ(root.describe_path_base("model"), "the directory of 'runs/study/campaign.toml'");
  EXPECT_EQ(root.get_path("absolute"), std::filesystem::path("/data/x"));
  EXPECT_EQ(root.get_path("cli"), std::filesystem::path("models/m.onnx"));
  EXPECT_EQ(root.path_base("cli"), std::filesystem::path());
  EXPECT_EQ(root.describe_path_base("cli"),
            "the current directory (a path given on the command line)");
  EXPECT_EQ(root.get_path("swept"), std::filesystem::path("runs/m.onnx"));
  EXPECT_EQ(root.location("swept").file, "--set swept=../m.onnx");  // errors stay located there
}

}  // namespace
}  // namespace kirchhoff

namespace kirchhoff {
namespace {

TEST(ConfigOverlay, MergesAnotherFilesTableAndKeepsItsLocations) {
  Config preset = Config::parse(
      "model = \"pcm\"\n[parameters]\ng_max = \"25uS\"\nt0 = \"20s\"\n[parameters.drift]\nmu = "
      "0.05\n",
      "preset.toml");
  const Config user = Config::parse(
      "preset = \"x\"\n[parameters]\ng_max = \"20uS\"\nlevels = 8\n[parameters.drift]\nsigma = "
      "0.01\n",
      "user.toml");
  preset.overlay("parameters", user.table("parameters"));
  const auto parameters = preset.table("parameters");
  EXPECT_DOUBLE_EQ(parameters.get_quantity("g_max", Dimension::conductance), 20e-6);
  EXPECT_DOUBLE_EQ(parameters.get_quantity("t0", Dimension::time), 20.0);
  EXPECT_EQ(parameters.get<int>("levels"), 8);
  EXPECT_DOUBLE_EQ(parameters.get<double>("drift.mu"), 0.05);
  EXPECT_DOUBLE_EQ(parameters.get<double>("drift.sigma"), 0.01);
  EXPECT_EQ(parameters.location("g_max").str(), "user.toml:3:9");
  EXPECT_EQ(parameters.location("t0").str(), "preset.toml:4:6");
  EXPECT_EQ(parameters.location("drift.sigma").str(), "user.toml:6:9");
  // Errors about merged values point at the user's file.
  EXPECT_EQ(config_error([&] { (void)parameters.get<bool>("levels"); }),
            "user.toml:4:10: key 'parameters.levels': expected a boolean, got the integer 8");
}

TEST(ConfigOverlay, ReportsUnknownMergedKeysInTheOtherFile) {
  Config preset = Config::parse("[parameters]\ng_max = \"25uS\"\n", "preset.toml");
  const Config user = Config::parse("[parameters]\ng_mx = \"20uS\"\n", "user.toml");
  preset.overlay("parameters", user.table("parameters"));
  (void)preset.table("parameters").get_quantity("g_max", Dimension::conductance);
  EXPECT_EQ(config_error([&] { preset.check_unknown_keys(); }),
            "user.toml:2:8: key 'parameters.g_mx': unknown key; did you mean 'parameters.g_max'?");
}

TEST(ConfigOverlay, CreatesTheTargetTableAndRefusesTypeClashes) {
  Config base = Config::parse("name = \"a\"\n[t]\nx = 1\n", "base.toml");
  const Config other =
      Config::parse("[p]\ny = 2\n[q]\nx = 3\nname = 4\n[r.x]\nz = 1\n", "other.toml");
  base.overlay("new.sub", other.table("p"));
  EXPECT_EQ(base.table("new.sub").get<int>("y"), 2);
  EXPECT_EQ(config_error([&] { base.overlay("name", other.table("q")); }),
            "base.toml:1:8: key 'name': cannot merge 'other.toml:3:1' into it: it is the string "
            "\"a\", not a table");
  EXPECT_EQ(config_error([&] { base.overlay("t", other.table("r")); }),
            "other.toml:6:1: key 't.x': cannot merge a table into 't.x', which is the integer 1 "
            "(base.toml:3:5)");
  Config holder = Config::parse("[t.x]\nz = 1\n", "holder.toml");
  EXPECT_EQ(config_error([&] { holder.overlay("t", other.table("q")); }),
            "other.toml:4:5: key 't.x': cannot replace the table 't.x' (holder.toml:1:1) by the "
            "integer 3");
}

}  // namespace
}  // namespace kirchhoff

namespace kirchhoff {
namespace {

TEST(ConfigGet, AMissingKeyPointsAtAnUnreadKeySpelledNearlyTheSame) {
  const Config config =
      Config::parse("[workload]\nkind = \"device\"\ncels = 3\n[other]\ncells = 1\n", "c.toml");
  const auto workload = config.table("workload");
  (void)workload.get<std::string>("kind");
  EXPECT_EQ(config_error([&] { (void)workload.get<int>("cells"); }),
            "c.toml:1:1: key 'workload.cells': required key is missing (expected an integer); is "
            "'workload.cels' (c.toml:3:8) a misspelling of it?");
  // Keys the program has read are not suggested, nor keys of other tables.
  EXPECT_EQ(config_error([&] { (void)workload.get<std::string>("kinds"); }),
            "c.toml:1:1: key 'workload.kinds': required key is missing (expected a string)");
  EXPECT_EQ(config_error([&] { (void)config.table("missing").get<int>("cells"); }),
            "c.toml: key 'missing.cells': required key is missing (expected an integer)");
}

}  // namespace
}  // namespace kirchhoff
