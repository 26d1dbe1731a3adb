// Helpers shared by the fit kinds (fit_programming.cpp, fit_drift.cpp, fit_drift_form.cpp,
// fit_read_noise.cpp, fit_pulse.cpp) and their reports; not installed.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/toml_writer.hpp"
#include "kirchhoff/fitting/bootstrap.hpp"
#include "kirchhoff/fitting/fit.hpp"

namespace kirchhoff::fitting::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A conductance for messages and reports ("2.5 uS").
std::string g_text(double s);

// The rows of each device, devices in order of first appearance (names[d], rows[d] in file
// order).
struct DeviceRows {
  std::vector<std::string> names;
  std::vector<std::vector<std::size_t>> rows;
};
DeviceRows rows_by_device(std::span<const std::string> device);

// `count` points evenly spaced from low to high (both included): the check points of reports.
std::vector<double> evenly_spaced(double low, double high, int count = 5);
// `count` points log-spaced from low·scale to high·scale: low·scale·(high/low)^(k/(count − 1)).
std::vector<double> log_spaced(double low, double high, double scale, int count = 48);

// ---- sigma_polynomial.cpp: Gaussian likelihood with a polynomial standard deviation ----------

// In units of g_max: r_i ~ N(β, σ(x_i)²), σ(x) = Σ_k a_k x^k (the programming fit, and the
// read-noise polynomial).
struct SigmaPolynomialProblem {
  std::vector<double> x, r;
  unsigned degree = 2;
  bool bias = false;
  std::string what = "programming fit";  // for messages
};

struct SigmaPolynomialSolution {
  Eigen::VectorXd a;  // σ coefficients (units of g_max)
  double beta = 0.0;
  double nll = 0.0;  // Σ ln σ_i + (r_i − β)²/(2σ_i²), without the constant
};

double poly(const Eigen::VectorXd& a, double x);
// Maximum likelihood by Fisher scoring (step halving keeps σ > 0 at every point and never lets
// the likelihood fall); `start` warm-starts it (bootstrap refits). NumericalError when no
// starting point has σ > 0 everywhere or the information is singular.
SigmaPolynomialSolution solve_sigma_polynomial(const SigmaPolynomialProblem& problem,
                                               const SigmaPolynomialSolution* start);

// ---- fit_drift.cpp, fit_drift_form.cpp -----------------------------------------------------

// μ_ν and σ_ν of the devices `members` of one bin, with exponents nu and standard errors se
// (NaN: unknown): σ_ν² = max(var ν − mean se², 0) when every se is known.
struct BinEstimate {
  double mean = 0.0, std = 0.0;
};
BinEstimate estimate_bin(const std::vector<std::size_t>& members, std::span<const double> nu,
                         std::span<const double> se);

// The PCM-form curves of a drift fit whose devices and bins are done; members[b] are the
// devices of bin b.
DriftFormFit fit_drift_form(const DriftFit& fit,
                            const std::vector<std::vector<std::size_t>>& members,
                            const BootstrapOptions& bootstrap);
// The PCM form's part of the drift report.
std::string drift_form_report(const DriftFormFit& form, double g_max_siemens, double confidence);

// ---- report_text.cpp: the text reports and the device files -------------------------------

// "[0.17760, 0.27144]" in units of `scale`, or "(no interval)".
std::string interval_text(const Interval& ci, double scale, int digits);
// The goodness-of-fit lines; `what` orders the groups ("target").
std::string residual_lines(const ResidualReport& r, const std::string& what);
// The end of every fit report: the bootstrap refits left out (if any) and the residual checks.
std::string report_tail(std::size_t failed_replicates, const ResidualReport& residuals,
                        const std::string& what);

// The start of every fitted device file: which command wrote it and its report as comments,
// name, model, description and source, then the [parameters] table, ready for the fit's keys.
TomlWriter device_file_writer(std::string_view command, std::string_view report,
                              std::string_view name, std::string_view model,
                              std::string_view description, std::string_view source);
// Device files keep nine significant digits, as they always have: the value rounded to them
// (the double nearest its "{:.9g}" text) and written in shortest round-trip form.
double nine_digits(double value);
std::string toml_nine_digits(double value);
std::string toml_nine_digits(std::span<const double> values);  // an array
// A quantity with its unit as a TOML string, the number to nine significant digits:
// toml_quantity(25e-6 * 1e6, "uS") = "\"25uS\"".
std::string toml_quantity(double value, std::string_view unit);
// An array of TOML value texts: "[a, b]".
std::string toml_array(std::span<const std::string> value_texts);

}  // namespace kirchhoff::fitting::detail
