#include "kirchhoff/crossbar/periphery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {

void Quantizer::validate(std::string_view what) const {
  const std::uint32_t min_bits = coding == Coding::sign_magnitude ? 2 : 1;
  if (bits != 0 && (bits < min_bits || bits > 24)) {
    throw InvalidArgument(
        fmt::format("{} bits is {}; allowed: 0 (ideal) or {} ... 24", what, bits, min_bits));
  }
  if (!(std::isfinite(full_scale) && full_scale > 0.0)) {
    throw InvalidArgument(
        fmt::format("{} range is {}; allowed: a finite value > 0", what, full_scale));
  }
}

void DacOptions::validate() const {
  Quantizer{bits, input_range, coding}.validate("DAC");
  if (!(std::isfinite(v_read_v) && v_read_v > 0.0)) {
    throw InvalidArgument(
        fmt::format("DAC read voltage is {} V; allowed: a finite value > 0", v_read_v));
  }
  if (slice_bits != 0) {
    if (bits == 0) {
      throw InvalidArgument("DAC slice_bits needs a quantising DAC (bits > 0)");
    }
    const std::uint32_t magnitude_bits = coding == Coding::sign_magnitude ? bits - 1 : bits;
    if (slice_bits > magnitude_bits) {
      throw InvalidArgument(fmt::format(
          "DAC slice_bits is {}; allowed: 0 (no bit-serial input) or 1 ... {} (magnitude bits)",
          slice_bits, magnitude_bits));
    }
  }
}

std::uint32_t DacOptions::input_slices() const noexcept {
  if (slice_bits == 0) return 1;
  const std::uint32_t magnitude_bits = coding == Coding::sign_magnitude ? bits - 1 : bits;
  return (magnitude_bits + slice_bits - 1) / slice_bits;
}

double DacOptions::slice_weight(std::uint32_t p) const noexcept {
  if (slice_bits == 0) return input_range / v_read_v;
  const double digit_max = std::ldexp(1.0, static_cast<int>(slice_bits)) - 1.0;
  return quantizer().step() * std::ldexp(1.0, static_cast<int>(p * slice_bits)) * digit_max /
         v_read_v;
}

double DacOptions::slice_voltage(double x, std::uint32_t p) const noexcept {
  const Quantizer q = quantizer();
  if (slice_bits == 0) {
    return q.ideal() ? x * volts_per_input() : static_cast<double>(q.code(x)) * volts_per_code();
  }
  const std::int64_t k = q.code(x);
  const std::int64_t magnitude = k < 0 ? -k : k;
  const std::int64_t digit =
      (magnitude >> (p * slice_bits)) & ((std::int64_t{1} << slice_bits) - 1);
  const double digit_max = std::ldexp(1.0, static_cast<int>(slice_bits)) - 1.0;
  const double v = static_cast<double>(digit) / digit_max * v_read_v;
  return k < 0 ? -v : v;
}

void AdcOptions::validate() const {
  Quantizer{bits, 1.0, coding}.validate("ADC");
  if (range_mode == AdcRangeMode::fixed && !(std::isfinite(range_a) && range_a > 0.0)) {
    throw InvalidArgument(
        fmt::format("ADC range is {} A; a fixed range must be a finite current > 0", range_a));
  }
  if (range_mode == AdcRangeMode::calibrated && !(percentile > 0.0 && percentile <= 1.0)) {
    throw InvalidArgument(
        fmt::format("ADC calibration percentile is {}; allowed: (0, 1]", percentile));
  }
  if (!(std::isfinite(range_factor) && range_factor > 0.0)) {
    throw InvalidArgument(
        fmt::format("ADC range_factor is {}; allowed: a finite value > 0", range_factor));
  }
  for (auto [name, v] : {std::pair{"gain_std", gain_std}, std::pair{"offset_std", offset_std},
                         std::pair{"output_noise_std", output_noise_std}}) {
    if (!(std::isfinite(v) && v >= 0.0)) {
      throw InvalidArgument(fmt::format("ADC {} is {}; allowed: finite and >= 0", name, v));
    }
  }
}

}  // namespace kirchhoff::crossbar
