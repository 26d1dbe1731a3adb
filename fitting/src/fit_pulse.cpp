#include "kirchhoff/fitting/fit_pulse.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <map>
#include <unsupported/Eigen/NonLinearOptimization>
#include <unsupported/Eigen/NumericalDiff>

#include "fit_internal.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/pulse.hpp"

namespace kirchhoff::fitting {

using namespace detail;
using devices::kMaxNonlinearityLabel;
using devices::nonlinearity_label;
using devices::normalised_a;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// |u| = |P_max/A| beyond which the curve is a step (NL ≈ 8.9): keeps exp and expm1 finite.
constexpr double kMaxU = 40.0;
// The model's clamp of labels drawn with device-to-device variation (pulse.cpp).
constexpr double kLabelClamp = 10.0;
// Refits per device for its estimation variance (conditional_errors).
constexpr std::uint32_t kConditionalReplicates = 40;

double standard_normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
}
double standard_normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

struct Moments {
  double mean = 0.0, variance = 0.0;
};

// Mean and variance of clip(μ + σ z, lo, hi), z ~ N(0, 1): a normal censored at both ends.
Moments clipped_normal(double mu, double sigma, double lo, double hi) {
  if (!(sigma > 0.0)) return {std::clamp(mu, lo, hi), 0.0};
  const double a = (lo - mu) / sigma, b = (hi - mu) / sigma;
  const double Pa = standard_normal_cdf(a), Pb = standard_normal_cdf(b);
  const double pa = standard_normal_pdf(a), pb = standard_normal_pdf(b);
  const double inside = Pb - Pa;
  const double mean = lo * Pa + hi * (1.0 - Pb) + mu * inside + sigma * (pa - pb);
  const double second = lo * lo * Pa + hi * hi * (1.0 - Pb) + mu * mu * inside +
                        2.0 * mu * sigma * (pa - pb) + sigma * sigma * (inside + a * pa - b * pb);
  return {mean, std::max(second - mean * mean, 0.0)};
}

// Curve parameters of one device, conductances in units of the data scale.
struct Theta {
  double g_min = 0.0, g_max = 1.0, u_ltp = 1.0, u_ltd = -1.0;
};

double label_of_u(double u) {
  return u == 0.0 ? 0.0 : nonlinearity_label(1.0 / u);
}
double u_of_label(double nl) {
  const double a = normalised_a(nl);
  return std::isinf(a) ? 0.0 : 1.0 / a;
}

// The noiseless conductance after one pulse from g (pulse_response without noise and clip).
double step_mean(const Theta& t, double g, int polarity, double p_ltp, double p_ltd) {
  const double range = std::max(t.g_max - t.g_min, 1e-9);
  const double y = std::clamp((g - t.g_min) / range, 0.0, 1.0);
  double next = 0.0;
  if (polarity > 0) {
    const double u = std::clamp(t.u_ltp, -kMaxU, kMaxU), d = 1.0 / p_ltp;
    next = u == 0.0 ? y + d : y * std::exp(-u * d) + std::expm1(-u * d) / std::expm1(-u);
    next = std::min(next, 1.0);
  } else {
    const double u = std::clamp(t.u_ltd, -kMaxU, kMaxU), d = 1.0 / p_ltd;
    next = u == 0.0 ? y - d : y * std::exp(u * d) + std::expm1(u * d) / std::expm1(-u);
    next = std::max(next, 0.0);
  }
  return t.g_min + range * next;
}

// One device's reads in units of the data scale: g[0] the first read, then one per pulse.
struct Series {
  std::vector<double> g;
  std::vector<int> polarity;  // polarity[k] of the pulse before read k (k >= 1)
};

struct Geometry {
  double p_ltp = 1.0, p_ltd = 1.0;
};

// A bound the reads reach at least twice exactly is a clip: G_max (G_min) is that value.
struct Clips {
  bool min = false, max = false;
  double min_value = 0.0, max_value = 0.0;
};

Clips find_clips(const std::vector<double>& g) {
  Clips c;
  const double lo = *std::min_element(g.begin(), g.end());
  const double hi = *std::max_element(g.begin(), g.end());
  c.min = std::count(g.begin(), g.end(), lo) >= 2;
  c.max = std::count(g.begin(), g.end(), hi) >= 2 && hi > lo;
  c.min_value = lo;
  c.max_value = hi;
  return c;
}

