// Unit tests of the statistical PCM models (pcm-joshi2020, pcm-hermes2023): the published check
// values, the fitted curves at their clip boundaries and switch points, drift and read-noise
// mechanics, reproducibility of the draws, and the configuration factories.
//
// Expected curve values were computed by hand (Python, from the equations printed in DESIGN.md
// and docs/devices-pcm.md), not taken from this code's output.
#include "kirchhoff/devices/pcm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
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

std::vector<double> spread_targets(std::size_t n, double g_max) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = g_max * static_cast<double>(i % 101) / 100.0;  // includes 0 and g_max
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Published check values (DESIGN.md, "Device physics"), to their printed precision.

TEST(PcmJoshi2020, DesignCheckValues) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  EXPECT_NEAR(model.programming_sigma_siemens(10 * uS) / uS, 0.862, 0.0005);
  EXPECT_NEAR(model.drift_exponent_mean(10 * uS), 0.049, 0.0005);
  EXPECT_NEAR(model.drift_exponent_std(10 * uS), 0.008, 0.0005);
  EXPECT_NEAR(model.programming_sigma_siemens(2.5 * uS) / uS, 0.448, 0.0005);
  EXPECT_NEAR(model.drift_exponent_mean(2.5 * uS), 0.060, 0.0005);
  EXPECT_NEAR(model.drift_exponent_std(2.5 * uS), 0.023, 0.0005);
  EXPECT_EQ(model.kind(), "pcm-joshi2020");
  EXPECT_DOUBLE_EQ(model.g_max_siemens(), 25 * uS);
  EXPECT_DOUBLE_EQ(model.parameters().t0_s, 20.0);
  EXPECT_DOUBLE_EQ(model.parameters().t_read_s, 250e-9);
}

// ---------------------------------------------------------------------------------------------
// Fitted curves

struct CurvePoint {
  double x, sigma_p_microsiemens, nu_mean, nu_std, q_s;
};

TEST(PcmJoshi2020, CurvesAtSeveralXIncludingClipBoundaries) {
  // Clip boundaries: μ_ν = 0.1 below x ≈ 0.0076 and 0.049 above x ≈ 0.2045; σ_ν = 0.045 below
  // x ≈ 0.0171 and 0.008 above x ≈ 0.329; Q_s = 0.2 below x ≈ 0.0082.
  const std::vector<CurvePoint> points = {
      {0.001, 0.2654438269, 0.1, 0.045, 0.2},
      {0.005, 0.2732756725, 0.1, 0.045, 0.2},
      {0.01, 0.28301269, 0.09578013788281542, 0.045, 0.17558308371726142},
      {0.05, 0.35879725, 0.07083385024008686, 0.031546653419424885, 0.061681108401975666},
      {0.1, 0.448249, 0.06009006894140771, 0.02288231366242557, 0.03930815610928476},
      {0.2, 0.609556, 0.049346287642728554, 0.014217973905426257, 0.025050314054706736},
      {0.4, 0.861784, 0.049, 0.008, 0.01596407199805577},
      {0.8, 1.084696, 0.049, 0.008, 0.010173588810205915},
      {1.0, 1.05538, 0.049, 0.008, 0.0088},
  };
  for (const CurvePoint& p : points) {
    SCOPED_TRACE(p.x);
    EXPECT_NEAR(pcm_fit::programming_sigma_microsiemens(PcmFit::joshi2020, p.x),
                p.sigma_p_microsiemens, 1e-12);
    EXPECT_NEAR(pcm_fit::drift_exponent_mean(PcmFit::joshi2020, p.x), p.nu_mean, 1e-12);
    EXPECT_NEAR(pcm_fit::drift_exponent_std(PcmFit::joshi2020, p.x), p.nu_std, 1e-12);
    EXPECT_NEAR(pcm_fit::read_noise_q(PcmFit::joshi2020, p.x), p.q_s, 1e-12);
  }
  // Just inside and outside each clip boundary: the clip is active on one side only.
  const double mu_lo = std::exp((0.0244 - 0.049) / 0.0155);  // μ_ν reaches 0.049
  EXPECT_EQ(pcm_fit::drift_exponent_mean(PcmFit::joshi2020, mu_lo * 1.001), 0.049);
  EXPECT_GT(pcm_fit::drift_exponent_mean(PcmFit::joshi2020, mu_lo * 0.999), 0.049);
  const double mu_hi = std::exp((0.0244 - 0.1) / 0.0155);  // μ_ν reaches 0.1
  EXPECT_EQ(pcm_fit::drift_exponent_mean(PcmFit::joshi2020, mu_hi * 0.999), 0.1);
  EXPECT_LT(pcm_fit::drift_exponent_mean(PcmFit::joshi2020, mu_hi * 1.001), 0.1);
  const double sd_lo = std::exp(-(0.008 + 0.0059) / 0.0125);
  EXPECT_EQ(pcm_fit::drift_exponent_std(PcmFit::joshi2020, sd_lo * 1.001), 0.008);
  EXPECT_GT(pcm_fit::drift_exponent_std(PcmFit::joshi2020, sd_lo * 0.999), 0.008);
  const double sd_hi = std::exp(-(0.045 + 0.0059) / 0.0125);
  EXPECT_EQ(pcm_fit::drift_exponent_std(PcmFit::joshi2020, sd_hi * 0.999), 0.045);
  EXPECT_LT(pcm_fit::drift_exponent_std(PcmFit::joshi2020, sd_hi * 1.001), 0.045);
  const double q_hi = std::pow(0.0088 / 0.2, 1.0 / 0.65);
  EXPECT_EQ(pcm_fit::read_noise_q(PcmFit::joshi2020, q_hi * 0.999), 0.2);
  EXPECT_LT(pcm_fit::read_noise_q(PcmFit::joshi2020, q_hi * 1.001), 0.2);
}

