// Unit tests of the compact dynamic memristor models (devices/compact.hpp).
#include "kirchhoff/devices/compact.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>
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

// Test values in the range used by Joglekar & Wolf 2009 and Biolek et al. 2009 (not a preset).
kd::LinearIonDriftParameters drift(kd::WindowKind window, double p = 1.0, double x0 = 0.3) {
  kd::LinearIonDriftParameters d;
  d.r_on_ohm = 100.0;
  d.r_off_ohm = 16e3;
  d.d_m = 10e-9;
  d.mu_v_m2_per_v_s = 1e-14;
  d.window.kind = window;
  d.window.p = p;
  d.x0 = x0;
  return d;
}

kd::YakopcicParameters oblea() {
  // Yakopcic et al. EDL 2011, Oblea fit (DESIGN.md); x0 from Yakopcic's SPICE symbol.
  return {.a1_a = 0.17,
          .a2_a = 0.17,
          .b_per_v = 0.05,
          .v_p_v = 0.16,
          .v_n_v = 0.15,
          .a_p_per_s = 4000,
          .a_n_per_s = 4000,
          .x_p = 0.3,
          .x_n = 0.5,
          .alpha_p = 1,
          .alpha_n = 5,
          .eta = 1,
          .x0 = 0.11};
}

kd::VteamParameters vteam_test() {
  // Arbitrary test values with the VTEAM signs (k_on < 0 < k_off, v_on < 0 < v_off).
  kd::VteamParameters v;
  v.k_on_m_per_s = -10.0;
  v.k_off_m_per_s = 5e-4;
  v.alpha_on = 3;
  v.alpha_off = 1;
  v.v_on_v = -0.2;
  v.v_off_v = 0.02;
  v.r_on_ohm = 50;
  v.r_off_ohm = 1000;
  v.w_on_m = 0;
  v.w_off_m = 3e-9;
  v.x0 = 0.5;
  return v;
}

}  // namespace

TEST(CompactWindows, HandComputedValues) {
  EXPECT_DOUBLE_EQ(kd::joglekar_window(0.25, 1), 0.75);
  EXPECT_DOUBLE_EQ(kd::joglekar_window(0.25, 2), 0.9375);
  EXPECT_DOUBLE_EQ(kd::joglekar_window(0.9, 1), 1 - 0.64);
  EXPECT_DOUBLE_EQ(kd::joglekar_window(0.5, 3), 1.0);
  EXPECT_DOUBLE_EQ(kd::joglekar_window(0.0, 1), 0.0);
  EXPECT_DOUBLE_EQ(kd::joglekar_window(1.0, 4), 0.0);
  // Biolek: i > 0 → 1 − x^(2p); i ≤ 0 → 1 − (x − 1)^(2p).
  EXPECT_DOUBLE_EQ(kd::biolek_window(0.3, 1e-3, 1), 0.91);
  EXPECT_DOUBLE_EQ(kd::biolek_window(0.3, -1e-3, 1), 0.51);
  EXPECT_DOUBLE_EQ(kd::biolek_window(0.3, -1e-3, 2), 1 - 0.2401);
  EXPECT_DOUBLE_EQ(kd::biolek_window(1.0, 1e-3, 1), 0.0);
  EXPECT_DOUBLE_EQ(kd::biolek_window(1.0, -1e-3, 1), 1.0);
  EXPECT_DOUBLE_EQ(kd::biolek_window(0.0, -1e-3, 5), 0.0);
  // Prodromakis: j (1 − [(x − 0.5)² + 0.75]^p).
  EXPECT_DOUBLE_EQ(kd::prodromakis_window(0.5, 1, 1), 0.25);
  EXPECT_DOUBLE_EQ(kd::prodromakis_window(0.2, 2, 1), 1 - 0.84 * 0.84);
  EXPECT_DOUBLE_EQ(kd::prodromakis_window(0.2, 2, 2), 2 * (1 - 0.84 * 0.84));
  EXPECT_NEAR(kd::prodromakis_window(0.0, 7, 1), 0.0, 1e-15);
  EXPECT_NEAR(kd::prodromakis_window(1.0, 7, 1), 0.0, 1e-15);
  EXPECT_EQ(kd::parse_window("biolek"), kd::WindowKind::biolek);
  EXPECT_EQ(kd::window_name(kd::WindowKind::prodromakis), "prodromakis");
  EXPECT_THROW((void)kd::parse_window("hann"), InvalidArgument);
}

