// Fitting device models to measurements (docs/fitting.md): programming noise and drift, with
// parametric-bootstrap confidence intervals (bootstrap.hpp: StreamId::fit_bootstrap, trial =
// replicate) and goodness-of-fit reports, written as device files of the generic model.
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
// With DriftForm::pcm, μ_ν(x) and σ_ν(x) are also fitted in the PCM form clamp(a ln x + b, lo, hi)
// of x = g_T/g_max [Nandakumar 2019; Joshi 2020]: μ_ν by weighted least squares over the devices
// (weights 1/(σ_ν² + se²) of each device's bin), σ_ν by least squares over the bins' σ_ν
// (weights = devices per bin), each with its two kinks profiled on a fine grid of ln x and
// refined; the kinks lie inside the measured range, so beyond it both curves are constant, as the
// tables are. Bootstrap: ν* = μ_ν(x) + sqrt(σ_ν(x)² + se²) z from the fitted curves.
//
// Read noise (fit_read_noise.hpp) and pulse response (fit_pulse.hpp) have headers of their own;
// reports for plotting are in fit_report.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/fitting/bootstrap.hpp"
#include "kirchhoff/fitting/measurements.hpp"

namespace kirchhoff::fitting {

struct ProgrammingFitOptions {
  double g_max_siemens = 0.0;  // normalisation of x; 0 = the largest target in the data
  unsigned degree = 2;         // K, 0..6
  bool bias = false;           // fit a mean offset β (else β = 0)
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
  double g_max_siemens = 0.0;
  unsigned degree = 0;
  std::vector<Estimate> coefficients_siemens;  // c_0 .. c_K (S)
  bool has_bias = false;
  Estimate bias_siemens;  // β g_max (S); 0 without bias
  double log_likelihood = 0.0;
  ResidualReport residuals;
  double confidence = 0.95;
  std::uint32_t replicates = 0;         // bootstrap replicates used
  std::uint32_t failed_replicates = 0;  // refits that did not converge (left out)
  // σ_P at these targets (S), with intervals: five points spread over the measured range.
  std::vector<double> check_targets_siemens;
  std::vector<Estimate> check_sigma_siemens;

