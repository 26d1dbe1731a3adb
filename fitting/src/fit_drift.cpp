// Drift (fit.hpp, docs/fitting.md): ν per device by least squares of ln G on ln(t/t_0), then
// μ_ν and σ_ν per bin of targets, σ_ν² = max(var ν̂ − mean se², 0) (read noise widens the
// spread of ν̂; this removes it); intervals by the parametric bootstrap
// ν* = μ̂_ν + sqrt(σ̂_ν² + se²) z per device. The PCM form is in fit_drift_form.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::fitting {

using namespace detail;

namespace {

// ν and ln g(t_0) of one device from its rows; `rss` receives its residual sum of squares of
// ln G.
DeviceDrift device_drift(const DriftData& data, const std::string& name,
                         const std::vector<std::size_t>& rs, double t0_s, double& rss) {
  if (rs.size() < kMinDriftTimes) {
    throw InvalidArgument(fmt::format("drift fit: device '{}' has {} read time; at least {} needed",
                                      name, rs.size(), kMinDriftTimes));
  }
  double mu = 0.0, my = 0.0;
  for (std::size_t r : rs) {
    mu += std::log(data.time_s[r] / t0_s);
    my += std::log(data.conductance_siemens[r]);
  }
  const auto m = static_cast<double>(rs.size());
  mu /= m;
  my /= m;
  double suu = 0.0, suy = 0.0;
  for (std::size_t r : rs) {
    const double u = std::log(data.time_s[r] / t0_s) - mu;
    suu += u * u;
    suy += u * (std::log(data.conductance_siemens[r]) - my);
  }
  if (!(suu > 0.0)) {
    throw InvalidArgument(
        fmt::format("drift fit: device '{}' has all its reads at one time", name));
  }
  const double slope = suy / suu;
  const double intercept = my - slope * mu;
  rss = 0.0;
  for (std::size_t r : rs) {
    const double e = std::log(data.conductance_siemens[r]) -
                     (intercept + slope * std::log(data.time_s[r] / t0_s));
    rss += e * e;
  }
  DeviceDrift dev;
  dev.device = name;
  dev.target_siemens = data.target_siemens[rs.front()];
  dev.times = rs.size();
  dev.nu = -slope;
  dev.nu_se = rs.size() > 2 ? std::sqrt(rss / (m - 2.0) / suu) : kNaN;
  dev.g0_siemens = std::exp(intercept);
  return dev;
}

// Every device's exponent, in order of first appearance, and the rms residual of ln G.
void fit_device_exponents(const DriftData& data, DriftFit& fit) {
  const DeviceRows devices = rows_by_device(data.device);
  double rss_total = 0.0;
  std::size_t dof_total = 0;
  for (std::size_t d = 0; d < devices.rows.size(); ++d) {
    double rss = 0.0;
    fit.devices.push_back(device_drift(data, devices.names[d], devices.rows[d], fit.t0_s, rss));
    rss_total += rss;
    dof_total += devices.rows[d].size() - 2;
  }
  fit.log_residual_rms =
      dof_total > 0 ? std::sqrt(rss_total / static_cast<double>(dof_total)) : 0.0;
}

// The devices of each bin, by increasing target: one bin per distinct target when there are at
// most 12 (and `bins` is 0), else `bins` (default 6) equal-count bins.
std::vector<std::vector<std::size_t>> target_bins(const std::vector<DeviceDrift>& devices,
                                                  std::size_t bins) {
  const std::size_t nd = devices.size();
  std::vector<std::size_t> by_target(nd);
  std::iota(by_target.begin(), by_target.end(), std::size_t{0});
  std::stable_sort(by_target.begin(), by_target.end(), [&](std::size_t a, std::size_t b) {
    return devices[a].target_siemens < devices[b].target_siemens;
  });
  std::vector<double> distinct;
  for (std::size_t i : by_target) {
    if (distinct.empty() || devices[i].target_siemens != distinct.back()) {
      distinct.push_back(devices[i].target_siemens);
    }
  }
  std::vector<std::vector<std::size_t>> members;
  if (bins == 0 && distinct.size() <= 12) {
    for (std::size_t i : by_target) {
      if (members.empty() ||
          devices[i].target_siemens != devices[members.back().front()].target_siemens) {
        members.emplace_back();
      }
      members.back().push_back(i);
    }
    return members;
  }
  const std::size_t count = bins == 0 ? 6 : bins;
  if (count > nd)
    throw InvalidArgument(fmt::format("drift fit: {} bins for {} devices", count, nd));
  for (std::size_t b = 0; b < count; ++b) {
    members.emplace_back(by_target.begin() + static_cast<std::ptrdiff_t>(b * nd / count),
                         by_target.begin() + static_cast<std::ptrdiff_t>((b + 1) * nd / count));
  }
  return members;
}

// σ_ν² + se², the variance of a device's ν̂ about μ_ν (se unknown: σ_ν² alone).
double exponent_variance(double nu_std, double se) {
  return nu_std * nu_std + (std::isfinite(se) ? se * se : 0.0);
}

// A bin's range and table point (the mean target of its devices), checked to have two devices.
DriftBin bin_of(const std::vector<DeviceDrift>& devices, const std::vector<std::size_t>& mem) {
  if (mem.size() < 2) {
    throw InvalidArgument(fmt::format(
        "drift fit: the bin at {} has {} device; each bin needs at least 2 (use fewer --bins)",
        g_text(devices[mem.front()].target_siemens), mem.size()));
  }
  DriftBin bin;
  bin.devices = mem.size();
  bin.g_low_siemens = devices[mem.front()].target_siemens;
  bin.g_high_siemens = devices[mem.back()].target_siemens;
  double sum = 0.0;
  for (std::size_t i : mem) sum += devices[i].target_siemens;
  bin.g_siemens = bin.g_low_siemens == bin.g_high_siemens ? bin.g_low_siemens
                                                          : sum / static_cast<double>(mem.size());
  return bin;
}

// Replicates ν* = μ̂_ν + sqrt(σ̂_ν² + se²) z of every device of every bin (bin b from its own
// point of the stream), each bin re-estimated. Estimates per replicate: μ_ν, σ_ν of each bin.
BootstrapDraws bootstrap_drift_table(const std::vector<std::vector<std::size_t>>& members,
                                     const std::vector<BinEstimate>& estimates,
                                     std::span<const double> se, const BootstrapOptions& options) {
  std::vector<double> nu_star(se.size());
  auto refit = [&](const BootstrapReplicate& r) {
    std::vector<double> out;
    for (std::size_t b = 0; b < members.size(); ++b) {
      const auto& mem = members[b];
      std::vector<double> noise(mem.size());
      r.stream(BootstrapSubstream::drift_table, static_cast<std::uint32_t>(b)).normal(noise);
      for (std::size_t k = 0; k < mem.size(); ++k) {
        const std::size_t i = mem[k];
        nu_star[i] =
            estimates[b].mean + std::sqrt(exponent_variance(estimates[b].std, se[i])) * noise[k];
      }
      const BinEstimate e = estimate_bin(mem, nu_star, se);
      out.push_back(e.mean);
      out.push_back(e.std);
    }
    return out;
  };
  return run_bootstrap("drift fit", options, 2 * members.size(), refit);
}

// The table: bins with μ_ν and σ_ν and their intervals, and the residuals of the devices about
// their bins.
void fit_drift_table(DriftFit& fit, const std::vector<std::vector<std::size_t>>& members,
                     const BootstrapOptions& options) {
  const std::size_t nd = fit.devices.size();
  std::vector<double> nu(nd), se(nd), z(nd), order(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    nu[i] = fit.devices[i].nu;
    se[i] = fit.devices[i].nu_se;
    order[i] = fit.devices[i].target_siemens;
  }
  std::vector<BinEstimate> estimates;
  for (const auto& mem : members) {
    fit.bins.push_back(bin_of(fit.devices, mem));
    const BinEstimate est = estimate_bin(mem, nu, se);
    for (std::size_t i : mem) {
      const double s2 = exponent_variance(est.std, se[i]);
      z[i] = s2 > 0.0 ? (nu[i] - est.mean) / std::sqrt(s2) : 0.0;
    }
    estimates.push_back(est);
  }
  const BootstrapDraws draws = bootstrap_drift_table(members, estimates, se, options);
  for (std::size_t b = 0; b < members.size(); ++b) {
    fit.bins[b].nu_mean = draws.estimate(2 * b, estimates[b].mean);
    fit.bins[b].nu_std = draws.estimate(2 * b + 1, estimates[b].std);
  }
  fit.replicates = draws.used();
  fit.confidence = draws.confidence;
  fit.residuals = residual_report(z, order);
}

}  // namespace

