#include "kirchhoff/cost/input_encoding.hpp"

#include <cmath>

namespace kirchhoff::cost {

std::uint32_t slice_magnitude_bits(const crossbar::DacOptions& dac) noexcept {
  if (dac.slice_bits > 0) return dac.slice_bits;
  return dac.coding == crossbar::Coding::sign_magnitude ? dac.bits - 1 : dac.bits;
}

double integration_window_s(const DacTechnology& tech, const crossbar::DacOptions& dac) {
  if (tech.encoding == InputEncoding::amplitude) return tech.integration_time_s;
  // The longest pulse: code 2^m − 1 lasts as many clock periods.
  return (std::exp2(static_cast<double>(slice_magnitude_bits(dac))) - 1.0) / tech.pwm_clock_hz;
}

double drive_factor(InputEncoding encoding, double fraction) noexcept {
  return encoding == InputEncoding::pwm ? fraction : fraction * fraction;
}

double drive_fraction(const crossbar::DacOptions& dac, double x, std::uint32_t p) {
  return std::abs(dac.slice_voltage(x, p)) / dac.v_read_v;
}

}  // namespace kirchhoff::cost