TEST(PcmJoshi2020, ZeroTargetGivesTheLimitsNotNaN) {
  EXPECT_EQ(pcm_fit::programming_sigma_microsiemens(PcmFit::joshi2020, 0.0), 0.26348);
  EXPECT_EQ(pcm_fit::drift_exponent_mean(PcmFit::joshi2020, 0.0), 0.1);
  EXPECT_EQ(pcm_fit::drift_exponent_std(PcmFit::joshi2020, 0.0), 0.045);
  EXPECT_EQ(pcm_fit::read_noise_q(PcmFit::joshi2020, 0.0), 0.2);
  // Whole arrays of zero targets: programming, drift and reads stay finite and >= 0.
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const std::vector<double> zeros(1000, 0.0);
  const ProgrammedCells cells = model.program(zeros, {.seed = 5});
  std::vector<double> g(zeros.size());
  for (double t : {0.0, 1.0, 3600.0, 3.15e7}) {
    model.read(cells, {t, 0}, 0, g);
    for (std::size_t i = 0; i < g.size(); ++i) {
      ASSERT_TRUE(std::isfinite(g[i]));
      ASSERT_TRUE(std::isfinite(cells.drift_exponent[i]));
      ASSERT_GE(cells.programmed_siemens[i], 0.0);
      ASSERT_GE(cells.drift_exponent[i], 0.0);
    }
  }
}

