#include "kirchhoff/fitting/fit.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::fitting {
namespace detail {

std::string g_text(double s) {
  return format_quantity(s, Dimension::conductance);
}

// ---------------------------------------------------------------------------------------------
// Programming-noise likelihood, in units of g_max: x_i in [0, 1], r_i = (g_P − g_T)/g_max.

using ProgrammingProblem = SigmaPolynomialProblem;
using ProgrammingSolution = SigmaPolynomialSolution;

namespace {
double nll(const ProgrammingProblem& pr, const Eigen::VectorXd& a, double beta);
double weighted_mean_residual(const ProgrammingProblem& pr, const Eigen::VectorXd& a);
}  // namespace

double poly(const Eigen::VectorXd& a, double x) {
  double p = 0.0;
  for (Eigen::Index k = a.size(); k-- > 0;) p = p * x + a[k];
  return p;
}

namespace {
// The negative log-likelihood, +inf when σ <= 0 at a data point.
double nll(const ProgrammingProblem& pr, const Eigen::VectorXd& a, double beta) {
  double sum = 0.0;
  for (std::size_t i = 0; i < pr.x.size(); ++i) {
    const double s = poly(a, pr.x[i]);
    if (!(s > 0.0)) return std::numeric_limits<double>::infinity();
    const double e = pr.r[i] - beta;
    sum += std::log(s) + e * e / (2.0 * s * s);
  }
  return sum;
}

double weighted_mean_residual(const ProgrammingProblem& pr, const Eigen::VectorXd& a) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < pr.x.size(); ++i) {
    const double s = poly(a, pr.x[i]);
    num += pr.r[i] / (s * s);
    den += 1.0 / (s * s);
  }
  return num / den;
}
}  // namespace

ProgrammingSolution solve_sigma_polynomial(const ProgrammingProblem& pr,
                                           const ProgrammingSolution* start) {
  const std::size_t n = pr.x.size();
  const auto m = static_cast<Eigen::Index>(pr.degree + 1);
  auto features = [&](double x) {
    Eigen::VectorXd phi(m);
    double p = 1.0;
    for (Eigen::Index k = 0; k < m; ++k, p *= x) phi[k] = p;
    return phi;
  };

  ProgrammingSolution sol;
  if (start != nullptr) {
    sol = *start;
  } else {
    double mean = 0.0;
    for (double r : pr.r) mean += r;
    mean /= static_cast<double>(n);
    sol.beta = pr.bias ? mean : 0.0;
    // σ from E|e| = σ sqrt(2/π): least squares of sqrt(π/2)|e_i| on the features.
    Eigen::MatrixXd A(static_cast<Eigen::Index>(n), m);
    Eigen::VectorXd y(static_cast<Eigen::Index>(n));
    double ms = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto row = static_cast<Eigen::Index>(i);
      A.row(row) = features(pr.x[i]).transpose();
      const double e = pr.r[i] - sol.beta;
      y[row] = std::sqrt(M_PI / 2.0) * std::abs(e);
      ms += e * e;
    }
    sol.a = A.colPivHouseholderQr().solve(y);
    if (!std::isfinite(nll(pr, sol.a, sol.beta))) {
      sol.a = Eigen::VectorXd::Zero(m);
      sol.a[0] = std::sqrt(ms / static_cast<double>(n));
    }
  }
  if (!(sol.a.size() == m)) throw InvalidArgument(pr.what + ": start of the wrong degree");
  sol.nll = nll(pr, sol.a, sol.beta);
  if (!std::isfinite(sol.nll)) {
    throw NumericalError(pr.what + ": no starting point with sigma > 0 at every point");
  }

  for (int iteration = 0; iteration < 500; ++iteration) {
    Eigen::VectorXd gradient = Eigen::VectorXd::Zero(m);
    Eigen::MatrixXd information = Eigen::MatrixXd::Zero(m, m);
    for (std::size_t i = 0; i < n; ++i) {
      const Eigen::VectorXd phi = features(pr.x[i]);
      const double s = phi.dot(sol.a);
      const double e = pr.r[i] - sol.beta;
      gradient += phi * (e * e / (s * s * s) - 1.0 / s);
      information += (2.0 / (s * s)) * phi * phi.transpose();
    }
    const Eigen::VectorXd step = information.ldlt().solve(gradient);
    if (!step.allFinite()) throw NumericalError(pr.what + ": singular Fisher information");
    double t = 1.0;
    bool improved = false;
    Eigen::VectorXd a_new;
    double beta_new = sol.beta, nll_new = sol.nll;
    for (int halving = 0; halving < 40; ++halving, t *= 0.5) {
      a_new = sol.a + t * step;
      beta_new = pr.bias ? weighted_mean_residual(pr, a_new) : 0.0;
      if (!std::isfinite(nll(pr, a_new, 0.0))) continue;  // σ <= 0 somewhere
      nll_new = nll(pr, a_new, beta_new);
      if (nll_new <= sol.nll) {
        improved = true;
        break;
      }
    }
    if (!improved) break;  // at the optimum to rounding
    const double change = sol.nll - nll_new;
    const double step_size = (t * step).cwiseAbs().maxCoeff();
    sol.a = a_new;
    sol.beta = beta_new;
    sol.nll = nll_new;
    if (change <= 1e-13 * (1.0 + std::abs(sol.nll)) && step_size <= 1e-9) return sol;
    if (step_size <= 1e-12) return sol;
  }
  // Check the gradient: converged when it vanishes relative to the information.
  return sol;
}

