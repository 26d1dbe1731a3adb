// Programming noise (fit.hpp, docs/fitting.md): with x = g_T/g_max and r = g_P − g_T,
// r ~ N(β g_max, σ_P(x)²), σ_P(x) = Σ_k c_k x^k, by maximum likelihood (sigma_polynomial.cpp);
// intervals by the parametric bootstrap r* = β̂ + σ̂_P(x) z at the measured targets.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff::fitting {

using namespace detail;

namespace {

void check_programming_inputs(std::span<const double> target_siemens,
                              std::span<const double> programmed_siemens,
                              const ProgrammingFitOptions& options) {
  const std::size_t n = target_siemens.size();
  if (programmed_siemens.size() != n) {
    throw InvalidArgument(fmt::format("programming fit: {} targets but {} programmed values", n,
                                      programmed_siemens.size()));
  }
  if (options.degree > 6) {
    throw InvalidArgument(
        fmt::format("programming fit: degree must be 0..6, got {}", options.degree));
  }
  check_bootstrap_options(options.bootstrap);
  const std::size_t parameters = options.degree + 1 + (options.bias ? 1 : 0);
  const std::size_t needed = std::max(kMinProgrammingRows, 5 * parameters);
  if (n < needed) {
    throw InvalidArgument(
        fmt::format("programming fit: {} measurements; degree {}{} needs at least {}", n,
                    options.degree, options.bias ? " with bias" : "", needed));
  }
}

// g_max of x = g_T/g_max: the option, else the largest target.
double programming_g_max(std::span<const double> target_siemens,
                         const ProgrammingFitOptions& options) {
  double g_max = options.g_max_siemens;
  if (g_max == 0.0) g_max = *std::max_element(target_siemens.begin(), target_siemens.end());
  if (!(std::isfinite(g_max) && g_max > 0.0)) {
    throw InvalidArgument(fmt::format("programming fit: g_max must be > 0, got {}", g_text(g_max)));
  }
  return g_max;
}

// The likelihood's data in units of g_max; InvalidArgument when the targets cannot determine the
// polynomial.
SigmaPolynomialProblem programming_problem(std::span<const double> target_siemens,
                                           std::span<const double> programmed_siemens,
                                           const ProgrammingFitOptions& options, double g_max) {
  SigmaPolynomialProblem pr;
  pr.degree = options.degree;
  pr.bias = options.bias;
  for (std::size_t i = 0; i < target_siemens.size(); ++i) {
    pr.x.push_back(target_siemens[i] / g_max);
    pr.r.push_back((programmed_siemens[i] - target_siemens[i]) / g_max);
  }
  std::vector<double> xs = pr.x;
  std::sort(xs.begin(), xs.end());
  const auto distinct = static_cast<std::size_t>(std::unique(xs.begin(), xs.end()) - xs.begin());
  if (distinct < options.degree + 1) {
    throw InvalidArgument(fmt::format(
        "programming fit: {} distinct targets cannot determine a polynomial of degree {}", distinct,
        options.degree));
  }
  return pr;
}

// Replicate data sets r* = β̂ + σ̂_P(x) z at the measured x, refitted from the estimate. Estimates
// per replicate (S): c_0 .. c_K, σ_P at check_x, β.
BootstrapDraws bootstrap_programming(const SigmaPolynomialProblem& pr,
                                     const SigmaPolynomialSolution& best,
                                     const std::vector<double>& check_x, double g_max,
                                     const BootstrapOptions& options) {
  const auto m = static_cast<std::size_t>(best.a.size());
  SigmaPolynomialProblem replicate = pr;
  std::vector<double> noise(pr.x.size());
  auto refit = [&](const BootstrapReplicate& r) {
    r.stream(BootstrapSubstream::programming).normal(noise);
    for (std::size_t i = 0; i < pr.x.size(); ++i) {
      replicate.r[i] = best.beta + poly(best.a, pr.x[i]) * noise[i];
    }
    const SigmaPolynomialSolution s = solve_sigma_polynomial(replicate, &best);
    std::vector<double> estimates;
    for (std::size_t k = 0; k < m; ++k)
      estimates.push_back(s.a[static_cast<Eigen::Index>(k)] * g_max);
    for (double x : check_x) estimates.push_back(poly(s.a, x) * g_max);
    estimates.push_back(s.beta * g_max);
    return estimates;
  };
  return run_bootstrap("programming fit", options, m + check_x.size() + 1, refit);
}

}  // namespace

double ProgrammingFit::sigma_siemens(double target_siemens) const {
  const double x = target_siemens / g_max_siemens;
  double p = 0.0;
  for (std::size_t k = coefficients_siemens.size(); k-- > 0;)
    p = p * x + coefficients_siemens[k].value;
  return p;
}