TEST(PcmHermes2023, TwoDeviceCurvesAtSwitchPointsAndClips) {
  // Switch points: μ_ν at x = 0.0945, σ_ν at 0.3055, Q_s at 0.16 (the polynomial from there on).
  const std::vector<CurvePoint> points = {
      {0.005, 0.18940886095125004, 0.13, 0.04, 0.04},
      {0.05, 0.38131667625, 0.09773483898653945, 0.029350067600581693, 0.028150067600581693},
      {0.09, 0.52537794469, 0.07498749505482746, 0.022472963621226905, 0.021272963621226906},
      {0.0945, 0.5401067327743864, 0.0720199411, 0.021902118700444548, 0.020702118700444548},
      {0.15, 0.69874370875, 0.070729, 0.01649630382316481, 0.015296303823164811},
      {0.16, 0.72301438656, 0.07046784, 0.01574120312585523, 0.0149874624},
      {0.3, 0.94477657, 0.065896, 0.0091, 0.0162963},
      {0.3055, 0.9495745421636137, 0.0656815011, 0.00903985305, 0.0163295385004875},
      {0.5, 0.99100875, 0.0564, 0.009, 0.0167125},
      {1.0, 1.09269, 0.0174, 0.0048, 0.0123},
  };
  for (const CurvePoint& p : points) {
    SCOPED_TRACE(p.x);
    EXPECT_NEAR(pcm_fit::programming_sigma_microsiemens(PcmFit::hermes2023_pair, p.x),
                p.sigma_p_microsiemens, 1e-12);
    EXPECT_NEAR(pcm_fit::drift_exponent_mean(PcmFit::hermes2023_pair, p.x), p.nu_mean, 1e-12);
    EXPECT_NEAR(pcm_fit::drift_exponent_std(PcmFit::hermes2023_pair, p.x), p.nu_std, 1e-12);
    EXPECT_NEAR(pcm_fit::read_noise_q(PcmFit::hermes2023_pair, p.x), p.q_s, 1e-12);
  }
  // Just below each switch point the clipped-log branch is used (values differ from the
  // polynomial's at the switch point: the published fit is not continuous there).
  const double below = 1.0 - 1e-12;
  EXPECT_NEAR(pcm_fit::drift_exponent_mean(PcmFit::hermes2023_pair, 0.0945 * below),
              -0.0387 * std::log(0.0945) - 0.0182, 1e-10);
  EXPECT_NEAR(pcm_fit::drift_exponent_std(PcmFit::hermes2023_pair, 0.3055 * below), 0.0091, 1e-12);
  EXPECT_NEAR(pcm_fit::read_noise_q(PcmFit::hermes2023_pair, 0.16 * below), 0.015, 1e-12);
  // Limits x → 0.
  EXPECT_EQ(pcm_fit::programming_sigma_microsiemens(PcmFit::hermes2023_pair, 0.0), 0.16603);
  EXPECT_EQ(pcm_fit::drift_exponent_mean(PcmFit::hermes2023_pair, 0.0), 0.13);
  EXPECT_EQ(pcm_fit::drift_exponent_std(PcmFit::hermes2023_pair, 0.0), 0.04);
  EXPECT_EQ(pcm_fit::read_noise_q(PcmFit::hermes2023_pair, 0.0), 0.04);
}

TEST(PcmHermes2023, SingleDeviceCurvesAtSwitchPointsAndClips) {
  struct Point {
    double x, sigma_p_microsiemens, nu_std, q_s;
  };
  const std::vector<Point> points = {
      {0.005, 0.1693863741425225, 0.04, 0.04},
      {0.05, 0.2687184092975, 0.03364878728264789, 0.02716671173372113},
      {0.15, 0.4601375165825001, 0.020465439818630575, 0.018597535882109873},
      {0.1591, 0.47565453322633405, 0.019758668123660752, 0.017863998687914398},
      {0.3, 0.67905745376, 0.0124, 0.0214648},
      {0.3039, 0.6837625609090722, 0.012401379035, 0.021516727696381598},
      {0.5, 0.865312925, 0.012075, 0.0217},
      {1.0, 1.00756712, 0.0055, 0.0168},
  };
  for (const Point& p : points) {
    SCOPED_TRACE(p.x);
    EXPECT_NEAR(pcm_fit::programming_sigma_microsiemens(PcmFit::hermes2023_single, p.x),
                p.sigma_p_microsiemens, 1e-12);
    EXPECT_NEAR(pcm_fit::drift_exponent_std(PcmFit::hermes2023_single, p.x), p.nu_std, 1e-12);
    EXPECT_NEAR(pcm_fit::read_noise_q(PcmFit::hermes2023_single, p.x), p.q_s, 1e-12);
    // The mean drift exponent is the same fit for one and two devices (aihwkit).
    EXPECT_EQ(pcm_fit::drift_exponent_mean(PcmFit::hermes2023_single, p.x),
              pcm_fit::drift_exponent_mean(PcmFit::hermes2023_pair, p.x));
  }
  EXPECT_EQ(pcm_fit::drift_exponent_std(PcmFit::hermes2023_single, 0.0), 0.04);
  EXPECT_EQ(pcm_fit::read_noise_q(PcmFit::hermes2023_single, 0.0), 0.04);
  EXPECT_DOUBLE_EQ(pcm_fit::reference_g_max_siemens(PcmFit::hermes2023_single), 10.35 * uS);
  EXPECT_DOUBLE_EQ(pcm_fit::reference_t0_s(PcmFit::hermes2023_single), 200.0);
  EXPECT_DOUBLE_EQ(pcm_fit::reference_g_max_siemens(PcmFit::hermes2023_pair), 20.7 * uS);
  EXPECT_DOUBLE_EQ(pcm_fit::reference_t0_s(PcmFit::hermes2023_pair), 300.0);
  EXPECT_DOUBLE_EQ(pcm_fit::reference_t_read_s(PcmFit::hermes2023_pair), 512e-9);
}

