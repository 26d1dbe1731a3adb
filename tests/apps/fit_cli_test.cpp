// `kirchhoff fit` end to end on the example data (data/measurements): read noise and pulse
// fits, HDF5 input, device files that the other commands load, several fits merged into one
// device (--into, with and without --force), and `kirchhoff plot` of fit reports, whose plotted
// series must equal the report's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "json_reader.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "run_cli.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

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
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const kirchhoff::testing::TempDir dir_{"fit-cli"};
};

TEST_F(FitCli, ReadNoiseWritesADeviceFileThatSamples) {
  const auto r = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--g-max",
                          "25uS", "--bootstrap", "20", "--out", path("noisy.toml")});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out, "Q_s(x) = min(c x^(-alpha), q_max)");
  EXPECT_CONTAINS(r.out, "wrote " + path("noisy.toml") + " (model generic");
  const auto s = run_cli({"device", "sample", "--preset", path("noisy.toml"), "--target", "10uS",
                          "--time", "1min,1d", "--count", "200"});
  EXPECT_EQ(s.exit_status, kExitOk) << s.err;
  // The polynomial form on the same data.
  const auto p = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--form",
                          "polynomial", "--degree", "1", "--bootstrap", "0"});
  EXPECT_EQ(p.exit_status, kExitOk) << p.err;
  EXPECT_CONTAINS(p.out, "sigma_R(x) = sum c_k x^k, degree 1");
}

TEST_F(FitCli, PulseFromHdf5WritesAPulseDevice) {
  const auto r = run_cli({"fit", "pulse", measurements("pulse-synthetic.h5"), "--pulses-ltd", "100",
                          "--bootstrap", "10", "--out", path("pulsed.toml")});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out, "P_max = 97 (LTP), 100 (LTD)");
  EXPECT_CONTAINS(r.out, "(model pulse-nonlinear");
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
  EXPECT_CONTAINS(r.out, "merged into " + device +
                             ": added t0, drift_measured_until, drift_nu_mean_log, "
                             "drift_nu_std_log, drift_nu_absolute");
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
  EXPECT_CONTAINS(
      r.err,
      "already has drift keys (t0, drift_measured_until, drift_nu_mean_log, drift_nu_std_log, "
      "drift_nu_absolute) with other values than this fit; use --force");
  EXPECT_EQ(std::filesystem::file_size(device), before);
  r = run_cli({"fit", "drift", measurements("drift-synthetic.csv"), "--g-max", "25uS",
               "--bootstrap", "0", "--into", device, "--force"});
  EXPECT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out,
                  "; replaced t0, drift_measured_until, drift_nu_mean_log, drift_nu_std_log, "
                  "drift_nu_absolute");
  // Another g_max: refused, with the fix in the message.
  r = run_cli({"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--bootstrap", "0",
               "--into", device, "--force"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err, "g_max is 25 uS there but 24 uS in this fit");
  // --into needs an existing file.
  r = run_cli(
      {"fit", "read-noise", measurements("read-noise-synthetic.csv"), "--into", path("none.toml")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err, "option --into: no device file");
}

TEST_F(FitCli, GMaxFromTheDataIsSaidAndQuietPrintsNothing) {
  const auto data = measurements("programming-synthetic.csv");
  auto r = run_cli({"fit", "programming", data, "--bootstrap", "0"});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out,
                  "note: g_max = 24 uS is the largest conductance in the data; give --g-max to "
                  "normalise by the device's g_max instead");
  r = run_cli({"fit", "programming", data, "--bootstrap", "0", "--g-max", "30uS"});
  EXPECT_EQ(r.out.find("note: g_max"), std::string::npos) << r.out;
  // -q: no report and no "wrote" line, but the file is written and loads.
  r = run_cli({"fit", "programming", data, "--bootstrap", "0", "-q", "--out", path("q.toml")});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(std::filesystem::is_regular_file(path("q.toml")));
}

TEST_F(FitCli, BadDataIsAUsageErrorNamingTheFile) {
  auto r = run_cli({"fit", "pulse", measurements("programming-synthetic.csv")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err,
                  "programming-synthetic.csv: no pulse column (looked for pulse, "
                  "pulse_number, n; the header has target_uS, programmed_uS)");
  r = run_cli({"fit", "read-noise", measurements("pulse-synthetic.h5")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err,
                  "pulse-synthetic.h5: no time column (looked for time, t; the file has "
                  "datasets conductance, device, polarity, pulse)");
  r = run_cli({"fit", "pulse", measurements("pulse-synthetic.h5"), "--report", path("r.txt")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err, "option --report: '" + path("r.txt") + "' must end in .json or .h5");
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
  EXPECT_CONTAINS(r.out, "wrote " + report + " (plot it: kirchhoff plot " + report + ")");
  r = run_cli({"plot", report, "--data-json", path("drift-plot.json")});  // auto: a fit report
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_CONTAINS(r.out, "wrote " + path("drift.png"));
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
  EXPECT_CONTAINS(r.err, "option --metric: a fit report has no metrics");
  r = run_cli({"plot", path("pulse.h5"), "--kind", "time", "--out", path("y.png")});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_CONTAINS(r.err, "expected a 'kirchhoff-campaign' file, found a 'kirchhoff-fit-report'");
}

}  // namespace
}  // namespace kirchhoff::cli
