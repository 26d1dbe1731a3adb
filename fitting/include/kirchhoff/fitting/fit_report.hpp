// Fit reports for plotting (`kirchhoff fit ... --report`, `kirchhoff plot --kind fit`): the data,
// the fitted curves on a grid with their bootstrap bands, the standardised residuals, the
// parameters with their intervals and the goodness of fit, as JSON or HDF5. Schema in
// docs/fitting.md ("Reports"); filetype "kirchhoff-fit-report", schema version 1.0.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kirchhoff/fitting/fit.hpp"
#include "kirchhoff/fitting/fit_pulse.hpp"
#include "kirchhoff/fitting/fit_read_noise.hpp"

namespace kirchhoff::fitting {

inline constexpr std::string_view kFitReportFiletype = "kirchhoff-fit-report";
inline constexpr std::int32_t kFitReportSchemaMajor = 1;
inline constexpr std::int32_t kFitReportSchemaMinor = 0;

struct ReportAxis {
  std::string name;
  std::string unit;              // SI unit ("S", "s") or "1" for dimensionless
  std::string scale = "linear";  // or "log"
};

// A named series of points; lower/upper (a confidence band) are empty or of the size of x.
struct ReportSeries {
  std::string label;
  std::vector<double> x, y, lower, upper;
};

struct ReportParameter {
  std::string name;
  std::string unit;
  double value = 0.0;
  double lower = 0.0, upper = 0.0;  // the interval; NaN when there is none
};

struct FitReport {
  std::string kind;  // programming, drift, read-noise, pulse
  std::string form;  // polynomial, table, pcm, neurosim
  std::string title;
  std::string source;  // the data file
  ReportAxis x, y;
  std::string residual_name;
  std::vector<ReportSeries> data;       // the measurements as plotted (scatter)
  std::vector<ReportSeries> curves;     // the fitted curves (lines, bands)
  std::vector<ReportSeries> residuals;  // standardised residuals against x (y holds z)
  std::vector<ReportParameter> parameters;
  std::vector<std::pair<std::string, double>> goodness_of_fit;
  double confidence = 0.95;
  std::uint32_t replicates = 0;
};

// Programming: x = target, y = g_P − g_T, curves bias ± σ_P(g_T) with bands.
FitReport fit_report(const ProgrammingFit& fit, std::span<const double> target_siemens,
                     std::span<const double> programmed_siemens, const std::string& source);
// Drift: x = target, y = ν of each device; curves μ_ν (band) and μ_ν ± σ_ν (the table's bins, or
// the PCM form on a grid).
FitReport fit_report(const DriftFit& fit, const std::string& source);
// Read noise: x = conductance, y = each device's own Q_s (or σ); the fitted Q_s(g) (or σ(g)).
FitReport fit_report(const ReadNoiseFit& fit, const std::string& source);
// Pulse: x = pulse number, y = conductance, one data series per device; curves: each device's
// noiseless path along its fitted curves from its first read.
FitReport fit_report(const PulseFit& fit, const std::string& source);

// JSON text (numbers in shortest round-trip form, NaN and infinities as null).
std::string report_json(const FitReport& report);
// An HDF5 file (h5::File::create, CreateMode::truncate): attributes at the root, groups data/,
// curves/, residuals/ with one group per series ("0", "1", ...), parameters/ and
// goodness_of_fit/ as parallel datasets.
void write_report_hdf5(const FitReport& report, const std::filesystem::path& path);

}  // namespace kirchhoff::fitting