TEST(PcmModelCurves, GMaxScalesSigmaPAndNormalisesX) {
  PcmParameters p = PcmParameters::published(PcmFit::joshi2020);
  p.common.g_max_siemens = 50 * uS;
  const PcmModel model(p);
  // x = 20 µS / 50 µS = 0.4: σ_P(0.4) · 50/25 µS; μ_ν and Q_s at x = 0.4.
  EXPECT_NEAR(model.programming_sigma_siemens(20 * uS) / uS, 2.0 * 0.861784, 1e-12);
  EXPECT_NEAR(model.drift_exponent_mean(20 * uS), 0.049, 1e-15);
  EXPECT_NEAR(model.read_noise_q(20 * uS), 0.01596407199805577, 1e-12);
  p.programming_noise_scale = 0.5;
  p.read_noise_scale = 2.0;
  const PcmModel scaled(p);
  EXPECT_NEAR(scaled.programming_sigma_siemens(20 * uS) / uS, 0.861784, 1e-12);
  EXPECT_NEAR(scaled.read_noise_q(20 * uS), 2.0 * 0.01596407199805577, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Drift and read-noise mechanics

// The model evaluates (t/t_0)^(−ν) with the project's own exp (elementary.hpp), within a few
// ulp of the C library's pow.
TEST(PcmModelDrift, SingleCellFollowsThePowerLawToAFewUlp) {
  for (PcmFit fit : {PcmFit::joshi2020, PcmFit::hermes2023_pair, PcmFit::hermes2023_single}) {
    const PcmModel model(PcmParameters::published(fit));
    const double t0 = model.parameters().t0_s;
    const std::vector<double> target = {0.4 * model.g_max_siemens()};
    const ProgrammedCells cells = model.program(target, {.seed = 11, .trial = 2});
    ASSERT_EQ(cells.drift_exponent.size(), 1u);
    std::vector<double> g(1);
    for (double t : {t0 * 1.5, 3600.0, 86400.0, 3.15576e7}) {
      model.conductance_at(cells, {t, 0}, g);
      const double expected =
          cells.programmed_siemens[0] * std::pow(t / t0, -cells.drift_exponent[0]);
      EXPECT_NEAR(g[0], expected, 8 * std::numeric_limits<double>::epsilon() * expected) << t;
    }
  }
}

TEST(PcmModelDrift, NoDriftUpToT0AndNoReadNoiseBelowTRead) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const std::vector<double> targets = spread_targets(500, model.g_max_siemens());
  const ProgrammedCells cells = model.program(targets, {.seed = 3});
  std::vector<double> g(targets.size()), r(targets.size());
  for (double t : {0.0, 1e-7, 1.0, 19.999, 20.0}) {
    model.conductance_at(cells, {t, 0}, g);
    EXPECT_EQ(g, cells.programmed_siemens) << t;
  }
  // ln((t + t_read)/(2 t_read)) <= 0 for t <= t_read: reads are exact.
  for (double t : {0.0, 100e-9, 250e-9}) {
    EXPECT_EQ(model.read_noise_time_factor(t), 0.0) << t;
    model.read(cells, {t, 0}, 7, r);
    EXPECT_EQ(r, cells.programmed_siemens) << t;
  }
  // Just after t_0 every cell with ν > 0 and g_P > 0 has drifted down.
  model.conductance_at(cells, {20.5, 0}, g);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (cells.programmed_siemens[i] > 0.0) {
      EXPECT_LT(g[i], cells.programmed_siemens[i]);
    }
  }
  EXPECT_NEAR(model.read_noise_time_factor(1.0), std::sqrt(std::log((1.0 + 250e-9) / 500e-9)),
              1e-15);
}