Interval percentile_interval(std::vector<double> values, double confidence) {
  if (values.empty()) return {kNaN, kNaN};
  const double tail = 0.5 * (1.0 - confidence);
  const std::vector<double> ps{tail, 1.0 - tail};
  const auto q = quantiles(values, ps);
  return {q[0], q[1]};
}

RandomStream bootstrap_stream(const BootstrapOptions& options, std::uint32_t point,
                              std::uint32_t replicate, std::uint32_t substream) {
  return RandomStream(options.seed, {point, replicate, StreamId::fit_bootstrap, substream});
}

void check_bootstrap(const BootstrapOptions& b) {
  if (!(b.confidence > 0.0 && b.confidence < 1.0)) {
    throw InvalidArgument(fmt::format("fit: confidence must lie in (0, 1), got {}", b.confidence));
  }
}

}  // namespace detail

using namespace detail;

// ---------------------------------------------------------------------------------------------

double kolmogorov_smirnov_p_value(double d, std::size_t n) {
  if (n == 0 || !(d > 0.0)) return 1.0;
  const double sn = std::sqrt(static_cast<double>(n));
  const double lambda = (sn + 0.12 + 0.11 / sn) * d;
  if (lambda < 0.2) return 1.0;  // the series converges slowly here; Q(0.2) = 1 − 1e-9
  double sum = 0.0, sign = 1.0;
  for (int k = 1; k <= 100; ++k, sign = -sign) {
    const double term = sign * std::exp(-2.0 * k * k * lambda * lambda);
    sum += term;
    if (std::abs(term) < 1e-16 * std::abs(sum)) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

ResidualReport residual_report(std::span<const double> z, std::span<const double> order) {
  ResidualReport report;
  const std::size_t n = z.size();
  report.n = n;
  if (n == 0) return report;
  std::vector<double> sorted(z.begin(), z.end());
  std::sort(sorted.begin(), sorted.end());
  const boost::math::normal_distribution<double> normal;
  double d = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double f = boost::math::cdf(normal, sorted[i]);
    d = std::max({d, static_cast<double>(i + 1) / static_cast<double>(n) - f,
                  f - static_cast<double>(i) / static_cast<double>(n)});
  }
  report.ks_statistic = d;
  report.ks_p_value = kolmogorov_smirnov_p_value(d, n);

  double mean = 0.0;
  for (double v : z) mean += v;
  mean /= static_cast<double>(n);
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (double v : z) {
    const double e = v - mean;
    m2 += e * e;
    m3 += e * e * e;
    m4 += e * e * e * e;
  }
  m2 /= static_cast<double>(n);
  m3 /= static_cast<double>(n);
  m4 /= static_cast<double>(n);
  report.mean = mean;
  report.std = n > 1 ? std::sqrt(m2 * static_cast<double>(n) / static_cast<double>(n - 1)) : kNaN;
  report.skewness = m2 > 0.0 ? m3 / std::pow(m2, 1.5) : kNaN;
  report.excess_kurtosis = m2 > 0.0 ? m4 / (m2 * m2) - 3.0 : kNaN;

  std::vector<std::size_t> index(n);
  std::iota(index.begin(), index.end(), std::size_t{0});
  std::stable_sort(index.begin(), index.end(),
                   [&](std::size_t a, std::size_t b) { return order[a] < order[b]; });
  constexpr std::size_t kGroups = 5;
  if (n >= 2 * kGroups) {
    for (std::size_t g = 0; g < kGroups; ++g) {
      RunningStats stats;
      for (std::size_t k = g * n / kGroups; k < (g + 1) * n / kGroups; ++k) stats.add(z[index[k]]);
      report.std_by_target.push_back(std::sqrt(stats.m2() / static_cast<double>(stats.count())));
    }
  }
  return report;
}

double ProgrammingFit::sigma_s(double target_s) const {
  const double x = target_s / g_max_s;
  double p = 0.0;
  for (std::size_t k = coefficients_s.size(); k-- > 0;) p = p * x + coefficients_s[k].value;
  return p;
}

ProgrammingFit fit_programming(std::span<const double> target_s,
                               std::span<const double> programmed_s,
                               const ProgrammingFitOptions& options) {
  const std::size_t n = target_s.size();
  if (programmed_s.size() != n) {
    throw InvalidArgument(fmt::format("programming fit: {} targets but {} programmed values", n,
                                      programmed_s.size()));
  }
  if (options.degree > 6) {
    throw InvalidArgument(
        fmt::format("programming fit: degree must be 0..6, got {}", options.degree));
  }
  check_bootstrap(options.bootstrap);
  const std::size_t parameters = options.degree + 1 + (options.bias ? 1 : 0);
  const std::size_t needed = std::max(kMinProgrammingRows, 5 * parameters);
  if (n < needed) {
    throw InvalidArgument(
        fmt::format("programming fit: {} measurements; degree {}{} needs at least {}", n,
                    options.degree, options.bias ? " with bias" : "", needed));
  }
  double g_max = options.g_max_s;
  if (g_max == 0.0) g_max = *std::max_element(target_s.begin(), target_s.end());
  if (!(std::isfinite(g_max) && g_max > 0.0)) {
    throw InvalidArgument(fmt::format("programming fit: g_max must be > 0, got {}", g_text(g_max)));
  }

  ProgrammingProblem pr;
  pr.degree = options.degree;
  pr.bias = options.bias;
  for (std::size_t i = 0; i < n; ++i) {
    pr.x.push_back(target_s[i] / g_max);
    pr.r.push_back((programmed_s[i] - target_s[i]) / g_max);
  }
  {
    std::vector<double> xs = pr.x;
    std::sort(xs.begin(), xs.end());
    const auto distinct = static_cast<std::size_t>(std::unique(xs.begin(), xs.end()) - xs.begin());
    if (distinct < options.degree + 1) {
      throw InvalidArgument(fmt::format(
          "programming fit: {} distinct targets cannot determine a polynomial of degree {}",
          distinct, options.degree));
    }
  }
  const ProgrammingSolution best = solve_sigma_polynomial(pr, nullptr);

  ProgrammingFit fit;
  fit.n = n;
  fit.g_max_s = g_max;
  fit.degree = options.degree;
  fit.has_bias = options.bias;
  fit.log_likelihood = -best.nll - 0.5 * static_cast<double>(n) * std::log(2.0 * M_PI) -
                       static_cast<double>(n) * std::log(g_max);
  const double x_low = *std::min_element(pr.x.begin(), pr.x.end());
  const double x_high = *std::max_element(pr.x.begin(), pr.x.end());
  std::vector<double> check_x;
  for (int k = 0; k < 5; ++k) check_x.push_back(x_low + (x_high - x_low) * k / 4.0);

  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = (pr.r[i] - best.beta) / poly(best.a, pr.x[i]);
  fit.residuals = residual_report(z, pr.x);

  // Parametric bootstrap.
  const std::uint32_t B = options.bootstrap.replicates;
  const auto m = static_cast<std::size_t>(best.a.size());
  std::vector<std::vector<double>> coefficient_draws(m), check_draws(check_x.size());
  std::vector<double> bias_draws;
  ProgrammingProblem replicate = pr;
  std::vector<double> noise(n);
  for (std::uint32_t b = 0; b < B; ++b) {
    bootstrap_stream(options.bootstrap, 0, b, BootstrapSubstream::programming).normal(noise);
    for (std::size_t i = 0; i < n; ++i) {
      replicate.r[i] = best.beta + poly(best.a, pr.x[i]) * noise[i];
    }
    ProgrammingSolution s;
    try {
      s = solve_sigma_polynomial(replicate, &best);
    } catch (const NumericalError&) {
      ++fit.failed_replicates;
      continue;
    }
    for (std::size_t k = 0; k < m; ++k) {
      coefficient_draws[k].push_back(s.a[static_cast<Eigen::Index>(k)] * g_max);
    }
    for (std::size_t k = 0; k < check_x.size(); ++k) {
      check_draws[k].push_back(poly(s.a, check_x[k]) * g_max);
    }
    bias_draws.push_back(s.beta * g_max);
  }
  if (B > 0 && fit.failed_replicates * 20 > B) {
    throw NumericalError(
        fmt::format("programming fit: {} of {} bootstrap refits failed", fit.failed_replicates, B));
  }
  fit.replicates = B - fit.failed_replicates;
  fit.confidence = options.bootstrap.confidence;
  const double c = options.bootstrap.confidence;
  for (std::size_t k = 0; k < m; ++k) {
    fit.coefficients_s.push_back({best.a[static_cast<Eigen::Index>(k)] * g_max,
                                  percentile_interval(coefficient_draws[k], c)});
  }
  fit.bias_s = {best.beta * g_max,
                options.bias ? percentile_interval(bias_draws, c) : Interval{0.0, 0.0}};
  for (std::size_t k = 0; k < check_x.size(); ++k) {
    fit.check_targets_s.push_back(check_x[k] * g_max);
    fit.check_sigma_s.push_back(
        {poly(best.a, check_x[k]) * g_max, percentile_interval(check_draws[k], c)});
  }
  return fit;
}

// ---------------------------------------------------------------------------------------------
// Drift

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
  check_bootstrap(options.bootstrap);
  const std::size_t points = data.time_s.size();
  if (data.device.size() != points || data.target_s.size() != points ||
      data.conductance_s.size() != points) {
    throw InvalidArgument("drift fit: the columns of the data differ in length");
  }
  DriftFit fit;
  fit.points = points;
  fit.t0_s =
      options.t0_s > 0.0 ? options.t0_s : *std::min_element(data.time_s.begin(), data.time_s.end());
  fit.g_max_s = options.g_max_s > 0.0
                    ? options.g_max_s
                    : *std::max_element(data.target_s.begin(), data.target_s.end());

  // Group rows by device, in order of first appearance.
  std::map<std::string, std::size_t> index_of;
  std::vector<std::vector<std::size_t>> rows;
  for (std::size_t r = 0; r < points; ++r) {
    const auto [it, inserted] = index_of.try_emplace(data.device[r], rows.size());
    if (inserted) rows.emplace_back();
    rows[it->second].push_back(r);
  }
  std::vector<std::string> names(rows.size());
  for (const auto& [name, k] : index_of) names[k] = name;

  double rss_total = 0.0;
  std::size_t dof_total = 0;
  for (std::size_t d = 0; d < rows.size(); ++d) {
    const auto& rs = rows[d];
    if (rs.size() < kMinDriftTimes) {
      throw InvalidArgument(
          fmt::format("drift fit: device '{}' has {} read time; at least {} needed", names[d],
                      rs.size(), kMinDriftTimes));
    }
    double mu = 0.0, my = 0.0;
    for (std::size_t r : rs) {
      mu += std::log(data.time_s[r] / fit.t0_s);
      my += std::log(data.conductance_s[r]);
    }
    const auto m = static_cast<double>(rs.size());
    mu /= m;
    my /= m;
    double suu = 0.0, suy = 0.0;
    for (std::size_t r : rs) {
      const double u = std::log(data.time_s[r] / fit.t0_s) - mu;
      suu += u * u;
      suy += u * (std::log(data.conductance_s[r]) - my);
    }
    if (!(suu > 0.0)) {
      throw InvalidArgument(
          fmt::format("drift fit: device '{}' has all its reads at one time", names[d]));
    }
    const double slope = suy / suu;
    const double intercept = my - slope * mu;
    double rss = 0.0;
    for (std::size_t r : rs) {
      const double e = std::log(data.conductance_s[r]) -
                       (intercept + slope * std::log(data.time_s[r] / fit.t0_s));
      rss += e * e;
    }
    DeviceDrift dev;
    dev.device = names[d];
    dev.target_s = data.target_s[rs.front()];
    dev.times = rs.size();
    dev.nu = -slope;
    dev.nu_se = rs.size() > 2 ? std::sqrt(rss / (m - 2.0) / suu) : kNaN;
    dev.g0_s = std::exp(intercept);
    rss_total += rss;
    dof_total += rs.size() - 2;
    fit.devices.push_back(dev);
  }
  fit.log_residual_rms =
      dof_total > 0 ? std::sqrt(rss_total / static_cast<double>(dof_total)) : 0.0;

  // Bins over the target conductance.
  const std::size_t nd = fit.devices.size();
  std::vector<std::size_t> by_target(nd);
  std::iota(by_target.begin(), by_target.end(), std::size_t{0});
  std::stable_sort(by_target.begin(), by_target.end(), [&](std::size_t a, std::size_t b) {
    return fit.devices[a].target_s < fit.devices[b].target_s;
  });
  std::vector<std::vector<std::size_t>> members;
  std::vector<double> distinct;
  for (std::size_t i : by_target) {
    if (distinct.empty() || fit.devices[i].target_s != distinct.back()) {
      distinct.push_back(fit.devices[i].target_s);
    }
  }
  if (options.bins == 0 && distinct.size() <= 12) {
    for (std::size_t i : by_target) {
      if (members.empty() ||
          fit.devices[i].target_s != fit.devices[members.back().front()].target_s) {
        members.emplace_back();
      }
      members.back().push_back(i);
    }
  } else {
    const std::size_t bins = options.bins == 0 ? 6 : options.bins;
    if (bins > nd) {
      throw InvalidArgument(fmt::format("drift fit: {} bins for {} devices", bins, nd));
    }
    for (std::size_t b = 0; b < bins; ++b) {
      members.emplace_back(by_target.begin() + static_cast<std::ptrdiff_t>(b * nd / bins),
                           by_target.begin() + static_cast<std::ptrdiff_t>((b + 1) * nd / bins));
    }
  }
  std::vector<double> nu(nd), se(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    nu[i] = fit.devices[i].nu;
    se[i] = fit.devices[i].nu_se;
  }
  std::vector<double> z(nd), order(nd);
  const std::uint32_t B = options.bootstrap.replicates;
  for (std::size_t b = 0; b < members.size(); ++b) {
    const auto& mem = members[b];
    if (mem.size() < 2) {
      throw InvalidArgument(fmt::format(
          "drift fit: the bin at {} has {} device; each bin needs at least 2 (use fewer --bins)",
          g_text(fit.devices[mem.front()].target_s), mem.size()));
    }
    DriftBin bin;
    bin.devices = mem.size();
    bin.g_low_s = fit.devices[mem.front()].target_s;
    bin.g_high_s = fit.devices[mem.back()].target_s;
    double sum = 0.0;
    for (std::size_t i : mem) sum += fit.devices[i].target_s;
    bin.g_s = bin.g_low_s == bin.g_high_s ? bin.g_low_s : sum / static_cast<double>(mem.size());
    const BinEstimate est = estimate_bin(mem, nu, se);
    for (std::size_t i : mem) {
      const double s2 = est.std * est.std + (std::isfinite(se[i]) ? se[i] * se[i] : 0.0);
      z[i] = s2 > 0.0 ? (nu[i] - est.mean) / std::sqrt(s2) : 0.0;
      order[i] = fit.devices[i].target_s;
    }
    std::vector<double> means, stds, nu_star(nd), noise(mem.size());
    for (std::uint32_t r = 0; r < B; ++r) {
      bootstrap_stream(options.bootstrap, static_cast<std::uint32_t>(b), r,
                       BootstrapSubstream::drift_table)
          .normal(noise);
      for (std::size_t k = 0; k < mem.size(); ++k) {
        const std::size_t i = mem[k];
        const double s2 = est.std * est.std + (std::isfinite(se[i]) ? se[i] * se[i] : 0.0);
        nu_star[i] = est.mean + std::sqrt(s2) * noise[k];
      }
      const BinEstimate e = estimate_bin(mem, nu_star, se);
      means.push_back(e.mean);
      stds.push_back(e.std);
    }
    bin.nu_mean = {est.mean, percentile_interval(means, options.bootstrap.confidence)};
    bin.nu_std = {est.std, percentile_interval(stds, options.bootstrap.confidence)};
    fit.bins.push_back(bin);
  }
  fit.replicates = B;
  fit.confidence = options.bootstrap.confidence;
  fit.residuals = residual_report(z, order);
  fit.form = options.form;
  if (options.form == DriftForm::pcm) fit.pcm = fit_drift_form(fit, members, options.bootstrap);
  return fit;
}

