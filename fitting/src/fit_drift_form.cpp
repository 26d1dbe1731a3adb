// Drift in the PCM functional form: μ_ν(x), σ_ν(x) = clamp(a ln x + b, lo, hi), x = g_T/g_max
// [Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 11:2473, 2020] (docs/fitting.md).
//
// With u = ln x and a ≠ 0, clamp(a u + b, lo, hi) = b + a·clamp(u, k₁, k₂) where k₁ ≤ k₂ are the
// kinks (the u where the line meets lo and hi). For fixed kinks the curve is linear in (a, b),
// so weighted least squares is closed-form; the kinks are profiled over a grid of u (the distinct
// data values and 160 even steps across the data) with prefix sums, O(1) per pair, then refined
// by golden-section search within a grid step. Kinks stay inside the measured range: a clamp
// that the data do not reach is not identified, and there the curve is held at its value at the
// edge of the data, as the tables are.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/generic.hpp"

namespace kirchhoff::fitting {

using devices::clamped_log_form;

double ClampedLogCurve::operator()(double x) const {
  const std::vector<double> form = values();
  return clamped_log_form(form, x);
}

namespace detail {
namespace {

struct ClampLinear {
  double a = 0.0, b = 0.0, k1 = 0.0, k2 = 0.0;
  double rss = 0.0;
};

// Weighted least squares of y on b + a·clamp(u, k₁, k₂), u_min <= k₁ <= k₂ <= u_max.
class ClampLinearFit {
 public:
  ClampLinearFit(std::span<const double> u, std::span<const double> y, std::span<const double> w) {
    const std::size_t n = u.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t i, std::size_t j) { return u[i] < u[j]; });
    u_.resize(n);
    for (auto* p : {&W_, &Wu_, &Wuu_, &Wy_, &Wuy_}) p->assign(n + 1, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = order[k];
      u_[k] = u[i];
      W_[k + 1] = W_[k] + w[i];
      Wu_[k + 1] = Wu_[k] + w[i] * u[i];
      Wuu_[k + 1] = Wuu_[k] + w[i] * u[i] * u[i];
      Wy_[k + 1] = Wy_[k] + w[i] * y[i];
      Wuy_[k + 1] = Wuy_[k] + w[i] * u[i] * y[i];
      Wyy_ += w[i] * y[i] * y[i];
    }
  }

  // The best (a, b) and its weighted residual sum of squares for kinks k1 <= k2.
  [[nodiscard]] ClampLinear at(double k1, double k2) const {
    const std::size_t n = u_.size();
    // Points below k1 are clamped to k1, points above k2 to k2.
    const auto left =
        static_cast<std::size_t>(std::lower_bound(u_.begin(), u_.end(), k1) - u_.begin());
    const auto right =
        static_cast<std::size_t>(std::upper_bound(u_.begin(), u_.end(), k2) - u_.begin());
    const std::size_t mid_end = std::max(left, right);
    const double wl = W_[left], wr = W_[n] - W_[mid_end];
    const double sw = W_[n];
    const double sc = k1 * wl + (Wu_[mid_end] - Wu_[left]) + k2 * wr;
    const double scc = k1 * k1 * wl + (Wuu_[mid_end] - Wuu_[left]) + k2 * k2 * wr;
    const double sy = Wy_[n];
    const double scy = k1 * Wy_[left] + (Wuy_[mid_end] - Wuy_[left]) + k2 * (Wy_[n] - Wy_[mid_end]);
    ClampLinear r;
    r.k1 = k1;
    r.k2 = k2;
    const double det = sw * scc - sc * sc;
    if (det > 1e-12 * sw * scc && det > 0.0) {
      r.a = (sw * scy - sc * sy) / det;
      r.b = (sy - r.a * sc) / sw;
    } else {
      r.a = 0.0;
      r.b = sy / sw;
    }
    r.rss = Wyy_ - 2.0 * r.b * sy - 2.0 * r.a * scy + r.b * r.b * sw + 2.0 * r.a * r.b * sc +
            r.a * r.a * scc;
    return r;
  }

  [[nodiscard]] ClampLinear best() const {
    const double lo = u_.front(), hi = u_.back();
    std::vector<double> grid(u_.begin(), u_.end());
    constexpr int kSteps = 160;
    for (int k = 0; k <= kSteps; ++k) grid.push_back(lo + (hi - lo) * k / kSteps);
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    ClampLinear best = at(lo, hi);
    std::size_t bi = 0, bj = grid.size() - 1;
    for (std::size_t i = 0; i < grid.size(); ++i) {
      for (std::size_t j = i; j < grid.size(); ++j) {
        const ClampLinear c = at(grid[i], grid[j]);
        if (c.rss < best.rss) {
          best = c;
          bi = i;
          bj = j;
        }
      }
    }
    // Refine each kink between its grid neighbours (coordinate-wise golden section).
    const double step = (hi - lo) / kSteps;
    double k1 = grid[bi], k2 = grid[bj];
    for (int round = 0; round < 3 && hi > lo; ++round) {
      k1 = golden([&](double k) { return at(k, std::max(k, k2)).rss; }, std::max(lo, k1 - step),
                  std::min(k2, k1 + step));
      k2 = golden([&](double k) { return at(std::min(k1, k), k).rss; }, std::max(k1, k2 - step),
                  std::min(hi, k2 + step));
    }
    const ClampLinear refined = at(k1, k2);
    return refined.rss <= best.rss ? refined : best;
  }

