// Unit tests of the NeuroSim-style pulse-programmed device (devices/pulse.hpp).
#include "kirchhoff/devices/pulse.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kd = kirchhoff::devices;
using kirchhoff::Config;
using kirchhoff::ConfigError;
using kirchhoff::InvalidArgument;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

kd::PulseParameters parameters(std::uint32_t pulses, double nl_ltp, double nl_ltd) {
  kd::PulseParameters p;
  p.g_min_siemens = 1e-6;
  p.g_max_siemens = 10e-6;
  p.pulses_ltp = pulses;
  p.pulses_ltd = pulses;
  p.nl_ltp = nl_ltp;
  p.nl_ltd = nl_ltd;
  return p;
}

kd::PulseNonlinearModel model(const kd::PulseParameters& p) {
  kd::CommonParameters common;
  return kd::PulseNonlinearModel(p, common);
}

std::unique_ptr<kd::DeviceModel> from_toml(const std::string& text) {
  Config config = Config::parse(text, "test.toml");
  auto m = kd::make_pulse_nonlinear_model(config.table("parameters"));
  config.check_unknown_keys();
  return m;
}

}  // namespace

// Published pairs (DESIGN.md; Chen & Yu 2019): A/P_max = 0.5 ↔ NL 2.40, −0.2 ↔ −4.88, given to
// two decimals.
TEST(PulseNonlinearity, PublishedPairsWithinPublishedPrecision) {
  EXPECT_NEAR(kd::nonlinearity_label(0.5), 2.40, 0.005);
  EXPECT_NEAR(kd::nonlinearity_label(-0.2), -4.88, 0.005);
  EXPECT_NEAR(kd::normalised_a(2.40), 0.5, 0.5 * 0.005 / 2.40 * 2.0);
  EXPECT_NEAR(kd::normalised_a(-4.88), -0.2, 0.2 * 0.005 / 4.88 * 2.0);
}

// MLP+NeuroSim V3.0 getParamA table (formula.cpp, 6 decimals; entries for NL = 0.01, 0.10,
// 2.40) and documents/Nonlinearity-NormA.htm (4 decimals). NeuroSim's table was made with a
// more precise scale than the published 0.0989949, hence the relative 1e-6.
TEST(PulseNonlinearity, MatchesNeuroSimTables) {
  EXPECT_NEAR(kd::normalised_a(0.01), 126.268958, 126.268958 * 1e-6);
  EXPECT_NEAR(kd::normalised_a(0.10), 12.625807, 12.625807 * 1e-6);
  EXPECT_NEAR(kd::normalised_a(2.40), 0.499181, 0.499181 * 1e-6);
  const std::pair<double, double> htm[] = {{1.2, 1.039},   {2.7, 0.4372}, {4.2, 0.2514},
                                           {5.7, 0.1512},  {7.2, 0.0821}, {8.7, 0.0310},
                                           {1.51, 0.8195}, {3.01, 0.3853}};
  for (const auto& [nl, a] : htm) {
    EXPECT_NEAR(kd::normalised_a(nl), a, 5e-5 + 1e-6 * a) << nl;
    EXPECT_NEAR(kd::normalised_a(-nl), -a, 5e-5 + 1e-6 * a) << nl;
  }
}

TEST(PulseNonlinearity, InversePairsToOneInABillion) {
  for (double nl = -10.05; nl <= 10.05; nl += 0.0973) {
    EXPECT_NEAR(kd::nonlinearity_label(kd::normalised_a(nl)), nl, 1e-9) << nl;
  }
  for (const double nl : {1e-9, 1e-6, 1e-4, 1e-3, 0.0123, 10.1}) {
    EXPECT_NEAR(kd::nonlinearity_label(kd::normalised_a(nl)), nl, 1e-9 * std::max(1.0, nl)) << nl;
    EXPECT_NEAR(kd::nonlinearity_label(kd::normalised_a(-nl)), -nl, 1e-9 * std::max(1.0, nl));
  }
  for (double a = 0.01; a < 2e4; a *= 1.37) {
    for (const double s : {1.0, -1.0}) {
      const double back = kd::normalised_a(kd::nonlinearity_label(s * a));
      EXPECT_NEAR(back / (s * a), 1.0, 1e-9) << s * a;
    }
  }
}