ProgrammingFit fit_programming(std::span<const double> target_siemens,
                               std::span<const double> programmed_siemens,
                               const ProgrammingFitOptions& options) {
  check_programming_inputs(target_siemens, programmed_siemens, options);
  const double g_max = programming_g_max(target_siemens, options);
  const SigmaPolynomialProblem pr =
      programming_problem(target_siemens, programmed_siemens, options, g_max);
  const SigmaPolynomialSolution best = solve_sigma_polynomial(pr, nullptr);
  const std::size_t n = pr.x.size();

  ProgrammingFit fit;
  fit.n = n;
  fit.g_max_siemens = g_max;
  fit.degree = options.degree;
  fit.has_bias = options.bias;
  fit.log_likelihood = -best.nll - 0.5 * static_cast<double>(n) * std::log(2.0 * M_PI) -
                       static_cast<double>(n) * std::log(g_max);
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = (pr.r[i] - best.beta) / poly(best.a, pr.x[i]);
  fit.residuals = residual_report(z, pr.x);

  // σ_P at five targets across the measured range, with the coefficients' intervals.
  const std::vector<double> check_x = evenly_spaced(*std::min_element(pr.x.begin(), pr.x.end()),
                                                    *std::max_element(pr.x.begin(), pr.x.end()));
  const BootstrapDraws draws = bootstrap_programming(pr, best, check_x, g_max, options.bootstrap);
  fit.failed_replicates = draws.failed;
  fit.replicates = draws.used();
  fit.confidence = draws.confidence;
  const auto m = static_cast<std::size_t>(best.a.size());
  for (std::size_t k = 0; k < m; ++k) {
    fit.coefficients_siemens.push_back(
        draws.estimate(k, best.a[static_cast<Eigen::Index>(k)] * g_max));
  }
  for (std::size_t k = 0; k < check_x.size(); ++k) {
    fit.check_targets_siemens.push_back(check_x[k] * g_max);
    fit.check_sigma_siemens.push_back(draws.estimate(m + k, poly(best.a, check_x[k]) * g_max));
  }
  const std::size_t bias = m + check_x.size();
  fit.bias_siemens = {best.beta * g_max, options.bias ? draws.interval(bias) : Interval{0.0, 0.0}};
  return fit;
}

std::string format_report(const ProgrammingFit& fit) {
  constexpr double uS = 1e-6;
  std::string text;
  text += fmt::format(
      "programming noise: {} devices, g_max = {}, sigma_P(x) = sum c_k x^k, x = g_T/g_max, "
      "degree {}{}\n",
      fit.n, g_text(fit.g_max_siemens), fit.degree, fit.has_bias ? ", with bias" : "");
  text += fmt::format(
      "parameter      estimate (uS)   {:g}% interval (uS, parametric bootstrap, B = {})\n",
      100.0 * fit.confidence, fit.replicates);
  for (std::size_t k = 0; k < fit.coefficients_siemens.size(); ++k) {
    const auto& c = fit.coefficients_siemens[k];
    text += fmt::format("  c{:<11}  {:>13.5f}   {}\n", k, c.value / uS,
                        interval_text(c.interval, uS, 5));
  }
  if (fit.has_bias) {
    text += fmt::format("  {:<12}  {:>13.5f}   {}\n", "bias", fit.bias_siemens.value / uS,
                        interval_text(fit.bias_siemens.interval, uS, 5));
  }
  text += "sigma_P at targets across the measured range:\n";
  for (std::size_t k = 0; k < fit.check_targets_siemens.size(); ++k) {
    text += fmt::format("  g_T = {:>10}   sigma_P = {:.4f} uS   {}\n",
                        g_text(fit.check_targets_siemens[k]), fit.check_sigma_siemens[k].value / uS,
                        interval_text(fit.check_sigma_siemens[k].interval, uS, 4));
  }
  text += fmt::format("log-likelihood {:.6g}\n", fit.log_likelihood);
  text += report_tail(fit.failed_replicates, fit.residuals, "target");
  return text;
}

std::string device_file_toml(const ProgrammingFit& fit, const std::string& name,
                             const std::string& source) {
  TomlWriter w = device_file_writer(
      "programming", format_report(fit), name, "generic",
      fmt::format("Programming noise fitted to {} devices (degree {})", fit.n, fit.degree), source);
  w.key("g_max", toml_quantity(fit.g_max_siemens * 1e6, "uS"), "normalisation of x = g_T/g_max");
  w.key("clip", toml_bool(false), "the fit did not see clipping");
  std::vector<double> a;
  std::vector<std::string> us;
  for (const auto& c : fit.coefficients_siemens) {
    a.push_back(c.value / fit.g_max_siemens);
    us.push_back(fmt::format("{:.5g}", c.value * 1e6));
  }
  w.key("programming_sigma_polynomial", toml_nine_digits(a),
        fmt::format("sigma_P / g_max; in uS: {}", fmt::join(us, ", ")));
  if (fit.has_bias) {
    w.key("programming_bias", toml_nine_digits(fit.bias_siemens.value / fit.g_max_siemens),
          fmt::format("fraction of g_max: {:.5g} uS", fit.bias_siemens.value * 1e6));
  }
  return w.finish();
}

}  // namespace kirchhoff::fitting
