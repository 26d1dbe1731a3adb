// Unit tests of the RRAM models (rram.hpp). Expected values are the published coefficients
// evaluated by hand (literals) or by formulas written out here, never the model's own output.
#include "kirchhoff/devices/rram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff::devices {
namespace {

constexpr double uS = 1e-6;

std::filesystem::path preset(const std::string& name) {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "data" /
         "devices" / (name + ".toml");
}

// Loads a preset, builds its model with `factory`, and checks that every key was read.
std::unique_ptr<DeviceModel> load_preset(const std::string& name, ModelFactory factory) {
  const Config config = Config::load_file(preset(name));
  for (const char* key : {"name", "model", "description", "source"}) {
    (void)config.root().get<std::string>(key);
  }
  EXPECT_EQ(config.root().get<std::string>("name"), name);
  auto model = factory(config.table("parameters"));
  EXPECT_EQ(config.root().get<std::string>("model"), model->kind());
  config.check_unknown_keys();
  return model;
}

std::unique_ptr<DeviceModel> from_text(const std::string& text, ModelFactory factory) {
  const Config config = Config::parse("[parameters]\n" + text, "device.toml");
  return factory(config.table("parameters"));
}

// Expects `f` to throw E whose message contains every string of `parts`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  const std::string message = kirchhoff::testing::message_of<E>(std::forward<F>(f));
  for (const std::string& part : parts) EXPECT_CONTAINS(message, part);
}

std::vector<double> targets(std::size_t n, double lo, double hi) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
  return t;
}

std::vector<double> at(const DeviceModel& model, const ProgrammedCells& cells, ReadTime time) {
  std::vector<double> g(cells.size());
  model.conductance_at(cells, time, g);
  return g;
}

// Programming and evolution of [0, n) equal, bit for bit, those of the pieces [0, k) and [k, n)
// programmed separately with matching CellAddress offsets.
void expect_split_invariance(const DeviceModel& model, double lo, double hi) {
  const std::vector<double> g_t = targets(1001, lo, hi);
  const CellAddress address{.seed = 77, .point = 3, .trial = 9, .first_cell = 1234};
  const ProgrammedCells whole = model.program(g_t, address, 2);
  for (std::size_t k : {std::size_t{1}, std::size_t{333}, std::size_t{1000}}) {
    const std::span<const double> all(g_t);
    const ProgrammedCells a = model.program(all.first(k), address, 2);
    const ProgrammedCells b = model.program(all.subspan(k), address.offset(k), 2);
    for (ReadTime time : {ReadTime{0.0, 0}, ReadTime{1.0, 0}, ReadTime{3600.0, 1},
                          ReadTime{86400.0, 2}, ReadTime{1e7, 3}}) {
      std::vector<double> joined = at(model, a, time);
      const std::vector<double> tail = at(model, b, time);
      joined.insert(joined.end(), tail.begin(), tail.end());
      const std::vector<double> expected = at(model, whole, time);
      ASSERT_EQ(joined.size(), expected.size());
      for (std::size_t i = 0; i < joined.size(); ++i) {
        ASSERT_EQ(joined[i], expected[i]) << "split " << k << " t " << time.t_s << " cell " << i;
      }
    }
  }
}

// Sample Pearson correlation.
double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

// ---- Wan 2022 ---------------------------------------------------------------------------------

// Published polynomials (DESIGN.md, aihwkit ReRamWan2022NoiseModel), in uS, x = g / 40 uS.
const double kWan1s[] = {0.348, 16.030, -43.853, 45.393, -16.815};
const double kWan1d[] = {0.701, 22.086, -50.773, 47.095, -16.458};
const double kWan2d[] = {0.782, 20.274, -43.507, 37.062, -11.934};

double wan_sigma_microsiemens(const double (&c)[5], double x) {
  return c[0] + c[1] * x + c[2] * x * x + c[3] * x * x * x + c[4] * x * x * x * x;
}