TEST(PulseNonlinearity, LinearLimitAndInvalidValues) {
  EXPECT_EQ(kd::nonlinearity_label(kInf), 0.0);
  EXPECT_EQ(kd::nonlinearity_label(-kInf), 0.0);
  EXPECT_EQ(kd::normalised_a(0.0), kInf);
  // Large A: NL → 1/(8 a · 0.0989949).
  EXPECT_NEAR(kd::nonlinearity_label(1e6), 1.0 / (8e6 * 0.0989949), 1e-15);
  EXPECT_THROW((void)kd::normalised_a(10.2), InvalidArgument);
  EXPECT_THROW((void)kd::normalised_a(-10.2), InvalidArgument);
  EXPECT_THROW((void)kd::normalised_a(std::nan("")), InvalidArgument);
  EXPECT_THROW((void)kd::nonlinearity_label(0.0), InvalidArgument);
}

TEST(PulseCurve, EndsAreExactAndMidpointMatchesHandValue) {
  for (const double nl : {2.4, -4.88, 0.04, 0.0, 9.5}) {
    for (const std::uint32_t pulses : {1u, 10u, 96u, 127u}) {
      const auto curve = kd::PulseCurve::from_label(3.0769e-9, 3.8462e-8, pulses, nl);
      EXPECT_EQ(curve.conductance(0), 3.0769e-9);
      EXPECT_EQ(curve.conductance(pulses), 3.8462e-8);
      EXPECT_EQ(curve.conductance(-3.0), 3.0769e-9);
      EXPECT_EQ(curve.conductance(pulses + 5.0), 3.8462e-8);
    }
  }
  // a = 0.5, P_max = 10: y(5) = (1 − e^−1)/(1 − e^−2) = 1/(1 + e^−1) = 0.7310585786300049.
  kd::PulseCurve curve{1e-6, 10e-6, 10, 0.5};
  EXPECT_NEAR(curve.conductance(5), 1e-6 + 9e-6 * 0.7310585786300049, 1e-20);
  // Linear curve.
  kd::PulseCurve linear{1e-6, 10e-6, 9, kInf};
  EXPECT_NEAR(linear.conductance(4), 5e-6, 1e-20);
  EXPECT_NEAR(linear.position(7e-6), 6.0, 1e-12);
}

TEST(PulseCurve, LtdIsTheMirrorOfLtp) {
  const auto ltp = kd::PulseCurve::from_label(1e-6, 10e-6, 40, 2.4);
  const auto ltd = kd::PulseCurve::from_label(1e-6, 10e-6, 40, -2.4);
  EXPECT_EQ(ltd.a_normalised, -ltp.a_normalised);
  for (std::uint32_t k = 0; k <= 40; ++k) {
    // LTD pulse k from G_max lands at position 40 − k of the LTD curve; the mirror image of
    // LTP pulse k from G_min.
    EXPECT_NEAR(ltd.conductance(40 - k) - 1e-6, 10e-6 - ltp.conductance(k), 1e-18) << k;
    EXPECT_NEAR(ltp.position(ltp.conductance(k)), k, 1e-9);
  }
  // LTP with A > 0 is concave: the first pulse gives the biggest step.
  EXPECT_GT(ltp.conductance(1) - ltp.conductance(0), ltp.conductance(40) - ltp.conductance(39));
  // LTD with A < 0: the first LTD pulse from G_max gives the biggest step.
  EXPECT_GT(ltd.conductance(40) - ltd.conductance(39), ltd.conductance(1) - ltd.conductance(0));
}