// Without a window, w(t) = w0 + μ_v R_on/D · q(t) for any current (Strukov 2008, eq. 2).
TEST(LinearIonDrift, ClosedFormUnderSinusoidalCurrent) {
  const kd::LinearIonDriftModel model(drift(kd::WindowKind::none));
  const double i0 = 1e-4, omega = 2 * std::numbers::pi * 10.0, t1 = 0.03;
  const kd::StateRate rate = [&](double t, double x) {
    return model.state_rate_for_current(x, i0 * std::sin(omega * t));
  };
  kd::IntegratorOptions tight;
  tight.relative_tolerance = 1e-13;
  tight.absolute_tolerance = 1e-15;
  const double x = kd::integrate_state(rate, 0.3, 0.0, t1, tight);
  const double q = i0 / omega * (1 - std::cos(omega * t1));
  const double w = 0.3 * 10e-9 + 1e-14 * 100.0 / 10e-9 * q;
  EXPECT_NEAR(x * 10e-9, w, 1e-9 * 10e-9 * 1e-3);  // |Δx| < 1e-12
  // Constant current beyond the end: the state stops at 1.
  const kd::StateRate push = [&](double, double xs) {
    return model.state_rate_for_current(xs, 1e-3);
  };
  EXPECT_EQ(kd::integrate_state(push, 0.9, 0.0, 1.0), 1.0);
}

// Voltage-driven, no window: ∫ R(x) dx = k φ, k = μ_v R_on/D², φ the flux, so
// R_off (x − x0) − (R_off − R_on)(x² − x0²)/2 = k V t.
TEST(LinearIonDrift, ClosedFormUnderVoltagePulses) {
  const kd::LinearIonDriftModel model(drift(kd::WindowKind::none));
  const kd::VoltagePulses train{.amplitude_v = 1.0, .width_s = 5e-3, .gap_s = 1e-3, .count = 20};
  const auto rows = kd::apply_pulses(model, 0.3, std::span(&train, 1), 0.0);
  ASSERT_EQ(rows.size(), 21u);
  const double k = 1e-14 * 100.0 / (10e-9 * 10e-9), r_off = 16e3, dr = 16e3 - 100.0;
  for (std::size_t n = 1; n < rows.size(); ++n) {
    const double phi = 1.0 * 5e-3 * double(n);
    const double c = r_off * 0.3 - dr * 0.09 / 2 + k * phi;
    const double x = (r_off - std::sqrt(r_off * r_off - 2 * dr * c)) / dr;
    EXPECT_NEAR(rows[n].state, x, 1e-9) << n;
    EXPECT_NEAR(rows[n].time_s, 6e-3 * double(n), 1e-15);
    EXPECT_DOUBLE_EQ(rows[n].conductance_siemens, 1 / (100.0 * x + 16e3 * (1 - x)));
    EXPECT_DOUBLE_EQ(rows[n].resistance_ohm, 1 / rows[n].conductance_siemens);
  }
  EXPECT_GT(rows.back().state, 0.3);
}

TEST(LinearIonDrift, WindowsKeepTheStateInsideUnderLongTrains) {
  const kd::VoltagePulses trains[] = {
      {.amplitude_v = 2.0, .width_s = 10e-3, .gap_s = 1e-3, .count = 300},
      {.amplitude_v = -2.0, .width_s = 10e-3, .gap_s = 1e-3, .count = 300}};
  for (const auto window : {kd::WindowKind::none, kd::WindowKind::joglekar, kd::WindowKind::biolek,
                            kd::WindowKind::prodromakis}) {
    for (const double p : {1.0, 2.0, 10.0}) {
      const kd::LinearIonDriftModel model(drift(window, p, 0.5));
      const auto rows = kd::apply_pulses(model, 0.5, trains, 0.0);
      double highest = 0;
      for (const auto& row : rows) {
        ASSERT_GE(row.state, 0.0) << kd::window_name(window) << " p=" << p;
        ASSERT_LE(row.state, 1.0) << kd::window_name(window) << " p=" << p;
        highest = std::max(highest, row.state);
      }
      EXPECT_GT(highest, 0.9) << kd::window_name(window) << " p=" << p;
      // Joglekar and Prodromakis vanish at both ends (f(1) = 0 whatever the current): once at
      // x = 1 the state cannot come back, the terminal-state problem (Biolek et al. 2009).
      if (window == kd::WindowKind::none || window == kd::WindowKind::biolek) {
        EXPECT_LT(rows.back().state, 0.1) << kd::window_name(window) << " p=" << p;
      }
    }
  }
}

