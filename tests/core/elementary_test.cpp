// The random transforms' own log and sincos against long-double references from the C library.
#include "kirchhoff/core/elementary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "kirchhoff/core/random.hpp"

namespace kirchhoff::elementary {
namespace {

constexpr long double kTwoPi = 6.283185307179586476925286766559005768L;

// Every 32-bit uniform the generator can produce, sampled with a prime stride, plus the ends.
template <class Check>
void for_uniforms(Check check) {
  for (std::uint64_t w = 0; w < (std::uint64_t{1} << 32); w += 4099) {
    check(uniform_from_word(static_cast<std::uint32_t>(w)));
  }
  check(uniform_from_word(0));
  check(uniform_from_word(0xffffffffu));
  check(0.5);
  check(0.25);
  check(0.75);
}

TEST(Elementary, LogIsWithinTwoUlpOfTheCorrectlyRoundedValue) {
  const double ulp = std::numeric_limits<double>::epsilon();
  for_uniforms([&](double u) {
    const long double exact = std::log(static_cast<long double>(u));
    const double got = log_positive(u);
    ASSERT_LE(std::abs(static_cast<long double>(got) - exact), 2 * ulp * std::abs(exact))
        << "u = " << u;
  });
  EXPECT_EQ(log_positive(0.5), -0.6931471805599453);
}

TEST(Elementary, SinCosOfTurnsIsWithinOneUlpOfOneAbsolute) {
  const double ulp = std::numeric_limits<double>::epsilon();
  for_uniforms([&](double u) {
    const long double theta = kTwoPi * static_cast<long double>(u);
    const auto sc = sincos_turns(u);
    ASSERT_LE(std::abs(sc.sin - std::sin(theta)), ulp) << "u = " << u;
    ASSERT_LE(std::abs(sc.cos - std::cos(theta)), ulp) << "u = " << u;
  });
  // Quarter turns are exact.
  EXPECT_EQ(sincos_turns(0.0).cos, 1.0);
  EXPECT_EQ(sincos_turns(0.25).sin, 1.0);
  EXPECT_EQ(sincos_turns(0.5).cos, -1.0);
  EXPECT_EQ(sincos_turns(0.75).sin, -1.0);
  EXPECT_EQ(sincos_turns(1.0).cos, 1.0);
}

TEST(Elementary, UniformFromWordIsExact) {
  for (std::uint32_t w : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu}) {
    EXPECT_EQ(uniform_from_word(w), (static_cast<long double>(w) + 0.5L) / 4294967296.0L) << w;
  }
}

}  // namespace
}  // namespace kirchhoff::elementary

namespace kirchhoff::elementary {
namespace {

TEST(Elementary, ExpIsWithinOneUlpAndClampsItsArgument) {
  const double ulp = std::numeric_limits<double>::epsilon();
  for (double x = -700.0; x < 700.0; x += 0.00731) {
    const long double exact = std::exp(static_cast<long double>(x));
    ASSERT_LE(std::abs(exp_clamped(x) - exact), 1.01 * ulp * exact) << "x = " << x;
  }
  EXPECT_EQ(exp_clamped(0.0), 1.0);
  EXPECT_EQ(exp_clamped(-1e6), exp_clamped(-708.0));  // clamped: a normal double, not 0
  EXPECT_GT(exp_clamped(-1e6), 0.0);
  EXPECT_EQ(exp_clamped(1e6), exp_clamped(709.0));
}

TEST(Elementary, PowOfPositiveNumbersIsWithinAFewUlpForTheExponentsUsed) {
  // Error of exp(y ln x) grows with |y ln x|; the device models use |y ln x| below ~5.
  const double ulp = std::numeric_limits<double>::epsilon();
  for (double x = 1e-4; x < 1e4; x *= 1.00731) {
    for (double y : {-0.13, -0.049, 0.65}) {
      const long double exact = std::pow(static_cast<long double>(x), static_cast<long double>(y));
      ASSERT_LE(std::abs(pow_positive(x, y) - exact), 8 * ulp * exact) << x << "^" << y;
    }
  }
}

}  // namespace
}  // namespace kirchhoff::elementary
