#include "kirchhoff/fitting/fit_read_noise.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::fitting {

using namespace detail;

namespace {

// sqrt(ln((t + t_read)/(2 t_read))): the 1/f noise integrated from t_read to t [Joshi 2020].
double time_factor(double t_s, double t_read_s) {
  return std::sqrt(std::max(std::log((t_s + t_read_s) / (2.0 * t_read_s)), 0.0));
}

struct Residuals {
  std::vector<std::size_t> device;  // index into the device list
  std::vector<double> relative;     // (G − ĝ)/ĝ, studentised
  std::vector<double> absolute;     // G − ĝ (S), studentised
  std::vector<double> time_s;
};

// ---------------------------------------------------------------------------------------------
// pcm form: w_i = Q(x_i) z_i with ln Q = β₀ − α ln x (below the bound q_max).

struct QProblem {
  std::vector<double> w, log_x;
  double q_max = std::numeric_limits<double>::infinity();
};

struct QSolution {
  double beta0 = 0.0;  // ln c
  double alpha = 0.0;
  double nll = 0.0;
};

double q_of(const QProblem& p, double beta0, double alpha, double log_x) {
  return std::min(std::exp(beta0 - alpha * log_x), p.q_max);
}

double q_nll(const QProblem& p, double beta0, double alpha) {
  double sum = 0.0;
  for (std::size_t i = 0; i < p.w.size(); ++i) {
    const double s = q_of(p, beta0, alpha, p.log_x[i]);
    sum += std::log(s) + p.w[i] * p.w[i] / (2.0 * s * s);
  }
  return std::isfinite(sum) ? sum : std::numeric_limits<double>::infinity();
}

QSolution solve_q(const QProblem& p, const QSolution* start) {
  QSolution sol;
  if (start != nullptr) {
    sol = *start;
  } else {
    // ln w² = 2β₀ − 2α ln x + ln χ²₁, E[ln χ²₁] = −1.2704: least squares for a start.
    double sl = 0.0, sy = 0.0, sll = 0.0, sly = 0.0;
    const auto n = static_cast<double>(p.w.size());
    for (std::size_t i = 0; i < p.w.size(); ++i) {
      const double y = std::log(p.w[i] * p.w[i] + 1e-300) + 1.2704;
      sl += p.log_x[i];
      sy += y;
      sll += p.log_x[i] * p.log_x[i];
      sly += p.log_x[i] * y;
    }
    const double slope = (n * sly - sl * sy) / (n * sll - sl * sl);
    const double intercept = (sy - slope * sl) / n;
    sol.beta0 = 0.5 * intercept;
    sol.alpha = -0.5 * slope;
    if (!std::isfinite(q_nll(p, sol.beta0, sol.alpha))) {
      double ms = 0.0;
      for (double w : p.w) ms += w * w;
      sol.beta0 = 0.5 * std::log(ms / n);
      sol.alpha = 0.0;
    }
  }
  sol.nll = q_nll(p, sol.beta0, sol.alpha);
  if (!std::isfinite(sol.nll)) {
    throw NumericalError("read-noise fit: no starting point with a finite likelihood");
  }
  for (int iteration = 0; iteration < 200; ++iteration) {
    Eigen::Vector2d gradient = Eigen::Vector2d::Zero();
    Eigen::Matrix2d information = Eigen::Matrix2d::Zero();
    for (std::size_t i = 0; i < p.w.size(); ++i) {
      const double unbounded = std::exp(sol.beta0 - sol.alpha * p.log_x[i]);
      if (unbounded >= p.q_max) continue;  // at the bound: no dependence on (β₀, α)
      const Eigen::Vector2d phi(1.0, -p.log_x[i]);
      gradient += phi * (1.0 - p.w[i] * p.w[i] / (unbounded * unbounded));
      information += 2.0 * phi * phi.transpose();
    }
    const Eigen::Vector2d step = information.ldlt().solve(gradient);
    if (!step.allFinite()) throw NumericalError("read-noise fit: singular Fisher information");
    double t = 1.0;
    bool improved = false;
    QSolution next = sol;
    for (int halving = 0; halving < 40; ++halving, t *= 0.5) {
      next.beta0 = sol.beta0 - t * step[0];
      next.alpha = sol.alpha - t * step[1];
      next.nll = q_nll(p, next.beta0, next.alpha);
      if (next.nll <= sol.nll) {
        improved = true;
        break;
      }
    }
    if (!improved) break;
    const double size = std::max(std::abs(t * step[0]), std::abs(t * step[1]));
    sol = next;
    if (size <= 1e-11) break;
  }
  return sol;
}

}  // namespace