TEST(RramWan2022, SpreadAtFittedTimesEqualsPublishedPolynomials) {
  const RramWan2022Model model(RramWan2022Parameters::published());
  // Hand-computed at x = 0.5 (20 uS): 0.348 + 8.015 - 10.96325 + 5.674125 - 1.0509375.
  EXPECT_NEAR(model.spread_siemens(20 * uS, 1.0), 2.0229375 * uS, 1e-15);
  EXPECT_NEAR(model.spread_siemens(20 * uS, 86400.0), 3.909 * uS, 1e-15);
  EXPECT_NEAR(model.spread_siemens(20 * uS, 172800.0), 3.929125 * uS, 1e-15);
  // x = 0 and x = 1: c0 and the sum of the coefficients.
  EXPECT_NEAR(model.spread_siemens(0.0, 1.0), 0.348 * uS, 1e-15);
  EXPECT_NEAR(model.spread_siemens(40 * uS, 1.0), 1.103 * uS, 1e-15);
  EXPECT_NEAR(model.spread_siemens(40 * uS, 86400.0), 2.651 * uS, 1e-15);
  EXPECT_NEAR(model.spread_siemens(40 * uS, 172800.0), 2.677 * uS, 1e-15);
  for (double x : {0.05, 0.3, 0.77, 0.95}) {
    EXPECT_NEAR(model.spread_siemens(x * 40 * uS, 1.0), wan_sigma_microsiemens(kWan1s, x) * uS,
                1e-15)
        << x;
    EXPECT_NEAR(model.spread_siemens(x * 40 * uS, 86400.0), wan_sigma_microsiemens(kWan1d, x) * uS,
                1e-15)
        << x;
    EXPECT_NEAR(model.spread_siemens(x * 40 * uS, 172800.0), wan_sigma_microsiemens(kWan2d, x) * uS,
                1e-15)
        << x;
  }
}

TEST(RramWan2022, LogTimeInterpolationHitsFittedSetsAndHoldsOutside) {
  const RramWan2022Model model(RramWan2022Parameters::published());
  const auto& fits = model.parameters().fits;
  ASSERT_EQ(fits.size(), 3u);
  EXPECT_EQ(model.coefficients_at(1.0), fits[0].coefficients_siemens);
  EXPECT_EQ(model.coefficients_at(86400.0), fits[1].coefficients_siemens);
  EXPECT_EQ(model.coefficients_at(172800.0), fits[2].coefficients_siemens);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_DOUBLE_EQ(fits[0].coefficients_siemens[k], kWan1s[k] * uS);
    EXPECT_DOUBLE_EQ(fits[1].coefficients_siemens[k], kWan1d[k] * uS);
    EXPECT_DOUBLE_EQ(fits[2].coefficients_siemens[k], kWan2d[k] * uS);
  }
  // Before 1 s: the 1 s set; after 2 days: the 2-day set.
  EXPECT_EQ(model.coefficients_at(0.0), fits[0].coefficients_siemens);
  EXPECT_EQ(model.coefficients_at(0.25), fits[0].coefficients_siemens);
  EXPECT_EQ(model.coefficients_at(3.15e7), fits[2].coefficients_siemens);
  // Geometric midpoints: arithmetic means of the neighbouring sets.
  const std::vector<double> mid1 = model.coefficients_at(std::sqrt(86400.0));
  const std::vector<double> mid2 = model.coefficients_at(std::sqrt(86400.0 * 172800.0));
  // A quarter of the way (in ln t) from 1 d to 2 d.
  const std::vector<double> quarter = model.coefficients_at(86400.0 * std::pow(2.0, 0.25));
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_NEAR(mid1[k], 0.5 * (kWan1s[k] + kWan1d[k]) * uS, 1e-14) << k;
    EXPECT_NEAR(mid2[k], 0.5 * (kWan1d[k] + kWan2d[k]) * uS, 1e-14) << k;
    EXPECT_NEAR(quarter[k], (0.75 * kWan1d[k] + 0.25 * kWan2d[k]) * uS, 1e-14) << k;
  }
}

TEST(RramWan2022, SpreadScalesWithGmaxOverFitGmax) {
  RramWan2022Parameters p = RramWan2022Parameters::published();
  p.common.g_max_siemens = 80 * uS;
  const RramWan2022Model model(p);
  // x = 0.5 at 40 uS of an 80 uS device: twice the 40 uS device's spread at x = 0.5.
  EXPECT_NEAR(model.spread_siemens(40 * uS, 1.0), 2.0 * 2.0229375 * uS, 1e-15);
}

