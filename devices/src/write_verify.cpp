#include "kirchhoff/devices/write_verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::devices {

void WriteVerifyOptions::validate() const {
  if (!(tolerance_siemens >= 0.0) || !(relative_tolerance >= 0.0) ||
      !std::isfinite(tolerance_siemens) || !std::isfinite(relative_tolerance)) {
    throw InvalidArgument(fmt::format(
        "write-verify tolerances must be finite and >= 0, got tolerance {} S, relative {}",
        tolerance_siemens, relative_tolerance));
  }
  if (tolerance_siemens == 0.0 && relative_tolerance == 0.0) {
    throw InvalidArgument(
        "write-verify needs a tolerance band: tolerance or relative_tolerance > 0");
  }
  if (max_iterations < 1) throw InvalidArgument("write-verify max_iterations must be >= 1, got 0");
  if (!(std::isfinite(verify_time_s) && verify_time_s >= 0.0)) {
    throw InvalidArgument(
        fmt::format("write-verify verify_time must be finite and >= 0 s, got {}", verify_time_s));
  }
}

void WriteVerifyResult::require_converged(const WriteVerifyOptions& options) const {
  if (all_converged()) return;
  throw NumericalError(fmt::format(
      "write-verify: {} of {} cells outside the band (max({}, {} x target)) after {} iterations",
      unconverged_cells, cells.size(),
      format_quantity(options.tolerance_siemens, Dimension::conductance),
      options.relative_tolerance, options.max_iterations));
}

WriteVerifyResult write_verify(const DeviceModel& model, std::span<const double> targets_siemens,
                               const CellAddress& address, const WriteVerifyOptions& options) {
  options.validate();
  WriteVerifyResult result;
  result.cells = model.program(targets_siemens, address, 0);
  ProgrammedCells& cells = result.cells;
  const std::size_t n = cells.size();
  result.iterations.assign(n, 1);
  result.verify_error_siemens.assign(n, 0.0);
  result.converged.assign(n, 0);

  const ReadTime verify_time{options.verify_time_s, kVerifyTimeIndex};
  std::vector<double> reading(n);
  std::size_t pending = n;
  for (std::uint32_t iteration = 0; pending > 0; ++iteration) {
    model.read(cells, verify_time, iteration, reading, StreamId::write_verify);
    pending = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (result.converged[i]) continue;
      const double band =
          std::max(options.tolerance_siemens, options.relative_tolerance * cells.target_siemens[i]);
      result.verify_error_siemens[i] = reading[i] - cells.target_siemens[i];
      if (std::abs(result.verify_error_siemens[i]) <= band) {
        result.converged[i] = 1;
      } else {
        ++pending;
      }
    }
    if (pending == 0 || iteration + 1 >= options.max_iterations) break;

    // Reprogram: a fresh attempt for the whole array, kept for the cells that failed.
    const ProgrammedCells retry = model.program(cells.target_siemens, address, iteration + 1);
    for (std::size_t i = 0; i < n; ++i) {
      if (result.converged[i]) continue;
      cells.programmed_siemens[i] = retry.programmed_siemens[i];
      if (!cells.drift_exponent.empty()) cells.drift_exponent[i] = retry.drift_exponent[i];
      result.iterations[i] = iteration + 2;
    }
  }
  result.unconverged_cells = pending;
  double total = 0.0;
  for (std::uint32_t k : result.iterations) total += k;
  result.mean_iterations = n ? total / static_cast<double>(n) : 0.0;
  return result;
}

}  // namespace kirchhoff::devices