double ReadNoiseFit::value(double g_siemens) const {
  const double x = g_siemens / g_max_siemens;
  if (form == ReadNoiseForm::pcm) {
    if (!(x > 0.0)) return q_max;
    return std::min(q_coefficient.value * std::pow(x, -q_exponent.value), q_max);
  }
  double p = 0.0;
  for (std::size_t k = coefficients_siemens.size(); k-- > 0;)
    p = p * x + coefficients_siemens[k].value;
  return p;
}

namespace {

void check_read_noise_inputs(const ReadNoiseData& data, const ReadNoiseFitOptions& options) {
  check_bootstrap_options(options.bootstrap);
  const std::size_t n_rows = data.time_s.size();
  if (data.device.size() != n_rows || data.conductance_siemens.size() != n_rows ||
      (!data.target_siemens.empty() && data.target_siemens.size() != n_rows)) {
    throw InvalidArgument("read-noise fit: the columns of the data differ in length");
  }
  if (options.form == ReadNoiseForm::polynomial && options.degree > 6) {
    throw InvalidArgument(
        fmt::format("read-noise fit: degree must be 0..6, got {}", options.degree));
  }
  if (!(std::isfinite(options.t_read_s) && options.t_read_s > 0.0)) {
    throw InvalidArgument(
        fmt::format("read-noise fit: t_read must be > 0 s, got {} s", options.t_read_s));
  }
  if (!(std::isfinite(options.q_max) && options.q_max >= 0.0)) {
    throw InvalidArgument(fmt::format("read-noise fit: q_max must be >= 0, got {}", options.q_max));
  }
}

// Adds the residual of read r about ĝ, studentised by its leverage h; `jensen` = 1 + 3 v/ĝ² for a
// mean ĝ of variance v, the factor by which dividing by ĝ instead of g inflates a relative
// residual's variance (E[1/ĝ²] to second order).
void add_residual(const ReadNoiseData& data, std::size_t device, std::size_t r, double g_hat,
                  double leverage, double jensen, Residuals& res) {
  const double scale = 1.0 / std::sqrt(1.0 - leverage);
  res.device.push_back(device);
  res.absolute.push_back((data.conductance_siemens[r] - g_hat) * scale);
  res.relative.push_back((data.conductance_siemens[r] - g_hat) / g_hat * scale / std::sqrt(jensen));
  res.time_s.push_back(data.time_s[r]);
}

// Runs of reads at one time: [begin, end) into rs (times never decrease within a device:
// measurements.hpp).
std::vector<std::pair<std::size_t, std::size_t>> runs_at_one_time(
    const ReadNoiseData& data, const std::vector<std::size_t>& rs) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t k = 0; k < rs.size();) {
    std::size_t e = k + 1;
    while (e < rs.size() && data.time_s[rs[e]] == data.time_s[rs[k]]) ++e;
    runs.emplace_back(k, e);
    k = e;
  }
  return runs;
}