namespace detail {

BinEstimate estimate_bin(const std::vector<std::size_t>& members, std::span<const double> nu,
                         std::span<const double> se) {
  RunningStats stats;
  double se2 = 0.0;
  std::size_t known = 0;
  for (std::size_t i : members) {
    stats.add(nu[i]);
    if (std::isfinite(se[i])) {
      se2 += se[i] * se[i];
      ++known;
    }
  }
  double variance = stats.variance();
  if (known == members.size() && known > 0) {
    variance = std::max(variance - se2 / static_cast<double>(known), 0.0);
  }
  return {stats.mean(), std::sqrt(variance)};
}

}  // namespace detail

DriftFit fit_drift(const DriftData& data, const DriftFitOptions& options) {
  check_bootstrap_options(options.bootstrap);
  const std::size_t points = data.time_s.size();
  if (data.device.size() != points || data.target_siemens.size() != points ||
      data.conductance_siemens.size() != points) {
    throw InvalidArgument("drift fit: the columns of the data differ in length");
  }
  DriftFit fit;
  fit.points = points;
  fit.t0_s =
      options.t0_s > 0.0 ? options.t0_s : *std::min_element(data.time_s.begin(), data.time_s.end());
  fit.t_last_s = *std::max_element(data.time_s.begin(), data.time_s.end());
  fit.g_max_siemens = options.g_max_siemens > 0.0 ? options.g_max_siemens
                                                  : *std::max_element(data.target_siemens.begin(),
                                                                      data.target_siemens.end());
  fit_device_exponents(data, fit);
  const auto members = target_bins(fit.devices, options.bins);
  fit_drift_table(fit, members, options.bootstrap);
  fit.form = options.form;
  if (options.form == DriftForm::pcm) fit.pcm = fit_drift_form(fit, members, options.bootstrap);
  return fit;
}

