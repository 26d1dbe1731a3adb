#include "kirchhoff/fitting/fit_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"

namespace kirchhoff::fitting {

using namespace detail;

namespace {

ReportParameter parameter(std::string name, std::string unit, const Estimate& e) {
  return {std::move(name), std::move(unit), e.value, e.interval.lower, e.interval.upper};
}

void add_goodness(FitReport& r, const ResidualReport& g, const std::string& prefix = "") {
  r.goodness_of_fit.emplace_back(prefix + "n", static_cast<double>(g.n));
  r.goodness_of_fit.emplace_back(prefix + "ks_statistic", g.ks_statistic);
  r.goodness_of_fit.emplace_back(prefix + "ks_p_value", g.ks_p_value);
  r.goodness_of_fit.emplace_back(prefix + "z_mean", g.mean);
  r.goodness_of_fit.emplace_back(prefix + "z_std", g.std);
  r.goodness_of_fit.emplace_back(prefix + "z_skewness", g.skewness);
  r.goodness_of_fit.emplace_back(prefix + "z_excess_kurtosis", g.excess_kurtosis);
}

// A curve with its band from estimates on a grid.
ReportSeries band(std::string label, const std::vector<double>& x,
                  const std::vector<Estimate>& values, double shift = 0.0, double sign = 1.0) {
  ReportSeries s;
  s.label = std::move(label);
  s.x = x;
  for (const auto& e : values) {
    s.y.push_back(shift + sign * e.value);
    const double a = shift + sign * e.interval.lower, b = shift + sign * e.interval.upper;
    s.lower.push_back(std::isnan(a) ? a : std::min(a, b));
    s.upper.push_back(std::isnan(b) ? b : std::max(a, b));
  }
  return s;
}

// ---- JSON ---------------------------------------------------------------------------------------

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Shortest round-trip form (fmt's default for double), null for NaN and infinities.
std::string json_number(double v) {
  return std::isfinite(v) ? fmt::format("{}", v) : std::string("null");
}

std::string json_numbers(const std::vector<double>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += json_number(values[i]);
  }
  return out + "]";
}

std::string json_series(const std::vector<ReportSeries>& list, const char* y_name) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& s = list[i];
    out += i > 0 ? ",\n  " : "\n  ";
    out += fmt::format("{{\"label\": {}, \"x\": {}, \"{}\": {}", json_string(s.label),
                       json_numbers(s.x), y_name, json_numbers(s.y));
    if (!s.lower.empty()) {
      out += fmt::format(", \"lower\": {}, \"upper\": {}", json_numbers(s.lower),
                         json_numbers(s.upper));
    }
    out += "}";
  }
  return out + (list.empty() ? "]" : "\n ]");
}

std::string json_axis(const ReportAxis& a) {
  return fmt::format("{{\"name\": {}, \"unit\": {}, \"scale\": {}}}", json_string(a.name),
                     json_string(a.unit), json_string(a.scale));
}

void check_series(const std::vector<ReportSeries>& list) {
  for (const auto& s : list) {
    if (s.y.size() != s.x.size() || (!s.lower.empty() && s.lower.size() != s.x.size()) ||
        s.lower.size() != s.upper.size()) {
      throw InvalidArgument(
          fmt::format("fit report: series '{}' has columns of different sizes", s.label));
    }
  }
}

}  // namespace

// ---- builders ---------------------------------------------------------------------------------

