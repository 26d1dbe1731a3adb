// Device files written by the fits (the TOML writer: names, descriptions and sources escaped,
// values kept to nine significant digits) and merged by `--into` (read as TOML: the user's
// comments and layout kept, values compared as values, other tables refused).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/fitting/fit.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::fitting {
namespace {

using kirchhoff::testing::message_of;

constexpr double uS = 1e-6;
constexpr double kGMax = 25 * uS;

// 400 devices at targets over [1, 24] µS with σ_P = (0.3 + 1.5x) µS, x = g_T/25 µS.
ProgrammingFit programming_fit() {
  std::vector<double> target, programmed, z(400);
  RandomStream(3, {0, 0, StreamId::testing, 0}).normal(z);
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double g = (1.0 + 23.0 * static_cast<double>(i) / 399.0) * uS;
    target.push_back(g);
    programmed.push_back(g + (0.3 + 1.5 * g / kGMax) * uS * z[i]);
  }
  ProgrammingFitOptions options;
  options.g_max_siemens = kGMax;
  options.degree = 1;
  options.bootstrap.replicates = 0;
  return fit_programming(target, programmed, options);
}

// 30 devices at three targets, each read at four times, ν = 0.05 ± 0.01 by device.
DriftFit drift_fit() {
  DriftData data;
  for (int d = 0; d < 30; ++d) {
    const double target = (d < 10 ? 5.0 : d < 20 ? 10.0 : 20.0) * uS;
    const double nu = 0.05 + 0.01 * ((d % 5) - 2) / 2.0;
    for (double t : {20.0, 600.0, 3600.0, 86400.0}) {
      data.device.push_back(fmt::format("d{}", d));
      data.target_siemens.push_back(target);
      data.time_s.push_back(t);
      data.conductance_siemens.push_back(target * std::pow(t / 20.0, -nu));
      data.line.push_back(0);
    }
  }
  DriftFitOptions options;
  options.g_max_siemens = kGMax;
  options.bootstrap.replicates = 0;
  return fit_drift(data, options);
}

double parsed_double(std::string_view text) {
  return std::strtod(std::string(text).c_str(), nullptr);
}

TEST(DeviceFile, NamesAndSourcesWithQuotesNewlinesAndBackslashesGiveValidFiles) {
  const std::string name = "my \"best\" device\nline two \\ end";
  const std::string source = "runs/\"a\"\nb.csv";
  for (const std::string& text : {device_file_toml(programming_fit(), name, source),
                                  device_file_toml(drift_fit(), name, source)}) {
    const Config config = Config::parse(text, "fitted.toml");
    EXPECT_EQ(config.root().get<std::string>("name"), name);
    EXPECT_EQ(config.root().get<std::string>("source"), "fit to " + source);
    EXPECT_EQ(devices::make_device(config.root()).description.name, name);
  }
  // The merge writes them anew: still escaped.
  const auto merged =
      merge_device_files(device_file_toml(programming_fit(), name, source), "base.toml",
                         device_file_toml(drift_fit(), "other", "d\"2\".csv"), false);
  const Config config = Config::parse(merged.text, "merged.toml");
  EXPECT_EQ(config.root().get<std::string>("name"), name);
  EXPECT_EQ(config.root().get<std::string>("source"), "fit to " + source + "; fit to d\"2\".csv");
}

TEST(DeviceFile, NumbersKeepNineSignificantDigitsAndLoad) {
  const ProgrammingFit fit = programming_fit();
  const testing::TempDir dir("device-file");
  testing::write_text(dir / "p.toml", device_file_toml(fit, "p", "p.csv"));
  const Config config = Config::load_file(dir / "p.toml");
  const auto a =
      config.root().table("parameters").get_array<double>("programming_sigma_polynomial");
  ASSERT_EQ(a.size(), 2u);
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double value = fit.coefficients_siemens[k].value / fit.g_max_siemens;
    EXPECT_EQ(a[k], parsed_double(fmt::format("{:.9g}", value))) << k;
  }
  EXPECT_EQ(config.root().table("parameters").get<std::string>("g_max"), "25uS");
  EXPECT_NO_THROW((void)devices::load_device((dir / "p.toml").string()));
}

// A programming device file as a user may have edited it: comments of their own, the
// polynomial over several lines.
std::string edited(const std::string& text) {
  std::string out = text;
  const auto at = out.find("programming_sigma_polynomial = [");
  const auto end = out.find('\n', at);
  const std::string line = out.substr(at, end - at);
  const auto open = line.find('['), comma = line.find(','), close = line.find(']');
  const std::string multi_line = "# my note on sigma_P\n" + line.substr(0, open + 1) + "\n  " +
                                 line.substr(open + 1, comma - open) + "  # c0\n  " +
                                 line.substr(comma + 2, close - comma - 2) + "\n]";
  out.replace(at, end - at, multi_line);
  return out + "# my note at the end\n";
}

TEST(MergeDeviceFiles, KeepsTheUsersCommentsAndLayoutAndComparesValuesAsToml) {
  const std::string fitted = device_file_toml(programming_fit(), "p", "p.csv");
  const std::string base = edited(fitted);
  const auto merged =
      merge_device_files(base, "p.toml", device_file_toml(drift_fit(), "d", "d.csv"), false);
  for (const char* kept :
       {"# my note on sigma_P\nprogramming_sigma_polynomial = [\n  ", "  # c0\n",
        "# my note at the end\n", "# Device file written by `kirchhoff fit programming`",
        "# ---- merged into this file by `kirchhoff fit --into` ----\n"
        "# Device file written by `kirchhoff fit drift`"}) {
    EXPECT_CONTAINS(merged.text, kept);
  }
  EXPECT_NO_THROW((void)devices::make_device(Config::parse(merged.text, "m.toml").root()));
  // The same polynomial written on one line is the same value: nothing to add or replace.
  const auto again = merge_device_files(merged.text, "p.toml", fitted, false);
  EXPECT_TRUE(again.added.empty());
  EXPECT_TRUE(again.replaced.empty());
  EXPECT_CONTAINS(again.text, "# my note on sigma_P\n");
}

TEST(MergeDeviceFiles, RefusesOtherTablesAndParametersThatAreNotKeyValueLines) {
  const std::string addition = device_file_toml(drift_fit(), "d", "d.csv");
  const std::string head = "model = \"generic\"\n\n[parameters]\ng_max = \"25uS\"\n";
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)merge_device_files(head + "\n[extra]\nx = 1\n", "b.toml", addition, false);
            }),
            "b.toml:6: cannot merge: a device file written by kirchhoff fit has one table, "
            "[parameters]; found [extra]");
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)merge_device_files(head + "[parameters.sub]\nx = 1\n", "b.toml", addition,
                                       false);
            }),
            "b.toml:5: cannot merge: 'sub' is not a plain 'key = value' line of a [parameters] "
            "table");
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)merge_device_files("model = \"generic\"\nparameters.g_max = \"25uS\"\n",
                                       "b.toml", addition, false);
            }),
            "b.toml:2: cannot merge: 'parameters.g_max' is not a plain 'key = value' line of a "
            "[parameters] table");
}

}  // namespace
}  // namespace kirchhoff::fitting