// The least-squares problem of one device for Eigen's Levenberg–Marquardt: residuals
// g_k − E[clip(h(g_{k−1}) + σ z)] over the free parameters (g_min and g_max unless clipped,
// u_LTP, u_LTD).
struct DeviceProblem {
  using Scalar = double;
  enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };
  using InputType = Eigen::VectorXd;
  using ValueType = Eigen::VectorXd;
  using JacobianType = Eigen::MatrixXd;

  const Series* series = nullptr;
  Geometry geometry;
  Clips clips;
  double sigma = 0.0;

  [[nodiscard]] int inputs() const { return 2 + (clips.min ? 0 : 1) + (clips.max ? 0 : 1); }
  [[nodiscard]] int values() const { return static_cast<int>(series->g.size()) - 1; }

  [[nodiscard]] Theta theta(const Eigen::VectorXd& x) const {
    Theta t;
    Eigen::Index k = 0;
    t.g_min = clips.min ? clips.min_value : x[k++];
    t.g_max = clips.max ? clips.max_value : x[k++];
    t.u_ltp = x[k++];
    t.u_ltd = x[k];
    return t;
  }
  [[nodiscard]] Eigen::VectorXd free(const Theta& t) const {
    Eigen::VectorXd x(inputs());
    Eigen::Index k = 0;
    if (!clips.min) x[k++] = t.g_min;
    if (!clips.max) x[k++] = t.g_max;
    x[k++] = t.u_ltp;
    x[k] = t.u_ltd;
    return x;
  }

  [[nodiscard]] Moments moments(const Theta& t, std::size_t k) const {
    const double mu =
        step_mean(t, series->g[k - 1], series->polarity[k], geometry.p_ltp, geometry.p_ltd);
    return clipped_normal(mu, sigma, t.g_min, std::max(t.g_max, t.g_min));
  }

  int operator()(const Eigen::VectorXd& x, Eigen::VectorXd& f) const {
    const Theta t = theta(x);
    for (std::size_t k = 1; k < series->g.size(); ++k) {
      f[static_cast<Eigen::Index>(k - 1)] = series->g[k] - moments(t, k).mean;
    }
    return 0;
  }
};

// A start for one device: the range of its reads, u from the slope of read on previous read
// (the noiseless step is affine with slope e^(∓u/P)), else a mild curvature.
Theta start_of(const Series& s, const Geometry& geo, const Clips& clips) {
  Theta t;
  t.g_min = clips.min_value;
  t.g_max = clips.max_value;
  const double range = std::max(t.g_max - t.g_min, 1e-12);
  for (int pol : {1, -1}) {
    double sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, n = 0.0;
    for (std::size_t k = 1; k < s.g.size(); ++k) {
      if (s.polarity[k] != pol) continue;
      const double a = (s.g[k - 1] - t.g_min) / range, b = (s.g[k] - t.g_min) / range;
      if (a < 0.02 || a > 0.98 || b < 0.02 || b > 0.98) continue;
      sx += a;
      sy += b;
      sxx += a * a;
      sxy += a * b;
      n += 1.0;
    }
    const double det = n * sxx - sx * sx;
    const double slope = n >= 3.0 && det > 0.0 ? (n * sxy - sx * sy) / det : kInf;
    double u = pol > 0 ? 1.0 : -1.0;
    if (slope > 0.05 && slope < 20.0) {
      u = pol > 0 ? -geo.p_ltp * std::log(slope) : geo.p_ltd * std::log(slope);
      u = std::clamp(u, -10.0, 10.0);
    }
    (pol > 0 ? t.u_ltp : t.u_ltd) = u;
  }
  return t;
}

struct DeviceSolution {
  Theta theta;
  Clips clips;
  double ss = 0.0;        // Σ residual²
  double variance = 0.0;  // Σ model variance
  std::size_t n = 0;      // residuals
  int p = 0;              // free parameters
};

DeviceSolution solve_device(const Series& s, const Geometry& geo, const Clips& clips, double sigma,
                            const Theta& start) {
  DeviceProblem problem;
  problem.series = &s;
  problem.geometry = geo;
  problem.clips = clips;
  problem.sigma = sigma;
  Eigen::VectorXd x = problem.free(start);
  Eigen::NumericalDiff<DeviceProblem> numerical(problem);
  Eigen::LevenbergMarquardt<Eigen::NumericalDiff<DeviceProblem>> lm(numerical);
  lm.parameters.maxfev = 400 * (problem.inputs() + 1);
  lm.parameters.xtol = 1e-12;
  lm.parameters.ftol = 1e-14;
  const auto status = lm.minimize(x);
  if (status == Eigen::LevenbergMarquardtSpace::ImproperInputParameters) {
    throw NumericalError("pulse fit: the least squares refused its input");
  }
  if (!x.allFinite()) throw NumericalError("pulse fit: the least squares diverged");
  DeviceSolution sol;
  sol.theta = problem.theta(x);
  sol.clips = clips;
  sol.n = s.g.size() - 1;
  sol.p = problem.inputs();
  for (std::size_t k = 1; k < s.g.size(); ++k) {
    const Moments m = problem.moments(sol.theta, k);
    sol.ss += (s.g[k] - m.mean) * (s.g[k] - m.mean);
    sol.variance += m.variance;
  }
  return sol;
}

struct Solution {
  std::vector<DeviceSolution> devices;
  double sigma = 0.0;
};

