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

}  // namespace

DriftFormFit fit_drift_form(const DriftFit& fit,
                            const std::vector<std::vector<std::size_t>>& members,
                            const BootstrapOptions& bootstrap) {
  const std::size_t nd = fit.devices.size();
  const double g_max = fit.g_max_s;
  std::vector<double> u(nd), nu(nd), se(nd), x(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    const double t = fit.devices[i].target_s;
    if (!(t > 0.0)) {
      throw InvalidArgument(
          fmt::format("drift fit, PCM form: device '{}' has target {}; the form takes ln(g/g_max) "
                      "and needs targets > 0",
                      fit.devices[i].device, g_text(t)));
    }
    x[i] = t / g_max;
    u[i] = std::log(x[i]);
    nu[i] = fit.devices[i].nu;
    se[i] = fit.devices[i].nu_se;
  }
  std::vector<double> u_bin;
  for (const auto& b : fit.bins) u_bin.push_back(std::log(b.g_s / g_max));

  const FormPair best = fit_forms(u, nu, se, members, u_bin);
  DriftFormFit out;
  auto curve_of = [](const std::vector<double>& f) {
    ClampedLogCurve c;
    c.a.value = f[0];
    c.b.value = f[1];
    c.lo.value = f[2];
    c.hi.value = f[3];
    return c;
  };
  out.mean = curve_of(best.mean);
  out.std = curve_of(best.std);

  const double g_low = *std::min_element(x.begin(), x.end()) * g_max;
  const double g_high = *std::max_element(x.begin(), x.end()) * g_max;
  for (int k = 0; k < 5; ++k) out.check_g_s.push_back(g_low + (g_high - g_low) * k / 4.0);
  constexpr int kGrid = 48;
  for (int k = 0; k < kGrid; ++k) {
    out.grid_g_s.push_back(g_low * std::pow(g_high / g_low, k / double(kGrid - 1)));
  }

  std::vector<double> z(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    const double s = clamped_log_form(best.std, x[i]);
    const double s2 = s * s + (std::isfinite(se[i]) ? se[i] * se[i] : 0.0);
    z[i] = s2 > 0.0 ? (nu[i] - clamped_log_form(best.mean, x[i])) / std::sqrt(s2) : 0.0;
  }
  std::vector<double> targets(nd);
  for (std::size_t i = 0; i < nd; ++i) targets[i] = fit.devices[i].target_s;
  out.residuals = residual_report(z, targets);

  // Parametric bootstrap from the fitted curves.
  const std::uint32_t B = bootstrap.replicates;
  std::vector<std::vector<double>> mean_draws(4), std_draws(4);
  const std::size_t nc = out.check_g_s.size(), ng = out.grid_g_s.size();
  std::vector<std::vector<double>> check_mean(nc), check_std(nc), grid_mean(ng), grid_std(ng);
  std::vector<double> noise(nd), nu_star(nd);
  for (std::uint32_t r = 0; r < B; ++r) {
    bootstrap_stream(bootstrap, 0, r, BootstrapSubstream::drift_form).normal(noise);
    for (std::size_t i = 0; i < nd; ++i) {
      const double s = clamped_log_form(best.std, x[i]);
      const double s2 = s * s + (std::isfinite(se[i]) ? se[i] * se[i] : 0.0);
      nu_star[i] = clamped_log_form(best.mean, x[i]) + std::sqrt(s2) * noise[i];
    }
    const FormPair f = fit_forms(u, nu_star, se, members, u_bin);
    for (std::size_t k = 0; k < 4; ++k) {
      mean_draws[k].push_back(f.mean[k]);
      std_draws[k].push_back(f.std[k]);
    }
    for (std::size_t k = 0; k < nc; ++k) {
      check_mean[k].push_back(clamped_log_form(f.mean, out.check_g_s[k] / g_max));
      check_std[k].push_back(clamped_log_form(f.std, out.check_g_s[k] / g_max));
    }
    for (std::size_t k = 0; k < ng; ++k) {
      grid_mean[k].push_back(clamped_log_form(f.mean, out.grid_g_s[k] / g_max));
      grid_std[k].push_back(clamped_log_form(f.std, out.grid_g_s[k] / g_max));
    }
  }
  const double c = bootstrap.confidence;
  Estimate* mean_parts[] = {&out.mean.a, &out.mean.b, &out.mean.lo, &out.mean.hi};
  Estimate* std_parts[] = {&out.std.a, &out.std.b, &out.std.lo, &out.std.hi};
  for (std::size_t k = 0; k < 4; ++k) {
    mean_parts[k]->interval = percentile_interval(mean_draws[k], c);
    std_parts[k]->interval = percentile_interval(std_draws[k], c);
  }
  for (std::size_t k = 0; k < nc; ++k) {
    const double xk = out.check_g_s[k] / g_max;
    out.check_mean.push_back(
        {clamped_log_form(best.mean, xk), percentile_interval(check_mean[k], c)});
    out.check_std.push_back({clamped_log_form(best.std, xk), percentile_interval(check_std[k], c)});
  }
  for (std::size_t k = 0; k < ng; ++k) {
    const double xk = out.grid_g_s[k] / g_max;
    out.grid_mean.push_back(
        {clamped_log_form(best.mean, xk), percentile_interval(grid_mean[k], c)});
    out.grid_std.push_back({clamped_log_form(best.std, xk), percentile_interval(grid_std[k], c)});
  }
  return out;
}

}  // namespace detail
}  // namespace kirchhoff::fitting