TEST(PulseModel, NoiselessProgrammingHitsTheNearestLevel) {
  const auto m = model(parameters(10, 2.4, -4.88));
  std::vector<double> levels;
  for (std::uint32_t k = 0; k <= 10; ++k) levels.push_back(m.ltp_curve().conductance(k));
  std::vector<double> targets;
  for (int i = 0; i <= 1000; ++i) targets.push_back(10e-6 * i / 1000.0);
  const auto cells = m.program(targets, {.seed = 1});
  for (std::size_t i = 0; i < targets.size(); ++i) {
    double best = levels[0];
    for (double level : levels) {
      if (std::abs(level - targets[i]) < std::abs(best - targets[i])) best = level;
    }
    EXPECT_EQ(cells.programmed_siemens[i], best) << targets[i];
    EXPECT_EQ(cells.target_siemens[i], best);
  }
  EXPECT_EQ(cells.programmed_siemens.front(), 1e-6);  // target 0 < G_min: no pulse
  EXPECT_EQ(cells.programmed_siemens.back(), 10e-6);
  EXPECT_EQ(m.pulses_for(10e-6), 10u);
  EXPECT_EQ(m.kind(), "pulse-nonlinear");
  std::vector<double> g(cells.size());
  m.conductance_at(cells, {.t_s = 1e6, .index = 3}, g);
  EXPECT_EQ(g, cells.programmed_siemens);  // no drift
  m.read(cells, {.t_s = 1.0}, 0, g);
  EXPECT_EQ(g, cells.programmed_siemens);  // no read noise unless configured
}

TEST(PulseModel, SameBitsForAnySplitOfTheArray) {
  auto p = parameters(63, 2.4, -4.88);
  p.c2c = 0.035;
  p.d2d_nl = 0.5;
  p.d2d_g_max_siemens = 0.3e-6;
  p.d2d_g_min_siemens = 0.05e-6;
  const auto m = model(p);
  std::vector<double> targets(1000);
  for (std::size_t i = 0; i < targets.size(); ++i)
    targets[i] = 10e-6 * double((i * 37) % 101) / 100;
  const kd::CellAddress address{.seed = 42, .point = 3, .trial = 7, .first_cell = 5000};
  const auto whole = m.program(targets, address, 2);
  const std::span<const double> all(targets);
  const auto a = m.program(all.first(377), address, 2);
  const auto b = m.program(all.subspan(377), address.offset(377), 2);
  for (std::size_t i = 0; i < 377; ++i)
    EXPECT_EQ(whole.programmed_siemens[i], a.programmed_siemens[i]) << i;
  for (std::size_t i = 377; i < 1000; ++i) {
    EXPECT_EQ(whole.programmed_siemens[i], b.programmed_siemens[i - 377]) << i;
  }
  // Another attempt redraws the cycle-to-cycle noise.
  const auto other = m.program(targets, address, 3);
  std::size_t differ = 0, pulsed = 0;
  for (std::size_t i = 0; i < 1000; ++i) {
    differ += other.programmed_siemens[i] != whole.programmed_siemens[i];
    pulsed += whole.target_siemens[i] > p.g_min_siemens;  // cells with 0 pulses get no C2C noise
  }
  EXPECT_GT(pulsed, 800u);
  EXPECT_GT(differ, pulsed * 9 / 10);
}

TEST(PulseModel, ProgrammedCellsStayInsideTheirRange) {
  auto p = parameters(20, 4.0, -4.0);
  p.c2c = 0.2;
  const auto m = model(p);
  std::vector<double> targets(2000, 10e-6);
  for (std::size_t i = 0; i < 1000; ++i) targets[i] = 1.2e-6;
  const auto cells = m.program(targets, {.seed = 9});
  for (double g : cells.programmed_siemens) {
    EXPECT_GE(g, 1e-6);
    EXPECT_LE(g, 10e-6);
  }
}