FitReport fit_report(const ProgrammingFit& fit, std::span<const double> target_siemens,
                     std::span<const double> programmed_siemens, const std::string& source) {
  FitReport r;
  r.kind = "programming";
  r.form = "polynomial";
  r.source = source;
  r.title = fmt::format("programming noise, degree {} polynomial{}", fit.degree,
                        fit.has_bias ? " with bias" : "");
  r.x = {"target conductance", "S", "linear"};
  r.y = {"programmed - target", "S", "linear"};
  r.residual_name = "standardised residual z";
  r.confidence = fit.confidence;
  r.replicates = fit.replicates;
  ReportSeries data{"devices", {}, {}, {}, {}};
  ReportSeries z{"z", {}, {}, {}, {}};
  for (std::size_t i = 0; i < target_siemens.size(); ++i) {
    const double e = programmed_siemens[i] - target_siemens[i];
    data.x.push_back(target_siemens[i]);
    data.y.push_back(e);
    z.x.push_back(target_siemens[i]);
    z.y.push_back((e - fit.bias_siemens.value) / fit.sigma_siemens(target_siemens[i]));
  }
  r.data.push_back(std::move(data));
  r.residuals.push_back(std::move(z));
  // σ_P on a grid of 48 targets from the coefficients; the bootstrap intervals are known at the
  // five check targets only, so the band's offsets from σ_P are interpolated between them
  // (linear in g).
  std::vector<Estimate> grid;
  std::vector<double> gx;
  const double lo = fit.check_targets_siemens.front(), hi = fit.check_targets_siemens.back();
  for (int k = 0; k < 48; ++k) {
    const double g = lo + (hi - lo) * k / 47.0;
    gx.push_back(g);
    Estimate e{fit.sigma_siemens(g), {kNaN, kNaN}};
    // The check points' offsets of the bounds from sigma_P, interpolated.
    for (std::size_t c = 0; c + 1 < fit.check_targets_siemens.size(); ++c) {
      const double a = fit.check_targets_siemens[c], b = fit.check_targets_siemens[c + 1];
      if (g >= a && g <= b && b > a) {
        const double w = (g - a) / (b - a);
        const auto& ea = fit.check_sigma_siemens[c];
        const auto& eb = fit.check_sigma_siemens[c + 1];
        const double lower =
            (1 - w) * (ea.interval.lower - ea.value) + w * (eb.interval.lower - eb.value);
        const double upper =
            (1 - w) * (ea.interval.upper - ea.value) + w * (eb.interval.upper - eb.value);
        e.interval = {e.value + lower, e.value + upper};
        break;
      }
    }
    grid.push_back(e);
  }
  r.curves.push_back(band("bias + sigma_P", gx, grid, fit.bias_siemens.value, 1.0));
  r.curves.push_back(band("bias - sigma_P", gx, grid, fit.bias_siemens.value, -1.0));
  for (std::size_t k = 0; k < fit.coefficients_siemens.size(); ++k) {
    r.parameters.push_back(parameter(fmt::format("c{}", k), "S", fit.coefficients_siemens[k]));
  }
  if (fit.has_bias) r.parameters.push_back(parameter("bias", "S", fit.bias_siemens));
  for (std::size_t k = 0; k < fit.check_targets_siemens.size(); ++k) {
    r.parameters.push_back(
        parameter(fmt::format("sigma_P({})", g_text(fit.check_targets_siemens[k])), "S",
                  fit.check_sigma_siemens[k]));
  }
  r.parameters.push_back({"g_max", "S", fit.g_max_siemens, kNaN, kNaN});
  add_goodness(r, fit.residuals);
  r.goodness_of_fit.emplace_back("log_likelihood", fit.log_likelihood);
  return r;
}