// ---------------------------------------------------------------------------------------------
// Reports and device files

namespace detail {

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

}  // namespace detail

std::string format_report(const ProgrammingFit& fit) {
  constexpr double uS = 1e-6;
  std::string text;
  text += fmt::format(
      "programming noise: {} devices, g_max = {}, sigma_P(x) = sum c_k x^k, x = g_T/g_max, "
      "degree {}{}\n",
      fit.n, g_text(fit.g_max_s), fit.degree, fit.has_bias ? ", with bias" : "");
  text += fmt::format(
      "parameter      estimate (uS)   {:g}% interval (uS, parametric bootstrap, B = {})\n",
      100.0 * fit.confidence, fit.replicates);
  for (std::size_t k = 0; k < fit.coefficients_s.size(); ++k) {
    const auto& c = fit.coefficients_s[k];
    text += fmt::format("  c{:<11}  {:>13.5f}   {}\n", k, c.value / uS,
                        interval_text(c.interval, uS, 5));
  }
  if (fit.has_bias) {
    text += fmt::format("  {:<12}  {:>13.5f}   {}\n", "bias", fit.bias_s.value / uS,
                        interval_text(fit.bias_s.interval, uS, 5));
  }
  text += "sigma_P at targets across the measured range:\n";
  for (std::size_t k = 0; k < fit.check_targets_s.size(); ++k) {
    text += fmt::format("  g_T = {:>10}   sigma_P = {:.4f} uS   {}\n",
                        g_text(fit.check_targets_s[k]), fit.check_sigma_s[k].value / uS,
                        interval_text(fit.check_sigma_s[k].interval, uS, 4));
  }
  text += fmt::format("log-likelihood {:.6g}\n", fit.log_likelihood);
  text += report_tail(fit.failed_replicates, fit.residuals, "target");
  return text;
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
    const std::string range =
        b.g_low_s == b.g_high_s
            ? g_text(b.g_s)
            : fmt::format("{} ({}-{})", g_text(b.g_s), g_text(b.g_low_s), g_text(b.g_high_s));
    text += fmt::format("  {:<26} {:>7}   {:.4f}  {:<19}  {:.4f}    {}\n", range, b.devices,
                        b.nu_mean.value, interval_text(b.nu_mean.interval, 1.0, 4), b.nu_std.value,
                        interval_text(b.nu_std.interval, 1.0, 4));
  }
  text += residual_lines(fit.residuals, "target");
  if (fit.pcm) {
    const DriftFormFit& f = *fit.pcm;
    text += fmt::format(
        "PCM form, x = g_T/g_max (g_max = {}): mu_nu, sigma_nu = clamp(a ln x + b, lo, hi)\n",
        g_text(fit.g_max_s));
    text += fmt::format("parameter      estimate    {:g}% interval\n", 100.0 * fit.confidence);
    const std::pair<const char*, const ClampedLogCurve*> curves[] = {{"mu", &f.mean},
                                                                     {"sigma", &f.std}};
    for (const auto& [name, c] : curves) {
      const std::pair<const char*, const Estimate*> parts[] = {
          {"a", &c->a}, {"b", &c->b}, {"lo", &c->lo}, {"hi", &c->hi}};
      for (const auto& [part, e] : parts) {
        text += fmt::format("  {:<11}  {:>10.5f}   {}\n", fmt::format("{}_{}", name, part),
                            e->value, interval_text(e->interval, 1.0, 5));
      }
    }
    text += "the form at conductances across the measured range:\n";
    for (std::size_t k = 0; k < f.check_g_s.size(); ++k) {
      text += fmt::format("  g_T = {:>10}   mu_nu = {:.4f} {}   sigma_nu = {:.4f} {}\n",
                          g_text(f.check_g_s[k]), f.check_mean[k].value,
                          interval_text(f.check_mean[k].interval, 1.0, 4), f.check_std[k].value,
                          interval_text(f.check_std[k].interval, 1.0, 4));
    }
    text += residual_lines(f.residuals, "target").insert(0, "PCM form: ");
  }
  return text;
}