TEST(PcmModelDrift, ReadNoiseStdIsRelativeToTheDriftedConductance) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const std::vector<double> targets = {2.5 * uS, 10 * uS, 0.0};
  const ProgrammedCells cells = model.program(targets, {.seed = 9});
  std::vector<double> g(3), sigma(3);
  const ReadTime t{3600.0, 0};
  model.conductance_at(cells, t, g);
  model.read_noise_std(cells, t, g, sigma);
  const double factor = std::sqrt(std::log((3600.0 + 250e-9) / 500e-9));
  EXPECT_NEAR(sigma[0], g[0] * 0.03930815610928476 * factor, 1e-15);
  EXPECT_NEAR(sigma[1], g[1] * 0.01596407199805577 * factor, 1e-15);
  EXPECT_NEAR(sigma[2], g[2] * 0.2 * factor, 1e-15);
}

TEST(PcmModelReads, DifferBetweenReadIdsAndRepeatForTheSameId) {
  const PcmModel model(PcmParameters::published(PcmFit::hermes2023_pair));
  const std::vector<double> targets = spread_targets(1000, model.g_max_siemens());
  const ProgrammedCells cells = model.program(targets, {.seed = 21, .point = 1, .trial = 4});
  std::vector<double> a(targets.size()), b(targets.size()), c(targets.size());
  const ReadTime t{86400.0, 1};
  model.read(cells, t, 0, a);
  model.read(cells, t, 0, b);
  model.read(cells, t, 1, c);
  EXPECT_EQ(a, b);
  // Every cell whose conductance is not 0 (g = 0 has no read noise) reads differently.
  std::vector<double> g(targets.size());
  model.conductance_at(cells, t, g);
  std::size_t same = 0, zero = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    zero += g[i] == 0.0 ? 1u : 0u;
    same += g[i] != 0.0 && a[i] == c[i] ? 1u : 0u;
  }
  EXPECT_EQ(same, 0u);
  EXPECT_LT(zero, 20u);
}

TEST(PcmModelReproducibility, SubArraysWithOffsetsGiveTheSameBits) {
  for (PcmFit fit : {PcmFit::joshi2020, PcmFit::hermes2023_pair}) {
    const PcmModel model(PcmParameters::published(fit));
    const std::vector<double> targets = spread_targets(1001, model.g_max_siemens());
    const CellAddress address{.seed = 77, .point = 3, .trial = 5, .first_cell = 1000};
    const ProgrammedCells whole = model.program(targets, address, 2);
    const std::size_t half = 417;
    const std::span<const double> all(targets);
    const ProgrammedCells first = model.program(all.first(half), address, 2);
    const ProgrammedCells second = model.program(all.subspan(half), address.offset(half), 2);
    std::vector<double> g_whole(targets.size()), g1(half), g2(targets.size() - half);
    const ReadTime t{3600.0, 0};
    model.read(whole, t, 3, g_whole);
    model.read(first, t, 3, g1);
    model.read(second, t, 3, g2);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const bool in_first = i < half;
      const ProgrammedCells& part = in_first ? first : second;
      const std::size_t j = in_first ? i : i - half;
      ASSERT_EQ(whole.programmed_siemens[i], part.programmed_siemens[j]) << i;
      ASSERT_EQ(whole.drift_exponent[i], part.drift_exponent[j]) << i;
      ASSERT_EQ(g_whole[i], in_first ? g1[j] : g2[j]) << i;
    }
  }
}

TEST(PcmModelReproducibility, AttemptsAndTrialsDrawDifferentNumbers) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  const std::vector<double> targets(100, 10 * uS);
  const ProgrammedCells a = model.program(targets, {.seed = 1}, 0);
  const ProgrammedCells b = model.program(targets, {.seed = 1}, 1);
  const ProgrammedCells c = model.program(targets, {.seed = 1, .trial = 1}, 0);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    EXPECT_NE(a.programmed_siemens[i], b.programmed_siemens[i]);
    EXPECT_NE(a.programmed_siemens[i], c.programmed_siemens[i]);
    EXPECT_NE(a.drift_exponent[i], b.drift_exponent[i]);
  }
}