// Least squares per device alternating with σ from the pooled residuals, until σ settles.
Solution solve_all(const std::vector<Series>& series, const Geometry& geo, const Solution* start) {
  Solution sol;
  sol.devices.resize(series.size());
  std::vector<Clips> clips(series.size());
  std::vector<Theta> theta(series.size());
  for (std::size_t d = 0; d < series.size(); ++d) {
    clips[d] = find_clips(series[d].g);
    theta[d] = start ? start->devices[d].theta : start_of(series[d], geo, clips[d]);
    if (clips[d].min) theta[d].g_min = clips[d].min_value;
    if (clips[d].max) theta[d].g_max = clips[d].max_value;
  }
  double sigma = start ? start->sigma : 0.0;
  for (int outer = 0; outer < 100; ++outer) {
    double ss = 0.0, variance = 0.0;
    std::size_t n = 0;
    int p = 0;
    for (std::size_t d = 0; d < series.size(); ++d) {
      sol.devices[d] = solve_device(series[d], geo, clips[d], sigma, theta[d]);
      theta[d] = sol.devices[d].theta;
      ss += sol.devices[d].ss;
      variance += sol.devices[d].variance;
      n += sol.devices[d].n;
      p += sol.devices[d].p;
    }
    if (n <= static_cast<std::size_t>(p)) {
      throw InvalidArgument(fmt::format(
          "pulse fit: {} reads after pulses for {} curve parameters; more pulses are needed", n,
          p));
    }
    const double dof =
        static_cast<double>(n) / static_cast<double>(n - static_cast<std::size_t>(p));
    // Residual sum of squares = the model's total variance, corrected for the fitted parameters.
    const double next = sigma > 0.0 && variance > 0.0
                            ? sigma * std::sqrt(ss * dof / variance)
                            : std::sqrt(ss / static_cast<double>(n - static_cast<std::size_t>(p)));
    const bool settled = std::abs(next - sigma) <= 1e-9 * next;
    sigma = next;
    sol.sigma = sigma;
    if (settled || !(sigma > 0.0)) break;
  }
  // The curves at the final σ.
  for (std::size_t d = 0; d < series.size(); ++d) {
    sol.devices[d] = solve_device(series[d], geo, clips[d], sigma, theta[d]);
  }
  return sol;
}

// Asymptotic standard errors of one device's parameters: s² (JᵀJ)⁻¹.
void standard_errors(const Series& s, const Geometry& geo, const DeviceSolution& sol, double sigma,
                     double s2, double scale, PulseDeviceFit& out) {
  DeviceProblem problem;
  problem.series = &s;
  problem.geometry = geo;
  problem.clips = sol.clips;
  problem.sigma = sigma;
  Eigen::NumericalDiff<DeviceProblem, Eigen::Central> numerical(problem);
  const Eigen::VectorXd x = problem.free(sol.theta);
  Eigen::MatrixXd jacobian(problem.values(), problem.inputs());
  numerical.df(x, jacobian);
  const Eigen::MatrixXd information = jacobian.transpose() * jacobian;
  const Eigen::MatrixXd covariance =
      s2 * information.completeOrthogonalDecomposition().pseudoInverse();
  Eigen::Index k = 0;
  auto se = [&](Eigen::Index i) { return std::sqrt(std::max(covariance(i, i), 0.0)); };
  if (!sol.clips.min) out.se_g_min_siemens = se(k++) * scale;
  if (!sol.clips.max) out.se_g_max_siemens = se(k++) * scale;
  for (double* target : {&out.se_nl_ltp, &out.se_nl_ltd}) {
    const double u = target == &out.se_nl_ltp ? sol.theta.u_ltp : sol.theta.u_ltd;
    const double h = 1e-5 * std::max(1.0, std::abs(u));
    const double slope = (label_of_u(u + h) - label_of_u(u - h)) / (2.0 * h);
    *target = std::abs(slope) * se(k++);
  }
}

struct Summary {
  double g_min = 0.0, g_max = 0.0, nl_ltp = 0.0, nl_ltd = 0.0, sigma = 0.0;
  double d2d_nl_ltp = kNaN, d2d_nl_ltd = kNaN, d2d_g_max = kNaN, d2d_g_min = kNaN;
};

// Nominal values (means over devices) and the device-to-device spreads, in S and labels.
Summary summarise(const std::vector<PulseDeviceFit>& devices, double sigma_siemens) {
  Summary s;
  s.sigma = sigma_siemens;
  const auto n = static_cast<double>(devices.size());
  auto mean_and_spread = [&](auto value, auto se, double& mean, double& spread) {
    RunningStats stats;
    double se2 = 0.0;
    for (const auto& d : devices) {
      stats.add(value(d));
      se2 += se(d) * se(d);
    }
    mean = stats.mean();
    if (devices.size() >= 2) spread = std::sqrt(std::max(stats.variance() - se2 / n, 0.0));
  };
  mean_and_spread([](const auto& d) { return d.g_min_siemens; },
                  [](const auto& d) { return d.se_g_min_siemens; }, s.g_min, s.d2d_g_min);
  mean_and_spread([](const auto& d) { return d.g_max_siemens; },
                  [](const auto& d) { return d.se_g_max_siemens; }, s.g_max, s.d2d_g_max);
  mean_and_spread([](const auto& d) { return d.nl_ltp; }, [](const auto& d) { return d.se_nl_ltp; },
                  s.nl_ltp, s.d2d_nl_ltp);
  mean_and_spread([](const auto& d) { return d.nl_ltd; }, [](const auto& d) { return d.se_nl_ltd; },
                  s.nl_ltd, s.d2d_nl_ltd);
  return s;
}