TEST(PulseModel, PulseResponseCurve) {
  const auto m = model(parameters(30, 2.4, -4.88));
  const auto rows = kd::pulse_response(m, 30, 30, {.seed = 5});
  ASSERT_EQ(rows.size(), 61u);
  EXPECT_EQ(rows[0].polarity, 0);
  EXPECT_EQ(rows[0].g_siemens, 1e-6);
  for (std::uint32_t k = 1; k <= 30; ++k) {
    EXPECT_EQ(rows[k].pulse, k);
    EXPECT_EQ(rows[k].polarity, 1);
    EXPECT_NEAR(rows[k].g_noiseless_siemens, m.ltp_curve().conductance(k), 1e-18);
    EXPECT_EQ(rows[k].g_siemens, rows[k].g_noiseless_siemens);  // no C2C, no D2D
  }
  EXPECT_EQ(rows[30].g_siemens, 10e-6);
  for (std::uint32_t k = 1; k <= 30; ++k) {
    EXPECT_EQ(rows[30 + k].polarity, -1);
    EXPECT_NEAR(rows[30 + k].g_noiseless_siemens, m.ltd_curve().conductance(30 - k), 1e-18);
  }
  EXPECT_EQ(rows[60].g_siemens, 1e-6);

  auto noisy = parameters(30, 2.4, -4.88);
  noisy.c2c = 0.05;
  const auto mn = model(noisy);
  const auto r1 = kd::pulse_response(mn, 40, 10, {.seed = 5, .first_cell = 3});
  const auto r2 = kd::pulse_response(mn, 40, 10, {.seed = 5, .first_cell = 3});
  const auto r3 = kd::pulse_response(mn, 40, 10, {.seed = 5, .first_cell = 4});
  ASSERT_EQ(r1.size(), 51u);
  std::size_t differ = 0;
  for (std::size_t k = 0; k < r1.size(); ++k) {
    EXPECT_EQ(r1[k].g_siemens, r2[k].g_siemens);
    EXPECT_GE(r1[k].g_siemens, 1e-6);
    EXPECT_LE(r1[k].g_siemens, 10e-6);
    differ += r1[k].g_siemens != r3[k].g_siemens;
  }
  EXPECT_GT(differ, 40u);
  EXPECT_EQ(r1[40].g_noiseless_siemens, 10e-6);  // saturates after P_max pulses
}

TEST(PulseFactory, ReadsParameters) {
  const auto m = from_toml(R"(
[parameters]
g_max = "10uS"
on_off_ratio = 10.0
states = 128
nl_ltp = 0.04
nl_ltd = -0.63
c2c = 0.037
clip = true
)");
  const auto& pm = dynamic_cast<const kd::PulseNonlinearModel&>(*m);
  EXPECT_DOUBLE_EQ(pm.g_min_siemens(), 1e-6);
  EXPECT_EQ(pm.parameters().pulses_ltp, 127u);
  EXPECT_EQ(pm.parameters().pulses_ltd, 127u);
  EXPECT_EQ(pm.parameters().nl_ltd, -0.63);
  EXPECT_EQ(pm.parameters().c2c, 0.037);

  const auto n = from_toml(R"(
[parameters]
g_max = "10uS"
g_min = "2uS"
pulses = 97
pulses_ltd = 100
a_ltp = 48.5
)");
  const auto& pn = dynamic_cast<const kd::PulseNonlinearModel&>(*n);
  EXPECT_EQ(pn.parameters().pulses_ltp, 97u);
  EXPECT_EQ(pn.parameters().pulses_ltd, 100u);
  EXPECT_NEAR(pn.ltp_curve().a_normalised, 0.5, 1e-12);
  EXPECT_EQ(pn.parameters().nl_ltd, 0.0);
}

