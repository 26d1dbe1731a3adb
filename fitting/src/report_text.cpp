// The text reports of the fits and the fitted device files (fit_internal.hpp).
#include <fmt/format.h>

#include <charconv>
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

TomlWriter device_file_writer(std::string_view command, std::string_view report,
                              std::string_view name, std::string_view model,
                              std::string_view description, std::string_view source) {
  TomlWriter w;
  w.comment(fmt::format("Device file written by `kirchhoff fit {}` (docs/fitting.md).", command));
  if (!report.empty()) w.comment(report);
  w.key("name", toml_string(name));
  w.key("model", toml_string(model));
  w.key("description", toml_string(description));
  w.key("source", toml_string(fmt::format("fit to {}", source)));
  w.table("parameters");
  return w;
}

double nine_digits(double value) {
  if (!std::isfinite(value)) return value;
  const std::string text = fmt::format("{:.9g}", value);
  double rounded = 0.0;
  std::from_chars(text.data(), text.data() + text.size(), rounded);
  return rounded;
}

std::string toml_nine_digits(double value) {
  return toml_float(nine_digits(value));
}

std::string toml_nine_digits(std::span<const double> values) {
  std::vector<double> rounded;
  for (double v : values) rounded.push_back(nine_digits(v));
  return toml_floats(rounded);
}

std::string toml_quantity(double value, std::string_view unit) {
  return toml_string(fmt::format("{:.9g}{}", value, unit));
}

std::string toml_array(std::span<const std::string> value_texts) {
  return fmt::format("[{}]", fmt::join(value_texts, ", "));
}

}  // namespace kirchhoff::fitting::detail