  // σ_P(g_T/g_max) (may be <= 0 outside the measured range).
  [[nodiscard]] double sigma_siemens(double target_siemens) const;
};

// Fits programming noise to (target, programmed) pairs (S). Throws InvalidArgument for bad
// options or sizes, NumericalError when the likelihood cannot be maximised.
ProgrammingFit fit_programming(std::span<const double> target_siemens,
                               std::span<const double> programmed_siemens,
                               const ProgrammingFitOptions& options = {});

enum class DriftForm {
  table,  // μ_ν and σ_ν per conductance bin
  pcm,    // the table, and clamp(a ln x + b, lo, hi) curves fitted to it
};

struct DriftFitOptions {
  DriftForm form = DriftForm::table;
  double t0_s = 0.0;           // drift reference time; 0 = the earliest time in the data
  double g_max_siemens = 0.0;  // for the device file; 0 = the largest target
  // Conductance bins of the ν table: 0 = one per distinct target when there are at most 12,
  // else 6 equal-count bins; n = n equal-count bins by target.
  std::size_t bins = 0;
  BootstrapOptions bootstrap;
};

struct DeviceDrift {
  std::string device;
  double target_siemens = 0.0;
  std::size_t times = 0;
  double nu = 0.0;
  double nu_se = 0.0;       // NaN with 2 times
  double g0_siemens = 0.0;  // fitted conductance at t_0
};

struct DriftBin {
  double g_siemens = 0.0;  // mean target of its devices: the table point
  double g_low_siemens = 0.0, g_high_siemens = 0.0;
  std::size_t devices = 0;
  Estimate nu_mean;
  Estimate nu_std;
};

// clamp(a ln x + b, lo, hi), x = g/g_max, with bootstrap intervals of its four numbers.
struct ClampedLogCurve {
  Estimate a, b, lo, hi;
  [[nodiscard]] double operator()(double x) const;  // at the point estimates
  [[nodiscard]] std::vector<double> values() const {
    return {a.value, b.value, lo.value, hi.value};
  }
};

struct DriftFormFit {
  ClampedLogCurve mean;  // μ_ν(x)
  ClampedLogCurve std;   // σ_ν(x)
  // μ_ν and σ_ν at conductances across the measured range (S), with intervals.
  std::vector<double> check_g_siemens;
  std::vector<Estimate> check_mean, check_std;
  // The same on a grid of 48 conductances, log-spaced over the measured range (for plots).
  std::vector<double> grid_g_siemens;
  std::vector<Estimate> grid_mean, grid_std;
  ResidualReport residuals;  // of (ν − μ_ν(x))/sqrt(σ_ν(x)² + se²) over all devices
  std::uint32_t failed_replicates = 0;
};

struct DriftFit {
  DriftForm form = DriftForm::table;
  double t0_s = 0.0;
  double t_last_s = 0.0;  // the latest read time of the data: later is an extrapolation
  double g_max_siemens = 0.0;
  std::size_t points = 0;
  std::vector<DeviceDrift> devices;  // in order of first appearance
  std::vector<DriftBin> bins;        // by increasing conductance
  double log_residual_rms = 0.0;     // rms of the per-device ln G residuals (0 with 2 times)
  ResidualReport residuals;          // of (ν − μ_ν)/sqrt(σ_ν² + se²) over all devices
  double confidence = 0.95;
  std::uint32_t replicates = 0;
  std::optional<DriftFormFit> pcm;  // with DriftForm::pcm
};

DriftFit fit_drift(const DriftData& data, const DriftFitOptions& options = {});

// Human-readable reports (one line per parameter with its interval, then goodness of fit);
// every line ends in '\n'.
std::string format_report(const ProgrammingFit& fit);
std::string format_report(const DriftFit& fit);

// Device files in the preset format, model "generic", with the report as '#' comments:
//   programming: g_max, clip = false, programming_sigma_polynomial = [c_k / g_max], and
//                programming_bias = β when fitted;
//   drift: g_max, clip = false, t0, drift_g, drift_nu_mean, drift_nu_std (DriftForm::table) or
//          drift_nu_mean_log, drift_nu_std_log (DriftForm::pcm), drift_nu_absolute = false.
// `name` goes into `name`, `source` into `source` (e.g. the data file), escaped as TOML strings
// whatever they hold. Written with the TOML writer (core/toml_writer.hpp); numbers keep nine
// significant digits.
std::string device_file_toml(const ProgrammingFit& fit, const std::string& name,
                             const std::string& source);
std::string device_file_toml(const DriftFit& fit, const std::string& name,
                             const std::string& source);

// Several fits in one device file (`kirchhoff fit ... --into FILE`): the [parameters] of a
// fitted device file `addition` merged into `base` (both device-file texts with `model = ...`, of
// the same model; `base_name` names the base in messages). Keys come in families that one fit
// writes together: programming (programming_*, device_to_device_sigma), drift (t0, drift_*) and
// read noise (read_*, t_read); other keys (g_max, clip, ...) are single. A family or key of the
// addition that the base has too, with other values, is a conflict: InvalidArgument naming the
// keys unless `replace`, which removes the base's whole family (or key) first; values are
// compared as TOML values. g_max of a generic device normalises its polynomials and must agree.
// Both files are read as TOML; the base may have one table, [parameters], of `key = value`
// entries. The result keeps the base's name, the lines of its entries with their comments (as
// the TOML parser locates them), and both reports as comments; name, model, description and
// source are written anew; it is checked to load (make_device).
struct DeviceFileMerge {
  std::string text;
  std::vector<std::string> added;     // keys new to the base
  std::vector<std::string> replaced;  // keys of the base replaced or removed (with `replace`)
};
DeviceFileMerge merge_device_files(std::string_view base, std::string_view base_name,
                                   std::string_view addition, bool replace);

// Residual checks of z against N(0, 1), with `order` (e.g. the targets) ordering the groups. The
// KS statistic and its p-value are core's (statistics.hpp): the asymptotic Kolmogorov
// distribution with Stephens' correction, conservative here since the parameters are estimated
// from the same data.
[[nodiscard]] ResidualReport residual_report(std::span<const double> z,
                                             std::span<const double> order);

}  // namespace kirchhoff::fitting
