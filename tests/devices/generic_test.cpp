// Unit tests of the generic device model: the ideal device is exact, the drift tables interpolate
// as documented, drift and reads behave as specified, draws are reproducible for any split of an
// array, and the factory reads and rejects parameters with located messages.
#include "kirchhoff/devices/generic.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff::devices {
namespace {

using kirchhoff::testing::message_of;

constexpr double uS = 1e-6;

std::filesystem::path preset_path(const std::string& name) {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "data" /
         "devices" / (name + ".toml");
}

GenericParameters ideal(double g_max = 25 * uS) {
  GenericParameters p;
  p.common.g_min_siemens = 0.0;
  p.common.g_max_siemens = g_max;
  return p;
}

// Every effect on, drift with a three-point table.
GenericParameters everything() {
  GenericParameters p = ideal();
  p.programming_sigma_siemens = 0.3 * uS;
  p.programming_sigma_relative = 0.04;
  p.device_to_device_sigma = 0.1;
  p.t0_s = 10.0;
  p.drift_g_siemens = {2 * uS, 10 * uS, 20 * uS};
  p.drift_nu_mean = {0.08, 0.05, 0.03};
  p.drift_nu_std = {0.02, 0.01, 0.005};
  p.read_sigma_siemens = 0.1 * uS;
  p.read_sigma_relative = 0.02;
  return p;
}

std::vector<double> spread_targets(std::size_t n, double g_max) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = g_max * static_cast<double>(i % 97) / 96.0;
  return t;
}

TEST(GenericModel, IdealDeviceIsExact) {
  const GenericModel model(ideal());
  EXPECT_EQ(model.kind(), "generic");
  EXPECT_FALSE(model.has_drift());
  const std::vector<double> targets = spread_targets(1000, model.g_max_siemens());
  const ProgrammedCells cells = model.program(targets, {.seed = 4, .trial = 3});
  EXPECT_EQ(cells.programmed_siemens, targets);
  EXPECT_TRUE(cells.drift_exponent.empty());
  std::vector<double> g(targets.size());
  for (double t : {0.0, 1.0, 3600.0, 3.15576e7}) {
    model.conductance_at(cells, {t, 0}, g);
    EXPECT_EQ(g, targets) << t;
    model.read(cells, {t, 1}, 5, g);
    EXPECT_EQ(g, targets) << t;
  }
}

TEST(GenericModel, ZeroTablesAreIdealToo) {
  GenericParameters p = ideal();
  p.drift_g_siemens = {0.0, 10 * uS};
  p.drift_nu_mean = {0.0, 0.0};
  p.drift_nu_std = {0.0, 0.0};
  const GenericModel model(p);
  EXPECT_FALSE(model.has_drift());
  const std::vector<double> targets = spread_targets(100, model.g_max_siemens());
  const ProgrammedCells cells = model.program(targets, {.seed = 4});
  std::vector<double> g(targets.size());
  model.read(cells, {1e6, 0}, 0, g);
  EXPECT_EQ(g, targets);
}