TEST(PcmModelScales, ZeroScalesGiveAnExactDevice) {
  PcmParameters p = PcmParameters::published(PcmFit::joshi2020);
  p.programming_noise_scale = 0.0;
  p.drift_scale = 0.0;
  p.read_noise_scale = 0.0;
  const PcmModel model(p);
  const std::vector<double> targets = spread_targets(300, model.g_max_siemens());
  const ProgrammedCells cells = model.program(targets, {.seed = 2});
  EXPECT_EQ(cells.programmed_siemens, targets);
  std::vector<double> g(targets.size());
  model.read(cells, {3.15e7, 0}, 0, g);
  EXPECT_EQ(g, targets);
}

TEST(PcmModelParameters, ConstructorRejectsBadValues) {
  auto with = [](auto change) {
    PcmParameters p = PcmParameters::published(PcmFit::joshi2020);
    change(p);
    return p;
  };
  EXPECT_THROW(PcmModel(with([](PcmParameters& p) { p.t0_s = 0.0; })), InvalidArgument);
  EXPECT_THROW(PcmModel(with([](PcmParameters& p) { p.t_read_s = -1e-9; })), InvalidArgument);
  EXPECT_THROW(PcmModel(with([](PcmParameters& p) { p.drift_scale = -0.1; })), InvalidArgument);
  EXPECT_THROW(PcmModel(with([](PcmParameters& p) { p.programming_noise_scale = NAN; })),
               InvalidArgument);
  EXPECT_THROW(PcmModel(with([](PcmParameters& p) { p.common.g_min_siemens = 30 * uS; })),
               InvalidArgument);
  EXPECT_THROW_MSG(PcmModel(with([](PcmParameters& p) { p.read_noise_scale = -2.0; })),
                   InvalidArgument, "read_noise_scale");
}

// ---------------------------------------------------------------------------------------------
// Factories and presets

TEST(PcmPresets, JoshiPresetGivesThePublishedModel) {
  const Config config = Config::load_file(preset_path("pcm-joshi2020"));
  EXPECT_EQ(config.root().get<std::string>("name"), "pcm-joshi2020");
  EXPECT_EQ(config.root().get<std::string>("model"), "pcm-joshi2020");
  EXPECT_FALSE(config.root().get<std::string>("description").empty());
  EXPECT_FALSE(config.root().get<std::string>("source").empty());
  const auto model = make_pcm_joshi2020_model(config.table("parameters"));
  EXPECT_NO_THROW(config.check_unknown_keys());
  ASSERT_EQ(model->kind(), "pcm-joshi2020");
  const auto& pcm = dynamic_cast<const PcmModel&>(*model);
  const PcmParameters expected = PcmParameters::published(PcmFit::joshi2020);
  EXPECT_EQ(pcm.parameters().fit, PcmFit::joshi2020);
  EXPECT_DOUBLE_EQ(pcm.g_max_siemens(), 25 * uS);
  EXPECT_EQ(pcm.g_min_siemens(), 0.0);
  EXPECT_FALSE(pcm.common().clip);
  EXPECT_DOUBLE_EQ(pcm.parameters().t0_s, expected.t0_s);
  EXPECT_DOUBLE_EQ(pcm.parameters().t_read_s, expected.t_read_s);
  EXPECT_EQ(pcm.parameters().drift_scale, 1.0);
}

TEST(PcmPresets, HermesPresetsSelectTheTwoAndOneDeviceFits) {
  struct Case {
    const char* name;
    PcmFit fit;
    double g_max, t0;
  };
  for (const Case& c :
       {Case{"pcm-hermes2023", PcmFit::hermes2023_pair, 20.7 * uS, 300.0},
        Case{"pcm-hermes2023-single", PcmFit::hermes2023_single, 10.35 * uS, 200.0}}) {
    SCOPED_TRACE(c.name);
    const Config config = Config::load_file(preset_path(c.name));
    EXPECT_EQ(config.root().get<std::string>("name"), c.name);
    EXPECT_EQ(config.root().get<std::string>("model"), "pcm-hermes2023");
    (void)config.root().get<std::string>("description");
    (void)config.root().get<std::string>("source");
    const auto model = make_pcm_hermes2023_model(config.table("parameters"));
    EXPECT_NO_THROW(config.check_unknown_keys());
    const auto& pcm = dynamic_cast<const PcmModel&>(*model);
    EXPECT_EQ(pcm.kind(), "pcm-hermes2023");
    EXPECT_EQ(pcm.parameters().fit, c.fit);
    EXPECT_DOUBLE_EQ(pcm.g_max_siemens(), c.g_max);
    EXPECT_DOUBLE_EQ(pcm.parameters().t0_s, c.t0);
    EXPECT_DOUBLE_EQ(pcm.parameters().t_read_s, 512e-9);
  }
}

