#include "kirchhoff/apps/cli.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "json_reader.hpp"
#include "kirchhoff/core/build_info.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "run_cli.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::cli {
namespace {

using kirchhoff::testing::TempDir;
using kirchhoff::testing::write_text;
using testing::Result;
using testing::run_cli;

TEST(Cli, VersionNamesTheVersionAndCommit) {
  const auto r = run_cli({"--version"});
  EXPECT_EQ(r.exit_status, kExitOk);
  EXPECT_NE(r.out.find(std::string("kirchhoff ") + build_info::version()), std::string::npos);
  EXPECT_NE(r.out.find(build_info::git_commit()), std::string::npos);
  EXPECT_TRUE(r.err.empty());
}

TEST(Cli, HelpListsTheCommands) {
  const auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_status, kExitOk);
  EXPECT_NE(r.out.find("selfcheck"), std::string::npos);
}

TEST(Cli, UnknownOptionIsAUsageErrorOnStderr) {
  const auto r = run_cli({"--bogus"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err.rfind("kirchhoff: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos);
}

TEST(Cli, SelfCheckPassesOnThisBuild) {
  const auto r = run_cli({"selfcheck"});
  EXPECT_EQ(r.exit_status, kExitOk) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
}

TEST(CliDevice, ListShowsEveryPresetWithItsSource) {
  const auto r = run_cli({"device", "list"});
  EXPECT_EQ(r.exit_status, kExitOk) << r.err;
  for (const char* name : {"pcm-joshi2020", "pcm-hermes2023", "rram-wan2022", "rram-hfox-cmo",
                           "rram-milo2021", "agasi-neurosim", "generic-ideal"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("source: Nandakumar et al., ICECS 2019; Joshi et al."), std::string::npos);
}

class CliFiles : public ::testing::Test {
 protected:
  const TempDir dir_{"cli"};
};

TEST_F(CliFiles, DeviceSampleWritesOneColumnPerTimeAndNeverOverwrites) {
  const auto csv = (dir_ / "samples.csv").string();
  const auto r = run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS",
                          "--time", "1s,1h", "--count", "5", "--out", csv});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("10 uS"), std::string::npos) << r.out;
  std::ifstream in(csv);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header, "G_S(t=1 s),G_S(t=1 h)");
  int rows = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line, "1.0000000000000001e-05,1.0000000000000001e-05");  // the ideal device
    ++rows;
  }
  EXPECT_EQ(rows, 5);

  // A second run does not touch the existing file without --force.
  write_text(csv, "precious\n");
  const auto again = run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS",
                              "--time", "1s", "--count", "5", "--out", csv});
  EXPECT_EQ(again.exit_status, kExitUsage);
  EXPECT_NE(again.err.find("exists; use --force to replace it"), std::string::npos) << again.err;
  std::ifstream kept(csv);
  std::getline(kept, line);
  EXPECT_EQ(line, "precious");
  // No temporary file is left.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 1);
  const auto forced = run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS",
                               "--time", "1s", "--count", "5", "--out", csv, "--force"});
  EXPECT_EQ(forced.exit_status, kExitOk) << forced.err;
}

TEST_F(CliFiles, DeviceSampleWarnsWhenItReadsBeyondTheDriftData) {
  const auto device = (dir_ / "fitted.toml").string();
  write_text(device, "preset = \"pcm-joshi2020\"\n[parameters]\ndrift_measured_until = \"1d\"\n");
  auto r = run_cli({"device", "sample", "--preset", device, "--target", "10uS", "--time", "1h,1y",
                    "--count", "10"});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out,
                  "warning: its drift was fitted on reads up to 1 d (drift_measured_until); read "
                  "time 1 y is 365x later");
  r = run_cli({"device", "sample", "--preset", device, "--target", "10uS", "--time", "1h,1d",
               "--count", "10"});
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
}

