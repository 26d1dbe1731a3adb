// Converters and output noise around an array (docs/crossbar-mapping.md, "Converters").
//
// Uniform quantiser with `bits` bits and full scale F (bits = 0: ideal, no quantisation and no
// clipping):
//   sign_magnitude  2^bits − 1 levels k·Δ, k = −n ... n, n = 2^(bits−1) − 1, Δ = F/n
//                   (zero is a level; the convention of aihwkit's inp_res / out_res)
//   unipolar        2^bits levels k·Δ, k = 0 ... n, n = 2^bits − 1, Δ = F/n
// q(x) = clamp(round(x/Δ), k_min, n)·Δ, rounding half away from zero; x is clipped when it lies
// outside [k_min·Δ, F].
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kirchhoff::crossbar {

enum class Coding : std::uint8_t { sign_magnitude, unipolar };

struct Quantizer {
  std::uint32_t bits = 0;  // 0 = ideal; sign_magnitude 2 ... 24, unipolar 1 ... 24
  double full_scale = 1.0;
  Coding coding = Coding::sign_magnitude;

  // Throws InvalidArgument naming `what` ("DAC", "ADC") for bits or a range out of bounds.
  void validate(std::string_view what) const;
  [[nodiscard]] bool ideal() const noexcept { return bits == 0; }
  // n: the largest level index (0 for an ideal quantiser).
  [[nodiscard]] std::int64_t max_code() const noexcept;
  [[nodiscard]] std::int64_t min_code() const noexcept;
  // Δ = F / n (0 for an ideal quantiser).
  [[nodiscard]] double step() const noexcept;
  // 1/Δ = n / F (0 for an ideal quantiser): codes are found by a product, not a division, in
  // the engine's loops (a division costs ~10 times a product in vector units).
  [[nodiscard]] double inverse_step() const noexcept;
  // The level index of x (round(x/Δ), computed as round(x · (1/Δ)), clamped), and the quantised
  // value.
  [[nodiscard]] std::int64_t code(double x) const noexcept;
  [[nodiscard]] double quantize(double x) const noexcept;
  [[nodiscard]] bool clips(double x) const noexcept;
};

// Inline: called per converted value in the MVM engine's inner loops.
inline std::int64_t Quantizer::max_code() const noexcept {
  if (bits == 0) return 0;
  return coding == Coding::sign_magnitude ? (std::int64_t{1} << (bits - 1)) - 1
                                          : (std::int64_t{1} << bits) - 1;
}

inline std::int64_t Quantizer::min_code() const noexcept {
  return coding == Coding::sign_magnitude ? -max_code() : 0;
}

inline double Quantizer::step() const noexcept {
  return bits == 0 ? 0.0 : full_scale / static_cast<double>(max_code());
}

inline double Quantizer::inverse_step() const noexcept {
  return bits == 0 ? 0.0 : static_cast<double>(max_code()) / full_scale;
}

inline std::int64_t Quantizer::code(double x) const noexcept {
  const auto n = static_cast<double>(max_code());
  const double lo = coding == Coding::sign_magnitude ? -n : 0.0;
  return static_cast<std::int64_t>(std::clamp(std::round(x * inverse_step()), lo, n));
}

inline double Quantizer::quantize(double x) const noexcept {
  if (bits == 0) return x;
  return static_cast<double>(code(x)) * step();
}

inline bool Quantizer::clips(double x) const noexcept {
  if (bits == 0) return false;
  return x > full_scale || x < (coding == Coding::sign_magnitude ? -full_scale : 0.0);
}

// Digital-to-analogue conversion of the inputs. Input x ∈ [−X, X] (unipolar: [0, X]) becomes a
// read voltage V = q(x)/X · v_read. Bit-serial inputs (slice_bits > 0, needs bits > 0): the
// input code's magnitude |k| is cut into slices of slice_bits bits, e_p (p = 0 least
// significant), applied one after another as V_p = sign(k)·e_p/(2^slice_bits − 1)·v_read, each
// slice read and digitised on its own and the results combined digitally with weights 2^(p·s).
struct DacOptions {
  std::uint32_t bits = 0;        // 0 = ideal (V = x/X · v_read, no clipping)
  double input_range = 1.0;      // X > 0
  double v_read_v = 0.2;         // read voltage at full scale (V) > 0
  std::uint32_t slice_bits = 0;  // 0 = all bits at once
  Coding coding = Coding::sign_magnitude;

  void validate() const;
  [[nodiscard]] Quantizer quantizer() const noexcept { return {bits, input_range, coding}; }
  // Number of input slices (1 unless bit-serial).
  [[nodiscard]] std::uint32_t input_slices() const noexcept;
  // a_p: the input value that one volt of slice p stands for (x = Σ_p a_p V_p).
  [[nodiscard]] double slice_weight(std::uint32_t p) const noexcept;
  // V_p for an input x (p < input_slices()).
  [[nodiscard]] double slice_voltage(double x, std::uint32_t p) const noexcept;
  // Volts per input unit of an ideal DAC (v_read / X) and per code of a quantising one
  // (Δ / X · v_read): V = x · that or code · that.
  [[nodiscard]] double volts_per_input() const noexcept { return v_read_v / input_range; }
  [[nodiscard]] double volts_per_code() const noexcept {
    return quantizer().step() / input_range * v_read_v;
  }
};

enum class AdcRangeMode : std::uint8_t {
  fixed,        // full scale = range_a
  max_current,  // the largest current the tile can produce: rows·v_read·ΔG (offset_digital:
                // rows·v_read·G_max)
  calibrated,   // percentile of |I| over calibration inputs, per tile and weight slice
};

// Analogue-to-digital conversion of the column currents. Before quantisation each column j has
// I' = g_j I + o_j F + σ_out F z with gain g_j = 1 + σ_g z₁, offset o_j = σ_o z₂ drawn once per
// instance (StreamId::adc_mismatch, substream 0 gain / 1 offset, element = ADC index) and
// additive output noise drawn at every read (StreamId::output_noise, substream = read id).
// Offsets and noise are fractions of the full scale F.
struct AdcOptions {
  std::uint32_t bits = 0;  // 0 = ideal (no quantisation, no clipping)
  AdcRangeMode range_mode = AdcRangeMode::max_current;
  double range_a = 0.0;       // fixed full scale (A), > 0 when range_mode = fixed
  double percentile = 0.999;  // calibrated: quantile of |I| in (0, 1]
  double range_factor = 1.0;  // multiplies the range of every mode (> 0)
  Coding coding = Coding::sign_magnitude;
  double gain_std = 0.0;          // σ_g (relative)
  double offset_std = 0.0;        // σ_o (fraction of F)
  double output_noise_std = 0.0;  // σ_out (fraction of F)

  void validate() const;
};

struct PeripheryOptions {
  DacOptions dac;
  AdcOptions adc;
  void validate() const {
    dac.validate();
    adc.validate();
  }
};

}  // namespace kirchhoff::crossbar