namespace {

// Drift, PCM form: the curves on the form's grid, each device's z against them, a, b, lo, hi.
void add_drift_form(const DriftFit& fit, FitReport& r) {
  const DriftFormFit& f = *fit.pcm;
  r.curves.push_back(band("mu_nu", f.grid_g_siemens, f.grid_mean));
  ReportSeries plus{"mu_nu + sigma_nu", f.grid_g_siemens, {}, {}, {}};
  ReportSeries minus{"mu_nu - sigma_nu", f.grid_g_siemens, {}, {}, {}};
  for (std::size_t k = 0; k < f.grid_g_siemens.size(); ++k) {
    plus.y.push_back(f.grid_mean[k].value + f.grid_std[k].value);
    minus.y.push_back(f.grid_mean[k].value - f.grid_std[k].value);
  }
  r.curves.push_back(std::move(plus));
  r.curves.push_back(std::move(minus));
  ReportSeries z{"z", {}, {}, {}, {}};
  for (const auto& d : fit.devices) {
    const double x = d.target_siemens / fit.g_max_siemens;
    const double s = f.std(x);
    const double s2 = s * s + (std::isfinite(d.nu_se) ? d.nu_se * d.nu_se : 0.0);
    z.x.push_back(d.target_siemens);
    z.y.push_back(s2 > 0.0 ? (d.nu - f.mean(x)) / std::sqrt(s2) : 0.0);
  }
  r.residuals.push_back(std::move(z));
  const std::pair<const char*, const ClampedLogCurve*> curves[] = {{"mu_nu", &f.mean},
                                                                   {"sigma_nu", &f.std}};
  for (const auto& [name, c] : curves) {
    r.parameters.push_back(parameter(fmt::format("{} a", name), "1", c->a));
    r.parameters.push_back(parameter(fmt::format("{} b", name), "1", c->b));
    r.parameters.push_back(parameter(fmt::format("{} lo", name), "1", c->lo));
    r.parameters.push_back(parameter(fmt::format("{} hi", name), "1", c->hi));
  }
  add_goodness(r, f.residuals);
}

// Drift, table: the curves through the bins, each device's z against its bin, μ_ν and σ_ν of
// each bin.
void add_drift_table(const DriftFit& fit, FitReport& r) {
  std::vector<double> gx;
  std::vector<Estimate> mean;
  ReportSeries plus{"mu_nu + sigma_nu", {}, {}, {}, {}};
  ReportSeries minus{"mu_nu - sigma_nu", {}, {}, {}, {}};
  for (const auto& b : fit.bins) {
    gx.push_back(b.g_siemens);
    mean.push_back(b.nu_mean);
    plus.x.push_back(b.g_siemens);
    plus.y.push_back(b.nu_mean.value + b.nu_std.value);
    minus.x.push_back(b.g_siemens);
    minus.y.push_back(b.nu_mean.value - b.nu_std.value);
  }
  r.curves.push_back(band("mu_nu", gx, mean));
  r.curves.push_back(std::move(plus));
  r.curves.push_back(std::move(minus));
  // The z of each device against its bin, as the table fit computes them.
  ReportSeries z{"z", {}, {}, {}, {}};
  for (const auto& d : fit.devices) {
    for (const auto& b : fit.bins) {
      if (d.target_siemens < b.g_low_siemens || d.target_siemens > b.g_high_siemens) continue;
      const double s2 =
          b.nu_std.value * b.nu_std.value + (std::isfinite(d.nu_se) ? d.nu_se * d.nu_se : 0.0);
      z.x.push_back(d.target_siemens);
      z.y.push_back(s2 > 0.0 ? (d.nu - b.nu_mean.value) / std::sqrt(s2) : 0.0);
      break;
    }
  }
  r.residuals.push_back(std::move(z));
  for (const auto& b : fit.bins) {
    r.parameters.push_back(
        parameter(fmt::format("mu_nu({})", g_text(b.g_siemens)), "1", b.nu_mean));
    r.parameters.push_back(
        parameter(fmt::format("sigma_nu({})", g_text(b.g_siemens)), "1", b.nu_std));
  }
  add_goodness(r, fit.residuals);
}

}  // namespace