TEST(GenericModel, InterpolationIsLinearBetweenPointsAndConstantBeyond) {
  const std::vector<double> xs = {1.0, 2.0, 4.0}, ys = {10.0, 30.0, 20.0};
  EXPECT_EQ(interpolate_clamped(xs, ys, 0.0), 10.0);
  EXPECT_EQ(interpolate_clamped(xs, ys, 1.0), 10.0);
  EXPECT_DOUBLE_EQ(interpolate_clamped(xs, ys, 1.25), 15.0);
  EXPECT_EQ(interpolate_clamped(xs, ys, 2.0), 30.0);
  EXPECT_DOUBLE_EQ(interpolate_clamped(xs, ys, 3.0), 25.0);
  EXPECT_DOUBLE_EQ(interpolate_clamped(xs, ys, 3.5), 22.5);
  EXPECT_EQ(interpolate_clamped(xs, ys, 4.0), 20.0);
  EXPECT_EQ(interpolate_clamped(xs, ys, 100.0), 20.0);
  const std::vector<double> one_x = {5.0}, one_y = {7.0};
  EXPECT_EQ(interpolate_clamped(one_x, one_y, 0.0), 7.0);
  EXPECT_EQ(interpolate_clamped(one_x, one_y, 9.0), 7.0);

  const GenericModel model(everything());
  EXPECT_TRUE(model.has_drift());
  EXPECT_DOUBLE_EQ(model.drift_exponent_mean(1 * uS), 0.08);
  EXPECT_DOUBLE_EQ(model.drift_exponent_mean(5 * uS), 0.08 - 0.03 * 3.0 / 8.0);
  EXPECT_DOUBLE_EQ(model.drift_exponent_std(5 * uS), 0.02 - 0.01 * 3.0 / 8.0);
  EXPECT_DOUBLE_EQ(model.drift_exponent_mean(10 * uS), 0.05);
  EXPECT_DOUBLE_EQ(model.drift_exponent_mean(15 * uS), 0.04);
  EXPECT_DOUBLE_EQ(model.drift_exponent_std(15 * uS), 0.0075);
  EXPECT_DOUBLE_EQ(model.drift_exponent_mean(25 * uS), 0.03);
  EXPECT_DOUBLE_EQ(model.drift_exponent_std(25 * uS), 0.005);
}

TEST(GenericModel, DrawnExponentsFollowTheTableExactlyWithoutSpread) {
  GenericParameters p = everything();
  p.drift_nu_std = {0.0, 0.0, 0.0};
  const GenericModel model(p);
  const std::vector<double> targets = {1 * uS, 5 * uS, 15 * uS, 25 * uS};
  const ProgrammedCells cells = model.program(targets, {.seed = 8});
  EXPECT_DOUBLE_EQ(cells.drift_exponent[0], 0.08);
  EXPECT_DOUBLE_EQ(cells.drift_exponent[1], 0.06875);
  EXPECT_DOUBLE_EQ(cells.drift_exponent[2], 0.04);
  EXPECT_DOUBLE_EQ(cells.drift_exponent[3], 0.03);
}

TEST(GenericModel, SingleCellDriftIsThePowerLawExactly) {
  const GenericModel model(everything());
  const std::vector<double> target = {7 * uS};
  const ProgrammedCells cells = model.program(target, {.seed = 12});
  std::vector<double> g(1);
  for (double t : {0.0, 5.0, 10.0}) {
    model.conductance_at(cells, {t, 0}, g);
    EXPECT_EQ(g[0], cells.programmed_siemens[0]) << t;  // t <= t0: no drift
  }
  for (double t : {10.5, 3600.0, 86400.0, 3.15576e7}) {
    model.conductance_at(cells, {t, 0}, g);
    EXPECT_EQ(g[0], cells.programmed_siemens[0] * std::pow(t / 10.0, -cells.drift_exponent[0]))
        << t;
  }
}

TEST(GenericModel, AbsoluteDriftExponentsAreNonNegative) {
  GenericParameters p = ideal();
  p.drift_g_siemens = {0.0};
  p.drift_nu_mean = {0.0};
  p.drift_nu_std = {0.1};
  const std::vector<double> targets(2000, 5 * uS);
  const GenericModel signed_model(p);
  const ProgrammedCells signed_cells = signed_model.program(targets, {.seed = 6});
  p.drift_nu_absolute = true;
  const GenericModel folded_model(p);
  const ProgrammedCells folded_cells = folded_model.program(targets, {.seed = 6});
  std::size_t negative = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    negative += signed_cells.drift_exponent[i] < 0.0 ? 1u : 0u;
    EXPECT_EQ(folded_cells.drift_exponent[i], std::abs(signed_cells.drift_exponent[i]));
  }
  EXPECT_GT(negative, 800u);  // about half of 2000
  EXPECT_LT(negative, 1200u);
}

