// What DeviceModel does around every model: target validation, levels, clipping, stuck-at
// faults, time validation, reads; and the common parameters read from TOML.
#include "kirchhoff/devices/device_model.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <cstring>
#include <numeric>

#include "gaussian_test_model.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/device_config.hpp"
#include "support/expect.hpp"

namespace kirchhoff::devices {
namespace {

using kirchhoff::testing::message_of;
using testing::GaussianTestModel;
using testing::test_range;

TEST(DeviceModel, RejectsTargetsOutsideTheRangeNamingTheCell) {
  const GaussianTestModel model(test_range(), 0.0, 0.0);
  const std::vector<double> targets{1e-6, 30e-6};
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)model.program(targets, {}); }),
            "target conductance of cell 1 is 3e-05 S; allowed: 0 to g_max = "
            "2.5e-05 S");
  const std::vector<double> nan_target{NAN};
  EXPECT_THROW((void)model.program(nan_target, {}), InvalidArgument);
}

TEST(DeviceModel, NoiselessProgrammingIsExactAndReadsReturnIt) {
  const GaussianTestModel model(test_range(), 0.0, 0.0);
  const std::vector<double> targets{0.0, 1e-6, 12.5e-6, 25e-6};
  const auto cells = model.program(targets, {});
  EXPECT_EQ(cells.programmed_siemens, targets);
  std::vector<double> g(4);
  model.read(cells, {3600.0, 0}, 0, g);
  EXPECT_EQ(g, targets);
}

TEST(DeviceModel, QuantisesTargetsToTheNearestLevel) {
  auto common = test_range(1e-6, 25e-6);
  common.levels = 5;  // 1, 7, 13, 19, 25 µS
  const GaussianTestModel model(common, 0.0, 0.0);
  const std::vector<double> targets{0.0, 3.9e-6, 4.1e-6, 15.9e-6, 24e-6};
  const auto cells = model.program(targets, {});
  const std::vector<double> expected{1e-6, 1e-6, 7e-6, 13e-6, 25e-6};
  for (std::size_t i = 0; i < targets.size(); ++i) {
    EXPECT_NEAR(cells.target_siemens[i], expected[i], 1e-18) << i;
  }
}

TEST(DeviceModel, ClipsToTheConductanceRangeUnlessTurnedOff) {
  auto common = test_range(2e-6, 20e-6);
  const std::vector<double> targets(1000, 19e-6);
  const GaussianTestModel clipped(common, 5e-6, 0.0);
  const auto a = clipped.program(targets, {7, 0, 0, 0});
  EXPECT_EQ(*std::max_element(a.programmed_siemens.begin(), a.programmed_siemens.end()), 20e-6);
  common.clip = false;
  const GaussianTestModel free(common, 5e-6, 0.0);
  const auto b = free.program(targets, {7, 0, 0, 0});
  EXPECT_GT(*std::max_element(b.programmed_siemens.begin(), b.programmed_siemens.end()), 20e-6);
}

TEST(DeviceModel, StuckCellsAppearAtTheirRatesAndKeepTheirValue) {
  auto common = test_range(1e-6, 25e-6);
  common.stuck_off_rate = 0.05;
  common.stuck_on_rate = 0.08;
  const GaussianTestModel model(common, 1e-7, 1e-7);
  constexpr std::size_t n = 100000;
  const std::vector<double> targets(n, 10e-6);
  const auto cells = model.program(targets, {11, 2, 3, 0});
  std::size_t off = 0, on = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (cells.faults[i] == CellFault::stuck_off) {
      ++off;
      EXPECT_EQ(cells.programmed_siemens[i], 1e-6);
    } else if (cells.faults[i] == CellFault::stuck_on) {
      ++on;
      EXPECT_EQ(cells.programmed_siemens[i], 25e-6);
    }
  }
  for (auto [count, p] : {std::pair{off, 0.05}, {on, 0.08}}) {
    const boost::math::binomial_distribution<> dist(double{n}, p);
    EXPECT_GE(double(count), boost::math::quantile(dist, 0.0005));
    EXPECT_LE(double(count), boost::math::quantile(dist, 0.9995));
  }
  // Stuck cells read their stuck value plus read noise; conductance_at gives it exactly.
  std::vector<double> g(n);
  model.conductance_at(cells, {1.0, 0}, g);
  for (std::size_t i = 0; i < n; ++i) {
    if (cells.faults[i] == CellFault::stuck_on) {
      ASSERT_EQ(g[i], 25e-6);
    }
  }
  // Faults are a property of the cell: the same for every programming attempt.
  const auto again = model.program(targets, {11, 2, 3, 0}, 4);
  EXPECT_EQ(again.faults, cells.faults);
}

TEST(DeviceModel, ReadsDrawFreshNoisePerReadIdAndRepeatForTheSameId) {
  const GaussianTestModel model(test_range(), 0.0, 1e-7);
  const std::vector<double> targets(64, 10e-6);
  const auto cells = model.program(targets, {1, 0, 0, 0});
  std::vector<double> r0(64), r0_again(64), r1(64), other_stream(64);
  model.read(cells, {1.0, 0}, 0, r0);
  model.read(cells, {1.0, 0}, 0, r0_again);
  model.read(cells, {1.0, 0}, 1, r1);
  model.read(cells, {1.0, 0}, 0, other_stream, StreamId::write_verify);
  EXPECT_EQ(r0, r0_again);
  EXPECT_NE(r0, r1);
  EXPECT_NE(r0, other_stream);
}