std::string device_file_toml(const ProgrammingFit& fit, const std::string& name,
                             const std::string& source) {
  std::string t = device_file_header(
      "programming", format_report(fit), name, "generic",
      fmt::format("Programming noise fitted to {} devices (degree {})", fit.n, fit.degree), source);
  t += "[parameters]\n";
  t += fmt::format("g_max = \"{:.9g}uS\"                 # normalisation of x = g_T/g_max\n",
                   fit.g_max_s * 1e6);
  t += "clip = false                      # the fit did not see clipping\n";
  std::vector<double> a;
  for (const auto& c : fit.coefficients_s) a.push_back(c.value / fit.g_max_s);
  std::vector<std::string> us;
  for (const auto& c : fit.coefficients_s) us.push_back(fmt::format("{:.5g}", c.value * 1e6));
  t += fmt::format("programming_sigma_polynomial = {}  # sigma_P / g_max; in uS: {}\n",
                   number_list(a), fmt::join(us, ", "));
  if (fit.has_bias) {
    t += fmt::format("programming_bias = {:.9g}  # fraction of g_max: {:.5g} uS\n",
                     fit.bias_s.value / fit.g_max_s, fit.bias_s.value * 1e6);
  }
  return t;
}

std::string device_file_toml(const DriftFit& fit, const std::string& name,
                             const std::string& source) {
  std::string t = device_file_header(
      "drift", format_report(fit), name, "generic",
      fmt::format("Drift fitted to {} devices{}", fit.devices.size(), fit.pcm ? " (PCM form)" : ""),
      source);
  t += "[parameters]\n";
  t += fmt::format("g_max = \"{:.9g}uS\"\n", fit.g_max_s * 1e6);
  t += "clip = false\n";
  t += fmt::format("t0 = \"{:.9g}s\"                      # drift reference time\n", fit.t0_s);
  if (fit.pcm) {
    t += fmt::format(
        "drift_nu_mean_log = {}  # mu_nu = clamp(a ln x + b, lo, hi), x = g_T/g_max: [a, b, lo, "
        "hi]\n",
        number_list(fit.pcm->mean.values()));
    t += fmt::format("drift_nu_std_log = {}   # sigma_nu, the same form\n",
                     number_list(fit.pcm->std.values()));
  } else {
    std::vector<std::string> g;
    std::vector<double> mean, std;
    for (const auto& b : fit.bins) {
      g.push_back(fmt::format("\"{:.9g}uS\"", b.g_s * 1e6));
      mean.push_back(b.nu_mean.value);
      std.push_back(b.nu_std.value);
    }
    t += fmt::format("drift_g = [{}]\n", fmt::join(g, ", "));
    t += fmt::format("drift_nu_mean = {}\n", number_list(mean));
    t += fmt::format("drift_nu_std = {}\n", number_list(std));
  }
  t += "drift_nu_absolute = false         # nu = N(mu_nu, sigma_nu^2), as measured\n";
  return t;
}

}  // namespace kirchhoff::fitting