TEST(GenericModel, ReadNoiseStdCombinesAdditiveAndRelative) {
  const GenericModel model(everything());
  const std::vector<double> targets = {0.0, 10 * uS};
  const ProgrammedCells cells = model.program(targets, {.seed = 1});
  const std::vector<double> g = {0.0, 10 * uS};
  std::vector<double> sigma(2);
  model.read_noise_std(cells, {1.0, 0}, g, sigma);
  EXPECT_DOUBLE_EQ(sigma[0], 0.1 * uS);
  EXPECT_DOUBLE_EQ(sigma[1], std::sqrt(0.01 + 0.04) * uS);
  EXPECT_DOUBLE_EQ(model.programming_sigma_siemens(10 * uS), 0.5 * uS);
}

TEST(GenericModel, ReadsDifferBetweenReadIdsAndRepeatForTheSameId) {
  const GenericModel model(everything());
  const std::vector<double> targets = spread_targets(1000, model.g_max_siemens());
  const ProgrammedCells cells = model.program(targets, {.seed = 31});
  std::vector<double> a(targets.size()), b(targets.size()), c(targets.size());
  model.read(cells, {3600.0, 0}, 2, a);
  model.read(cells, {3600.0, 0}, 2, b);
  model.read(cells, {3600.0, 0}, 3, c);
  EXPECT_EQ(a, b);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i], c[i]) << i;
}

TEST(GenericModel, SubArraysWithOffsetsGiveTheSameBits) {
  GenericParameters p = everything();
  p.common.g_max_siemens = 1.0;  // no clipping interferes
  const GenericModel model(p);
  const std::vector<double> targets = spread_targets(777, 25 * uS);
  const CellAddress address{.seed = 5, .point = 1, .trial = 9, .first_cell = 123};
  const ProgrammedCells whole = model.program(targets, address, 1);
  const std::span<const double> all(targets);
  const std::size_t half = 300;
  const ProgrammedCells first = model.program(all.first(half), address, 1);
  const ProgrammedCells second = model.program(all.subspan(half), address.offset(half), 1);
  std::vector<double> rw(targets.size()), r1(half), r2(targets.size() - half);
  model.read(whole, {86400.0, 2}, 4, rw);
  model.read(first, {86400.0, 2}, 4, r1);
  model.read(second, {86400.0, 2}, 4, r2);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const bool in_first = i < half;
    const ProgrammedCells& part = in_first ? first : second;
    const std::size_t j = in_first ? i : i - half;
    ASSERT_EQ(whole.programmed_siemens[i], part.programmed_siemens[j]) << i;
    ASSERT_EQ(whole.drift_exponent[i], part.drift_exponent[j]) << i;
    ASSERT_EQ(rw[i], in_first ? r1[j] : r2[j]) << i;
  }
}

TEST(GenericModel, EachEffectUsesItsOwnStream) {
  // Switching device-to-device spread on does not change the Gaussian programming draws.
  GenericParameters p = ideal(1.0);
  p.programming_sigma_siemens = 1 * uS;
  const GenericModel gaussian(p);
  p.device_to_device_sigma = 0.2;
  const GenericModel both(p);
  p.programming_sigma_siemens = 0.0;
  const GenericModel lognormal(p);
  const std::vector<double> targets(500, 10 * uS);
  const ProgrammedCells a = gaussian.program(targets, {.seed = 3});
  const ProgrammedCells b = both.program(targets, {.seed = 3});
  const ProgrammedCells c = lognormal.program(targets, {.seed = 3});
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const double factor = c.programmed_siemens[i] / targets[i];
    EXPECT_NEAR(b.programmed_siemens[i], a.programmed_siemens[i] * factor, 1e-20) << i;
  }
}