std::string format_report(const DriftFit& fit) {
  std::string text;
  text += fmt::format(
      "drift: {} devices, {} reads, t_0 = {}, g(t) = g(t_0) (t/t_0)^(-nu); nu per device by least "
      "squares of ln G on ln(t/t_0)\n",
      fit.devices.size(), fit.points, format_quantity(fit.t0_s, Dimension::time));
  text += fmt::format("rms residual of ln G: {:.4g}\n", fit.log_residual_rms);
  text += fmt::format(
      "bin (target range)          devices   mu_nu   {0:g}% interval         sigma_nu  {0:g}% "
      "interval   (parametric bootstrap, B = {1})\n",
      100.0 * fit.confidence, fit.replicates);
  for (const auto& b : fit.bins) {
    const std::string range = b.g_low_siemens == b.g_high_siemens
                                  ? g_text(b.g_siemens)
                                  : fmt::format("{} ({}-{})", g_text(b.g_siemens),
                                                g_text(b.g_low_siemens), g_text(b.g_high_siemens));
    text += fmt::format("  {:<26} {:>7}   {:.4f}  {:<19}  {:.4f}    {}\n", range, b.devices,
                        b.nu_mean.value, interval_text(b.nu_mean.interval, 1.0, 4), b.nu_std.value,
                        interval_text(b.nu_std.interval, 1.0, 4));
  }
  text += residual_lines(fit.residuals, "target");
  if (fit.pcm) text += drift_form_report(*fit.pcm, fit.g_max_siemens, fit.confidence);
  return text;
}

std::string device_file_toml(const DriftFit& fit, const std::string& name,
                             const std::string& source) {
  TomlWriter w = device_file_writer(
      "drift", format_report(fit), name, "generic",
      fmt::format("Drift fitted to {} devices{}", fit.devices.size(), fit.pcm ? " (PCM form)" : ""),
      source);
  w.key("g_max", toml_quantity(fit.g_max_siemens * 1e6, "uS"));
  w.key("clip", toml_bool(false));
  w.key("t0", toml_quantity(fit.t0_s, "s"), "drift reference time");
  w.key("drift_measured_until", toml_quantity(fit.t_last_s, "s"),
        "the latest read of the data: later read times extrapolate this fit");
  if (fit.pcm) {
    w.key("drift_nu_mean_log", toml_nine_digits(fit.pcm->mean.values()),
          "mu_nu = clamp(a ln x + b, lo, hi), x = g_T/g_max: [a, b, lo, hi]");
    w.key("drift_nu_std_log", toml_nine_digits(fit.pcm->std.values()), "sigma_nu, the same form");
  } else {
    std::vector<std::string> g;
    std::vector<double> mean, std;
    for (const auto& b : fit.bins) {
      g.push_back(toml_quantity(b.g_siemens * 1e6, "uS"));
      mean.push_back(b.nu_mean.value);
      std.push_back(b.nu_std.value);
    }
    w.key("drift_g", toml_array(g));
    w.key("drift_nu_mean", toml_nine_digits(mean));
    w.key("drift_nu_std", toml_nine_digits(std));
  }
  w.key("drift_nu_absolute", toml_bool(false), "nu = N(mu_nu, sigma_nu^2), as measured");
  return w.finish();
}

}  // namespace kirchhoff::fitting