// Repeats: ĝ is the mean of the m reads at one time (leverage 1/m); reads alone at their time are
// left out. Returns Σ ĝ over the residuals added.
double add_repeat_residuals(const ReadNoiseData& data, std::size_t d,
                            const std::vector<std::size_t>& rs,
                            const std::vector<std::pair<std::size_t, std::size_t>>& runs,
                            Residuals& res) {
  double g_sum = 0.0;
  for (const auto& [b, e] : runs) {
    const std::size_t m = e - b;
    if (m < 2) continue;
    double mean = 0.0;
    for (std::size_t k = b; k < e; ++k) mean += data.conductance_siemens[rs[k]];
    mean /= static_cast<double>(m);
    double ss = 0.0;
    for (std::size_t k = b; k < e; ++k) {
      ss += (data.conductance_siemens[rs[k]] - mean) * (data.conductance_siemens[rs[k]] - mean);
    }
    const double v = ss / static_cast<double>(m - 1) / static_cast<double>(m);
    const double jensen = 1.0 + 3.0 * v / (mean * mean);
    for (std::size_t k = b; k < e; ++k) {
      add_residual(data, d, rs[k], mean, 1.0 / static_cast<double>(m), jensen, res);
      g_sum += mean;
    }
  }
  return g_sum;
}

// Trend: ln ĝ(t) = α − ν ln t by least squares over the device's reads (it drifts between
// them; leverage 1/m + u²/Σu²). Returns Σ ĝ over the residuals added.
double add_trend_residuals(const ReadNoiseData& data, std::size_t d, const std::string& name,
                           const std::vector<std::size_t>& rs, Residuals& res) {
  if (rs.size() < 3) {
    throw InvalidArgument(fmt::format(
        "read-noise fit: device '{}' has {} reads at different times; at least 3 needed", name,
        rs.size()));
  }
  const auto m = static_cast<double>(rs.size());
  double mu = 0.0, my = 0.0;
  for (std::size_t r : rs) {
    mu += std::log(data.time_s[r]);
    my += std::log(data.conductance_siemens[r]);
  }
  mu /= m;
  my /= m;
  double suu = 0.0, suy = 0.0;
  for (std::size_t r : rs) {
    const double u = std::log(data.time_s[r]) - mu;
    suu += u * u;
    suy += u * (std::log(data.conductance_siemens[r]) - my);
  }
  const double slope = suy / suu;
  double g_sum = 0.0;
  for (std::size_t r : rs) {
    const double u = std::log(data.time_s[r]) - mu;
    const double g_hat = std::exp(my + slope * u);
    add_residual(data, d, r, g_hat, 1.0 / m + u * u / suu, 1.0, res);
    g_sum += g_hat;
  }
  return g_sum;
}

// Every device's residuals about its noiseless conductance, devices in order of first
// appearance (fit.devices: name, reads, trend, and g_siemens, the target or the mean ĝ).
Residuals studentised_residuals(const ReadNoiseData& data, ReadNoiseFit& fit) {
  const DeviceRows devices = rows_by_device(data.device);
  Residuals res;
  for (std::size_t d = 0; d < devices.rows.size(); ++d) {
    const auto& rs = devices.rows[d];
    ReadNoiseDevice dev;
    dev.device = devices.names[d];
    const std::size_t before = res.device.size();
    const auto runs = runs_at_one_time(data, rs);
    const bool repeats = std::any_of(runs.begin(), runs.end(),
                                     [](const auto& run) { return run.second - run.first >= 2; });
    const double g_sum = repeats ? add_repeat_residuals(data, d, rs, runs, res)
                                 : add_trend_residuals(data, d, dev.device, rs, res);
    dev.trend = !repeats;
    dev.reads = res.device.size() - before;
    dev.g_siemens =
        fit.from_targets ? data.target_siemens[rs.front()] : g_sum / static_cast<double>(dev.reads);
    fit.devices.push_back(dev);
  }
  return res;
}