FitReport fit_report(const DriftFit& fit, const std::string& source) {
  FitReport r;
  r.kind = "drift";
  r.form = fit.pcm ? "pcm" : "table";
  r.source = source;
  r.title = fit.pcm ? "drift exponents, PCM form clamp(a ln x + b, lo, hi)"
                    : "drift exponents per conductance bin";
  r.x = {"target conductance", "S", "log"};
  r.y = {"drift exponent nu", "1", "linear"};
  r.residual_name = "standardised residual z";
  r.confidence = fit.confidence;
  r.replicates = fit.replicates;
  ReportSeries data{"devices", {}, {}, {}, {}};
  for (const auto& d : fit.devices) {
    data.x.push_back(d.target_siemens);
    data.y.push_back(d.nu);
  }
  r.data.push_back(std::move(data));
  if (fit.pcm) {
    add_drift_form(fit, r);
  } else {
    add_drift_table(fit, r);
  }
  r.parameters.push_back({"t0", "s", fit.t0_s, kNaN, kNaN});
  r.parameters.push_back({"g_max", "S", fit.g_max_siemens, kNaN, kNaN});
  r.goodness_of_fit.emplace_back("log_residual_rms", fit.log_residual_rms);
  return r;
}

FitReport fit_report(const ReadNoiseFit& fit, const std::string& source) {
  FitReport r;
  const bool pcm = fit.form == ReadNoiseForm::pcm;
  r.kind = "read-noise";
  r.form = pcm ? "pcm" : "polynomial";
  r.source = source;
  r.title = pcm ? "read noise, Q_s(x) = min(c x^-alpha, q_max)"
                : fmt::format("read noise, degree {} polynomial", fit.degree);
  r.x = {fit.from_targets ? "target conductance" : "conductance", "S", pcm ? "log" : "linear"};
  r.y = pcm ? ReportAxis{"Q_s", "1", "log"} : ReportAxis{"sigma_R", "S", "linear"};
  r.residual_name = "standardised residual z";
  r.confidence = fit.confidence;
  r.replicates = fit.replicates;
  ReportSeries data{"devices (rms of their reads)", {}, {}, {}, {}};
  for (const auto& d : fit.devices) {
    data.x.push_back(d.g_siemens);
    data.y.push_back(d.estimate);
  }
  r.data.push_back(std::move(data));
  r.curves.push_back(band(pcm ? "Q_s" : "sigma_R", fit.grid_g_siemens, fit.grid_value));
  r.residuals.push_back({"z", fit.read_g_siemens, fit.read_z, {}, {}});
  if (pcm) {
    r.parameters.push_back(parameter("c", "1", fit.q_coefficient));
    r.parameters.push_back(parameter("alpha", "1", fit.q_exponent));
    r.parameters.push_back({"q_max", "1", fit.q_max, kNaN, kNaN});
    r.parameters.push_back({"t_read", "s", fit.t_read_s, kNaN, kNaN});
  } else {
    for (std::size_t k = 0; k < fit.coefficients_siemens.size(); ++k) {
      r.parameters.push_back(parameter(fmt::format("c{}", k), "S", fit.coefficients_siemens[k]));
    }
  }
  for (std::size_t k = 0; k < fit.check_g_siemens.size(); ++k) {
    r.parameters.push_back(
        parameter(fmt::format("{}({})", pcm ? "Q_s" : "sigma_R", g_text(fit.check_g_siemens[k])),
                  pcm ? "1" : "S", fit.check_value[k]));
  }
  r.parameters.push_back({"g_max", "S", fit.g_max_siemens, kNaN, kNaN});
  add_goodness(r, fit.residuals);
  r.goodness_of_fit.emplace_back("log_likelihood", fit.log_likelihood);
  return r;
}

