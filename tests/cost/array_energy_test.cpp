// Cell read energy Σ V² G t, line charging and input activity, against hand-computed cases.
#include "kirchhoff/cost/array_energy.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/cost/input_encoding.hpp"

namespace kirchhoff::cost {
namespace {

// A 2-row, 3-column tile, differential, 4-bit sign-magnitude inputs (7 levels per sign).
struct Small {
  Technology tech;
  TileLayout layout;
  Small(InputEncoding encoding, std::uint32_t slice_bits = 0) {
    tech.array.v_read_v = 0.25;
    tech.array.wire_capacitance_per_cell_f = 1e-15;
    tech.dac.encoding = encoding;
    tech.dac.pwm_clock_hz = 1e9;
    tech.dac.integration_time_s = 40e-9;
    crossbar::MvmOptions mvm;
    mvm.tile = {2, 3};
    mvm.periphery.dac.bits = 4;
    mvm.periphery.dac.slice_bits = slice_bits;
    mvm.periphery.adc.bits = 6;
    layout = tile_layout(mvm, tech, 2, 3);
  }
};

TEST(CostInputEncoding, PwmWindowIsTheLongestPulse) {
  Small s(InputEncoding::pwm);
  EXPECT_EQ(slice_magnitude_bits(s.layout.dac), 3u);
  EXPECT_DOUBLE_EQ(integration_window_s(s.tech.dac, s.layout.dac), 7e-9);
  Small a(InputEncoding::amplitude);
  EXPECT_DOUBLE_EQ(integration_window_s(a.tech.dac, a.layout.dac), 40e-9);
  EXPECT_DOUBLE_EQ(drive_factor(InputEncoding::pwm, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(drive_factor(InputEncoding::amplitude, 0.5), 0.25);
}

TEST(CostArrayEnergy, PwmCellEnergyIsVSquaredGTimesPulse) {
  Small s(InputEncoding::pwm);
  // Inputs 3/7 and -7/7 of the range: pulses of 3 ns and 7 ns at 0.25 V.
  Eigen::MatrixXd x(2, 1);
  x << 3.0 / 7.0, -1.0;
  const InputActivity a = input_activity(x, s.layout, InputEncoding::pwm);
  EXPECT_DOUBLE_EQ(a.drive(0, 0), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(a.drive(1, 0), 1.0);
  crossbar::ConductanceMatrix gp(2, 3), gm(2, 3);
  gp << 1e-6, 2e-6, 3e-6, 4e-6, 5e-6, 6e-6;
  gm << 0.0, 1e-6, 0.0, 2e-6, 0.0, 1e-6;
  const Eigen::VectorXd s_i = row_conductance_sums({gp, gm});
  EXPECT_DOUBLE_EQ(s_i(0), 7e-6);
  EXPECT_DOUBLE_EQ(s_i(1), 18e-6);
  const double expected = 0.0625 * (7e-6 * 3e-9 + 18e-6 * 7e-9);
  EXPECT_NEAR(cell_read_energy_j(s.tech, s.layout, s_i, a), expected, 1e-12 * expected);
  // Four read phases read four times.
  s.layout.phases = 4;
  EXPECT_NEAR(cell_read_energy_j(s.tech, s.layout, s_i, a), 4 * expected, 1e-12 * expected);
}

TEST(CostArrayEnergy, AmplitudeCellEnergyScalesWithTheSquareOfTheInput) {
  Small s(InputEncoding::amplitude);
  Eigen::MatrixXd x(2, 2);  // two vectors: the mean over them
  x << 0.5 * 6.0 / 7.0, 0.0, 1.0, 1.0;
  const InputActivity a = input_activity(x, s.layout, InputEncoding::amplitude);
  const double a0 = 3.0 / 7.0;  // 0.4286 of the range is code 3 of 7
  EXPECT_DOUBLE_EQ(a.drive(0, 0), 0.5 * a0 * a0);
  EXPECT_DOUBLE_EQ(a.active(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(a.drive(1, 0), 1.0);
  Eigen::VectorXd s_i(2);
  s_i << 10e-6, 20e-6;
  const double expected = 0.0625 * 40e-9 * (10e-6 * 0.5 * a0 * a0 + 20e-6);
  EXPECT_NEAR(cell_read_energy_j(s.tech, s.layout, s_i, a), expected, 1e-12 * expected);
}

TEST(CostArrayEnergy, BitSerialSlicesDriveEachBitOnItsOwn) {
  Small s(InputEncoding::amplitude, 1);
  ASSERT_EQ(s.layout.input_slices, 3u);
  Eigen::MatrixXd x(2, 1);
  x << 5.0 / 7.0, -2.0 / 7.0;  // codes 101 and -010
  const InputActivity a = input_activity(x, s.layout, InputEncoding::amplitude);
  EXPECT_DOUBLE_EQ(a.drive(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(a.drive(0, 1), 0.0);
  EXPECT_DOUBLE_EQ(a.drive(0, 2), 1.0);
  EXPECT_DOUBLE_EQ(a.drive(1, 0), 0.0);
  EXPECT_DOUBLE_EQ(a.drive(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(a.active(1, 2), 0.0);
  Eigen::VectorXd s_i(2);
  s_i << 1e-6, 1e-6;
  // Three pulses on in all, each v² G T.
  EXPECT_NEAR(cell_read_energy_j(s.tech, s.layout, s_i, a), 3 * 0.0625 * 1e-6 * 40e-9, 1e-25);
}

TEST(CostArrayEnergy, LinesChargeCTimesVSquared) {
  Small s(InputEncoding::pwm);
  Eigen::MatrixXd x(2, 1);
  x << 0.0, 0.5;  // only row 1 is on
  const InputActivity a = input_activity(x, s.layout, InputEncoding::pwm);
  // Word line: 3 columns x 2 polarities x 1 fF, to 0.25 V, once.
  EXPECT_NEAR(line_energy_j(s.tech, s.layout, a), 6e-15 * 0.0625, 1e-30);
  // Bit lines swinging 0.1 V: 3 columns x 2 polarities x (2 rows x 1 fF) x 0.01 V² more.
  s.tech.array.bitline_swing_v = 0.1;
  EXPECT_NEAR(line_energy_j(s.tech, s.layout, a), 6e-15 * 0.0625 + 6 * 2e-15 * 0.01, 1e-30);
}

TEST(CostArrayEnergy, RefusesMismatchedShapes) {
  Small s(InputEncoding::pwm);
  EXPECT_THROW(
      static_cast<void>(input_activity(Eigen::MatrixXd::Zero(3, 1), s.layout, InputEncoding::pwm)),
      InvalidArgument);
  EXPECT_THROW(static_cast<void>(row_conductance_sums({crossbar::ConductanceMatrix::Zero(2, 3),
                                                       crossbar::ConductanceMatrix::Zero(3, 3)})),
               InvalidArgument);
}

}  // namespace
}  // namespace kirchhoff::cost
