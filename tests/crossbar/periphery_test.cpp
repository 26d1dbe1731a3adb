// DAC and ADC quantisation levels, ranges, clipping and bit-serial input slices against
// hand-computed cases; bits = 0 is exact; invalid converter options are rejected by name.
#include "kirchhoff/crossbar/periphery.hpp"

#include <gtest/gtest.h>

#include <string>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff::crossbar {
namespace {

using kirchhoff::testing::message_of;

TEST(Quantizer, SignMagnitudeHasTwoToTheBitsMinusOneLevelsIncludingZero) {
  const Quantizer q{3, 1.0, Coding::sign_magnitude};  // levels k/3, k = −3 ... 3
  EXPECT_EQ(q.max_code(), 3);
  EXPECT_EQ(q.min_code(), -3);
  EXPECT_DOUBLE_EQ(q.step(), 1.0 / 3.0);
  EXPECT_EQ(q.quantize(0.0), 0.0);
  EXPECT_DOUBLE_EQ(q.quantize(0.4), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(q.quantize(0.6), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(q.quantize(-0.9), -1.0);
  EXPECT_DOUBLE_EQ(q.quantize(1.7), 1.0);  // clipped to the full scale
  EXPECT_TRUE(q.clips(1.7));
  EXPECT_TRUE(q.clips(-1.01));
  EXPECT_FALSE(q.clips(1.0));
  EXPECT_FALSE(q.clips(-1.0));
  const Quantizer eight{8, 2.0, Coding::sign_magnitude};
  EXPECT_EQ(eight.max_code(), 127);
  EXPECT_DOUBLE_EQ(eight.step(), 2.0 / 127.0);
}

TEST(Quantizer, UnipolarHasTwoToTheBitsLevelsFromZero) {
  const Quantizer q{2, 3.0, Coding::unipolar};  // levels 0, 1, 2, 3
  EXPECT_EQ(q.max_code(), 3);
  EXPECT_EQ(q.min_code(), 0);
  EXPECT_DOUBLE_EQ(q.step(), 1.0);
  EXPECT_EQ(q.quantize(-0.2), 0.0);
  EXPECT_TRUE(q.clips(-0.2));
  EXPECT_EQ(q.quantize(2.5), 3.0);  // half away from zero
  EXPECT_EQ(q.quantize(1.49), 1.0);
  EXPECT_EQ(q.quantize(7.0), 3.0);
  EXPECT_TRUE(q.clips(3.5));
}

TEST(Quantizer, ZeroBitsIsExactAndNeverClips) {
  const Quantizer q{0, 1.0, Coding::sign_magnitude};
  EXPECT_TRUE(q.ideal());
  for (double x : {0.123456789, -5.0, 1e300, 3e-310}) {
    EXPECT_EQ(q.quantize(x), x);
    EXPECT_FALSE(q.clips(x));
  }
}

TEST(Dac, MapsQuantisedInputsToReadVoltages) {
  DacOptions dac;
  dac.bits = 4;  // 15 levels: k/7, k = −7 ... 7
  dac.input_range = 2.0;
  dac.v_read_v = 0.2;
  EXPECT_EQ(dac.input_slices(), 1u);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(1.0, 0), 4.0 / 7.0 * 0.2);  // round(3.5) = 4
  EXPECT_DOUBLE_EQ(dac.slice_voltage(-3.0, 0), -0.2);            // clipped
  EXPECT_DOUBLE_EQ(dac.slice_weight(0), 10.0);                   // x = 10 V⁻¹ · V
  dac.bits = 0;
  EXPECT_DOUBLE_EQ(dac.slice_voltage(1.0, 0), 0.1);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(-3.0, 0), -0.3);  // ideal: no clipping
}

TEST(Dac, BitSerialSlicesRecombineToTheQuantisedInput) {
  DacOptions dac;
  dac.bits = 4;
  dac.input_range = 1.0;
  dac.v_read_v = 0.2;
  dac.slice_bits = 1;  // 3 magnitude bits, 3 slices of one bit
  EXPECT_EQ(dac.input_slices(), 3u);
  const double x = 5.0 / 7.0;  // code 5 = 101b
  EXPECT_DOUBLE_EQ(dac.slice_voltage(x, 0), 0.2);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(x, 1), 0.0);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(x, 2), 0.2);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(-x, 2), -0.2);
  double sum = 0.0;
  for (std::uint32_t p = 0; p < 3; ++p) sum += dac.slice_weight(p) * dac.slice_voltage(x, p);
  EXPECT_DOUBLE_EQ(sum, x);
  dac.bits = 8;  // 7 magnitude bits in slices of 3, 3, 1
  dac.slice_bits = 3;
  EXPECT_EQ(dac.input_slices(), 3u);
  const double y = 100.0 / 127.0;  // 100 = 1 100 100b → digits 4, 4, 1
  EXPECT_DOUBLE_EQ(dac.slice_voltage(y, 0), 4.0 / 7.0 * 0.2);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(y, 1), 4.0 / 7.0 * 0.2);
  EXPECT_DOUBLE_EQ(dac.slice_voltage(y, 2), 1.0 / 7.0 * 0.2);
  sum = 0.0;
  for (std::uint32_t p = 0; p < 3; ++p) sum += dac.slice_weight(p) * dac.slice_voltage(y, p);
  EXPECT_NEAR(sum, y, 1e-15);
}

TEST(Periphery, RejectsBadConverterOptionsByName) {
  DacOptions dac;
  dac.bits = 1;
  EXPECT_EQ(message_of<InvalidArgument>([&] { dac.validate(); }),
            "DAC bits is 1; allowed: 0 (ideal) or 2 ... 24");
  dac.bits = 25;
  EXPECT_EQ(message_of<InvalidArgument>([&] { dac.validate(); }),
            "DAC bits is 25; allowed: 0 (ideal) or 2 ... 24");
  dac.bits = 8;
  dac.input_range = -1.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { dac.validate(); }),
            "DAC range is -1; allowed: a finite value > 0");
  dac.input_range = 1.0;
  dac.v_read_v = 0.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { dac.validate(); }),
            "DAC read voltage is 0 V; allowed: a finite value > 0");
  dac.v_read_v = 0.2;
  dac.slice_bits = 8;
  EXPECT_EQ(message_of<InvalidArgument>([&] { dac.validate(); }),
            "DAC slice_bits is 8; allowed: 0 (no bit-serial input) or 1 ... 7 (magnitude bits)");
  dac.bits = 0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { dac.validate(); }),
            "DAC slice_bits needs a quantising DAC (bits > 0)");

  AdcOptions adc;
  adc.bits = 30;
  EXPECT_EQ(message_of<InvalidArgument>([&] { adc.validate(); }),
            "ADC bits is 30; allowed: 0 (ideal) or 2 ... 24");
  adc.bits = 1;
  adc.coding = Coding::unipolar;
  EXPECT_NO_THROW(adc.validate());
  adc.range_mode = AdcRangeMode::fixed;
  adc.range_a = -1e-6;
  EXPECT_EQ(message_of<InvalidArgument>([&] { adc.validate(); }),
            "ADC range is -1e-06 A; a fixed range must be a finite current > 0");
  adc.range_mode = AdcRangeMode::calibrated;
  adc.percentile = 0.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { adc.validate(); }),
            "ADC calibration percentile is 0; allowed: (0, 1]");
  adc.percentile = 0.99;
  adc.gain_std = -0.1;
  EXPECT_EQ(message_of<InvalidArgument>([&] { adc.validate(); }),
            "ADC gain_std is -0.1; allowed: finite and >= 0");
}

}  // namespace
}  // namespace kirchhoff::crossbar