// x = g/g_max of every residual's device, g_max the option or the largest device conductance;
// InvalidArgument when the devices' conductances or the usable reads are too few for the form.
std::vector<double> conductance_ratios(const Residuals& res, const ReadNoiseFitOptions& options,
                                       ReadNoiseFit& fit) {
  const std::size_t n = res.device.size();
  double g_max = options.g_max_siemens;
  if (g_max == 0.0) {
    for (const auto& d : fit.devices) g_max = std::max(g_max, d.g_siemens);
  }
  if (!(std::isfinite(g_max) && g_max > 0.0)) {
    throw InvalidArgument(fmt::format("read-noise fit: g_max must be > 0, got {}", g_text(g_max)));
  }
  fit.g_max_siemens = g_max;
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = fit.devices[res.device[i]].g_siemens / g_max;
  std::vector<double> xs = x;
  std::sort(xs.begin(), xs.end());
  const auto distinct = static_cast<std::size_t>(std::unique(xs.begin(), xs.end()) - xs.begin());
  const bool pcm = options.form == ReadNoiseForm::pcm;
  const std::size_t needed_distinct = pcm ? std::size_t{2} : options.degree + std::size_t{1};
  if (distinct < needed_distinct) {
    throw InvalidArgument(fmt::format(
        "read-noise fit: the devices are at {} distinct conductance{}; the {} needs at least {}",
        distinct, distinct == 1 ? "" : "s",
        pcm ? std::string("pcm form") : fmt::format("polynomial of degree {}", options.degree),
        needed_distinct));
  }
  const std::size_t parameters = pcm ? 2 : options.degree + 1;
  const std::size_t needed = std::max(kMinProgrammingRows, 5 * parameters);
  if (n < needed) {
    throw InvalidArgument(
        fmt::format("read-noise fit: {} usable reads (repeats at one time, or reads of a drift "
                    "trend); at least {} needed",
                    n, needed));
  }
  return x;
}

// Each device's own Q_s (or σ): the rms of its residuals `w`.
void device_estimates(const Residuals& res, std::span<const double> w, ReadNoiseFit& fit) {
  std::vector<double> sum(fit.devices.size(), 0.0);
  for (std::size_t i = 0; i < w.size(); ++i) sum[res.device[i]] += w[i] * w[i];
  for (std::size_t d = 0; d < fit.devices.size(); ++d) {
    fit.devices[d].estimate = std::sqrt(sum[d] / static_cast<double>(fit.devices[d].reads));
  }
}

// The conductance ratios where the fitted curve is reported: five check points, then the grid.
std::vector<double> report_ratios(const ReadNoiseFit& fit) {
  std::vector<double> at;
  for (double g : fit.check_g_siemens) at.push_back(g / fit.g_max_siemens);
  for (double g : fit.grid_g_siemens) at.push_back(g / fit.g_max_siemens);
  return at;
}

// Stores the fitted curve's values with their intervals (estimates first_estimate, ... of the
// bootstrap) at the check points and on the grid.
void curve_estimates(const std::vector<double>& values, const BootstrapDraws& draws,
                     std::size_t first_estimate, ReadNoiseFit& fit) {
  for (std::size_t k = 0; k < values.size(); ++k) {
    const Estimate e = draws.estimate(first_estimate + k, values[k]);
    (k < fit.check_g_siemens.size() ? fit.check_value : fit.grid_value).push_back(e);
  }
}

// pcm form: the data w = relative residual / f(t), checked.
QProblem pcm_problem(const Residuals& res, const std::vector<double>& x,
                     const ReadNoiseFitOptions& options, const ReadNoiseFit& fit) {
  const std::size_t n = x.size();
  QProblem p;
  p.w.resize(n);
  p.log_x.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(x[i] > 0.0)) {
      throw InvalidArgument(fmt::format(
          "read-noise fit: device '{}' is at {}; the pcm form takes ln x and needs g > 0",
          fit.devices[res.device[i]].device, g_text(x[i] * fit.g_max_siemens)));
    }
    const double f = time_factor(res.time_s[i], options.t_read_s);
    if (!(f > 0.0)) {
      throw InvalidArgument(fmt::format(
          "read-noise fit: device '{}' has a read at {}, not after t_read = {}, where the 1/f "
          "model has no noise",
          fit.devices[res.device[i]].device, format_quantity(res.time_s[i], Dimension::time),
          format_quantity(options.t_read_s, Dimension::time)));
    }
    p.w[i] = res.relative[i] / f;
    p.log_x[i] = std::log(x[i]);
  }
  if (options.q_max > 0.0) p.q_max = options.q_max;
  return p;
}

