// Maximum likelihood of r_i ~ N(β, σ(x_i)²) with σ(x) = Σ_k a_k x^k (fit_internal.hpp): the
// programming-noise fit and the read-noise polynomial, in units of g_max.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff::fitting::detail {

namespace {

// The negative log-likelihood, +inf when σ <= 0 at a data point.
double nll(const SigmaPolynomialProblem& pr, const Eigen::VectorXd& a, double beta) {
  double sum = 0.0;
  for (std::size_t i = 0; i < pr.x.size(); ++i) {
    const double s = poly(a, pr.x[i]);
    if (!(s > 0.0)) return std::numeric_limits<double>::infinity();
    const double e = pr.r[i] - beta;
    sum += std::log(s) + e * e / (2.0 * s * s);
  }
  return sum;
}

// The maximum-likelihood β for fixed a: the σ⁻²-weighted mean residual.
double weighted_mean_residual(const SigmaPolynomialProblem& pr, const Eigen::VectorXd& a) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < pr.x.size(); ++i) {
    const double s = poly(a, pr.x[i]);
    num += pr.r[i] / (s * s);
    den += 1.0 / (s * s);
  }
  return num / den;
}

// (1, x, x², …, x^(m−1)).
Eigen::VectorXd features(double x, Eigen::Index m) {
  Eigen::VectorXd phi(m);
  double p = 1.0;
  for (Eigen::Index k = 0; k < m; ++k, p *= x) phi[k] = p;
  return phi;
}

// A start without a previous solution: β the mean residual (with bias), σ from
// E|e| = σ sqrt(2/π) by least squares of sqrt(π/2)|e_i| on the features, else a constant σ.
SigmaPolynomialSolution starting_point(const SigmaPolynomialProblem& pr) {
  const std::size_t n = pr.x.size();
  const auto m = static_cast<Eigen::Index>(pr.degree + 1);
  SigmaPolynomialSolution sol;
  double mean = 0.0;
  for (double r : pr.r) mean += r;
  mean /= static_cast<double>(n);
  sol.beta = pr.bias ? mean : 0.0;
  Eigen::MatrixXd A(static_cast<Eigen::Index>(n), m);
  Eigen::VectorXd y(static_cast<Eigen::Index>(n));
  double ms = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    A.row(row) = features(pr.x[i], m).transpose();
    const double e = pr.r[i] - sol.beta;
    y[row] = std::sqrt(M_PI / 2.0) * std::abs(e);
    ms += e * e;
  }
  sol.a = A.colPivHouseholderQr().solve(y);
  if (!std::isfinite(nll(pr, sol.a, sol.beta))) {
    sol.a = Eigen::VectorXd::Zero(m);
    sol.a[0] = std::sqrt(ms / static_cast<double>(n));
  }
  return sol;
}

// Advances `sol` by one Fisher-scoring step, halved until the negative log-likelihood does not
// rise and σ > 0 everywhere; false (sol unchanged) at the optimum, where no such step is left.
// `change` receives the fall of the negative log-likelihood, `step_size` the largest change of a
// coefficient.
bool fisher_step(const SigmaPolynomialProblem& pr, SigmaPolynomialSolution& sol, double& change,
                 double& step_size) {
  const auto m = sol.a.size();
  Eigen::VectorXd gradient = Eigen::VectorXd::Zero(m);
  Eigen::MatrixXd information = Eigen::MatrixXd::Zero(m, m);
  for (std::size_t i = 0; i < pr.x.size(); ++i) {
    const Eigen::VectorXd phi = features(pr.x[i], m);
    const double s = phi.dot(sol.a);
    const double e = pr.r[i] - sol.beta;
    gradient += phi * (e * e / (s * s * s) - 1.0 / s);
    information += (2.0 / (s * s)) * phi * phi.transpose();
  }
  const Eigen::VectorXd step = information.ldlt().solve(gradient);
  if (!step.allFinite()) throw NumericalError(pr.what + ": singular Fisher information");
  double t = 1.0;
  Eigen::VectorXd a_new;
  double beta_new = sol.beta, nll_new = sol.nll;
  for (int halving = 0; halving < 40; ++halving, t *= 0.5) {
    a_new = sol.a + t * step;
    beta_new = pr.bias ? weighted_mean_residual(pr, a_new) : 0.0;
    if (!std::isfinite(nll(pr, a_new, 0.0))) continue;  // σ <= 0 somewhere
    nll_new = nll(pr, a_new, beta_new);
    if (nll_new <= sol.nll) {
      change = sol.nll - nll_new;
      step_size = (t * step).cwiseAbs().maxCoeff();
      sol.a = a_new;
      sol.beta = beta_new;
      sol.nll = nll_new;
      return true;
    }
  }
  return false;
}

}  // namespace

double poly(const Eigen::VectorXd& a, double x) {
  double p = 0.0;
  for (Eigen::Index k = a.size(); k-- > 0;) p = p * x + a[k];
  return p;
}

SigmaPolynomialSolution solve_sigma_polynomial(const SigmaPolynomialProblem& pr,
                                               const SigmaPolynomialSolution* start) {
  const auto m = static_cast<Eigen::Index>(pr.degree + 1);
  SigmaPolynomialSolution sol = start != nullptr ? *start : starting_point(pr);
  if (!(sol.a.size() == m)) throw InvalidArgument(pr.what + ": start of the wrong degree");
  sol.nll = nll(pr, sol.a, sol.beta);
  if (!std::isfinite(sol.nll)) {
    throw NumericalError(pr.what + ": no starting point with sigma > 0 at every point");
  }
  for (int iteration = 0; iteration < 500; ++iteration) {
    double change = 0.0, step_size = 0.0;
    if (!fisher_step(pr, sol, change, step_size)) break;  // at the optimum to rounding
    if (change <= 1e-13 * (1.0 + std::abs(sol.nll)) && step_size <= 1e-9) break;
    if (step_size <= 1e-12) break;
  }
  return sol;
}

}  // namespace kirchhoff::fitting::detail