// validate shows what each point runs when the sweep changes it (here the wires of an exact IR
// drop), the wrong kind of value written for a swept key, and a drift used beyond its data.
TEST_F(CliFiles, ValidateShowsEachPointsWorkloadAndTheWarnings) {
  write_text(dir_ / "fitted.toml",
             "preset = \"rram-wan2022\"\n[parameters]\ndrift_measured_until = \"1d\"\n");
  const std::string campaign = R"(name = "wires"
seed = 1
trials = 2
read_times = ["1s", "1y"]
[device]
preset = "fitted.toml"
[workload]
kind = "array"
rows = 8
cols = 8
ir_drop = "exact"
[workload.wires]
r_row = "2.5ohm"
[[sweep]]
key = "workload.wires.r_row"
values = ["1ohm", "10ohm"]
)";
  const auto file = (dir_ / "wires.toml").string();
  write_text(file, campaign);
  auto r = run_cli({"validate", file});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out, "workload array: per point below\n");
  EXPECT_CONTAINS(r.out, "  point   0: workload.wires.r_row=1ohm\n             8 x 8 weights");
  EXPECT_CONTAINS(r.out,
                  "IR drop exact (wires r_row 10 ohm, r_col 0 ohm, r_driver 0 ohm, r_sense 0 ohm)");
  EXPECT_CONTAINS(r.out,
                  "warning: device 'fitted' (" + (dir_ / "fitted.toml").string() + "): its drift");
  EXPECT_CONTAINS(r.out, "read time 1 y is 365x later");

  std::string wrong = campaign;
  wrong.replace(wrong.find("\"2.5ohm\""), 8, "\"20uS\"");
  write_text(file, wrong);
  r = run_cli({"validate", file});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err, "key 'workload.wires.r_row': is a quantity in S here, but the sweep at");
}

TEST_F(CliFiles, DeviceSampleWritesASelfDescribingHdf5File) {
  const auto h5 = (dir_ / "samples.h5").string();
  const auto r = run_cli({"device", "sample", "--preset", "pcm-joshi2020", "--target", "10uS",
                          "--time", "20s,1d", "--count", "1000", "--out", h5});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  auto file = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-device-samples", 1);
  EXPECT_EQ(file.read_attribute<std::string>("device"), "pcm-joshi2020");
  const auto g = file.open_dataset("conductance");
  EXPECT_EQ(g.shape(), (h5::Shape{1000, 2}));
  EXPECT_EQ(g.read_attribute<std::string>("units"), "S");
  EXPECT_EQ(file.read_dataset<std::vector<double>>("read_time"),
            (std::vector<double>{20.0, 86400.0}));
}