std::vector<PulseDeviceFit> device_fits(const std::vector<Series>& series, const Geometry& geo,
                                        const Solution& sol, double scale) {
  std::size_t n = 0;
  int p = 0;
  double ss = 0.0;
  for (const auto& d : sol.devices) {
    n += d.n;
    p += d.p;
    ss += d.ss;
  }
  const double s2 = ss / static_cast<double>(n - static_cast<std::size_t>(p));
  std::vector<PulseDeviceFit> out(series.size());
  for (std::size_t d = 0; d < series.size(); ++d) {
    const Theta& t = sol.devices[d].theta;
    out[d].pulses = series[d].g.size() - 1;
    out[d].g_min_siemens = t.g_min * scale;
    out[d].g_max_siemens = t.g_max * scale;
    out[d].nl_ltp = label_of_u(t.u_ltp);
    out[d].nl_ltd = label_of_u(t.u_ltd);
    out[d].g_min_clipped = sol.devices[d].clips.min;
    out[d].g_max_clipped = sol.devices[d].clips.max;
    standard_errors(series[d], geo, sol.devices[d], sol.sigma, s2, scale, out[d]);
  }
  return out;
}

// A device drawn from the fitted population, as PulseNonlinearModel::devices draws one.
Theta draw_device(const Summary& s, double scale, const RandomStream& stream, std::uint64_t d) {
  std::vector<double> z(4);
  stream.normal(z, 4 * d);
  const double nl_ltp = std::clamp(s.nl_ltp + s.d2d_nl_ltp * z[0], -kLabelClamp, kLabelClamp);
  const double nl_ltd = std::clamp(s.nl_ltd + s.d2d_nl_ltd * z[1], -kLabelClamp, kLabelClamp);
  const double g_max = s.g_max + s.d2d_g_max * z[2];
  const double g_min = s.g_min + s.d2d_g_min * z[3];
  Theta t;
  t.g_min = std::max(g_min, 0.0) / scale;
  t.g_max = std::max(g_max, std::max(g_min, 0.0)) / scale;
  t.u_ltp = u_of_label(nl_ltp);
  t.u_ltd = u_of_label(nl_ltd);
  return t;
}

// Each device's estimation variance, for the device-to-device deconvolution: the device is
// re-simulated `replicates` times at its own fit (σ̂, its pulse sequence and first read) and
// refitted with σ fixed; the standard deviation of the refits replaces the Jacobian's standard
// errors, which are too small for a near-unit-root autoregression of ~100 steps. Refits that
// fail are left out; a device with fewer than two keeps the Jacobian's.
void conditional_errors(const std::vector<Series>& series, const Geometry& geo,
                        const Solution& best, double scale, const BootstrapOptions& bootstrap,
                        std::uint32_t replicates, std::vector<PulseDeviceFit>& devices) {
  const BootstrapOptions resimulation{replicates, bootstrap.seed, bootstrap.confidence};
  for (std::size_t d = 0; d < series.size(); ++d) {
    const Theta& t = best.devices[d].theta;
    Series s = series[d];
    std::vector<double> z(s.g.size());
    // Estimates per replicate: G_min, G_max (S), NL_LTP, NL_LTD.
    auto refit = [&](const BootstrapReplicate& r) {
      r.stream(BootstrapSubstream::pulse_conditional, static_cast<std::uint32_t>(d)).normal(z);
      for (std::size_t k = 1; k < s.g.size(); ++k) {
        const double mu = step_mean(t, s.g[k - 1], s.polarity[k], geo.p_ltp, geo.p_ltd);
        s.g[k] = std::clamp(mu + best.sigma * z[k], t.g_min, t.g_max);
      }
      const DeviceSolution sol = solve_device(s, geo, find_clips(s.g), best.sigma, t);
      return std::vector<double>{sol.theta.g_min * scale, sol.theta.g_max * scale,
                                 label_of_u(sol.theta.u_ltp), label_of_u(sol.theta.u_ltd)};
    };
    const BootstrapDraws draws =
        run_bootstrap("pulse fit", resimulation, 4, refit, FailedRefits::tolerated);
    if (draws.used() < 2) continue;  // keep the Jacobian's
    double* se[] = {&devices[d].se_g_min_siemens, &devices[d].se_g_max_siemens,
                    &devices[d].se_nl_ltp, &devices[d].se_nl_ltd};
    for (std::size_t k = 0; k < 4; ++k) {
      RunningStats stats;
      stats.add(draws.values[k]);
      *se[k] = stats.stddev();
    }
  }
}