TEST(RramWan2022, ProgrammedStateUpToOneSecondAndResampledAfter) {
  const RramWan2022Model model(RramWan2022Parameters::published());
  const std::vector<double> g_t = targets(20000, 2 * uS, 38 * uS);
  const ProgrammedCells cells = model.program(g_t, {.seed = 5});
  EXPECT_EQ(at(model, cells, {0.0, 0}), cells.programmed_siemens);
  EXPECT_EQ(at(model, cells, {0.5, 7}), cells.programmed_siemens);
  EXPECT_EQ(at(model, cells, {1.0, 3}), cells.programmed_siemens);
  // Same index, same state; another index, an independent state.
  const std::vector<double> h1 = at(model, cells, {3600.0, 1});
  EXPECT_EQ(at(model, cells, {3600.0, 1}), h1);
  const std::vector<double> h2 = at(model, cells, {3600.0, 2});
  EXPECT_NE(h1, h2);
  std::vector<double> r0(g_t.size()), r1(g_t.size()), r2(g_t.size());
  for (std::size_t i = 0; i < g_t.size(); ++i) {
    r0[i] = cells.programmed_siemens[i] - g_t[i];
    r1[i] = h1[i] - g_t[i];
    r2[i] = h2[i] - g_t[i];
  }
  // Independent residuals: |r| of 20000 pairs has standard error 0.007; 5 sigma.
  EXPECT_LT(std::abs(correlation(r1, r2)), 0.035);
  EXPECT_LT(std::abs(correlation(r0, r1)), 0.035);
  // Reads at one time differ only by read noise, and this model has none.
  std::vector<double> read(g_t.size());
  model.read(cells, {3600.0, 1}, 4, read);
  EXPECT_EQ(read, h1);
}

TEST(RramWan2022, SplitIntoSubArraysGivesTheSameBits) {
  const RramWan2022Model model(RramWan2022Parameters::published());
  expect_split_invariance(model, 0.0, 40 * uS);
}

TEST(RramWan2022, ConstructorRejectsBadParameters) {
  RramWan2022Parameters p = RramWan2022Parameters::published();
  p.fits[1].t_s = 0.5;
  expect_error<InvalidArgument>([&] { RramWan2022Model m(p); },
                                {"spread_fit[1].time", "increase strictly"});
  p = RramWan2022Parameters::published();
  p.fits[2].coefficients_siemens = {0.1 * uS, -0.2 * uS};  // negative for x > 0.5
  expect_error<InvalidArgument>([&] { RramWan2022Model m(p); },
                                {"spread_fit[2].coefficients", "spread must be >= 0"});
  p = RramWan2022Parameters::published();
  p.fits.clear();
  expect_error<InvalidArgument>([&] { RramWan2022Model m(p); }, {"spread_fit", "at least one"});
  p = RramWan2022Parameters::published();
  p.common.g_min_siemens = 50 * uS;
  expect_error<InvalidArgument>([&] { RramWan2022Model m(p); }, {"g_max must be", "g_min"});
}