TEST(Yakopcic, IvAndMotionAtHandComputedPoints) {
  const kd::YakopcicModel m(oblea());
  EXPECT_NEAR(m.current(0.5, 1.0), 0.004251771054700677, 1e-15);
  EXPECT_NEAR(m.current(0.3, -0.8), -0.0020405440435216585, 1e-15);
  EXPECT_NEAR(m.threshold_function(0.5), 1900.8415988332717, 1e-9);
  EXPECT_NEAR(m.threshold_function(-0.5), -1947.5481118873806, 1e-9);
  EXPECT_EQ(m.threshold_function(0.16), 0.0);
  EXPECT_EQ(m.threshold_function(-0.15), 0.0);
  EXPECT_NEAR(m.motion_window(0.6, 0.5), 0.4233246975324102, 1e-15);
  EXPECT_NEAR(m.motion_window(0.2, -0.5), 0.08925206405937193, 1e-15);
  EXPECT_EQ(m.motion_window(0.2, 0.5), 1.0);
  EXPECT_EQ(m.motion_window(0.7, -0.5), 1.0);
  EXPECT_NEAR(m.state_rate(0.6, 0.5), 1900.8415988332717 * 0.4233246975324102, 1e-9);
  EXPECT_NEAR(m.small_signal_conductance(0.11), 0.000935, 1e-15);
  EXPECT_EQ(m.state_rate(0.5, 0.1), 0.0);
}

TEST(Yakopcic, PulseTrainsOfBothPolaritiesStayInside) {
  const kd::YakopcicModel m(oblea());
  const kd::VoltagePulses trains[] = {
      {.amplitude_v = 0.6, .width_s = 1e-4, .gap_s = 1e-4, .count = 200},
      {.amplitude_v = -0.6, .width_s = 1e-4, .gap_s = 1e-4, .count = 200}};
  const auto rows = kd::apply_pulses(m, m.initial_state(), trains, 0.1);
  double highest = 0;
  for (const auto& row : rows) {
    ASSERT_GE(row.state, 0.0);
    ASSERT_LE(row.state, 1.0);
    highest = std::max(highest, row.state);
  }
  EXPECT_GT(highest, 0.8);
  EXPECT_LT(rows.back().state, 0.1);
  EXPECT_NEAR(rows[0].conductance_siemens, 0.17 * 0.11 * std::sinh(0.005) / 0.1, 1e-15);
}

TEST(Vteam, ThresholdsWindowsAndBounds) {
  auto p = vteam_test();
  const kd::VteamModel m(p);
  EXPECT_EQ(m.state_rate(0.5, 0.01), 0.0);  // between thresholds
  EXPECT_EQ(m.state_rate(0.5, -0.19), 0.0);
  // v = 0.04 V: k_off (0.04/0.02 − 1)^1 / (w_off − w_on) = 5e-4 / 3e-9
  EXPECT_NEAR(m.state_rate(0.5, 0.04), 5e-4 / 3e-9, 1e-3);
  // v = −0.4 V: k_on (−0.4/−0.2 − 1)^3 / 3e-9 = −10 / 3e-9
  EXPECT_NEAR(m.state_rate(0.5, -0.4), -10.0 / 3e-9, 1e-3);
  EXPECT_DOUBLE_EQ(m.resistance(0.5), 525.0);
  p.iv = kd::VteamIv::exponential;
  EXPECT_NEAR(kd::VteamModel(p).resistance(0.5), 50 * std::sqrt(20.0), 1e-12);

  for (const auto window : {kd::WindowKind::none, kd::WindowKind::joglekar, kd::WindowKind::biolek,
                            kd::WindowKind::prodromakis}) {
    auto q = vteam_test();
    q.window.kind = window;
    const kd::VteamModel w(q);
    const kd::VoltagePulses trains[] = {
        {.amplitude_v = 0.5, .width_s = 1e-6, .gap_s = 1e-6, .count = 100},
        {.amplitude_v = -0.5, .width_s = 1e-9, .gap_s = 1e-9, .count = 100}};
    for (const auto& row : kd::apply_pulses(w, 0.5, trains, 0.0)) {
      ASSERT_GE(row.state, 0.0);
      ASSERT_LE(row.state, 1.0);
    }
  }
  auto k = vteam_test();
  k.kvatinsky_window = true;
  k.a_on_m = 0.0;
  k.a_off_m = 3e-9;
  k.w_c_m = 0.1e-9;
  const kd::VteamModel kv(k);
  // f_off at w = a_off: exp(−exp(0)) = e^−1.
  EXPECT_NEAR(kv.state_rate(1.0, 0.04), 5e-4 / 3e-9 * std::exp(-1.0), 1e-3);
}