TEST(GenericModel, ClippingKeepsConductancesInRange) {
  GenericParameters p = ideal(10 * uS);
  p.programming_sigma_siemens = 5 * uS;
  const GenericModel model(p);
  const std::vector<double> targets = spread_targets(1000, 10 * uS);
  const ProgrammedCells cells = model.program(targets, {.seed = 2});
  const auto [lo, hi] =
      std::minmax_element(cells.programmed_siemens.begin(), cells.programmed_siemens.end());
  EXPECT_EQ(*lo, 0.0);
  EXPECT_EQ(*hi, 10 * uS);
}

TEST(GenericModel, ConstructorRejectsBadValues) {
  auto rejects = [](auto change, const char* name) {
    GenericParameters p = everything();
    change(p);
    EXPECT_CONTAINS(message_of<InvalidArgument>([&] { const GenericModel model(p); }), name);
  };
  rejects([](GenericParameters& p) { p.programming_sigma_siemens = -1e-7; }, "programming_sigma");
  rejects([](GenericParameters& p) { p.programming_sigma_relative = -0.1; },
          "programming_sigma_relative");
  rejects([](GenericParameters& p) { p.device_to_device_sigma = NAN; }, "device_to_device_sigma");
  rejects([](GenericParameters& p) { p.read_sigma_siemens = -1.0; }, "read_sigma");
  rejects([](GenericParameters& p) { p.read_sigma_relative = -1.0; }, "read_sigma_relative");
  rejects([](GenericParameters& p) { p.t0_s = 0.0; }, "t0");
  rejects([](GenericParameters& p) { p.drift_g_siemens[2] = p.drift_g_siemens[1]; },
          "strictly increasing");
  rejects([](GenericParameters& p) { p.drift_nu_std[0] = -0.01; }, "drift_nu_std[0]");
  rejects([](GenericParameters& p) { p.drift_nu_mean.pop_back(); }, "one value per");
  rejects([](GenericParameters& p) { p.common.g_min_siemens = p.common.g_max_siemens; }, "g_max");
}

// ---------------------------------------------------------------------------------------------
// Factory and presets

TEST(GenericFactory, PresetsAreReadCompletely) {
  for (const char* name : {"generic-ideal", "generic-example"}) {
    SCOPED_TRACE(name);
    const Config config = Config::load_file(preset_path(name));
    EXPECT_EQ(config.root().get<std::string>("name"), name);
    EXPECT_EQ(config.root().get<std::string>("model"), "generic");
    (void)config.root().get<std::string>("description");
    (void)config.root().get<std::string>("source");
    const auto model = make_generic_model(config.table("parameters"));
    EXPECT_NO_THROW(config.check_unknown_keys());
    EXPECT_EQ(model->kind(), "generic");
  }
  const Config config = Config::load_file(preset_path("generic-example"));
  const auto model = make_generic_model(config.table("parameters"));
  const auto& generic = dynamic_cast<const GenericModel&>(*model);
  const GenericParameters& p = generic.parameters();
  EXPECT_DOUBLE_EQ(p.programming_sigma_siemens, 0.3 * uS);
  EXPECT_DOUBLE_EQ(p.programming_sigma_relative, 0.03);
  EXPECT_DOUBLE_EQ(p.device_to_device_sigma, 0.05);
  EXPECT_DOUBLE_EQ(p.t0_s, 20.0);
  ASSERT_EQ(p.drift_g_siemens.size(), 3u);
  EXPECT_DOUBLE_EQ(p.drift_g_siemens[1], 5 * uS);
  EXPECT_EQ(p.drift_nu_mean, (std::vector<double>{0.09, 0.06, 0.05}));
  EXPECT_EQ(p.drift_nu_std, (std::vector<double>{0.03, 0.015, 0.01}));
  EXPECT_TRUE(p.drift_nu_absolute);
  EXPECT_DOUBLE_EQ(p.read_sigma_siemens, 0.05 * uS);
  EXPECT_DOUBLE_EQ(p.read_sigma_relative, 0.01);

  const Config ideal_config = Config::load_file(preset_path("generic-ideal"));
  const auto ideal_model = make_generic_model(ideal_config.table("parameters"));
  EXPECT_FALSE(dynamic_cast<const GenericModel&>(*ideal_model).has_drift());
}