std::string label_text(double nl) {
  return fmt::format("{:.4f}", nl);
}

// The population bootstrap's estimates of one replicate, in this order.
namespace field {
enum Index : std::size_t {
  g_min,
  g_max,
  nl_ltp,
  nl_ltd,
  sigma,
  c2c,
  d2d_ltp,
  d2d_ltd,
  d2d_max,
  d2d_min,
  count
};
}  // namespace field

// The data as one series per device, in units of `scale` (the largest conductance), and P_max
// of each curve: the option, else the longest run of pulses of that polarity.
struct PulseSeries {
  DeviceRows devices;  // rows by device, in order of first appearance
  std::vector<Series> series;
  double scale = 0.0;
  Geometry geo;
  std::uint32_t p_ltp = 0, p_ltd = 0;
};

PulseSeries pulse_series(const PulseData& data, const PulseFitOptions& options) {
  const std::size_t n_rows = data.conductance_siemens.size();
  if (data.device.size() != n_rows || data.pulse.size() != n_rows ||
      data.polarity.size() != n_rows) {
    throw InvalidArgument("pulse fit: the columns of the data differ in length");
  }
  PulseSeries ps;
  ps.devices = rows_by_device(data.device);  // measurements.hpp checked the order
  for (double g : data.conductance_siemens) ps.scale = std::max(ps.scale, g);
  if (!(ps.scale > 0.0)) throw InvalidArgument("pulse fit: every conductance is 0");
  const auto& rows = ps.devices.rows;
  std::uint32_t run_ltp = 0, run_ltd = 0;
  ps.series.resize(rows.size());
  for (std::size_t d = 0; d < rows.size(); ++d) {
    std::uint32_t run = 0;
    int previous = 0;
    for (std::size_t k = 0; k < rows[d].size(); ++k) {
      const std::size_t r = rows[d][k];
      ps.series[d].g.push_back(data.conductance_siemens[r] / ps.scale);
      const int pol = k == 0 ? 0 : data.polarity[r];
      ps.series[d].polarity.push_back(pol);
      if (k == 0) continue;
      if (pol == 0) {
        throw InvalidArgument(fmt::format("pulse fit: device '{}': polarity 0 after its first read",
                                          ps.devices.names[d]));
      }
      run = pol == previous ? run + 1 : 1;
      previous = pol;
      (pol > 0 ? run_ltp : run_ltd) = std::max(pol > 0 ? run_ltp : run_ltd, run);
    }
    if (ps.series[d].g.size() < kMinPulseRows) {
      throw InvalidArgument(fmt::format("pulse fit: device '{}' has {} reads; at least {} needed",
                                        ps.devices.names[d], ps.series[d].g.size(), kMinPulseRows));
    }
  }
  ps.p_ltp = options.pulses_ltp > 0 ? options.pulses_ltp : run_ltp;
  ps.p_ltd = options.pulses_ltd > 0 ? options.pulses_ltd : run_ltd;
  if (ps.p_ltp == 0 || ps.p_ltd == 0) {
    throw InvalidArgument(
        "pulse fit: the data need LTP and LTD pulses (or give --pulses and "
        "--pulses-ltd)");
  }
  ps.geo.p_ltp = ps.p_ltp;
  ps.geo.p_ltd = ps.p_ltd;
  return ps;
}

// Randomised probability integral transform of one read y after a pulse with noiseless mean mu
// (Dunn & Smyth 1996): Φ((y − μ)/σ) inside the bounds, uniform over the clipped mass (v) at a
// bound; z = Φ⁻¹(u) is N(0, 1) under the model.
double randomised_pit(const Theta& t, double mu, double sigma, double y, double v) {
  double u = 0.5;
  if (sigma > 0.0) {
    const double lower = standard_normal_cdf((t.g_min - mu) / sigma);
    const double upper = standard_normal_cdf((t.g_max - mu) / sigma);
    if (y >= t.g_max) {
      u = upper + (1.0 - upper) * v;
    } else if (y <= t.g_min) {
      u = lower * v;
    } else {
      u = standard_normal_cdf((y - mu) / sigma);
    }
  }
  u = std::clamp(u, 1e-300, 1.0 - 1e-16);
  return boost::math::quantile(boost::math::normal_distribution<double>(), u);
}