FitReport fit_report(const PulseFit& fit, const std::string& source) {
  FitReport r;
  r.kind = "pulse";
  r.form = "neurosim";
  r.source = source;
  r.title = fmt::format("pulse response, NL_LTP = {:.3f}, NL_LTD = {:.3f}, c2c = {:.4f}",
                        fit.nl_ltp.value, fit.nl_ltd.value, fit.c2c.value);
  r.x = {"pulse number", "1", "linear"};
  r.y = {"conductance", "S", "linear"};
  r.residual_name = "randomised PIT z";
  r.confidence = fit.confidence;
  r.replicates = fit.replicates;
  for (std::size_t d = 0; d < fit.devices.size(); ++d) {
    ReportSeries data{fmt::format("device {}", fit.devices[d].device), {}, {}, {}, {}};
    ReportSeries path{fmt::format("device {} fitted curve", fit.devices[d].device), {}, {}, {}, {}};
    ReportSeries z{fmt::format("device {}", fit.devices[d].device), {}, {}, {}, {}};
    for (std::size_t i = 0; i < fit.row_device.size(); ++i) {
      if (fit.row_device[i] != d) continue;
      data.x.push_back(fit.row_pulse[i]);
      data.y.push_back(fit.row_g_siemens[i]);
      path.x.push_back(fit.row_pulse[i]);
      path.y.push_back(fit.row_path_siemens[i]);
      if (!std::isnan(fit.row_z[i])) {
        z.x.push_back(fit.row_pulse[i]);
        z.y.push_back(fit.row_z[i]);
      }
    }
    r.data.push_back(std::move(data));
    r.curves.push_back(std::move(path));
    r.residuals.push_back(std::move(z));
  }
  r.parameters.push_back(parameter("G_min", "S", fit.g_min_siemens));
  r.parameters.push_back(parameter("G_max", "S", fit.g_max_siemens));
  r.parameters.push_back(parameter("NL_LTP", "1", fit.nl_ltp));
  r.parameters.push_back(parameter("NL_LTD", "1", fit.nl_ltd));
  r.parameters.push_back(parameter("A_LTP", "1", fit.a_ltp));
  r.parameters.push_back(parameter("A_LTD", "1", fit.a_ltd));
  r.parameters.push_back(parameter("sigma_C2C", "S", fit.sigma_siemens));
  r.parameters.push_back(parameter("c2c", "1", fit.c2c));
  if (fit.devices.size() >= 2) {
    r.parameters.push_back(parameter("d2d_NL_LTP", "1", fit.d2d_nl_ltp));
    r.parameters.push_back(parameter("d2d_NL_LTD", "1", fit.d2d_nl_ltd));
    r.parameters.push_back(parameter("d2d_G_max", "S", fit.d2d_g_max_siemens));
    r.parameters.push_back(parameter("d2d_G_min", "S", fit.d2d_g_min_siemens));
  }
  r.parameters.push_back({"P_max LTP", "1", double(fit.pulses_ltp), kNaN, kNaN});
  r.parameters.push_back({"P_max LTD", "1", double(fit.pulses_ltd), kNaN, kNaN});
  add_goodness(r, fit.residuals);
  r.goodness_of_fit.emplace_back("rms_residual_S", fit.rms_residual_siemens);
  return r;
}

// ---- writers ----------------------------------------------------------------------------------

std::string report_json(const FitReport& report) {
  for (const auto* list : {&report.data, &report.curves, &report.residuals}) check_series(*list);
  std::string out = "{\n";
  out += fmt::format(" \"filetype\": {},\n \"schema_version\": [{}, {}],\n",
                     json_string(std::string(kFitReportFiletype)), kFitReportSchemaMajor,
                     kFitReportSchemaMinor);
  out += fmt::format(" \"kind\": {},\n \"form\": {},\n \"title\": {},\n \"source\": {},\n",
                     json_string(report.kind), json_string(report.form), json_string(report.title),
                     json_string(report.source));
  out += fmt::format(" \"confidence\": {},\n \"bootstrap_replicates\": {},\n",
                     json_number(report.confidence), report.replicates);
  out += fmt::format(" \"x\": {},\n \"y\": {},\n \"residual\": {{\"name\": {}}},\n",
                     json_axis(report.x), json_axis(report.y), json_string(report.residual_name));
  out += fmt::format(" \"data\": {},\n", json_series(report.data, "y"));
  out += fmt::format(" \"curves\": {},\n", json_series(report.curves, "y"));
  out += fmt::format(" \"residuals\": {},\n", json_series(report.residuals, "z"));
  out += " \"parameters\": [";
  for (std::size_t i = 0; i < report.parameters.size(); ++i) {
    const auto& p = report.parameters[i];
    out += fmt::format(
        "{}\n  {{\"name\": {}, \"unit\": {}, \"value\": {}, \"lower\": {}, \"upper\": {}}}",
        i > 0 ? "," : "", json_string(p.name), json_string(p.unit), json_number(p.value),
        json_number(p.lower), json_number(p.upper));
  }
  out += report.parameters.empty() ? "],\n" : "\n ],\n";
  out += " \"goodness_of_fit\": {";
  for (std::size_t i = 0; i < report.goodness_of_fit.size(); ++i) {
    out +=
        fmt::format("{}\n  {}: {}", i > 0 ? "," : "", json_string(report.goodness_of_fit[i].first),
                    json_number(report.goodness_of_fit[i].second));
  }
  out += report.goodness_of_fit.empty() ? "}\n" : "\n }\n";
  out += "}\n";
  return out;
}

