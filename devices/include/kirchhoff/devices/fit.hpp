// Fitting device models to measurements (docs/fitting.md): programming noise and drift, with
// parametric-bootstrap confidence intervals (StreamId::fit_bootstrap, trial = replicate) and
// goodness-of-fit reports, written as device files of the generic model.
//
// Programming noise. With x = g_T/g_max and r = g_P − g_T, the model is
//   r ~ N(β g_max, σ_P(x)²),   σ_P(x) = Σ_{k=0..K} c_k x^k   (c_k in S; β = 0 without bias)
// fitted by maximum likelihood (Fisher scoring on c, exact weighted mean for β, step halving
// keeping σ_P > 0 at every data point). Goodness of fit: Kolmogorov–Smirnov test of the
// standardised residuals z = (r − β g_max)/σ_P(x) against N(0, 1) (asymptotic Kolmogorov
// distribution with Stephens' small-sample correction; conservative, since the parameters are
// estimated from the same data), their moments, and their standard deviation in five equal-count
// groups of targets (≈ 1 each when the shape of σ_P(x) is right).
//
// Drift. Per device, ν and ln g(t_0) by least squares of ln G on ln(t/t_0) (≥ 2 times); then per
// conductance bin μ_ν = mean ν and σ_ν² = max(var ν − mean se², 0), se the standard error of each
// device's ν (devices with ≥ 3 times; with 2 times se is unknown and nothing is subtracted).
// Bootstrap: ν* = μ_ν + sqrt(σ_ν² + se²) z per device, re-estimated the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/devices/measurements.hpp"

namespace kirchhoff::devices {

// A point estimate with its bootstrap percentile interval.
struct Estimate {
  double value = 0.0;
  Interval interval;
};

struct BootstrapOptions {
  std::uint32_t replicates = 200;  // B; 0 = no intervals (both bounds NaN)
  std::uint64_t seed = 1;
  double confidence = 0.95;
};

struct ProgrammingFitOptions {
  double g_max_s = 0.0;  // normalisation of x; 0 = the largest target in the data
  unsigned degree = 2;   // K, 0..6
  bool bias = false;     // fit a mean offset β (else β = 0)
  BootstrapOptions bootstrap;
};

// Residual checks of standardised residuals z (against N(0, 1)).
struct ResidualReport {
  std::size_t n = 0;
  double ks_statistic = 0.0;  // sup |F_n − Φ|
  double ks_p_value = 0.0;
  double mean = 0.0, std = 0.0, skewness = 0.0, excess_kurtosis = 0.0;
  // Standard deviation of z in five equal-count groups ordered by target (low to high).
  std::vector<double> std_by_target;
};

struct ProgrammingFit {
  std::size_t n = 0;
  double g_max_s = 0.0;
  unsigned degree = 0;
  std::vector<Estimate> coefficients_s;  // c_0 .. c_K (S)
  bool has_bias = false;
  Estimate bias_s;  // β g_max (S); 0 without bias
  double log_likelihood = 0.0;
  ResidualReport residuals;
  double confidence = 0.95;
  std::uint32_t replicates = 0;         // bootstrap replicates used
  std::uint32_t failed_replicates = 0;  // refits that did not converge (left out)
  // σ_P at these targets (S), with intervals: five points spread over the measured range.
  std::vector<double> check_targets_s;
  std::vector<Estimate> check_sigma_s;

  // σ_P(g_T/g_max) (may be <= 0 outside the measured range).
  [[nodiscard]] double sigma_s(double target_s) const;
};

// Fits programming noise to (target, programmed) pairs (S). Throws InvalidArgument for bad
// options or sizes, NumericalError when the likelihood cannot be maximised.
ProgrammingFit fit_programming(std::span<const double> target_s,
                               std::span<const double> programmed_s,
                               const ProgrammingFitOptions& options = {});

struct DriftFitOptions {
  double t0_s = 0.0;     // drift reference time; 0 = the earliest time in the data
  double g_max_s = 0.0;  // for the device file; 0 = the largest target
  // Conductance bins of the ν table: 0 = one per distinct target when there are at most 12,
  // else 6 equal-count bins; n = n equal-count bins by target.
  std::size_t bins = 0;
  BootstrapOptions bootstrap;
};

struct DeviceDrift {
  std::string device;
  double target_s = 0.0;
  std::size_t times = 0;
  double nu = 0.0;
  double nu_se = 0.0;  // NaN with 2 times
  double g0_s = 0.0;   // fitted conductance at t_0
};

struct DriftBin {
  double g_s = 0.0;  // mean target of its devices: the table point
  double g_low_s = 0.0, g_high_s = 0.0;
  std::size_t devices = 0;
  Estimate nu_mean;
  Estimate nu_std;
};

struct DriftFit {
  double t0_s = 0.0;
  double g_max_s = 0.0;
  std::size_t points = 0;
  std::vector<DeviceDrift> devices;  // in order of first appearance
  std::vector<DriftBin> bins;        // by increasing conductance
  double log_residual_rms = 0.0;     // rms of the per-device ln G residuals (0 with 2 times)
  ResidualReport residuals;          // of (ν − μ_ν)/sqrt(σ_ν² + se²) over all devices
  double confidence = 0.95;
  std::uint32_t replicates = 0;
};

DriftFit fit_drift(const DriftData& data, const DriftFitOptions& options = {});

// Human-readable reports (one line per parameter with its interval, then goodness of fit);
// every line ends in '\n'.
std::string format_report(const ProgrammingFit& fit);
std::string format_report(const DriftFit& fit);

// Device files in the preset format, model "generic", with the report as '#' comments:
//   programming: g_max, clip = false, programming_sigma_polynomial = [c_k / g_max], and
//                programming_bias = β when fitted;
//   drift: g_max, clip = false, t0, drift_g, drift_nu_mean, drift_nu_std.
// `name` goes into `name`, `source` into `source` (e.g. the data file).
std::string device_file_toml(const ProgrammingFit& fit, const std::string& name,
                             const std::string& source);
std::string device_file_toml(const DriftFit& fit, const std::string& name,
                             const std::string& source);

// The p-value of the Kolmogorov–Smirnov statistic D of a sample of n against a fully specified
// continuous distribution: Q((√n + 0.12 + 0.11/√n) D), Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}
// (Stephens 1970; Numerical Recipes §14.3).
[[nodiscard]] double kolmogorov_smirnov_p_value(double d, std::size_t n);
// Residual checks of z against N(0, 1), with `order` (e.g. the targets) ordering the groups.
[[nodiscard]] ResidualReport residual_report(std::span<const double> z,
                                             std::span<const double> order);

}  // namespace kirchhoff::devices