TEST(PulseFactory, RejectsBadParameters) {
  const auto rejects = [](const std::string& body, const std::string& key,
                          const std::string& text) {
    const std::string message = kirchhoff::testing::message_of<ConfigError>(
        [&] { (void)from_toml("[parameters]\n" + body); });
    EXPECT_CONTAINS(message, "key 'parameters." + key + "'");
    EXPECT_CONTAINS(message, text);
  };
  rejects("g_max = \"10uS\"\nstates = 1", "states", "[2, 2^24]");
  rejects("g_max = \"10uS\"\ng_min = \"10uS\"\nstates = 8", "g_max", "greater than g_min");
  rejects("g_max = \"1uS\"\ng_min = \"2uS\"\nstates = 8", "g_max", "greater than g_min");
  rejects("g_max = \"10uS\"\nstates = 8\nc2c = -0.01", "c2c", ">= 0");
  rejects("g_max = \"10uS\"\nstates = 8\nd2d_nl = -1.0", "d2d_nl", ">= 0");
  rejects("g_max = \"10uS\"\nstates = 8\nnl_ltp = 11.0", "nl_ltp", "< 10.1");
  rejects("g_max = \"10uS\"\nstates = 8\npulses = 7", "pulses", "not both");
  rejects("g_max = \"10uS\"\nstates = 8\nlevels = 8", "levels", "use 'states'");
  rejects("g_max = \"10uS\"\nstates = 8\non_off_ratio = 0.5", "on_off_ratio", "> 1");
  rejects("g_max = \"10uS\"\nstates = 8\nnl_ltp = 1.0\na_ltp = 3.0", "a_ltp", "not both");
  EXPECT_THROW((void)from_toml("[parameters]\ng_max = \"10uS\"\n"), ConfigError);  // no states
  EXPECT_THROW((void)from_toml("[parameters]\nstates = 8\n"), ConfigError);        // no g_max

  auto p = parameters(8, 1.0, -1.0);
  p.c2c = -0.1;
  EXPECT_THROW((void)model(p), InvalidArgument);
  p = parameters(0, 1.0, -1.0);
  EXPECT_THROW((void)model(p), InvalidArgument);
  p = parameters(8, 1.0, -1.0);
  p.g_min_siemens = 20e-6;
  EXPECT_THROW((void)model(p), InvalidArgument);
  kd::CommonParameters common;
  common.levels = 4;
  EXPECT_THROW((void)kd::PulseNonlinearModel(parameters(8, 1.0, -1.0), common), InvalidArgument);
}

// The NeuroSim device table (DESIGN.md; Chen & Yu, IEEE D&T 2019): states, NL LTP/LTD, on/off.
TEST(PulsePresets, NeuroSimTable) {
  struct Row {
    const char* name;
    std::uint32_t pulses_ltp;
    double nl_ltp, nl_ltd, on_off;
  };
  const Row table[] = {
      {"agasi-neurosim", 97, 2.4, -4.88, 12.5}, {"taox-hfox-neurosim", 128, 0.04, -0.63, 10},
      {"pcmo-neurosim", 50, 3.68, -6.76, 6.84}, {"alox-hfo2-neurosim", 40, 1.94, -0.61, 4.43},
      {"epiram-neurosim", 64, 0.5, -0.5, 50.2}, {"hzo-fefet-neurosim", 32, 1.75, 1.46, 45},
  };
  const auto dir = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "data" / "devices";
  for (const Row& row : table) {
    Config config = Config::load_file(dir / (std::string(row.name) + ".toml"));
    EXPECT_EQ(config.root().get<std::string>("name"), row.name);
    EXPECT_EQ(config.root().get<std::string>("model"), "pulse-nonlinear");
    (void)config.root().get<std::string>("description");
    (void)config.root().get<std::string>("source");
    const auto m = kd::make_pulse_nonlinear_model(config.table("parameters"));
    config.check_unknown_keys();
    const auto& pm = dynamic_cast<const kd::PulseNonlinearModel&>(*m);
    EXPECT_EQ(pm.parameters().pulses_ltp, row.pulses_ltp) << row.name;
    EXPECT_EQ(pm.parameters().nl_ltp, row.nl_ltp) << row.name;
    EXPECT_EQ(pm.parameters().nl_ltd, row.nl_ltd) << row.name;
    EXPECT_NEAR(pm.g_max_siemens() / pm.g_min_siemens(), row.on_off, 1e-9 * row.on_off) << row.name;
  }
}