TEST(RramWan2022, FactoryReadsPresetAndRejectsBadValues) {
  const auto model = load_preset("rram-wan2022", make_rram_wan2022_model);
  const auto& wan = dynamic_cast<const RramWan2022Model&>(*model);
  EXPECT_DOUBLE_EQ(wan.g_max_siemens(), 40 * uS);
  EXPECT_EQ(wan.g_min_siemens(), 0.0);
  const auto published = RramWan2022Parameters::published();
  ASSERT_EQ(wan.parameters().fits.size(), 3u);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_DOUBLE_EQ(wan.parameters().fits[j].t_s, published.fits[j].t_s);
    for (std::size_t k = 0; k < 5; ++k) {
      EXPECT_DOUBLE_EQ(wan.parameters().fits[j].coefficients_siemens[k],
                       published.fits[j].coefficients_siemens[k]);
    }
  }
  EXPECT_EQ(from_text("", make_rram_wan2022_model)->kind(), "rram-wan2022");

  expect_error<ConfigError>(
      [] {
        (void)from_text("[[parameters.spread_fit]]\ntime = \"1s\"\ncoefficients = [\"-0.1uS\"]\n",
                        make_rram_wan2022_model);
      },
      {"device.toml:", "key 'parameters.spread_fit[0].coefficients'", "spread must be >= 0"});
  expect_error<ConfigError>(
      [] {
        (void)from_text(
            "[[parameters.spread_fit]]\ntime = \"1s\"\ncoefficients = [\"1uS\", "
            "\"2uV\"]\n",
            make_rram_wan2022_model);
      },
      {"key 'parameters.spread_fit[0].coefficients[1]'", "\"2uV\" is a voltage"});
  expect_error<ConfigError>(
      [] {
        (void)from_text(
            "[[parameters.spread_fit]]\ntime = \"1d\"\ncoefficients = [\"1uS\"]\n"
            "[[parameters.spread_fit]]\ntime = \"1h\"\ncoefficients = [\"1uS\"]\n",
            make_rram_wan2022_model);
      },
      {"key 'parameters.spread_fit[1].time'", "increase strictly"});
  expect_error<ConfigError>(
      [] { (void)from_text("g_min = \"40uS\"\ng_max = \"20uS\"\n", make_rram_wan2022_model); },
      {"key 'parameters.g_max'", "must be greater than g_min"});
  expect_error<ConfigError>([] { (void)from_text("g_max = \"40uV\"\n", make_rram_wan2022_model); },
                            {"key 'parameters.g_max'", "\"40uV\" is a voltage"});
  expect_error<ConfigError>([] { (void)from_text("fit_g_max = 40\n", make_rram_wan2022_model); },
                            {"key 'parameters.fit_g_max'", "with its unit"});
}

// ---- CMO / HfOx, Falcone 2025 -----------------------------------------------------------------

TEST(RramCmo, ProgrammingSpreadAndRelaxationLawsEqualPublishedValues) {
  const RramCmoModel two(RramCmoParameters::published(CmoAcceptance::two_percent));
  const RramCmoModel tenth(RramCmoParameters::published(CmoAcceptance::two_tenths_percent));
  // sigma_P = c0 + c1 g, uS with g in uS: 0.0112185391 + 0.01129027418 * 50, and 0.2 %.
  EXPECT_NEAR(two.programming_sigma_siemens(50 * uS), 0.5757322481 * uS, 1e-16);
  EXPECT_NEAR(tenth.programming_sigma_siemens(50 * uS), 0.05425057 * uS, 1e-16);
  EXPECT_NEAR(two.programming_sigma_siemens(9 * uS), (0.0112185391 + 0.01129027418 * 9) * uS,
              1e-16);
  EXPECT_NEAR(tenth.programming_sigma_siemens(88.2 * uS), (0.00081107 + 0.00106879 * 88.2) * uS,
              1e-16);
  // Relaxation: t = e s gives ln t = 1.
  const double e = std::exp(1.0);
  EXPECT_NEAR(two.relaxation_mean_shift_siemens(e), -0.08900206 * uS, 1e-16);
  EXPECT_NEAR(two.relaxation_spread_siemens(e), (0.04201137 + 0.41183342) * uS, 1e-16);
  EXPECT_NEAR(two.relaxation_mean_shift_siemens(3600.0), -0.08900206 * std::log(3600.0) * uS,
              1e-16);
  EXPECT_NEAR(two.relaxation_spread_siemens(604800.0),
              (0.04201137 * std::log(604800.0) + 0.41183342) * uS, 1e-16);
  // At 1 s and below (but after 0): the 1 s values; at 0: nothing.
  for (double t : {1.0, 0.5, 1e-3}) {
    EXPECT_EQ(two.relaxation_mean_shift_siemens(t), 0.0) << t;
    EXPECT_NEAR(two.relaxation_spread_siemens(t), 0.41183342 * uS, 1e-18) << t;
  }
  EXPECT_EQ(two.relaxation_spread_siemens(0.0), 0.0);
  EXPECT_EQ(two.relaxation_mean_shift_siemens(0.0), 0.0);
}