TEST(PcmFactories, DefaultsAndOverrides) {
  const Config empty = Config::parse("[parameters]\n", "empty.toml");
  const auto pair = make_pcm_hermes2023_model(empty.table("parameters"));
  EXPECT_EQ(dynamic_cast<const PcmModel&>(*pair).parameters().fit, PcmFit::hermes2023_pair);
  EXPECT_DOUBLE_EQ(pair->g_max_siemens(), 20.7 * uS);

  Config config = Config::load_file(preset_path("pcm-joshi2020"));
  config.set_override("parameters.g_max=30uS");
  config.set_override("parameters.t0=1min");
  config.set_override("parameters.drift_scale=0.5");
  config.set_override("parameters.clip=true");
  const auto model = make_pcm_joshi2020_model(config.table("parameters"));
  const auto& pcm = dynamic_cast<const PcmModel&>(*model);
  EXPECT_DOUBLE_EQ(pcm.g_max_siemens(), 30 * uS);
  EXPECT_DOUBLE_EQ(pcm.parameters().t0_s, 60.0);
  EXPECT_EQ(pcm.parameters().drift_scale, 0.5);
  EXPECT_TRUE(pcm.common().clip);
}

// The factory's ConfigError for a [parameters] table with `line` in it: type and text.
std::string factory_error(std::unique_ptr<DeviceModel> (*factory)(const ConfigTable&),
                          const std::string& line) {
  const Config config = Config::parse("[parameters]\n" + line + "\n", "device.toml");
  return message_of<ConfigError>([&] { (void)factory(config.table("parameters")); });
}

TEST(PcmFactories, RejectBadValuesWithLocatedMessages) {
  EXPECT_EQ(factory_error(make_pcm_joshi2020_model, "drift_scale = -0.1"),
            "device.toml:2:15: key 'parameters.drift_scale': must be a finite number >= 0, got "
            "-0.1");
  EXPECT_EQ(factory_error(make_pcm_joshi2020_model, "t0 = \"0s\""),
            "device.toml:2:6: key 'parameters.t0': must be > 0 s (the time of the first read)");
  EXPECT_EQ(factory_error(make_pcm_hermes2023_model, "devices_per_polarity = 4"),
            "device.toml:2:24: key 'parameters.devices_per_polarity': must be 1 or 2 (the "
            "published fits), got 4");
  // g_min >= g_max with only g_min given: reported at g_min, against the published g_max.
  EXPECT_EQ(factory_error(make_pcm_joshi2020_model, "g_min = \"30uS\""),
            "device.toml:2:9: key 'parameters.g_min': must be less than g_max (25 uS), got 30 uS");
  // Wrong units: microseconds for a conductance, a conductance for a time, a bare number.
  for (const std::string& line : {std::string("g_max = \"25us\""), std::string("t0 = \"20uS\""),
                                  std::string("t_read = 2.5e-7")}) {
    const std::string message = factory_error(make_pcm_joshi2020_model, line);
    EXPECT_EQ(message.rfind("device.toml:2:", 0), 0u) << message;
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_NE(message.find("key 'parameters." + key + "'"), std::string::npos) << message;
  }
  const std::string bare = factory_error(make_pcm_joshi2020_model, "t_read = 2.5e-7");
  EXPECT_NE(bare.find("with its unit"), std::string::npos) << bare;
  const std::string wrong_type =
      factory_error(make_pcm_joshi2020_model, "read_noise_scale = \"x\"");
  EXPECT_NE(wrong_type.find("expected a number"), std::string::npos) << wrong_type;
}

}  // namespace
}  // namespace kirchhoff::devices
