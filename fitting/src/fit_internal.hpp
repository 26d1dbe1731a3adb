// Helpers shared by the fits (fit.cpp, fit_read_noise.cpp, fit_pulse.cpp, fit_drift_form.cpp,
// fit_report.cpp); not installed.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/fitting/fit.hpp"

namespace kirchhoff::fitting::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Substreams of StreamId::fit_bootstrap (docs/fitting.md): each fit its own, so that adding one
// never changes the draws of another.
enum BootstrapSubstream : std::uint32_t {
  programming = 0,
  drift_table = 1,
  read_noise = 2,
  pulse_noise = 3,    // point = device
  pulse_devices = 4,  // element = device
  drift_form = 5,
  pulse_pit = 6,          // randomised PIT of clipped reads (goodness of fit, not the bootstrap)
  pulse_conditional = 7,  // point = device: each device re-simulated at its own fit
};

std::string g_text(double s);

// Gaussian likelihood with a polynomial standard deviation, in units of g_max:
// r_i ~ N(β, σ(x_i)²), σ(x) = Σ_k a_k x^k (the programming fit, and the read-noise polynomial).
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

// 2.5 % and 97.5 % (for confidence 0.95) percentiles; NaN bounds for no values.
Interval percentile_interval(std::vector<double> values, double confidence);
RandomStream bootstrap_stream(const BootstrapOptions& options, std::uint32_t point,
                              std::uint32_t replicate, std::uint32_t substream);
void check_bootstrap(const BootstrapOptions& b);

// μ_ν and σ_ν of the devices `members` of one bin, with exponents nu and standard errors se
// (NaN: unknown): σ_ν² = max(var ν − mean se², 0) when every se is known.
struct BinEstimate {
  double mean = 0.0, std = 0.0;
};
BinEstimate estimate_bin(const std::vector<std::size_t>& members, std::span<const double> nu,
                         std::span<const double> se);

// The PCM-form curves of a drift fit whose devices and bins are done (fit_drift_form.cpp);
// members[b] are the devices of bin b.
DriftFormFit fit_drift_form(const DriftFit& fit,
                            const std::vector<std::vector<std::size_t>>& members,
                            const BootstrapOptions& bootstrap);

// Report text helpers.
std::string interval_text(const Interval& ci, double scale, int digits);
std::string residual_lines(const ResidualReport& r, const std::string& what);
std::string commented(const std::string& report);
// The end of every fit report: the bootstrap refits left out (if any) and the residual checks.
std::string report_tail(std::size_t failed_replicates, const ResidualReport& residuals,
                        const std::string& what);
// The start of every fitted device file: which command wrote it, its report as comments, then
// name, model, description and source (a blank line after).
std::string device_file_header(const std::string& command, const std::string& report,
                               const std::string& name, const std::string& model,
                               const std::string& description, const std::string& source);
std::string toml_string(const std::string& s);
std::string number_list(const std::vector<double>& values);

}  // namespace kirchhoff::fitting::detail