TEST(Cli, AMistypedOptionOrCommandGetsTheNearestAsASuggestion) {
  auto r = run_cli({"run", "--ouput", "x.h5"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_EQ(r.err,
            "kirchhoff: error: The following argument was not expected: --ouput; did you mean "
            "'--output'?\nRun 'kirchhoff --help' for the commands and options.\n");
  r = run_cli({"rn"});
  EXPECT_CONTAINS(r.err, "not expected: rn; did you mean 'run'?");
  r = run_cli({"device", "sample", "--preset", "pcm-joshi2020", "--target", "10uS", "--time", "1s",
               "--cont=5"});
  EXPECT_CONTAINS(r.err, "did you mean '--count'?");
  r = run_cli({"run", "--zzzzzzzz"});  // nothing near: no suggestion
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
}

TEST(CliDevice, BadOptionsAreNamedInTheError) {
  auto r = run_cli(
      {"device", "sample", "--preset", "pcm-joshi2020", "--target", "10us", "--time", "1s"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_EQ(r.err.rfind("kirchhoff: error: option --target: ", 0), 0u) << r.err;
  r = run_cli({"device", "sample", "--preset", "pcm-josh2020", "--target", "10uS", "--time", "1s"});
  EXPECT_NE(r.err.find("did you mean 'pcm-joshi2020'?"), std::string::npos) << r.err;
  r = run_cli(
      {"device", "sample", "--preset", "pcm-joshi2020", "--target", "30uS", "--time", "1s"});
  EXPECT_NE(r.err.find("target conductance of cell 0 is 3e-05 S; allowed: 0 to g_max"),
            std::string::npos)
      << r.err;
  // A count beyond what one call holds is refused before anything is allocated.
  r = run_cli({"device", "sample", "--preset", "pcm-joshi2020", "--target", "10uS", "--time",
               "1s,1h", "--count", "1000000000"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_EQ(r.err,
            "kirchhoff: error: option --count: 1000000000 cells at 2 read times is more than the "
            "10000000 samples one call holds; give fewer cells, or run a device campaign "
            "('kirchhoff run', workload kind \"device\") for more\n");
  r = run_cli({"device", "curve", "--preset", "rram-wan2022", "--pulses", "3"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("needs a pulse-programmed device"), std::string::npos) << r.err;
}

TEST(CliDevice, CurveGoesUpWithLtpAndDownWithLtd) {
  const auto r = run_cli({"device", "curve", "--preset", "taox-hfox-neurosim", "--pulses", "10"});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  std::istringstream rows(r.out);
  std::string line;
  std::getline(rows, line);
  EXPECT_EQ(line, "pulse,polarity,G_noiseless_S,G_S");
  std::vector<double> noiseless;
  while (std::getline(rows, line)) {
    std::istringstream fields(line);
    std::string f;
    for (int i = 0; i < 3; ++i) std::getline(fields, f, ',');
    noiseless.push_back(std::stod(f));
  }
  ASSERT_EQ(noiseless.size(), 21u);
  for (std::size_t i = 1; i <= 10; ++i) EXPECT_GT(noiseless[i], noiseless[i - 1]);
  for (std::size_t i = 11; i <= 20; ++i) EXPECT_LT(noiseless[i], noiseless[i - 1]);
}

// ---- kirchhoff plot ----------------------------------------------------------------------

using testing::Json;
using testing::read_json;

std::string file_start(const std::filesystem::path& file, std::size_t bytes) {
  std::ifstream in(file, std::ios::binary);
  std::string start(bytes, '\0');
  in.read(start.data(), static_cast<std::streamsize>(bytes));
  start.resize(static_cast<std::size_t>(in.gcount()));
  return start;
}

// Small campaigns run by the tests: device (4 points, 2 read times or 1), array (2 points).
std::string device_campaign(const std::string& read_times) {
  return R"(name = "plot-device"
seed = 11
trials = 24
block_size = 4
read_times = )" +
         read_times + R"(
checkpoint_interval = "0s"
[device]
preset = "pcm-joshi2020"
[workload]
kind = "device"
cells = 16
[[sweep]]
key = "device.parameters.g_max"
values = ["20uS", "25uS"]
[[sweep]]
key = "workload.cells"
values = [8, 16]
)";
}

constexpr const char* kArrayCampaign = R"(name = "plot-array"
seed = 12
trials = 8
block_size = 4
read_times = ["1s", "1d"]
checkpoint_interval = "0s"
[device]
preset = "pcm-joshi2020"
[workload]
kind = "array"
rows = 16
cols = 16
[workload.inputs]
count = 4
[workload.adc]
bits = 8
range_mode = "calibrated"
calibration_vectors = 16
[[sweep]]
key = "workload.adc.bits"
values = [4, 8]
)";

// Two zipped keys (g_max and cells advance together) and a third key: 3 x 2 points.
constexpr const char* kZipCampaign = R"(name = "plot-zip"
seed = 12
trials = 8
block_size = 4
read_times = ["1s", "1d"]
checkpoint_interval = "0s"
[device]
preset = "pcm-joshi2020"
[workload]
kind = "device"
cells = 16
[[sweep]]
key = "device.parameters.g_max"
values = ["20uS", "25uS", "30uS"]
zip = "a"
[[sweep]]
key = "workload.cells"
values = [8, 16, 32]
zip = "a"
[[sweep]]
key = "device.parameters.stuck_off_rate"
values = [0.0, 0.01]
)";

// The MLP of data/models over 50 shipped test images on PCM, with and without compensation.
std::string dnn_campaign() {
  const std::string data = KIRCHHOFF_DATA_DIR;
  return R"(name = "plot-dnn"
seed = 13
trials = 3
read_times = ["1s", "1d", "1y"]
checkpoint_interval = "0s"
[device]
preset = "pcm-joshi2020"
[workload]
kind = "dnn"
model = ")" +
         data + R"(/models/mlp.onnx"
dataset = ")" +
         data + R"(/datasets/fashion-mnist"
samples = 50
[workload.calibration]
samples = 50
[[sweep]]
key = "workload.compensation"
values = ["none", "global"]
)";
}

class CliPlot : public ::testing::Test {
 protected:
  // The campaigns run once for all tests of the suite.
  static void SetUpTestSuite() {
    dir_ = new TempDir("plot");
    const std::string python =
        std::getenv("KIRCHHOFF_PYTHON") != nullptr && *std::getenv("KIRCHHOFF_PYTHON") != '\0'
            ? std::getenv("KIRCHHOFF_PYTHON")
            : KIRCHHOFF_PYTHON;
    const std::string probe = "'" + python + "' -I -c 'import matplotlib, h5py, numpy' 2>/dev/null";
    have_matplotlib_ = std::system(probe.c_str()) == 0;
    const std::vector<std::pair<std::string, std::string>> campaigns{
        {"device", device_campaign(R"(["1s", "1d"])")},
        {"device1", device_campaign(R"(["1d"])")},
        {"array", kArrayCampaign},
        {"zip", kZipCampaign},
        {"dnn", dnn_campaign()}};
    for (const auto& [name, text] : campaigns) {
      write_text(*dir_ / (name + ".toml"), text);
      const auto r = run_cli({"run", (*dir_ / (name + ".toml")).string(), "--output",
                              (*dir_ / (name + ".h5")).string(), "-q", "-j", "2"});
      ASSERT_EQ(r.exit_status, kExitOk) << r.out << r.err;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!have_matplotlib_) {
      GTEST_SKIP() << "the Python interpreter " << KIRCHHOFF_PYTHON
                   << " (or $KIRCHHOFF_PYTHON) lacks matplotlib, h5py or numpy: install "
                      "python3-matplotlib python3-h5py python3-numpy";
    }
  }
  static std::filesystem::path path(const std::string& name) { return *dir_ / name; }

  // Compares every plotted series of a time plot with /summary of the file.
  static void expect_time_series_equal_file(const Json& data, const std::filesystem::path& h5,
                                            const std::string& metric) {
    const auto f = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
    const auto times = f.read_dataset<std::vector<double>>("read_times");
    const auto metrics = f.read_dataset<std::vector<std::string>>("metrics/name");
    const auto labels = f.read_dataset<std::vector<std::string>>("points/label");
    const std::size_t m = static_cast<std::size_t>(
        std::find(metrics.begin(), metrics.end(), metric) - metrics.begin());
    ASSERT_LT(m, metrics.size());
    const std::size_t K = times.size(), M = metrics.size();
    EXPECT_EQ(data["metric"].text(), metric);
    ASSERT_EQ(data["series"].size(), labels.size());
    for (const char* field : {"mean", "ci_lower", "ci_upper"}) {
      const auto summary = f.read_dataset<h5::NdArray<double>>(std::string("summary/") + field);
      const char* json_field = std::string(field) == "mean"       ? "y"
                               : std::string(field) == "ci_lower" ? "lower"
                                                                  : "upper";
      for (std::size_t p = 0; p < labels.size(); ++p) {
        const Json& s = data["series"][p];
        EXPECT_EQ(s["label"].text(), labels[p]);
        EXPECT_EQ(s["x"].numbers(), times);
        std::vector<double> expected;
        for (std::size_t k = 0; k < K; ++k) expected.push_back(summary.data[(p * K + k) * M + m]);
        EXPECT_EQ(s[json_field].numbers(), expected) << field << " at point " << p;
      }
    }
  }

  static inline TempDir* dir_ = nullptr;
  static inline bool have_matplotlib_ = false;
};

TEST_F(CliPlot, DeviceTimePlotIsAPngBesideTheFileAndItsSeriesAreTheFilesSummaries) {
  const auto h5 = path("device.h5");
  const auto json = path("device-time.json");
  const auto r = run_cli({"plot", h5.string(), "--data-json", json.string()});
  ASSERT_EQ(r.exit_status, kExitOk) << r.out << r.err;
  const auto png = path("device.png");  // default: FILE with .png
  EXPECT_NE(r.out.find("wrote " + png.string()), std::string::npos) << r.out;
  EXPECT_EQ(file_start(png, 8), "\x89PNG\r\n\x1a\n");
  const Json data = read_json(json);
  EXPECT_EQ(data["kind"].text(), "time");  // auto with two read times
  EXPECT_EQ(data["campaign"].text(), "plot-device");
  EXPECT_EQ(data["unit"].text(), "1");
  expect_time_series_equal_file(data, h5, "relative_rms_error");

  // Another metric, in its unit (siemens), as SVG.
  const auto svg = path("device-rms.svg");
  const auto json2 = path("device-rms.json");
  const auto r2 = run_cli({"plot", h5.string(), "--metric", "rms_error", "--out", svg.string(),
                           "--data-json", json2.string()});
  ASSERT_EQ(r2.exit_status, kExitOk) << r2.err;
  const std::string start = file_start(svg, 5);
  EXPECT_TRUE(start == "<?xml" || start.starts_with("<svg")) << start;
  const Json data2 = read_json(json2);
  EXPECT_EQ(data2["unit"].text(), "S");
  expect_time_series_equal_file(data2, h5, "rms_error");
}

TEST_F(CliPlot, OneReadTimeGivesTheMetricAgainstTheSweptKey) {
  const auto h5 = path("device1.h5");
  const auto json = path("device1.json");
  const auto r = run_cli(
      {"plot", h5.string(), "--out", path("device1.pdf").string(), "--data-json", json.string()});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_EQ(file_start(path("device1.pdf"), 5), "%PDF-");
  const Json data = read_json(json);
  EXPECT_EQ(data["kind"].text(), "sweep");
  EXPECT_EQ(data["x_key"].text(), "device.parameters.g_max");
  EXPECT_EQ(data["x_unit"].text(), "S");
  const auto f = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
  const auto values = f.read_dataset<h5::NdArray<double>>("points/value");  // [P x 2]
  const auto mean = f.read_dataset<h5::NdArray<double>>("summary/mean");    // [P x 1 x M]
  const std::size_t M = mean.shape[2], m = 2;                               // relative_rms_error
  ASSERT_EQ(f.read_dataset<std::vector<std::string>>("metrics/name")[m], "relative_rms_error");
  // One line per value of workload.cells (8, 16): points (0, 2) and (1, 3).
  ASSERT_EQ(data["series"].size(), 2u);
  for (std::size_t g = 0; g < 2; ++g) {
    const Json& s = data["series"][g];
    EXPECT_EQ(s["x"].numbers(),
              (std::vector<double>{values.data[g * 2], values.data[(g + 2) * 2]}));
    EXPECT_EQ(s["y"].numbers(),
              (std::vector<double>{mean.data[g * M + m], mean.data[(g + 2) * M + m]}));
  }
  // A sweep against the other key.
  const auto r2 = run_cli({"plot", h5.string(), "--kind", "sweep", "--x", "workload.cells", "--out",
                           path("cells.png").string()});
  EXPECT_EQ(r2.exit_status, kExitOk) << r2.err;
}

TEST_F(CliPlot, DnnCampaignPlotsTopOneAccuracyAgainstTime) {
  const auto h5 = path("dnn.h5");
  const auto json = path("dnn.json");
  const auto r = run_cli({"plot", h5.string(), "--data-json", json.string()});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_EQ(file_start(path("dnn.png"), 4), "\x89PNG");
  const Json data = read_json(json);
  EXPECT_EQ(data["kind"].text(), "time");
  EXPECT_EQ(data["unit"].text(), "1");
  expect_time_series_equal_file(data, h5, "top1_accuracy");
  // The float network's accuracy, the digital reference, is each series' dashed line.
  const auto f = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
  const auto metrics = f.read_dataset<std::vector<std::string>>("metrics/name");
  const auto mean = f.read_dataset<h5::NdArray<double>>("summary/mean");  // [P x K x M]
  const std::size_t K = mean.shape[1], M = mean.shape[2];
  const std::size_t ref = static_cast<std::size_t>(
      std::find(metrics.begin(), metrics.end(), "float_top1_accuracy") - metrics.begin());
  ASSERT_LT(ref, M);
  for (std::size_t p = 0; p < data["series"].size(); ++p) {
    std::vector<double> expected;
    for (std::size_t k = 0; k < K; ++k) expected.push_back(mean.data[(p * K + k) * M + ref]);
    EXPECT_EQ(data["series"][p]["reference"].numbers(), expected) << "point " << p;
  }
}

TEST_F(CliPlot, ZippedKeysMoveAlongTheSweptKeyAndTimeChoosesOneReadTime) {
  const auto h5 = path("zip.h5");
  const auto json = path("zip.json");
  const auto r =
      run_cli({"plot", h5.string(), "--kind", "sweep", "--x", "device.parameters.g_max", "--time",
               "1d", "--out", path("zip.png").string(), "--data-json", json.string()});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  const Json data = read_json(json);
  // One line per stuck_off_rate (not one per point): cells is g_max's zip partner.
  ASSERT_EQ(data["series"].size(), 2u);
  EXPECT_EQ(data["zipped_keys"][0].text(), "workload.cells");
  EXPECT_EQ(data["read_time"].number(), 86400.0);
  const auto f = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
  const auto mean = f.read_dataset<h5::NdArray<double>>("summary/mean");  // [P x K x M]
  const std::size_t K = mean.shape[1], M = mean.shape[2], m = 2;
  for (std::size_t g = 0; g < 2; ++g) {
    const Json& s = data["series"][g];
    EXPECT_EQ(s["x"].size(), 3u);
    EXPECT_EQ(s["read_time"].number(), 86400.0);
    // Points are [g_max/cells][stuck_off_rate], the first sweep slowest: 0+g, 2+g, 4+g.
    std::vector<double> expected;
    for (std::size_t v = 0; v < 3; ++v)
      expected.push_back(mean.data[((2 * v + g) * K + 1) * M + m]);
    EXPECT_EQ(s["y"].numbers(), expected) << "series " << g;
  }
  const auto time_plot = run_cli(
      {"plot", h5.string(), "--kind", "time", "--time", "1d", "--out", path("none.png").string()});
  EXPECT_EQ(time_plot.exit_status, kExitUsage);
  EXPECT_NE(time_plot.err.find("--time"), std::string::npos) << time_plot.err;
}

TEST_F(CliPlot, AFileTheScriptCannotDrawIsOneLineNotATraceback) {
  const auto h5 = path("broken.h5");
  std::filesystem::copy_file(path("device.h5"), h5,
                             std::filesystem::copy_options::overwrite_existing);
  const std::string python =
      std::getenv("KIRCHHOFF_PYTHON") != nullptr && *std::getenv("KIRCHHOFF_PYTHON") != '\0'
          ? std::getenv("KIRCHHOFF_PYTHON")
          : KIRCHHOFF_PYTHON;
  const std::string remove = "'" + python + "' -I -c \"import h5py; f = h5py.File('" + h5.string() +
                             "', 'a'); del f['summary/mean']\"";
  ASSERT_EQ(std::system(remove.c_str()), 0);
  const auto r = run_cli({"plot", h5.string(), "--out", path("broken.png").string()});
  EXPECT_NE(r.exit_status, kExitOk);
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot plot '" + h5.string() + "': KeyError"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("broken.png")));
}

TEST_F(CliPlot, ArrayCampaignPlotsRelativeErrorAndHistogramsOfTheTrials) {
  const auto h5 = path("array.h5");
  const auto json = path("array.json");
  const auto r = run_cli({"plot", h5.string(), "--data-json", json.string()});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_EQ(file_start(path("array.png"), 4), "\x89PNG");
  const Json data = read_json(json);
  expect_time_series_equal_file(data, h5, "relative_error");

  const auto hist_json = path("array-hist.json");
  const auto r2 =
      run_cli({"plot", h5.string(), "--kind", "histogram", "--metric", "snr_db", "--out",
               path("array-hist.svg").string(), "--data-json", hist_json.string()});
  ASSERT_EQ(r2.exit_status, kExitOk) << r2.err;
  const Json hist = read_json(hist_json);
  const auto f = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
  const auto trials = f.read_dataset<h5::NdArray<double>>("trials");  // [P x T x K x M]
  const auto done = f.read_dataset<std::vector<std::uint64_t>>("trials_done");
  const std::size_t T = trials.shape[1], K = trials.shape[2], M = trials.shape[3], m = 4;
  ASSERT_EQ(f.read_dataset<std::vector<std::string>>("metrics/name")[m], "snr_db");
  EXPECT_EQ(hist["read_time"].number(), 86400.0);  // the last read time
  ASSERT_EQ(hist["series"].size(), 2u);
  for (std::size_t p = 0; p < 2; ++p) {
    std::vector<double> expected;
    for (std::size_t t = 0; t < done[p]; ++t)
      expected.push_back(trials.data[((p * T + t) * K + K - 1) * M + m]);
    EXPECT_EQ(hist["series"][p]["values"].numbers(), expected) << "point " << p;
    double counted = 0;
    for (double c : hist["series"][p]["counts"].numbers()) counted += c;
    EXPECT_EQ(counted, static_cast<double>(done[p]));
  }
  // Another read time, chosen by its value.
  const auto first_json = path("array-hist-1s.json");
  const auto r3 =
      run_cli({"plot", h5.string(), "--kind", "histogram", "--metric", "snr_db", "--time", "1s",
               "--out", path("array-hist-1s.png").string(), "--data-json", first_json.string()});
  ASSERT_EQ(r3.exit_status, kExitOk) << r3.err;
  const Json first = read_json(first_json);
  EXPECT_EQ(first["read_time"].number(), 1.0);
  std::vector<double> expected;
  for (std::size_t t = 0; t < done[0]; ++t) expected.push_back(trials.data[(t * K) * M + m]);
  EXPECT_EQ(first["series"][0]["values"].numbers(), expected);
  const auto missing = run_cli({"plot", h5.string(), "--kind", "histogram", "--time", "1h", "--out",
                                path("none.png").string()});
  EXPECT_EQ(missing.exit_status, kExitUsage);
  EXPECT_NE(missing.err.find("no read time 1 h in the file; read times: 1 s, 1 d"),
            std::string::npos)
      << missing.err;
  const auto not_histogram =
      run_cli({"plot", h5.string(), "--time", "1s", "--out", path("none.png").string()});
  EXPECT_EQ(not_histogram.exit_status, kExitUsage);
}

TEST_F(CliPlot, NeverReplacesAFileWithoutForce) {
  const auto h5 = path("device.h5");
  const auto png = path("kept.png");
  write_text(png, "precious\n");
  const auto r = run_cli({"plot", h5.string(), "--out", png.string()});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("exists; use --force to replace it"), std::string::npos) << r.err;
  EXPECT_EQ(file_start(png, 9), "precious\n");
  const auto forced = run_cli({"plot", h5.string(), "--out", png.string(), "--force"});
  EXPECT_EQ(forced.exit_status, kExitOk) << forced.err;
  EXPECT_EQ(file_start(png, 4), "\x89PNG");
  for (const auto& entry : std::filesystem::directory_iterator(dir_->path())) {  // no temporary
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(CliPlot, BadInputIsAClearUsageError) {
  // Not HDF5 at all, another Kirchhoff file, a missing file, a misspelt metric, a bad format.
  const auto text = path("notes.h5");
  write_text(text, "not hdf5\n");
  auto r = run_cli({"plot", text.string()});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("not an HDF5 file"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("notes.png")));

  const auto samples = path("samples.h5");
  ASSERT_EQ(run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS", "--time",
                     "1s", "--count", "3", "--out", samples.string()})
                .exit_status,
            kExitOk);
  r = run_cli({"plot", samples.string()});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("expected a 'kirchhoff-campaign' file, found a 'kirchhoff-device-samples'"),
            std::string::npos)
      << r.err;

  r = run_cli({"plot", path("missing.h5").string()});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("no results file"), std::string::npos) << r.err;

  r = run_cli({"plot", path("device.h5").string(), "--metric", "relative_rms_eror", "--out",
               path("typo.png").string()});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("did you mean 'relative_rms_error'?"), std::string::npos) << r.err;

  r = run_cli({"plot", path("device.h5").string(), "--out", path("plot.jpg").string()});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("not a .png, .svg or .pdf file"), std::string::npos) << r.err;
}

TEST_F(CliPlot, ScriptFailuresAreReportedWithTheirMessage) {
  // An interpreter that is not there: a clear message naming it.
  ::setenv("KIRCHHOFF_PYTHON", "/nonexistent/python3", 1);
  const auto r = run_cli({"plot", path("device.h5").string(), "--out", path("none.png").string()});
  ::unsetenv("KIRCHHOFF_PYTHON");
  EXPECT_NE(r.exit_status, kExitOk);
  EXPECT_NE(r.err.find("/nonexistent/python3"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("none.png")));
}

}  // namespace
}  // namespace kirchhoff::cli
