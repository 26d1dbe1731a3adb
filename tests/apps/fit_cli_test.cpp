// `kirchhoff fit` end to end on the example data (data/measurements): read noise and pulse
// fits, HDF5 input, device files that the other commands load, several fits merged into one
// device (--into, with and without --force), and `kirchhoff plot` of fit reports, whose plotted
// series must equal the report's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "json_reader.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "run_cli.hpp"

namespace kirchhoff::cli {
namespace {

using testing::Json;
using testing::read_json;
using testing::run_cli;

std::string measurements(const std::string& name) {
  return (std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "data" / "measurements" / name).string();
}

class FitCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = "kirchhoff-fit-cli-";
    name += std::to_string(::getpid());
    name += "-";
    name += ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(FitCli, ReadNoiseWritesADeviceFileThatSamples) {
  const auto r = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--g-max",
                          "25uS", "--bootstrap", "20", "--out", path("noisy.toml")});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("Q_s(x) = min(c x^(-alpha), q_max)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote " + path("noisy.toml") + " (model generic"), std::string::npos);
  const auto s = run_cli({"device", "sample", "--preset", path("noisy.toml"), "--target", "10uS",
                          "--time", "1min,1d", "--count", "200"});
  EXPECT_EQ(s.exit_status, kExitOk) << s.err;
  // The polynomial form on the same data.
  const auto p = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--form",
                          "polynomial", "--degree", "1", "--bootstrap", "0"});
  EXPECT_EQ(p.exit_status, kExitOk) << p.err;
  EXPECT_NE(p.out.find("sigma_R(x) = sum c_k x^k, degree 1"), std::string::npos) << p.out;
}

TEST_F(FitCli, PulseFromHdf5WritesAPulseDevice) {
  const auto r = run_cli({"fit", "pulse", measurements("pulse-synthetic.h5"), "--pulses-ltd", "100",
                          "--bootstrap", "10", "--out", path("pulsed.toml")});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("P_max = 97 (LTP), 100 (LTD)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(model pulse-nonlinear"), std::string::npos) << r.out;
  const auto c = run_cli({"device", "curve", "--preset", path("pulsed.toml"), "--pulses", "5"});
  EXPECT_EQ(c.exit_status, kExitOk) << c.err;
  // The CSV twin of the file gives the same fit.
  const auto csv = run_cli({"fit", "pulse", measurements("pulse-synthetic.csv"), "--pulses-ltd",
                            "100", "--bootstrap", "10"});
  ASSERT_EQ(csv.exit_status, kExitOk) << csv.err;
  const auto from = [](const std::string& out) { return out.substr(out.find("NL_LTP"), 60); };
  EXPECT_EQ(from(csv.out), from(r.out));
}

TEST_F(FitCli, ProgrammingDriftAndReadNoiseMergeIntoOneDevice) {
  const std::string device = path("my-device.toml");
  auto r = run_cli({"fit", "programming", measurements("programming-synthetic.csv"), "--g-max",
                    "25uS", "--bootstrap", "20", "--out", device});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  r = run_cli({"fit", "drift", measurements("drift-synthetic.csv"), "--g-max", "25uS", "--form",
               "pcm", "--bootstrap", "20", "--into", device});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("merged into " + device +
                       ": added t0, drift_nu_mean_log, drift_nu_std_log, drift_nu_absolute"),
            std::string::npos)
      << r.out;
  r = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--g-max", "25uS",
               "--bootstrap", "20", "--into", device});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  const auto s = run_cli({"device", "sample", "--preset", device, "--target", "10uS", "--time",
                          "20s,1d", "--count", "500"});
  EXPECT_EQ(s.exit_status, kExitOk) << s.err;

  // A second drift fit (the table) conflicts with the first: refused without --force, the file
  // untouched; with --force the drift keys are replaced.
  const auto before = std::filesystem::file_size(device);
  r = run_cli({"fit", "drift", measurements("drift-synthetic.csv"), "--g-max", "25uS",
               "--bootstrap", "0", "--into", device});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("already has drift keys (t0, drift_nu_mean_log, drift_nu_std_log, "
                       "drift_nu_absolute) with other values than this fit; use --force"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::filesystem::file_size(device), before);
  r = run_cli({"fit", "drift", measurements("drift-synthetic.csv"), "--g-max", "25uS",
               "--bootstrap", "0", "--into", device, "--force"});
  EXPECT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("; replaced t0, drift_nu_mean_log, drift_nu_std_log, drift_nu_absolute"),
            std::string::npos)
      << r.out;
  // Another g_max: refused, with the fix in the message.
  r = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--bootstrap", "0",
               "--into", device, "--force"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("g_max is 25 uS there but 24 uS in this fit"), std::string::npos) << r.err;
  // --into needs an existing file.
  r = run_cli(
      {"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--into", path("none.toml")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("option --into: no device file"), std::string::npos) << r.err;
}

