// The text reports of the fits and the fitted device files (fit_internal.hpp).
#include <fmt/format.h>

#include <cmath>

#include "fit_internal.hpp"

namespace kirchhoff::fitting::detail {

std::string interval_text(const Interval& ci, double scale, int digits) {
  if (std::isnan(ci.lower)) return "(no interval)";
  return fmt::format("[{:.{}f}, {:.{}f}]", ci.lower / scale, digits, ci.upper / scale, digits);
}

std::string residual_lines(const ResidualReport& r, const std::string& what) {
  std::string text;
  text += fmt::format("goodness of fit ({} standardised residuals z against N(0, 1)):\n", r.n);
  text +=
      fmt::format("  Kolmogorov-Smirnov D = {:.4f}, p = {:.3g}{}\n", r.ks_statistic, r.ks_p_value,
                  r.ks_p_value < 0.01 ? "  <- the model does not describe the data" : "");
  text += fmt::format("  z: mean {:.3f}, std {:.3f}, skewness {:.3f}, excess kurtosis {:.3f}\n",
                      r.mean, r.std, r.skewness, r.excess_kurtosis);
  if (!r.std_by_target.empty()) {
    std::vector<std::string> parts;
    for (double s : r.std_by_target) parts.push_back(fmt::format("{:.3f}", s));
    text += fmt::format("  std of z by {} (five equal-count groups, low to high): {}\n", what,
                        fmt::join(parts, " "));
  }
  return text;
}

std::string report_tail(std::size_t failed_replicates, const ResidualReport& residuals,
                        const std::string& what) {
  std::string text;
  if (failed_replicates > 0) {
    text +=
        fmt::format("{} bootstrap refits did not converge and were left out\n", failed_replicates);
  }
  return text + residual_lines(residuals, what);
}

std::string device_file_header(const std::string& command, const std::string& report,
                               const std::string& name, const std::string& model,
                               const std::string& description, const std::string& source) {
  std::string t =
      fmt::format("# Device file written by `kirchhoff fit {}` (docs/fitting.md).\n", command);
  t += commented(report);
  t += fmt::format("name = {}\n", toml_string(name));
  t += fmt::format("model = {}\n", toml_string(model));
  t += fmt::format("description = {}\n", toml_string(description));
  t += fmt::format("source = {}\n\n", toml_string(fmt::format("fit to {}", source)));
  return t;
}

std::string commented(const std::string& report) {
  std::string out;
  std::size_t start = 0;
  while (start < report.size()) {
    const auto end = report.find('\n', start);
    const std::string line = report.substr(start, end - start);
    out += line.empty() ? "#\n" : "# " + line + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string number_list(const std::vector<double>& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(fmt::format("{:.9g}", v));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

}  // namespace kirchhoff::fitting::detail