// Goodness of fit (the randomised PIT of every read after a pulse, grouped by the previous read)
// and the per-row series of the report: device, pulse, read, noiseless path, z.
void pulse_residuals(const PulseData& data, const PulseSeries& ps, const Solution& best,
                     const BootstrapOptions& bootstrap, PulseFit& fit) {
  const std::size_t n_rows = data.conductance_siemens.size();
  const auto& rows = ps.devices.rows;
  std::vector<double> z, order;
  fit.row_device.resize(n_rows);
  fit.row_pulse.resize(n_rows);
  fit.row_g_siemens.resize(n_rows);
  fit.row_path_siemens.resize(n_rows);
  fit.row_z.assign(n_rows, kNaN);
  for (std::size_t d = 0; d < rows.size(); ++d) {
    const Theta& t = best.devices[d].theta;
    const Series& s = ps.series[d];
    const RandomStream pit =
        fit_stream(bootstrap.seed, BootstrapSubstream::pulse_pit, static_cast<std::uint32_t>(d), 0);
    double path = s.g[0];
    for (std::size_t k = 0; k < rows[d].size(); ++k) {
      const std::size_t r = rows[d][k];
      fit.row_device[r] = d;
      fit.row_pulse[r] = data.pulse[r];
      fit.row_g_siemens[r] = data.conductance_siemens[r];
      if (k > 0) path = step_mean(t, path, s.polarity[k], ps.geo.p_ltp, ps.geo.p_ltd);
      fit.row_path_siemens[r] = path * ps.scale;
      if (k == 0) continue;
      const double mu = step_mean(t, s.g[k - 1], s.polarity[k], ps.geo.p_ltp, ps.geo.p_ltd);
      fit.row_z[r] = randomised_pit(t, mu, best.sigma, s.g[k], pit.uniform_at(k));
      z.push_back(fit.row_z[r]);
      order.push_back(s.g[k - 1]);
    }
  }
  fit.residuals = residual_report(z, order);
}

// Parametric bootstrap: every device drawn from the fitted population (with one device, its own
// fit), its reads simulated with the measured pulse sequence and first read, everything
// refitted; the spreads deconvolved with the same estimation variances as the data's.
// Estimates per replicate: in the order of field::Index.
BootstrapDraws bootstrap_population(const PulseSeries& ps, const Solution& best,
                                    const Summary& summary, const PulseFit& fit,
                                    const BootstrapOptions& options) {
  const auto& series = ps.series;
  std::vector<Series> replicate = series;
  auto refit = [&](const BootstrapReplicate& r) {
    const RandomStream population = r.stream(BootstrapSubstream::pulse_devices);
    for (std::size_t d = 0; d < series.size(); ++d) {
      const Theta t = series.size() >= 2 ? draw_device(summary, ps.scale, population, d)
                                         : best.devices[d].theta;
      std::vector<double> z(series[d].g.size());
      r.stream(BootstrapSubstream::pulse_noise, static_cast<std::uint32_t>(d)).normal(z);
      Series& s = replicate[d];
      s.g[0] = std::clamp(series[d].g[0], t.g_min, t.g_max);
      for (std::size_t k = 1; k < s.g.size(); ++k) {
        const double mu = step_mean(t, s.g[k - 1], s.polarity[k], ps.geo.p_ltp, ps.geo.p_ltd);
        s.g[k] = std::clamp(mu + best.sigma * z[k], t.g_min, t.g_max);
      }
    }
    const Solution sol = solve_all(replicate, ps.geo, &best);
    auto devices = device_fits(replicate, ps.geo, sol, ps.scale);
    for (std::size_t d = 0; d < devices.size(); ++d) {
      devices[d].se_g_min_siemens = fit.devices[d].se_g_min_siemens;
      devices[d].se_g_max_siemens = fit.devices[d].se_g_max_siemens;
      devices[d].se_nl_ltp = fit.devices[d].se_nl_ltp;
      devices[d].se_nl_ltd = fit.devices[d].se_nl_ltd;
    }
    const Summary e = summarise(devices, sol.sigma * ps.scale);
    return std::vector<double>{
        e.g_min,      e.g_max,      e.nl_ltp,    e.nl_ltd,   e.sigma, e.sigma / (e.g_max - e.g_min),
        e.d2d_nl_ltp, e.d2d_nl_ltd, e.d2d_g_max, e.d2d_g_min};
  };
  return run_bootstrap("pulse fit", options, field::count, refit);
}

// The curve parameters are biased in small samples (a read is regressed on the previous read:
// the autoregressive-slope bias of Hurwicz 1950), so their estimates are bias-corrected with the
// bootstrap, 2θ̂ − mean θ*, and their intervals are basic (reverse-percentile) intervals
// [2θ̂ − q_hi, 2θ̂ − q_lo], which carry the same correction; both bounded to [lowest, highest].
Estimate bias_corrected(double value, const std::vector<double>& draws, double confidence,
                        double lowest, double highest) {
  if (draws.empty() || std::isnan(value)) return Estimate{value, {kNaN, kNaN}};
  double mean = 0.0;
  for (double x : draws) mean += x;
  mean /= static_cast<double>(draws.size());
  const Interval q = percentile_interval(draws, confidence);
  auto bound = [&](double x) { return std::clamp(x, lowest, highest); };
  return Estimate{bound(2.0 * value - mean),
                  {bound(2.0 * value - q.upper), bound(2.0 * value - q.lower)}};
}