TEST(GenericFactory, ScalarDriftWithoutTable) {
  const Config config = Config::parse(
      "[parameters]\ng_max = \"10uS\"\ndrift_nu_mean = 0.05\ndrift_nu_std = 0.01\n", "d.toml");
  const auto model = make_generic_model(config.table("parameters"));
  const auto& generic = dynamic_cast<const GenericModel&>(*model);
  EXPECT_TRUE(generic.has_drift());
  EXPECT_EQ(generic.drift_exponent_mean(3 * uS), 0.05);
  EXPECT_EQ(generic.drift_exponent_std(9 * uS), 0.01);
  EXPECT_DOUBLE_EQ(generic.parameters().t0_s, 1.0);
}

std::string factory_error(const std::string& lines) {
  const Config config = Config::parse("[parameters]\n" + lines + "\n", "dev.toml");
  return message_of<ConfigError>([&] { (void)make_generic_model(config.table("parameters")); });
}

TEST(GenericFactory, RejectsBadValuesWithLocatedMessages) {
  const std::string g = "g_max = \"25uS\"\n";
  EXPECT_EQ(factory_error("clip = true"),
            "dev.toml:1:1: key 'parameters.g_max': required key is missing (expected a "
            "conductance such as \"25uS\")");
  EXPECT_EQ(factory_error(g + "programming_sigma_relative = -0.1"),
            "dev.toml:3:30: key 'parameters.programming_sigma_relative': must be a finite number "
            ">= 0, got -0.1");
  EXPECT_EQ(factory_error(g + "device_to_device_sigma = -1"),
            "dev.toml:3:26: key 'parameters.device_to_device_sigma': must be a finite number >= "
            "0, got -1");
  EXPECT_EQ(factory_error(g + "g_min = \"25uS\""),
            "dev.toml:2:9: key 'parameters.g_max': must be greater than g_min (25 uS), got 25 uS");
  EXPECT_EQ(factory_error(g + "t0 = \"0s\""),
            "dev.toml:3:6: key 'parameters.t0': must be > 0 s (the drift reference time)");
  EXPECT_EQ(factory_error(g + "drift_g = [\"1uS\", \"5uS\"]\ndrift_nu_mean = [0.1]"),
            "dev.toml:4:17: key 'parameters.drift_nu_mean': needs one value per point of drift_g "
            "(2), got 1");
  EXPECT_EQ(factory_error(g + "drift_g = [\"5uS\", \"1uS\"]"),
            "dev.toml:3:19: key 'parameters.drift_g[1]': conductances must be strictly "
            "increasing, got 1 uS after 5 uS");
  EXPECT_EQ(factory_error(g + "drift_g = [\"1uS\"]\ndrift_nu_std = [-0.01]"),
            "dev.toml:4:17: key 'parameters.drift_nu_std[0]': must be a finite number >= 0, got "
            "-0.01");
  EXPECT_EQ(factory_error(g + "drift_nu_mean = [0.1, 0.2]"),
            "dev.toml:3:17: key 'parameters.drift_nu_mean': is a table over conductance: give "
            "the points in drift_g too");
  // Negative sigma and wrong units are refused by the quantity parser, at the key.
  for (const std::string& line :
       {std::string("programming_sigma = \"-1uS\""), std::string("read_sigma = \"1us\""),
        std::string("programming_sigma = 1e-7"), std::string("t0 = \"1uS\"")}) {
    const std::string message = factory_error(g + line);
    EXPECT_EQ(message.rfind("dev.toml:3:", 0), 0u) << message;
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_NE(message.find("key 'parameters." + key + "'"), std::string::npos) << message;
  }
  EXPECT_NE(factory_error(g + "programming_sigma = \"-1uS\"").find("negative"), std::string::npos)
      << factory_error(g + "programming_sigma = \"-1uS\"");
}

}  // namespace
}  // namespace kirchhoff::devices