 private:
  template <class F>
  static double golden(F f, double a, double b) {
    if (!(b > a)) return a;
    const double g = 0.5 * (std::sqrt(5.0) - 1.0);
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = f(c), fd = f(d);
    for (int it = 0; it < 40; ++it) {
      if (fc < fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - g * (b - a);
        fc = f(c);
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + g * (b - a);
        fd = f(d);
      }
    }
    return fc < fd ? c : d;
  }

  std::vector<double> u_, W_, Wu_, Wuu_, Wy_, Wuy_;
  double Wyy_ = 0.0;
};

std::vector<double> curve_form(const ClampLinear& c, bool non_negative) {
  const double v1 = c.b + c.a * c.k1, v2 = c.b + c.a * c.k2;
  double lo = std::min(v1, v2), hi = std::max(v1, v2);
  if (non_negative) {
    lo = std::max(lo, 0.0);
    hi = std::max(hi, lo);
  }
  return {c.a, c.b, lo, hi};
}

struct FormPair {
  std::vector<double> mean, std;  // {a, b, lo, hi}
};

// Both curves from per-device exponents: bins give σ_ν (and the weights of μ_ν).
FormPair fit_forms(std::span<const double> u_device, std::span<const double> nu,
                   std::span<const double> se, const std::vector<std::vector<std::size_t>>& members,
                   std::span<const double> u_bin) {
  const std::size_t nd = nu.size();
  std::vector<double> w(nd), bin_std, bin_w;
  for (const auto& mem : members) {
    const BinEstimate e = estimate_bin(mem, nu, se);
    bin_std.push_back(e.std);
    bin_w.push_back(static_cast<double>(mem.size()));
    for (std::size_t i : mem) {
      const double s2 = e.std * e.std + (std::isfinite(se[i]) ? se[i] * se[i] : 0.0);
      w[i] = 1.0 / std::max(s2, 1e-12);
    }
  }
  FormPair f;
  f.mean = curve_form(ClampLinearFit(u_device, nu, w).best(), false);
  f.std = curve_form(ClampLinearFit(u_bin, bin_std, bin_w).best(), true);
  return f;
}

// The form's data: per device x = g_T/g_max, u = ln x, ν and se; per bin u of its table point.
struct FormData {
  std::vector<double> x, u, nu, se, u_bin;
};

FormData form_data(const DriftFit& fit) {
  const std::size_t nd = fit.devices.size();
  FormData d;
  d.x.resize(nd);
  d.u.resize(nd);
  d.nu.resize(nd);
  d.se.resize(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    const double t = fit.devices[i].target_siemens;
    if (!(t > 0.0)) {
      throw InvalidArgument(
          fmt::format("drift fit, PCM form: device '{}' has target {}; the form takes ln(g/g_max) "
                      "and needs targets > 0",
                      fit.devices[i].device, g_text(t)));
    }
    d.x[i] = t / fit.g_max_siemens;
    d.u[i] = std::log(d.x[i]);
    d.nu[i] = fit.devices[i].nu;
    d.se[i] = fit.devices[i].nu_se;
  }
  for (const auto& b : fit.bins) d.u_bin.push_back(std::log(b.g_siemens / fit.g_max_siemens));
  return d;
}

// σ_ν(x)² + se², the variance of a device's ν̂ about μ_ν(x) (se unknown: σ_ν(x)² alone).
double exponent_variance(const FormPair& f, double x, double se) {
  const double s = clamped_log_form(f.std, x);
  return s * s + (std::isfinite(se) ? se * se : 0.0);
}

ClampedLogCurve curve_of(const std::vector<double>& f) {
  ClampedLogCurve c;
  c.a.value = f[0];
  c.b.value = f[1];
  c.lo.value = f[2];
  c.hi.value = f[3];
  return c;
}

// Replicates ν* = μ̂_ν(x) + sqrt(σ̂_ν(x)² + se²) z from the fitted curves, both curves refitted.
// Estimates per replicate: μ_ν's a, b, lo, hi, then σ_ν's, then μ_ν and σ_ν at each of `at`.
BootstrapDraws bootstrap_forms(const FormData& d, const FormPair& best,
                               const std::vector<std::vector<std::size_t>>& members,
                               const std::vector<double>& at, const BootstrapOptions& options) {
  const std::size_t nd = d.x.size();
  std::vector<double> noise(nd), nu_star(nd);
  auto refit = [&](const BootstrapReplicate& r) {
    r.stream(BootstrapSubstream::drift_form).normal(noise);
    for (std::size_t i = 0; i < nd; ++i) {
      nu_star[i] = clamped_log_form(best.mean, d.x[i]) +
                   std::sqrt(exponent_variance(best, d.x[i], d.se[i])) * noise[i];
    }
    const FormPair f = fit_forms(d.u, nu_star, d.se, members, d.u_bin);
    std::vector<double> out(f.mean.begin(), f.mean.end());
    out.insert(out.end(), f.std.begin(), f.std.end());
    for (double x : at) {
      out.push_back(clamped_log_form(f.mean, x));
      out.push_back(clamped_log_form(f.std, x));
    }
    return out;
  };
  return run_bootstrap("drift fit, PCM form", options, 8 + 2 * at.size(), refit);
}

}  // namespace