// A label corrected in u = P_max/A, where the estimates are closer to normal with a spread that
// does not depend on the curve (the slope of the one-step map is e^(−u/P)); the label is
// monotone in u, so the interval maps back.
Estimate bias_corrected_label(double value, const std::vector<double>& labels, double confidence) {
  std::vector<double> u_draws;
  for (double x : labels) u_draws.push_back(u_of_label(std::clamp(x, -kLabelClamp, kLabelClamp)));
  const Estimate u = bias_corrected(u_of_label(value), u_draws, confidence, -kMaxU, kMaxU);
  auto label = [](double x) { return std::isnan(x) ? x : label_of_u(x); };
  return Estimate{label(u.value), {label(u.interval.lower), label(u.interval.upper)}};
}

// A = a P_max from the label; its interval maps the label's (monotone on each side of 0).
Estimate a_estimate(const Estimate& nl, double pulses) {
  auto a_of = [&](double label) {
    return std::abs(label) < kMaxNonlinearityLabel ? normalised_a(label) * pulses : kNaN;
  };
  Estimate a{a_of(nl.value), {kNaN, kNaN}};
  const Interval& ci = nl.interval;
  if (ci.lower * ci.upper > 0.0) a.interval = {a_of(ci.upper), a_of(ci.lower)};
  if (a.interval.lower > a.interval.upper) std::swap(a.interval.lower, a.interval.upper);
  return a;
}

// The estimates with their intervals: curve parameters bias-corrected, the spreads (bounded at
// 0) with their raw estimates and percentile intervals.
void pulse_intervals(const Summary& summary, const BootstrapDraws& draws, PulseFit& fit) {
  const double c = draws.confidence;
  auto corrected = [&](double value, field::Index f) {
    return bias_corrected(value, draws.values[f], c, 0.0, kInf);
  };
  auto percentile = [&](double value, field::Index f) {
    if (std::isnan(value)) return Estimate{kNaN, {kNaN, kNaN}};
    return draws.estimate(f, value);
  };
  fit.g_min_siemens = corrected(summary.g_min, field::g_min);
  fit.g_max_siemens = corrected(summary.g_max, field::g_max);
  fit.nl_ltp = bias_corrected_label(summary.nl_ltp, draws.values[field::nl_ltp], c);
  fit.nl_ltd = bias_corrected_label(summary.nl_ltd, draws.values[field::nl_ltd], c);
  fit.sigma_siemens = corrected(summary.sigma, field::sigma);
  fit.c2c = corrected(summary.sigma / (summary.g_max - summary.g_min), field::c2c);
  fit.d2d_nl_ltp = percentile(summary.d2d_nl_ltp, field::d2d_ltp);
  fit.d2d_nl_ltd = percentile(summary.d2d_nl_ltd, field::d2d_ltd);
  fit.d2d_g_max_siemens = percentile(summary.d2d_g_max, field::d2d_max);
  fit.d2d_g_min_siemens = percentile(summary.d2d_g_min, field::d2d_min);
  fit.a_ltp = a_estimate(fit.nl_ltp, fit.pulses_ltp);
  fit.a_ltd = a_estimate(fit.nl_ltd, fit.pulses_ltd);
}

}  // namespace

PulseFit fit_pulse(const PulseData& data, const PulseFitOptions& options) {
  check_bootstrap_options(options.bootstrap);
  const PulseSeries ps = pulse_series(data, options);
  PulseFit fit;
  fit.rows = data.conductance_siemens.size();
  fit.pulses_ltp = ps.p_ltp;
  fit.pulses_ltd = ps.p_ltd;
  fit.confidence = options.bootstrap.confidence;
  const Solution best = solve_all(ps.series, ps.geo, nullptr);
  fit.devices = device_fits(ps.series, ps.geo, best, ps.scale);
  for (std::size_t d = 0; d < fit.devices.size(); ++d) fit.devices[d].device = ps.devices.names[d];
  if (options.bootstrap.replicates > 0 && fit.devices.size() >= 2) {
    conditional_errors(ps.series, ps.geo, best, ps.scale, options.bootstrap, kConditionalReplicates,
                       fit.devices);
  }
  const Summary summary = summarise(fit.devices, best.sigma * ps.scale);
  double ss = 0.0;
  for (const auto& d : best.devices) {
    ss += d.ss;
    fit.pulses += d.n;
  }
  fit.rms_residual_siemens = std::sqrt(ss / static_cast<double>(fit.pulses)) * ps.scale;
  pulse_residuals(data, ps, best, options.bootstrap, fit);

  const BootstrapDraws draws = bootstrap_population(ps, best, summary, fit, options.bootstrap);
  fit.failed_replicates = draws.failed;
  fit.replicates = draws.used();
  pulse_intervals(summary, draws, fit);
  return fit;
}