TEST(DeviceModel, SplittingAnArrayWithCellOffsetsGivesTheSameCells) {
  auto common = test_range();
  common.stuck_off_rate = 0.1;
  const GaussianTestModel model(common, 1e-6, 1e-7);
  std::vector<double> targets(1001);
  for (std::size_t i = 0; i < targets.size(); ++i) targets[i] = 25e-6 * double(i) / 1000.0;
  const CellAddress address{5, 1, 2, 100};
  const auto whole = model.program(targets, address);
  const auto head = model.program(std::span(targets).first(333), address);
  const auto tail = model.program(std::span(targets).subspan(333), address.offset(333));
  std::vector<double> joined(head.programmed_siemens);
  joined.insert(joined.end(), tail.programmed_siemens.begin(), tail.programmed_siemens.end());
  ASSERT_EQ(0, std::memcmp(joined.data(), whole.programmed_siemens.data(),
                           joined.size() * sizeof(double)));
}

TEST(DeviceModel, RejectsBadTimesAndOutputSizes) {
  const GaussianTestModel model(test_range(), 0.0, 0.0);
  const auto cells = model.program(std::vector<double>(3, 1e-6), {});
  std::vector<double> g(3), short_g(2);
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              model.conductance_at(cells, {-1.0, 0}, g);
            }),
            "read time must be finite and >= 0 s, got -1 s");
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              model.conductance_at(cells, {1.0, 0}, short_g);
            }),
            "conductance output has 2 entries for an array of 3 cells");
}

TEST(DeviceModel, OhmsLawIsTheDefaultIV) {
  const GaussianTestModel model(test_range(), 0.0, 0.0);
  EXPECT_TRUE(model.is_linear());
  const std::vector<double> g{1e-6, 2e-6}, v{0.2, -0.1};
  std::vector<double> i(2);
  model.current(g, v, i);
  EXPECT_DOUBLE_EQ(i[0], 2e-7);
  EXPECT_DOUBLE_EQ(i[1], -2e-7);
}

TEST(CommonParameters, ValidateNamesTheParameter) {
  auto p = test_range(5e-6, 1e-6);
  EXPECT_EQ(message_of<InvalidArgument>([&] { p.validate(); }),
            "g_max must be finite and greater than g_min (5e-06 S), got 1e-06 S");
  p = test_range();
  p.levels = 1;
  EXPECT_EQ(message_of<InvalidArgument>([&] { p.validate(); }),
            "levels must be 0 (continuous) or at least 2, got 1");
  p = test_range();
  p.stuck_on_rate = 1.5;
  EXPECT_EQ(message_of<InvalidArgument>([&] { p.validate(); }),
            "stuck_on_rate must be a probability in [0, 1], got 1.5");
  p = test_range();
  p.g_min_siemens = -1.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { p.validate(); }),
            "g_min must be finite and >= 0 S, got -1 S");
}

TEST(CommonParameters, ReadFromTomlWithDefaultsAndLocatedErrors) {
  auto config = Config::parse("[parameters]\ng_max = \"20uS\"\nlevels = 16\nstuck_off_rate = 0.1\n",
                              "device.toml");
  const auto common = read_common_parameters(config.table("parameters"), test_range(1e-6, 25e-6));
  EXPECT_DOUBLE_EQ(common.g_min_siemens, 1e-6);
  EXPECT_DOUBLE_EQ(common.g_max_siemens, 20e-6);
  EXPECT_EQ(common.levels, 16u);
  EXPECT_TRUE(common.clip);
  EXPECT_DOUBLE_EQ(common.stuck_off_rate, 0.1);
  config.check_unknown_keys();

  auto bad = Config::parse("[parameters]\ng_min = \"30uS\"\n", "device.toml");
  EXPECT_EQ(message_of<ConfigError>([&] {
              (void)read_common_parameters(bad.table("parameters"), test_range(0.0, 25e-6));
            }),
            "device.toml:2:9: key 'parameters.g_min': must be less than g_max (25 uS), got 30 uS");
  auto both = Config::parse("[parameters]\ng_min = \"30uS\"\ng_max = \"20uS\"\n", "device.toml");
  EXPECT_EQ(
      message_of<ConfigError>(
          [&] { (void)read_common_parameters(both.table("parameters"), test_range(0.0, 25e-6)); }),
      "device.toml:3:9: key 'parameters.g_max': must be greater than g_min (30 uS), got 20 uS");
  auto rate = Config::parse("[parameters]\nstuck_on_rate = 2.0\n", "device.toml");
  EXPECT_EQ(
      message_of<ConfigError>(
          [&] { (void)read_common_parameters(rate.table("parameters"), test_range()); }),
      "device.toml:2:17: key 'parameters.stuck_on_rate': must be a probability in [0, 1], got 2");
  auto unit = Config::parse("[parameters]\ng_max = \"25us\"\n", "device.toml");
  EXPECT_THROW((void)read_common_parameters(unit.table("parameters"), test_range()), ConfigError);
}

}  // namespace
}  // namespace kirchhoff::devices