// Fixed-step RK4: halving the step cuts the error by about 2^4; the adaptive integrator agrees
// with the finest fixed-step result.
TEST(CompactIntegrator, ConvergesWhenTheStepIsHalved) {
  const kd::LinearIonDriftModel model(drift(kd::WindowKind::joglekar, 1.0, 0.2));
  const kd::VoltagePulses train{.amplitude_v = 3.0, .width_s = 0.2, .gap_s = 0.0, .count = 1};
  const auto run = [&](std::uint32_t steps) {
    kd::IntegratorOptions o;
    o.fixed_steps = steps;
    return kd::apply_pulses(model, 0.2, std::span(&train, 1), 0.0, o).back().state;
  };
  kd::IntegratorOptions tight;
  tight.relative_tolerance = 1e-13;
  tight.absolute_tolerance = 1e-15;
  const double reference =
      kd::apply_pulses(model, 0.2, std::span(&train, 1), 0.0, tight).back().state;
  EXPECT_GT(reference - 0.2, 0.3);  // the pulse moves the state a lot
  double previous = std::abs(run(8) - reference);
  for (const std::uint32_t steps : {16u, 32u, 64u}) {
    const double error = std::abs(run(steps) - reference);
    EXPECT_GT(previous / error, 10.0) << steps;  // 4th order: ≈ 16
    EXPECT_LT(previous / error, 24.0) << steps;
    previous = error;
  }
  EXPECT_NEAR(run(4096), reference, 1e-12);

  // Yakopcic (piecewise window): adaptive results at two tolerances agree.
  const kd::YakopcicModel y(oblea());
  const kd::VoltagePulses yt{.amplitude_v = 0.5, .width_s = 2e-4, .gap_s = 0.0, .count = 5};
  kd::IntegratorOptions loose;
  loose.relative_tolerance = 1e-7;
  loose.absolute_tolerance = 1e-9;
  const auto a = kd::apply_pulses(y, 0.11, std::span(&yt, 1), 0.0, loose);
  const auto b = kd::apply_pulses(y, 0.11, std::span(&yt, 1), 0.0, tight);
  for (std::size_t n = 0; n < a.size(); ++n) EXPECT_NEAR(a[n].state, b[n].state, 1e-5) << n;
  kd::IntegratorOptions fine;
  fine.fixed_steps = 20000;
  EXPECT_NEAR(kd::apply_pulses(y, 0.11, std::span(&yt, 1), 0.0, fine).back().state, b.back().state,
              1e-8);
}

TEST(CompactFactory, BuildsModelsAndRejectsBadParameters) {
  const auto build = [](const std::string& model, const std::string& body) {
    Config config = Config::parse("[parameters]\n" + body, "compact.toml");
    auto m = kd::make_compact_model(model, config.table("parameters"));
    config.check_unknown_keys();
    return m;
  };
  const std::string lid =
      "r_on = \"100ohm\"\nr_off = \"16kohm\"\nd_m = 1e-8\nmu_v = 1e-14\nx0 = 0.5\n";
  EXPECT_EQ(build("linear-ion-drift", lid + "window = \"biolek\"\np = 2.0\n")->kind(),
            "linear-ion-drift");
  const std::string hann = kirchhoff::testing::message_of<ConfigError>(
      [&] { (void)build("linear-ion-drift", lid + "window = \"hann\"\n"); });
  EXPECT_CONTAINS(hann, "key 'parameters.window'");
  EXPECT_CONTAINS(hann, "unknown window function 'hann'");
  EXPECT_THROW((void)build("linear-ion-drift", lid + "p = -1.0\n"), ConfigError);
  EXPECT_THROW(
      (void)build("linear-ion-drift",
                  "r_on = \"16kohm\"\nr_off = \"100ohm\"\nd_m = 1e-8\nmu_v = 1e-14\nx0 = 0.5\n"),
      ConfigError);
  EXPECT_THROW(
      (void)build("linear-ion-drift",
                  "r_on = \"100ohm\"\nr_off = \"16kohm\"\nd_m = 1e-8\nmu_v = 1e-14\nx0 = 1.5\n"),
      ConfigError);
  EXPECT_THROW((void)build("memristor", lid), InvalidArgument);
  EXPECT_THROW((void)build("vteam",
                           "k_on = 1.0\nk_off = 1.0\nalpha_on = 1.0\nalpha_off = 1.0\n"
                           "v_on = \"-0.2V\"\nv_off = \"0.2V\"\nr_on = \"50ohm\"\n"
                           "r_off = \"1kohm\"\nw_on_m = 0.0\nw_off_m = 3e-9\nx0 = 0.5\n"),
               ConfigError);  // k_on must be < 0

  const auto dir = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "data" / "devices";
  Config preset = Config::load_file(dir / "compact" / "yakopcic-oblea.toml");
  const auto y =
      kd::make_compact_model(preset.root().get<std::string>("model"), preset.table("parameters"));
  (void)preset.root().get<std::string>("name");
  (void)preset.root().get<std::string>("description");
  (void)preset.root().get<std::string>("source");
  preset.check_unknown_keys();
  const auto& ym = dynamic_cast<const kd::YakopcicModel&>(*y);
  EXPECT_EQ(ym.parameters().a1_a, 0.17);
  EXPECT_EQ(ym.parameters().alpha_n, 5.0);
  EXPECT_EQ(ym.parameters().x0, 0.11);
  EXPECT_DOUBLE_EQ(ym.parameters().v_p_v, 0.16);
}