std::string format_report(const PulseFit& fit) {
  std::string text;
  const std::size_t clipped = static_cast<std::size_t>(
      std::count_if(fit.devices.begin(), fit.devices.end(),
                    [](const auto& d) { return d.g_min_clipped || d.g_max_clipped; }));
  text += fmt::format(
      "pulse response: {} device{}, {} reads after pulses; NeuroSim curves G(P) = B (1 - "
      "exp(-P/A)) + G_min with P_max = {} (LTP), {} (LTD); each read predicted from the previous "
      "one\n",
      fit.devices.size(), fit.devices.size() == 1 ? "" : "s", fit.pulses, fit.pulses_ltp,
      fit.pulses_ltd);
  if (clipped > 0) {
    text += fmt::format(
        "{} device{} with reads clipped at G_min or G_max (that bound is taken "
        "from the clipped reads)\n",
        clipped, clipped == 1 ? "" : "s");
  }
  text += fmt::format(
      "parameter       estimate        {:g}% interval (parametric bootstrap, B = {}; curve "
      "parameters bias-corrected, basic intervals)\n",
      100.0 * fit.confidence, fit.replicates);
  auto g_line = [&](const char* name, const Estimate& e) {
    text += fmt::format("  {:<13} {:>12}    [{}, {}]\n", name, g_text(e.value),
                        g_text(e.interval.lower), g_text(e.interval.upper));
  };
  auto n_line = [&](const char* name, const Estimate& e, int digits) {
    text += fmt::format("  {:<13} {:>12.{}f}    {}\n", name, e.value, digits,
                        interval_text(e.interval, 1.0, digits));
  };
  g_line("G_min", fit.g_min_siemens);
  g_line("G_max", fit.g_max_siemens);
  n_line("NL_LTP", fit.nl_ltp, 4);
  n_line("NL_LTD", fit.nl_ltd, 4);
  n_line("A_LTP (pulses)", fit.a_ltp, 3);
  n_line("A_LTD (pulses)", fit.a_ltd, 3);
  g_line("sigma (C2C)", fit.sigma_siemens);
  n_line("c2c", fit.c2c, 5);
  if (fit.devices.size() >= 2) {
    text +=
        "device-to-device spread (standard deviation over devices, estimation noise removed):\n";
    n_line("d2d NL_LTP", fit.d2d_nl_ltp, 4);
    n_line("d2d NL_LTD", fit.d2d_nl_ltd, 4);
    g_line("d2d G_max", fit.d2d_g_max_siemens);
    g_line("d2d G_min", fit.d2d_g_min_siemens);
  }
  text += fmt::format("rms residual of the reads: {}\n", g_text(fit.rms_residual_siemens));
  if (fit.devices.size() > 1 && fit.devices.size() <= 20) {
    text += "per device: G_min, G_max, NL_LTP, NL_LTD\n";
    for (const auto& d : fit.devices) {
      text +=
          fmt::format("  {:<12} {:>10}{} {:>10}{} {:>8} {:>8}\n", d.device, g_text(d.g_min_siemens),
                      d.g_min_clipped ? "*" : " ", g_text(d.g_max_siemens),
                      d.g_max_clipped ? "*" : " ", label_text(d.nl_ltp), label_text(d.nl_ltd));
    }
    text += "  (* taken from clipped reads)\n";
  }
  text += report_tail(fit.failed_replicates, fit.residuals, "previous conductance");
  return text;
}

std::string device_file_toml(const PulseFit& fit, const std::string& name,
                             const std::string& source) {
  TomlWriter w =
      device_file_writer("pulse", format_report(fit), name, "pulse-nonlinear",
                         fmt::format("Pulse response fitted to {} device{}", fit.devices.size(),
                                     fit.devices.size() == 1 ? "" : "s"),
                         source);
  w.key("g_min", toml_quantity(fit.g_min_siemens.value * 1e6, "uS"));
  w.key("g_max", toml_quantity(fit.g_max_siemens.value * 1e6, "uS"));
  w.key("pulses", toml_integer(fit.pulses_ltp), "P_max of the LTP curve (not fitted)");
  w.key("pulses_ltd", toml_integer(fit.pulses_ltd), "P_max of the LTD curve (not fitted)");
  w.key("nl_ltp", toml_nine_digits(fit.nl_ltp.value));
  w.key("nl_ltd", toml_nine_digits(fit.nl_ltd.value));
  w.key("c2c", toml_nine_digits(fit.c2c.value), "sigma per pulse / (G_max - G_min)");
  if (fit.devices.size() >= 2) {
    const double d2d = std::sqrt(0.5 * (fit.d2d_nl_ltp.value * fit.d2d_nl_ltp.value +
                                        fit.d2d_nl_ltd.value * fit.d2d_nl_ltd.value));
    w.key("d2d_nl", toml_nine_digits(d2d),
          fmt::format("rms of the LTP ({:.4g}) and LTD ({:.4g}) spreads: the model has one",
                      fit.d2d_nl_ltp.value, fit.d2d_nl_ltd.value));
    w.key("d2d_g_max", toml_quantity(fit.d2d_g_max_siemens.value * 1e6, "uS"));
    w.key("d2d_g_min", toml_quantity(fit.d2d_g_min_siemens.value * 1e6, "uS"));
  }
  return w.finish();
}

}  // namespace kirchhoff::fitting
