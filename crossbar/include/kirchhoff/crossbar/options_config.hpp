// The crossbar's options from a TOML table (docs/campaigns.md, "Array workload"): the tables
// [mapping], [tile], [dac] and [adc] of `t` into MvmOptions, and `ir_drop` with [wires] into
// how the arrays respond. The array and dnn workloads read their [workload] table with these,
// and so does every other caller, so a key means the same everywhere. Every reader fails with
// ConfigError at the key ("file:line:column: key 'workload.adc.bits': ...").
//
//   const ConfigTable w = config.table("workload");
//   crossbar::MvmOptions mvm = crossbar::read_mvm_options(w, *device.model);
//   const crossbar::ArrayResponseSettings response = crossbar::read_array_response(w);
#pragma once

#include <optional>
#include <string>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/crossbar/array.hpp"
#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::crossbar {

// Mapping, tiles, DAC and ADC for arrays of `model` (the mapping range defaults to the
// model's and may not exceed its g_max). read_noise, single_precision_signal, batch_block and
// instance keep their defaults: they are the caller's. An [adc] calibration_vectors key is not
// read here: it belongs to the caller that draws a calibration batch.
[[nodiscard]] MvmOptions read_mvm_options(const ConfigTable& t, const devices::DeviceModel& model);

// How the arrays respond to their input voltages (`ir_drop`, [wires]): ideal (T = Gᵀ), or with
// the wire resistances solved exactly (nodal analysis, ir_drop.hpp) or to first order in them
// (docs/crossbar.md). The wires are read with any ir_drop, so one file can sweep it.
struct ArrayResponseSettings {
  enum class IrDrop { none, exact, approx } ir_drop = IrDrop::none;
  WireResistances wires;

  // Each physical array (G⁺ and G⁻ of every tile) is solved as the array it is; the engine
  // subtracts. The exact solver is built per array and call, so trials share nothing: line
  // relaxation + CG (LineIrDropSolver) when r_row, r_col > 0, else the sparse Cholesky solver.
  [[nodiscard]] ArrayResponse response() const;
  // For ir_drop = "exact" with r_row, r_col > 0: arrays that solve each block of voltages by
  // line relaxation + CG (LineIrDropSolver) instead of building T, cheaper when a read time
  // multiplies fewer vectors than the array has rows. Nothing otherwise.
  [[nodiscard]] std::optional<ArrayBatchResponse> batch_response() const;
  [[nodiscard]] const char* name() const noexcept;
  // For plans and descriptions: "IR drop none", or "IR drop exact (wires r_row 1 Ohm, r_col
  // 1 Ohm, r_driver 0 Ohm, r_sense 0 Ohm)".
  [[nodiscard]] std::string describe() const;
  // With ir_drop = "approx": a warning when the approximation's own estimate of its relative
  // error (estimate_approximation_error, cells at the middle of [g_min, g_max] on rows × cols
  // tiles) exceeds kApproximationWarningError; nothing otherwise.
  [[nodiscard]] std::optional<std::string> approximation_warning(Eigen::Index rows,
                                                                 Eigen::Index cols, double g_min,
                                                                 double g_max) const;
  // The same for the tiles and mapping range of `mvm` (the model's range where the mapping leaves
  // it at 0, 0).
  [[nodiscard]] std::optional<std::string> approximation_warning(
      const MvmOptions& mvm, const devices::DeviceModel& model) const;
  static constexpr double kApproximationWarningError = 0.01;
};
[[nodiscard]] ArrayResponseSettings read_array_response(const ConfigTable& t);

}  // namespace kirchhoff::crossbar
