// Reading workload keys (private to montecarlo/): checked numbers and choices, and the crossbar
// tables [workload.mapping], [workload.tile], [workload.dac], [workload.adc] shared by the
// array and dnn workloads (docs/campaigns.md). Every reader fails with ConfigError at the key.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::montecarlo {

// An integer key in [lo, hi] (fallback when absent).
Eigen::Index get_count(const ConfigTable& t, const char* key, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi);
Eigen::Index get_required_count(const ConfigTable& t, const char* key, std::int64_t lo,
                                std::int64_t hi);
// One of a list of names; returns its position.
std::size_t get_choice(const ConfigTable& t, const char* key, const char* fallback,
                       std::initializer_list<std::string_view> choices);
double get_finite(const ConfigTable& t, const char* key, double fallback);
// A number >= 0 (or > 0 when `positive`).
double get_nonnegative(const ConfigTable& t, const char* key, double fallback,
                       bool positive = false);
// A key that only means something in another setting: refuse it there with a reason.
void reject_unless(const ConfigTable& t, const char* key, bool allowed, std::string_view why);

// Runs an options validate() that throws InvalidArgument and reports it at the table.
template <class F>
void check_table(const ConfigTable& t, F&& validate) {
  try {
    validate();
  } catch (const InvalidArgument& e) {
    t.fail_table(e.what());
  }
}

// The crossbar options of a workload table `w` for arrays of `model`: mapping, tiles, DAC and
// ADC (read_noise and batch_block keep their defaults). calibration_vectors receives
// [workload.adc] calibration_vectors (only allowed with range_mode = "calibrated").
crossbar::MvmOptions read_mvm_options(const ConfigTable& w, const devices::DeviceModel& model,
                                      Eigen::Index* calibration_vectors);

// How the arrays respond to their input voltages ([workload] ir_drop, [workload.wires]): ideal
// (T = Gᵀ), or with the wire resistances solved exactly (nodal analysis, crossbar/ir_drop.hpp)
// or to first order in them (docs/crossbar.md). The wires are read with any ir_drop, so one file
// can sweep it.
struct ArrayResponseSettings {
  enum class IrDrop { none, exact, approx } ir_drop = IrDrop::none;
  crossbar::WireResistances wires;

  // Each physical array (G⁺ and G⁻ of every tile) is solved as the array it is; the engine
  // subtracts. The exact solver is built per array and call, so trials share nothing.
  [[nodiscard]] crossbar::ArrayResponse response() const;
  [[nodiscard]] const char* name() const noexcept;
};
ArrayResponseSettings read_array_response(const ConfigTable& w);

}  // namespace kirchhoff::montecarlo