TEST(RramCmo, RelaxationStartsFromTheProgrammedStateAndIsKeyedByIndex) {
  RramCmoParameters p = RramCmoParameters::published(CmoAcceptance::two_percent);
  p.common.clip = false;
  const RramCmoModel model(p);
  const std::vector<double> g_t = targets(20000, 10 * uS, 85 * uS);
  const ProgrammedCells cells = model.program(g_t, {.seed = 11, .trial = 4});
  EXPECT_EQ(at(model, cells, {0.0, 0}), cells.programmed_siemens);
  const std::vector<double> a = at(model, cells, {3600.0, 5});
  EXPECT_EQ(at(model, cells, {3600.0, 5}), a);
  const std::vector<double> b = at(model, cells, {3600.0, 6});
  std::vector<double> da(g_t.size()), db(g_t.size()), dp(g_t.size());
  for (std::size_t i = 0; i < g_t.size(); ++i) {
    da[i] = a[i] - cells.programmed_siemens[i];
    db[i] = b[i] - cells.programmed_siemens[i];
    dp[i] = cells.programmed_siemens[i] - g_t[i];
  }
  EXPECT_LT(std::abs(correlation(da, db)), 0.035);
  EXPECT_LT(std::abs(correlation(da, dp)), 0.035);
  // 0.5 s and 1 s give the same state for the same index (t below 1 s is held at 1 s).
  EXPECT_EQ(at(model, cells, {0.5, 2}), at(model, cells, {1.0, 2}));
}

TEST(RramCmo, ClippedToTheDeviceRange) {
  const RramCmoModel model(RramCmoParameters::published(CmoAcceptance::two_percent));
  const std::vector<double> g_t(1000, 88.2 * uS);
  const ProgrammedCells cells = model.program(g_t, {.seed = 2});
  for (double g : at(model, cells, {3.15e7, 0})) {
    EXPECT_GE(g, 9 * uS);
    EXPECT_LE(g, 88.2 * uS);
  }
}

TEST(RramCmo, SplitIntoSubArraysGivesTheSameBits) {
  const RramCmoModel model(RramCmoParameters::published(CmoAcceptance::two_tenths_percent));
  expect_split_invariance(model, 9 * uS, 88.2 * uS);
}

TEST(RramCmo, ConstructorRejectsNegativeSpreads) {
  RramCmoParameters p = RramCmoParameters::published(CmoAcceptance::two_percent);
  p.relaxation_spread_slope_siemens = -0.01 * uS;
  expect_error<InvalidArgument>([&] { RramCmoModel m(p); },
                                {"relaxation_spread_slope", "must be finite and >= 0 S"});
  p = RramCmoParameters::published(CmoAcceptance::two_percent);
  p.programming_sigma_offset_siemens = -0.5 * uS;
  expect_error<InvalidArgument>([&] { RramCmoModel m(p); },
                                {"programming_sigma_offset", "programming spread must be >= 0"});
}

TEST(RramCmo, FactoryReadsPresetsAndRejectsBadValues) {
  for (auto [name, acceptance] :
       {std::pair{"rram-hfox-cmo", CmoAcceptance::two_percent},
        std::pair{"rram-hfox-cmo-0p2", CmoAcceptance::two_tenths_percent}}) {
    const auto model = load_preset(name, make_rram_hfox_cmo_model);
    const auto& cmo = dynamic_cast<const RramCmoModel&>(*model);
    const RramCmoParameters published = RramCmoParameters::published(acceptance);
    EXPECT_DOUBLE_EQ(cmo.g_min_siemens(), 9 * uS) << name;
    EXPECT_DOUBLE_EQ(cmo.g_max_siemens(), 88.2 * uS) << name;
    EXPECT_DOUBLE_EQ(cmo.parameters().programming_sigma_offset_siemens,
                     published.programming_sigma_offset_siemens);
    EXPECT_DOUBLE_EQ(cmo.parameters().programming_sigma_slope, published.programming_sigma_slope);
    EXPECT_DOUBLE_EQ(cmo.parameters().relaxation_mean_slope_siemens, -0.08900206 * uS);
    EXPECT_DOUBLE_EQ(cmo.parameters().relaxation_spread_slope_siemens, 0.04201137 * uS);
    EXPECT_DOUBLE_EQ(cmo.parameters().relaxation_spread_offset_siemens, 0.41183342 * uS);
  }
  expect_error<ConfigError>(
      [] { (void)from_text("relaxation_spread_slope = \"-0.01uS\"\n", make_rram_hfox_cmo_model); },
      {"key 'parameters.relaxation_spread_slope'", "must be finite and >= 0 S"});
  expect_error<ConfigError>(
      [] { (void)from_text("relaxation_mean_slope = \"-0.089s\"\n", make_rram_hfox_cmo_model); },
      {"key 'parameters.relaxation_mean_slope'", "is a time", "-0.089s"});
  expect_error<ConfigError>(
      [] { (void)from_text("relaxation_mean_slope = -0.089\n", make_rram_hfox_cmo_model); },
      {"key 'parameters.relaxation_mean_slope'", "with its unit"});
  expect_error<ConfigError>(
      [] { (void)from_text("programming_sigma_slope = -0.01\n", make_rram_hfox_cmo_model); },
      {"key 'parameters.programming_sigma_slope'", "programming spread must be >= 0"});
  expect_error<ConfigError>([] { (void)from_text("g_min = \"90uS\"\n", make_rram_hfox_cmo_model); },
                            {"key 'parameters.g_min'", "must be less than g_max (88.2 uS)"});
}