// pcm form: Q_s(x) = min(c x^(−α), q_max) by maximum likelihood, intervals by the bootstrap
// w* = Q̂_s(x) z. Returns the standardised residuals.
std::vector<double> fit_pcm_form(const Residuals& res, const std::vector<double>& x, double x_low,
                                 double x_high, const ReadNoiseFitOptions& options,
                                 ReadNoiseFit& fit) {
  const std::size_t n = x.size();
  const QProblem p = pcm_problem(res, x, options, fit);
  fit.q_max_given = options.q_max > 0.0;
  // Without a given bound, Q_s is held at its largest value over the measured range.
  auto bound = [&](const QSolution& s) {
    return fit.q_max_given ? options.q_max
                           : std::max(std::exp(s.beta0 - s.alpha * std::log(x_low)),
                                      std::exp(s.beta0 - s.alpha * std::log(x_high)));
  };
  auto q_at = [&](const QSolution& s, double x_value) {
    return std::min(std::exp(s.beta0 - s.alpha * std::log(x_value)), bound(s));
  };
  const QSolution best = solve_q(p, nullptr);
  fit.q_max = bound(best);
  fit.log_likelihood = -best.nll - 0.5 * static_cast<double>(n) * std::log(2.0 * M_PI);
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = p.w[i] / q_of(p, best.beta0, best.alpha, p.log_x[i]);

  // Estimates per replicate: c, α, then Q_s at the check points and on the grid.
  const std::vector<double> at = report_ratios(fit);
  QProblem replicate = p;
  std::vector<double> noise(n);
  auto refit = [&](const BootstrapReplicate& r) {
    r.stream(BootstrapSubstream::read_noise).normal(noise);
    for (std::size_t i = 0; i < n; ++i) {
      replicate.w[i] = q_of(p, best.beta0, best.alpha, p.log_x[i]) * noise[i];
    }
    const QSolution s = solve_q(replicate, &best);
    std::vector<double> out{std::exp(s.beta0), s.alpha};
    for (double xk : at) out.push_back(q_at(s, xk));
    return out;
  };
  const BootstrapDraws draws =
      run_bootstrap("read-noise fit", options.bootstrap, 2 + at.size(), refit);
  fit.failed_replicates = draws.failed;
  fit.replicates = draws.used();
  fit.q_coefficient = draws.estimate(0, std::exp(best.beta0));
  fit.q_exponent = draws.estimate(1, best.alpha);
  std::vector<double> values;
  for (double xk : at) values.push_back(q_at(best, xk));
  curve_estimates(values, draws, 2, fit);
  device_estimates(res, p.w, fit);
  return z;
}