DriftFormFit fit_drift_form(const DriftFit& fit,
                            const std::vector<std::vector<std::size_t>>& members,
                            const BootstrapOptions& bootstrap) {
  const double g_max = fit.g_max_siemens;
  const FormData d = form_data(fit);
  const FormPair best = fit_forms(d.u, d.nu, d.se, members, d.u_bin);
  DriftFormFit out;
  out.mean = curve_of(best.mean);
  out.std = curve_of(best.std);

  const double g_low = *std::min_element(d.x.begin(), d.x.end()) * g_max;
  const double g_high = *std::max_element(d.x.begin(), d.x.end()) * g_max;
  out.check_g_siemens = evenly_spaced(g_low, g_high);
  out.grid_g_siemens = log_spaced(g_low, g_high, 1.0);

  std::vector<double> z(d.x.size()), targets(d.x.size());
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const double s2 = exponent_variance(best, d.x[i], d.se[i]);
    z[i] = s2 > 0.0 ? (d.nu[i] - clamped_log_form(best.mean, d.x[i])) / std::sqrt(s2) : 0.0;
    targets[i] = fit.devices[i].target_siemens;
  }
  out.residuals = residual_report(z, targets);

  // The curves at the check conductances, then on the grid.
  std::vector<double> at;
  for (double g : out.check_g_siemens) at.push_back(g / g_max);
  for (double g : out.grid_g_siemens) at.push_back(g / g_max);
  const BootstrapDraws draws = bootstrap_forms(d, best, members, at, bootstrap);
  out.failed_replicates = draws.failed;
  Estimate* parts[] = {&out.mean.a, &out.mean.b, &out.mean.lo, &out.mean.hi,
                       &out.std.a,  &out.std.b,  &out.std.lo,  &out.std.hi};
  for (std::size_t k = 0; k < 8; ++k) parts[k]->interval = draws.interval(k);
  for (std::size_t k = 0; k < at.size(); ++k) {
    const Estimate mean = draws.estimate(8 + 2 * k, clamped_log_form(best.mean, at[k]));
    const Estimate std = draws.estimate(9 + 2 * k, clamped_log_form(best.std, at[k]));
    const bool check = k < out.check_g_siemens.size();
    (check ? out.check_mean : out.grid_mean).push_back(mean);
    (check ? out.check_std : out.grid_std).push_back(std);
  }
  return out;
}

std::string drift_form_report(const DriftFormFit& f, double g_max_siemens, double confidence) {
  std::string text = fmt::format(
      "PCM form, x = g_T/g_max (g_max = {}): mu_nu, sigma_nu = clamp(a ln x + b, lo, hi)\n",
      g_text(g_max_siemens));
  text += fmt::format("parameter      estimate    {:g}% interval\n", 100.0 * confidence);
  const std::pair<const char*, const ClampedLogCurve*> curves[] = {{"mu", &f.mean},
                                                                   {"sigma", &f.std}};
  for (const auto& [name, c] : curves) {
    const std::pair<const char*, const Estimate*> parts[] = {
        {"a", &c->a}, {"b", &c->b}, {"lo", &c->lo}, {"hi", &c->hi}};
    for (const auto& [part, e] : parts) {
      text += fmt::format("  {:<11}  {:>10.5f}   {}\n", fmt::format("{}_{}", name, part), e->value,
                          interval_text(e->interval, 1.0, 5));
    }
  }
  text += "the form at conductances across the measured range:\n";
  for (std::size_t k = 0; k < f.check_g_siemens.size(); ++k) {
    text += fmt::format("  g_T = {:>10}   mu_nu = {:.4f} {}   sigma_nu = {:.4f} {}\n",
                        g_text(f.check_g_siemens[k]), f.check_mean[k].value,
                        interval_text(f.check_mean[k].interval, 1.0, 4), f.check_std[k].value,
                        interval_text(f.check_std[k].interval, 1.0, 4));
  }
  text += residual_lines(f.residuals, "target").insert(0, "PCM form: ");
  return text;
}

}  // namespace detail
}  // namespace kirchhoff::fitting