// ---- Milo 2021 --------------------------------------------------------------------------------

TEST(RramMilo2021, ProgrammingSpreadEqualsPublishedLine) {
  const RramMilo2021Model model(RramMilo2021Parameters::published());
  EXPECT_NEAR(model.programming_sigma_siemens(100 * uS), 3.871621 * uS, 1e-16);
  EXPECT_NEAR(model.programming_sigma_siemens(225 * uS), 2.733246 * uS, 1e-16);
  EXPECT_NEAR(model.programming_sigma_siemens(50 * uS), 4.326971 * uS, 1e-16);
}

TEST(RramMilo2021, CubicIvMatchesHandComputedCoefficients) {
  const RramMilo2021Model model(RramMilo2021Parameters::published());
  EXPECT_FALSE(model.is_linear());
  // G0 = 100 uS, L = -4: NL2 = 0.007063 - 4*0.005711 + 16*0.001541 - 64*0.0001388 = -8.2e-6,
  // NL3 = 1.2968e-3 - 4*6.7919e-4 + 16*8.8710e-5 = -6.0e-7.
  EXPECT_NEAR(model.nl2(100 * uS), -8.2e-6, 1e-12);
  EXPECT_NEAR(model.nl3(100 * uS), -6.0e-7, 1e-12);
  // The fit's artificial point: NL2 and NL3 vanish (to the printed digits) at 225 uS.
  EXPECT_NEAR(model.nl2(225 * uS), 0.0, 3e-6);
  EXPECT_NEAR(model.nl3(225 * uS), 0.0, 1e-6);
  const std::vector<double> g = {100 * uS, 100 * uS, 100 * uS};
  const std::vector<double> v = {0.5, -0.5, 0.2};
  std::vector<double> i(3);
  model.current(g, v, i);
  EXPECT_NEAR(i[0], 5e-5 - 8.2e-6 * 0.25 - 6.0e-7 * 0.125, 1e-15);  // 4.7875e-5 A
  EXPECT_NEAR(i[1], -5e-5 - 8.2e-6 * 0.25 + 6.0e-7 * 0.125, 1e-15);
  EXPECT_NEAR(i[2], 2e-5 - 8.2e-6 * 0.04 - 6.0e-7 * 0.008, 1e-15);
}

TEST(RramMilo2021, IvReducesToOhmsLawAtSmallVoltage) {
  const RramMilo2021Model model(RramMilo2021Parameters::published());
  const std::vector<double> g = {50 * uS, 62.5 * uS, 110 * uS, 225 * uS};
  for (double v0 : {1e-7, -1e-7}) {
    const std::vector<double> v(g.size(), v0);
    std::vector<double> i(g.size());
    model.current(g, v, i);
    for (std::size_t k = 0; k < g.size(); ++k) {
      EXPECT_NEAR(i[k] / (g[k] * v0), 1.0, 1e-6) << g[k];
    }
  }
}