// polynomial form: σ(x) = Σ_k c_k x^k by maximum likelihood (as σ_P), intervals by the bootstrap
// e* = σ̂(x) z. Returns the standardised residuals.
std::vector<double> fit_polynomial_form(const Residuals& res, const std::vector<double>& x,
                                        const ReadNoiseFitOptions& options, ReadNoiseFit& fit) {
  const std::size_t n = x.size();
  const double g_max = fit.g_max_siemens;
  SigmaPolynomialProblem p;
  p.degree = options.degree;
  p.what = "read-noise fit";
  p.x = x;
  p.r.resize(n);
  for (std::size_t i = 0; i < n; ++i) p.r[i] = res.absolute[i] / g_max;
  const SigmaPolynomialSolution best = solve_sigma_polynomial(p, nullptr);
  fit.log_likelihood = -best.nll - 0.5 * static_cast<double>(n) * std::log(2.0 * M_PI) -
                       static_cast<double>(n) * std::log(g_max);
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = p.r[i] / poly(best.a, x[i]);

  // Estimates per replicate (S): c_0 .. c_K, then σ at the check points and on the grid.
  const auto m = static_cast<std::size_t>(best.a.size());
  const std::vector<double> at = report_ratios(fit);
  SigmaPolynomialProblem replicate = p;
  std::vector<double> noise(n);
  auto refit = [&](const BootstrapReplicate& r) {
    r.stream(BootstrapSubstream::read_noise).normal(noise);
    for (std::size_t i = 0; i < n; ++i) replicate.r[i] = poly(best.a, x[i]) * noise[i];
    const SigmaPolynomialSolution s = solve_sigma_polynomial(replicate, &best);
    std::vector<double> out;
    for (std::size_t k = 0; k < m; ++k) out.push_back(s.a[static_cast<Eigen::Index>(k)] * g_max);
    for (double xk : at) out.push_back(poly(s.a, xk) * g_max);
    return out;
  };
  const BootstrapDraws draws =
      run_bootstrap("read-noise fit", options.bootstrap, m + at.size(), refit);
  fit.failed_replicates = draws.failed;
  fit.replicates = draws.used();
  for (std::size_t k = 0; k < m; ++k) {
    fit.coefficients_siemens.push_back(
        draws.estimate(k, best.a[static_cast<Eigen::Index>(k)] * g_max));
  }
  std::vector<double> values;
  for (double xk : at) values.push_back(poly(best.a, xk) * g_max);
  curve_estimates(values, draws, m, fit);
  device_estimates(res, res.absolute, fit);
  return z;
}

}  // namespace

ReadNoiseFit fit_read_noise(const ReadNoiseData& data, const ReadNoiseFitOptions& options) {
  check_read_noise_inputs(data, options);
  ReadNoiseFit fit;
  fit.form = options.form;
  fit.t_read_s = options.t_read_s;
  fit.from_targets = !data.target_siemens.empty();
  fit.degree = options.degree;
  fit.confidence = options.bootstrap.confidence;
  const Residuals res = studentised_residuals(data, fit);
  fit.reads = res.device.size();
  const std::vector<double> x = conductance_ratios(res, options, fit);
  const double x_low = *std::min_element(x.begin(), x.end());
  const double x_high = *std::max_element(x.begin(), x.end());
  for (double v : evenly_spaced(x_low, x_high))
    fit.check_g_siemens.push_back(v * fit.g_max_siemens);
  fit.grid_g_siemens = log_spaced(x_low, x_high, fit.g_max_siemens);
  const std::vector<double> z = options.form == ReadNoiseForm::pcm
                                    ? fit_pcm_form(res, x, x_low, x_high, options, fit)
                                    : fit_polynomial_form(res, x, options, fit);
  fit.residuals = residual_report(z, x);
  fit.read_g_siemens.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) fit.read_g_siemens[i] = x[i] * fit.g_max_siemens;
  fit.read_z = z;
  return fit;
}