void write_report_hdf5(const FitReport& report, const std::filesystem::path& path) {
  for (const auto* list : {&report.data, &report.curves, &report.residuals}) check_series(*list);
  auto file = h5::File::create(
      path, {std::string(kFitReportFiletype), kFitReportSchemaMajor, kFitReportSchemaMinor},
      h5::CreateMode::truncate);
  file.write_attribute("kind", report.kind);
  file.write_attribute("form", report.form);
  file.write_attribute("title", report.title);
  file.write_attribute("source", report.source);
  file.write_attribute("confidence", report.confidence);
  file.write_attribute("bootstrap_replicates", report.replicates);
  for (const auto& [prefix, axis] : {std::pair{"x", &report.x}, std::pair{"y", &report.y}}) {
    file.write_attribute(fmt::format("{}_name", prefix), axis->name);
    file.write_attribute(fmt::format("{}_unit", prefix), axis->unit);
    file.write_attribute(fmt::format("{}_scale", prefix), axis->scale);
  }
  file.write_attribute("residual_name", report.residual_name);
  const std::pair<const char*, const std::vector<ReportSeries>*> groups[] = {
      {"data", &report.data}, {"curves", &report.curves}, {"residuals", &report.residuals}};
  for (const auto& [name, list] : groups) {
    auto group = file.create_group(name);
    group.write_attribute("count", static_cast<std::uint32_t>(list->size()));
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& s = (*list)[i];
      auto g = group.create_group(std::to_string(i));
      g.write_attribute("label", s.label);
      g.write_dataset("x", s.x);
      g.write_dataset(std::string(name) == "residuals" ? "z" : "y", s.y);
      if (!s.lower.empty()) {
        g.write_dataset("lower", s.lower);
        g.write_dataset("upper", s.upper);
      }
    }
  }
  std::vector<std::string> names, units, gof_names;
  std::vector<double> values, lower, upper, gof_values;
  for (const auto& p : report.parameters) {
    names.push_back(p.name);
    units.push_back(p.unit);
    values.push_back(p.value);
    lower.push_back(p.lower);
    upper.push_back(p.upper);
  }
  for (const auto& [n, v] : report.goodness_of_fit) {
    gof_names.push_back(n);
    gof_values.push_back(v);
  }
  auto parameters = file.create_group("parameters");
  parameters.write_dataset("name", std::span<const std::string>(names));
  parameters.write_dataset("unit", std::span<const std::string>(units));
  parameters.write_dataset("value", values);
  parameters.write_dataset("lower", lower);
  parameters.write_dataset("upper", upper);
  auto gof = file.create_group("goodness_of_fit");
  gof.write_dataset("name", std::span<const std::string>(gof_names));
  gof.write_dataset("value", gof_values);
  file.close();
}

}  // namespace kirchhoff::fitting