TEST(RramMilo2021, CurrentRefusesVoltagesOutsideTheFit) {
  const RramMilo2021Model model(RramMilo2021Parameters::published());
  const std::vector<double> g = {100 * uS, 100 * uS};
  std::vector<double> i(2);
  expect_error<InvalidArgument>(
      [&] {
        model.current(g, std::vector<double>{0.1, 0.6}, i);
      },
      {"voltage of cell 1 is 0.6 V", "outside the range of the fitted I-V", "|V| <= 0.5 V"});
  expect_error<InvalidArgument>(
      [&] {
        model.current(g, std::vector<double>{-0.51, 0.0}, i);
      },
      {"voltage of cell 0 is -0.51 V"});
  expect_error<InvalidArgument>(
      [&] {
        model.current(g, std::vector<double>{NAN, 0.0}, i);
      },
      {"voltage of cell 0 is nan V"});
  expect_error<InvalidArgument>([&] { model.current(g, std::vector<double>{0.1}, i); },
                                {"must have the same size"});
  // Exactly at the edge of the fit is allowed.
  EXPECT_NO_THROW(model.current(g, std::vector<double>{0.5, -0.5}, i));
}

TEST(RramMilo2021, LinearWhenTheNonlinearIvIsOff) {
  RramMilo2021Parameters p = RramMilo2021Parameters::published();
  p.nonlinear_iv = false;
  const RramMilo2021Model model(p);
  EXPECT_TRUE(model.is_linear());
  const std::vector<double> g = {100 * uS};
  std::vector<double> i(1);
  model.current(g, std::vector<double>{1.0}, i);
  EXPECT_EQ(i[0], 100 * uS);
}

TEST(RramMilo2021, NoTimeEvolution) {
  const RramMilo2021Model model(RramMilo2021Parameters::published());
  const ProgrammedCells cells = model.program(targets(500, 50 * uS, 225 * uS), {.seed = 3});
  for (ReadTime time : {ReadTime{0.0, 0}, ReadTime{1.0, 1}, ReadTime{3.15e8, 2}}) {
    EXPECT_EQ(at(model, cells, time), cells.programmed_siemens);
  }
}

TEST(RramMilo2021, SplitIntoSubArraysGivesTheSameBits) {
  const RramMilo2021Model model(RramMilo2021Parameters::published());
  expect_split_invariance(model, 50 * uS, 225 * uS);
}

TEST(RramMilo2021, FactoryReadsPresetAndRejectsBadValues) {
  const auto model = load_preset("rram-milo2021", make_rram_milo2021_model);
  const auto& milo = dynamic_cast<const RramMilo2021Model&>(*model);
  const RramMilo2021Parameters published = RramMilo2021Parameters::published();
  EXPECT_DOUBLE_EQ(milo.g_min_siemens(), 50 * uS);
  EXPECT_DOUBLE_EQ(milo.g_max_siemens(), 225 * uS);
  EXPECT_DOUBLE_EQ(milo.parameters().programming_sigma_offset_siemens, 4.782321 * uS);
  EXPECT_EQ(milo.parameters().programming_sigma_slope, -0.009107);
  EXPECT_EQ(milo.parameters().nl2_coefficients, published.nl2_coefficients);
  EXPECT_EQ(milo.parameters().nl3_coefficients, published.nl3_coefficients);
  EXPECT_EQ(milo.parameters().iv_fit_voltage_v, 0.5);
  EXPECT_FALSE(milo.is_linear());

  expect_error<ConfigError>(
      [] { (void)from_text("iv_fit_voltage = \"0.5uS\"\n", make_rram_milo2021_model); },
      {"key 'parameters.iv_fit_voltage'", "\"0.5uS\" is a conductance"});
  expect_error<ConfigError>(
      [] { (void)from_text("iv_fit_voltage = \"-0.5V\"\n", make_rram_milo2021_model); },
      {"key 'parameters.iv_fit_voltage'", "must be finite and > 0 V"});
  expect_error<ConfigError>(
      [] { (void)from_text("programming_sigma_slope = -0.05\n", make_rram_milo2021_model); },
      {"key 'parameters.programming_sigma_slope'", "programming spread must be >= 0",
       "g = 225 uS"});
  expect_error<ConfigError>(
      [] { (void)from_text("g_min = \"300uS\"\n", make_rram_milo2021_model); },
      {"key 'parameters.g_min'", "must be less than g_max (225 uS)"});
  expect_error<ConfigError>(
      [] { (void)from_text("nl2_coefficients_a_per_v2 = [\"1uS\"]\n", make_rram_milo2021_model); },
      {"parameters.nl2_coefficients_a_per_v2"});
}

}  // namespace
}  // namespace kirchhoff::devices