std::string format_report(const ReadNoiseFit& fit) {
  constexpr double uS = 1e-6;
  std::string text;
  const std::size_t trends = static_cast<std::size_t>(
      std::count_if(fit.devices.begin(), fit.devices.end(), [](const auto& d) { return d.trend; }));
  text += fmt::format(
      "read noise: {} devices, {} reads used ({} devices with repeated reads at one time, {} with "
      "a drift trend), x = g/g_max from the {}, g_max = {}\n",
      fit.devices.size(), fit.reads, fit.devices.size() - trends, trends,
      fit.from_targets ? "targets" : "devices' mean conductances", g_text(fit.g_max_siemens));
  if (fit.form == ReadNoiseForm::pcm) {
    text += fmt::format(
        "sigma_R = g(t) Q_s(x) sqrt(ln((t + t_read)/(2 t_read))), Q_s(x) = min(c x^(-alpha), "
        "q_max), t_read = {}\n",
        format_quantity(fit.t_read_s, Dimension::time));
    text += fmt::format("parameter      estimate   {:g}% interval (parametric bootstrap, B = {})\n",
                        100.0 * fit.confidence, fit.replicates);
    text += fmt::format("  {:<12} {:>10.6f}   {}\n", "c", fit.q_coefficient.value,
                        interval_text(fit.q_coefficient.interval, 1.0, 6));
    text += fmt::format("  {:<12} {:>10.5f}   {}\n", "alpha", fit.q_exponent.value,
                        interval_text(fit.q_exponent.interval, 1.0, 5));
    text += fmt::format("  {:<12} {:>10.5f}   ({})\n", "q_max", fit.q_max,
                        fit.q_max_given ? "given" : "the largest Q_s over the measured range");
    text += "Q_s at conductances across the measured range:\n";
    for (std::size_t k = 0; k < fit.check_g_siemens.size(); ++k) {
      text +=
          fmt::format("  g = {:>10}   Q_s = {:.5f}   {}\n", g_text(fit.check_g_siemens[k]),
                      fit.check_value[k].value, interval_text(fit.check_value[k].interval, 1.0, 5));
    }
  } else {
    text += fmt::format("sigma_R(x) = sum c_k x^k, degree {}\n", fit.degree);
    text += fmt::format(
        "parameter      estimate (uS)   {:g}% interval (uS, parametric bootstrap, B = {})\n",
        100.0 * fit.confidence, fit.replicates);
    for (std::size_t k = 0; k < fit.coefficients_siemens.size(); ++k) {
      const auto& c = fit.coefficients_siemens[k];
      text += fmt::format("  c{:<11}  {:>13.6f}   {}\n", k, c.value / uS,
                          interval_text(c.interval, uS, 6));
    }
    text += "sigma_R at conductances across the measured range:\n";
    for (std::size_t k = 0; k < fit.check_g_siemens.size(); ++k) {
      text += fmt::format("  g = {:>10}   sigma_R = {:.5f} uS   {}\n",
                          g_text(fit.check_g_siemens[k]), fit.check_value[k].value / uS,
                          interval_text(fit.check_value[k].interval, uS, 5));
    }
  }
  text += fmt::format("log-likelihood {:.6g}\n", fit.log_likelihood);
  text += report_tail(fit.failed_replicates, fit.residuals, "conductance");
  return text;
}

std::string device_file_toml(const ReadNoiseFit& fit, const std::string& name,
                             const std::string& source) {
  TomlWriter w = device_file_writer(
      "read-noise", format_report(fit), name, "generic",
      fmt::format("Read noise fitted to {} devices ({} form)", fit.devices.size(),
                  fit.form == ReadNoiseForm::pcm ? "pcm" : "polynomial"),
      source);
  w.key("g_max", toml_quantity(fit.g_max_siemens * 1e6, "uS"), "normalisation of x = g_T/g_max");
  w.key("clip", toml_bool(false));
  if (fit.form == ReadNoiseForm::pcm) {
    w.key("t_read", toml_quantity(fit.t_read_s * 1e9, "ns"),
          "read pulse width of the 1/f integral");
    w.key("read_q_coefficient", toml_nine_digits(fit.q_coefficient.value),
          "Q_s(x) = min(c x^(-alpha), q_max): c");
    w.key("read_q_exponent", toml_nine_digits(fit.q_exponent.value), "alpha");
    w.key("read_q_max", toml_nine_digits(fit.q_max), "q_max");
  } else {
    std::vector<double> a;
    std::vector<std::string> us;
    for (const auto& c : fit.coefficients_siemens) {
      a.push_back(c.value / fit.g_max_siemens);
      us.push_back(fmt::format("{:.5g}", c.value * 1e6));
    }
    w.key("read_sigma_polynomial", toml_nine_digits(a),
          fmt::format("sigma_R / g_max; in uS: {}", fmt::join(us, ", ")));
  }
  return w.finish();
}

}  // namespace kirchhoff::fitting
