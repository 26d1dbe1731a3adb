// Closed-loop program-and-verify: program, read back, reprogram the cells outside a tolerance
// band, up to an iteration cap (the IBM 64-core PCM chip uses at most 30 iterations
// [Le Gallo et al., Nat. Electron. 6:680, 2023]). Each verify read carries the model's read
// noise, so the achievable error is bounded by read noise, as on hardware. Works with every
// DeviceModel: a reprogramming is a fresh programming attempt (attempt k draws its programming
// error from substream k), kept only for the cells that failed verification.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

// ReadTime::index reserved for verify reads, so that time-dependent random state drawn at a
// verify read is never the state of a campaign's read time.
inline constexpr std::uint32_t kVerifyTimeIndex = kMaxSubstream;

struct WriteVerifyOptions {
  // Acceptance band around the target: |g_verify − g_target| <= max(tolerance_siemens,
  // relative_tolerance · g_target). At least one must be > 0.
  double tolerance_siemens = 0.0;
  double relative_tolerance = 0.0;
  std::uint32_t max_iterations = 30;  // programming attempts per cell, >= 1
  double verify_time_s = 1e-6;        // time after programming of each verify read

  void validate() const;  // InvalidArgument naming the option
};

struct WriteVerifyResult {
  ProgrammedCells cells;
  std::vector<std::uint32_t> iterations;  // programming attempts used per cell, 1..max_iterations
  std::vector<double> verify_error_siemens;  // last verify reading minus target, per cell
  std::vector<std::uint8_t> converged;       // 1 when the last verify reading was inside the band
  std::size_t unconverged_cells = 0;
  double mean_iterations = 0.0;

  [[nodiscard]] bool all_converged() const noexcept { return unconverged_cells == 0; }
  // Throws NumericalError ("write-verify: 12 of 1000 cells outside the band after 30
  // iterations ...") unless every cell converged.
  void require_converged(const WriteVerifyOptions& options) const;
};

WriteVerifyResult write_verify(const DeviceModel& model, std::span<const double> targets_siemens,
                               const CellAddress& address, const WriteVerifyOptions& options);

}  // namespace kirchhoff::devices