TEST_F(FitCli, BadDataIsAUsageErrorNamingTheFile) {
  auto r = run_cli({"fit", "pulse", measurements("programming-synthetic.csv")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("programming-synthetic.csv: no pulse column (looked for pulse, "
                       "pulse_number, n; the header has target_uS, programmed_uS)"),
            std::string::npos)
      << r.err;
  r = run_cli({"fit", "read-noise", measurements("pulse-synthetic.h5")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("pulse-synthetic.h5: no time column (looked for time, t; the file has "
                       "datasets conductance, device, polarity, pulse)"),
            std::string::npos)
      << r.err;
  r = run_cli({"fit", "pulse", measurements("pulse-synthetic.h5"), "--report", path("r.txt")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("option --report: '" + path("r.txt") + "' must end in .json or .h5"),
            std::string::npos)
      << r.err;
}

// ---- kirchhoff plot of fit reports --------------------------------------------------------

class FitPlot : public FitCli {
 protected:
  void SetUp() override {
    FitCli::SetUp();
    const std::string python =
        std::getenv("KIRCHHOFF_PYTHON") != nullptr && *std::getenv("KIRCHHOFF_PYTHON") != '\0'
            ? std::getenv("KIRCHHOFF_PYTHON")
            : KIRCHHOFF_PYTHON;
    const std::string probe = "'" + python + "' -I -c 'import matplotlib, h5py, numpy' 2>/dev/null";
    if (std::system(probe.c_str()) != 0) {
      GTEST_SKIP() << "the Python interpreter " << python
                   << " lacks matplotlib, h5py or numpy: install python3-matplotlib python3-h5py "
                      "python3-numpy";
    }
  }
};

// Series of a report group ("data", "curves", "residuals") as the report holds them.
struct Series {
  std::string label;
  std::vector<double> x, y, lower, upper;
};

std::vector<Series> json_series(const Json& report, const std::string& group, const char* y) {
  std::vector<Series> out;
  for (std::size_t i = 0; i < report[group].size(); ++i) {
    const Json& s = report[group][i];
    Series t{s["label"].text(), s["x"].numbers(), s[y].numbers(), {}, {}};
    const auto& object = std::get<std::map<std::string, Json>>(s.value);
    if (object.count("lower") > 0) {
      t.lower = s["lower"].numbers();
      t.upper = s["upper"].numbers();
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Series> h5_series(const std::string& file, const std::string& group, const char* y) {
  const auto f = h5::File::open(file, h5::OpenMode::read_only, "kirchhoff-fit-report", 1);
  std::vector<Series> out;
  const auto count = f.open_group(group).read_attribute<std::uint32_t>("count");
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto g = f.open_group(group + "/" + std::to_string(i));
    Series t{g.read_attribute<std::string>("label"),
             g.read_dataset<std::vector<double>>("x"),
             g.read_dataset<std::vector<double>>(y),
             {},
             {}};
    if (g.exists("lower")) {
      t.lower = g.read_dataset<std::vector<double>>("lower");
      t.upper = g.read_dataset<std::vector<double>>("upper");
    }
    out.push_back(std::move(t));
  }
  return out;
}

// NaN-aware equality of plotted numbers (null in JSON) and the report's.
void expect_same(const std::vector<double>& plotted, const std::vector<double>& report,
                 const std::string& what) {
  ASSERT_EQ(plotted.size(), report.size()) << what;
  for (std::size_t i = 0; i < plotted.size(); ++i) {
    if (std::isnan(report[i])) {
      EXPECT_TRUE(std::isnan(plotted[i])) << what << " [" << i << "]";
    } else {
      EXPECT_EQ(plotted[i], report[i]) << what << " [" << i << "]";
    }
  }
}

void expect_plotted(const Json& plotted, const std::vector<Series>& report,
                    const std::string& group, const char* y) {
  ASSERT_EQ(plotted[group].size(), report.size()) << group;
  for (std::size_t i = 0; i < report.size(); ++i) {
    const Json& s = plotted[group][i];
    EXPECT_EQ(s["label"].text(), report[i].label);
    expect_same(s["x"].numbers(), report[i].x, group + " x");
    expect_same(s[y].numbers(), report[i].y, group + " " + y);
    if (!report[i].lower.empty()) {
      expect_same(s["lower"].numbers(), report[i].lower, group + " lower");
      expect_same(s["upper"].numbers(), report[i].upper, group + " upper");
    }
  }
}

TEST_F(FitPlot, JsonReportPlotsTheFittedCurveOverTheData) {
  const std::string report = path("drift.json");
  auto r = run_cli({"fit", "drift", measurements("drift-synthetic.csv"), "--g-max", "25uS",
                    "--form", "pcm", "--bootstrap", "30", "--report", report});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("wrote " + report + " (plot it: kirchhoff plot " + report + ")"),
            std::string::npos);
  r = run_cli({"plot", report, "--data-json", path("drift-plot.json")});  // auto: a fit report
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("wrote " + path("drift.png")), std::string::npos) << r.out;
  const Json plotted = read_json(path("drift-plot.json"));
  const Json fitted = read_json(report);
  EXPECT_EQ(plotted["kind"].text(), "fit");
  EXPECT_EQ(plotted["fit_kind"].text(), "drift");
  EXPECT_EQ(plotted["x_unit"].text(), "S");
  expect_plotted(plotted, json_series(fitted, "data", "y"), "data", "y");
  expect_plotted(plotted, json_series(fitted, "curves", "y"), "curves", "y");
  expect_plotted(plotted, json_series(fitted, "residuals", "z"), "residuals", "z");
  EXPECT_GE(plotted["curves"][0]["lower"].size(), 48u);  // the band is drawn
}

TEST_F(FitPlot, Hdf5ReportIsFoundByItsFiletype) {
  const std::string report = path("pulse.h5");
  auto r = run_cli({"fit", "pulse", measurements("pulse-synthetic.csv"), "--pulses-ltd", "100",
                    "--bootstrap", "0", "--report", report});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  r = run_cli({"plot", report, "--out", path("pulse.svg"), "--data-json", path("pulse-plot.json")});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  const Json plotted = read_json(path("pulse-plot.json"));
  EXPECT_EQ(plotted["fit_kind"].text(), "pulse");
  EXPECT_EQ(plotted["y_unit"].text(), "S");
  expect_plotted(plotted, h5_series(report, "data", "y"), "data", "y");
  expect_plotted(plotted, h5_series(report, "curves", "y"), "curves", "y");
  expect_plotted(plotted, h5_series(report, "residuals", "z"), "residuals", "z");
  EXPECT_EQ(plotted["data"].size(), 8u);  // one series per device
  // Options of campaign plots do not apply to a report.
  r = run_cli({"plot", report, "--metric", "rms_error", "--out", path("x.png")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("option --metric: a fit report has no metrics"), std::string::npos) << r.err;
  r = run_cli({"plot", path("pulse.h5"), "--kind", "time", "--out", path("y.png")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("expected a 'kirchhoff-campaign' file, found a 'kirchhoff-fit-report'"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace kirchhoff::cli
