// DAC and input encoding (docs/cost.md, "DAC and input encoding").
//
// An input x of the DAC's range becomes, for each bit-serial slice p, a fraction a_p ∈ [0, 1] of
// the full drive: |V_p| / v_read of crossbar::DacOptions::slice_voltage, the same code the MVM
// engine applies. Per row and slice the cell energy factor is
//   amplitude  V = a·v_read for the window T = integration_time:      V² t = a² · v_read² · T
//   pwm        V = v_read for a·T_max, T_max = (2^m − 1) / f_clock:  V² t = a · v_read² · T_max
// with m the magnitude bits of one slice (slice_bits, else bits − 1 for sign_magnitude or bits
// for unipolar). Every row's DAC converts once per slice and read phase.
#pragma once

#include <cstdint>

#include "kirchhoff/cost/technology.hpp"
#include "kirchhoff/crossbar/periphery.hpp"

namespace kirchhoff::cost {

// The magnitude bits of one input slice (m above).
[[nodiscard]] std::uint32_t slice_magnitude_bits(const crossbar::DacOptions& dac) noexcept;

// The integration window of one slice: T_max (pwm) or the integration time (amplitude).
[[nodiscard]] double integration_window_s(const DacTechnology& tech,
                                          const crossbar::DacOptions& dac);

// V² t / (v_read² T) of one row for a drive fraction a: a (pwm) or a² (amplitude).
[[nodiscard]] double drive_factor(InputEncoding encoding, double fraction) noexcept;

// The drive fraction a_p of input x in slice p (|slice_voltage| / v_read).
[[nodiscard]] double drive_fraction(const crossbar::DacOptions& dac, double x, std::uint32_t p);

}  // namespace kirchhoff::cost
