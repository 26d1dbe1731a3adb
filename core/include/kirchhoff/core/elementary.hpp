// Elementary functions for the random transforms, written in plain IEEE arithmetic (no libm
// calls, no branches) so that the compiler can vectorise them and so that the vector and scalar
// code, and every machine and C library, give the same bits. Accurate to about 1 ulp on the
// domains used here; tests/core/elementary_test.cpp checks them against the C library.
#pragma once

#include <bit>
#include <cstdint>

namespace kirchhoff::elementary {

// Natural logarithm of a positive normal double u (the random transforms use u in (0, 1)).
// u = m·2^e with m in [√½, √2); ln m = 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716, by its
// Taylor series to s²¹ (truncation error < 2·10⁻¹⁸ relative); ln 2 split into a part exact in
// double times e plus a small correction (Cody & Waite).
inline double log_positive(double u) noexcept {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(u);
  // The biased exponent field as a double, exactly, without an integer-to-float conversion
  // (there is none for 64-bit lanes before AVX-512): 2^52 + field, minus 2^52.
  const double biased_exponent =
      std::bit_cast<double>((bits >> 52) | 0x4330000000000000ull) - 4503599627370496.0;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  const bool above = m > 1.4142135623730951;
  m = above ? 0.5 * m : m;
  const double e = biased_exponent - (above ? 1022.0 : 1023.0);
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double series = 1.0 / 23.0;
  series = series * s2 + 1.0 / 21.0;
  series = series * s2 + 1.0 / 19.0;
  series = series * s2 + 1.0 / 17.0;
  series = series * s2 + 1.0 / 15.0;
  series = series * s2 + 1.0 / 13.0;
  series = series * s2 + 1.0 / 11.0;
  series = series * s2 + 1.0 / 9.0;
  series = series * s2 + 1.0 / 7.0;
  series = series * s2 + 1.0 / 5.0;
  series = series * s2 + 1.0 / 3.0;
  const double log_m = 2.0 * s + 2.0 * s * s2 * series;
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000: exact e·ln2_hi
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  return e * ln2_hi + (e * ln2_lo + log_m);
}

// e^x for x in [−708, 709] (x is clamped to that range, so the result stays a normal double).
// x = k·ln2 + r with k = round(x/ln2) and |r| ≤ ln2/2 (Cody & Waite split of ln 2, exact for
// |k| < 2^11); e^r by its Taylor series to r¹⁴ (truncation error < 4·10⁻¹⁸); 2^k built in the
// exponent field. The integer k is made with the 1.5·2^52 rounding trick and read from the
// mantissa bits, because SIMD units before AVX-512 have no double-to-int64 conversion.
inline double exp_clamped(double x) noexcept {
  x = x < -708.0 ? -708.0 : x;
  x = x > 709.0 ? 709.0 : x;
  constexpr double shifter = 6755399441055744.0;  // 1.5·2^52: adding it rounds to an integer
  const double shifted = x * 1.4426950408889634 + shifter;
  const double k = shifted - shifter;
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const double r = (x - k * ln2_hi) - k * ln2_lo;
  double p = 1.0 / 87178291200.0;  // 1/14!
  p = p * r + 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;   // 1/12!
  p = p * r + 1.0 / 39916800.0;    // 1/11!
  p = p * r + 1.0 / 3628800.0;     // 1/10!
  p = p * r + 1.0 / 362880.0;      // 1/9!
  p = p * r + 1.0 / 40320.0;       // 1/8!
  p = p * r + 1.0 / 5040.0;        // 1/7!
  p = p * r + 1.0 / 720.0;         // 1/6!
  p = p * r + 1.0 / 120.0;         // 1/5!
  p = p * r + 1.0 / 24.0;          // 1/4!
  p = p * r + 1.0 / 6.0;           // 1/3!
  p = p * r + 0.5;                 // 1/2!
  const double e_r = 1.0 + r + r * r * p;
  // 2^k: k + 1023 lies in [2, 2046]; as the low mantissa bits of (k + 1023 + 2^52) it is an
  // integer that shifts straight into the exponent field.
  const std::uint64_t biased = std::bit_cast<std::uint64_t>(k + (1023.0 + 4503599627370496.0));
  return e_r * std::bit_cast<double>(biased << 52);
}

// x^y for x > 0 (normal), as exp(y·ln x): a few ulp, same bits in scalar and vector code.
inline double pow_positive(double x, double y) noexcept {
  return exp_clamped(y * log_positive(x));
}

// sin(2πu) and cos(2πu) for u in [0, 1]. The reduction is exact: t = 4u, q = nearest integer,
// f = t − q in [−½, ½] (both exact in double), x = f·π/2 in [−π/4, π/4]; sin x and cos x by
// their Taylor series to x¹⁷ and x¹⁸ (truncation error < 2·10⁻¹⁹); the quadrant q rotates them.
struct SinCos {
  double sin, cos;
};
inline SinCos sincos_turns(double u) noexcept {
  const double t = 4.0 * u;
  const auto q = static_cast<std::int32_t>(t + 0.5);
  const double x = (t - static_cast<double>(q)) * 1.5707963267948966;
  const double x2 = x * x;
  double ps = -1.0 / 355687428096000.0;  // −1/17!
  ps = ps * x2 + 1.0 / 1307674368000.0;  //  1/15!
  ps = ps * x2 - 1.0 / 6227020800.0;     // −1/13!
  ps = ps * x2 + 1.0 / 39916800.0;       //  1/11!
  ps = ps * x2 - 1.0 / 362880.0;         // −1/9!
  ps = ps * x2 + 1.0 / 5040.0;           //  1/7!
  ps = ps * x2 - 1.0 / 120.0;            // −1/5!
  ps = ps * x2 + 1.0 / 6.0;              //  1/3!
  const double sin_x = x - x * x2 * ps;
  double pc = 1.0 / 6402373705728000.0;   //  1/18!
  pc = pc * x2 - 1.0 / 20922789888000.0;  // −1/16!
  pc = pc * x2 + 1.0 / 87178291200.0;     //  1/14!
  pc = pc * x2 - 1.0 / 479001600.0;       // −1/12!
  pc = pc * x2 + 1.0 / 3628800.0;         //  1/10!
  pc = pc * x2 - 1.0 / 40320.0;           // −1/8!
  pc = pc * x2 + 1.0 / 720.0;             //  1/6!
  pc = pc * x2 - 1.0 / 24.0;              // −1/4!
  pc = pc * x2 + 0.5;                     //  1/2!
  const double cos_x = 1.0 - x2 * pc;
  // Rotate by q quarter turns: q mod 4 = 0: (c, s), 1: (−s, c), 2: (−c, −s), 3: (s, −c).
  // Written with 0/1 weights and ±1 factors (exact) rather than branches, for vectorisation.
  const double odd = static_cast<double>(q & 1);
  const double c = odd * sin_x + (1.0 - odd) * cos_x;
  const double s = odd * cos_x + (1.0 - odd) * sin_x;
  const double cos_sign = 1.0 - static_cast<double>(((q + 1) & 2));  // − for q mod 4 = 1, 2
  const double sin_sign = 1.0 - static_cast<double>(q & 2);          // − for q mod 4 = 2, 3
  return {.sin = sin_sign * s, .cos = cos_sign * c};
}

}  // namespace kirchhoff::elementary
