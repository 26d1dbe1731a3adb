#include "kirchhoff/devices/write_verify.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "gaussian_test_model.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "support/expect.hpp"

namespace kirchhoff::devices {
namespace {

using kirchhoff::testing::message_of;
using testing::GaussianTestModel;
using testing::test_range;

std::vector<double> targets(std::size_t n) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = 2e-6 + 20e-6 * double(i % 97) / 96.0;
  return t;
}

TEST(WriteVerify, ConvergesWhenReadNoiseIsWellBelowTheBand) {
  // σ_P = 1 µS, band ±0.5 µS, read noise 0.02 µS: each attempt lands in the band with p ≈ 0.38,
  // so 30 attempts fail with probability 0.62^30 ≈ 6e-7 per cell.
  const GaussianTestModel model(test_range(), 1e-6, 0.02e-6);
  WriteVerifyOptions options;
  options.tolerance_siemens = 0.5e-6;
  const auto t = targets(5000);
  const auto result = write_verify(model, t, {1, 0, 0, 0}, options);
  EXPECT_TRUE(result.all_converged());
  EXPECT_NO_THROW(result.require_converged(options));
  // Conductances end within the band widened by the read noise of the last verify read.
  for (std::size_t i = 0; i < t.size(); ++i) {
    ASSERT_LE(std::abs(result.cells.programmed_siemens[i] - t[i]), 0.5e-6 + 6 * 0.02e-6) << i;
    ASSERT_GE(result.iterations[i], 1u);
    ASSERT_LE(result.iterations[i], 30u);
  }
  // Attempts per cell are geometric with success probability p = P(|N(0, σ_P² + σ_R²)| <= band):
  // mean 1/p (the cap is irrelevant at this p).
  const boost::math::normal_distribution<> error(0.0, std::hypot(1e-6, 0.02e-6));
  const double p = boost::math::cdf(error, 0.5e-6) - boost::math::cdf(error, -0.5e-6);
  const double sd_of_mean = std::sqrt((1 - p) / (p * p) / 5000.0);
  EXPECT_NEAR(result.mean_iterations, 1.0 / p, 5 * sd_of_mean);
}

TEST(WriteVerify, ReportsFailureInsteadOfAWrongValueAtTheCap) {
  // Band ±0.01 µS with σ_P = 1 µS: p ≈ 0.008 per attempt, 3 attempts leave ~97 % unconverged.
  const GaussianTestModel model(test_range(), 1e-6, 0.0);
  WriteVerifyOptions options;
  options.tolerance_siemens = 0.01e-6;
  options.max_iterations = 3;
  const auto t = targets(1000);
  const auto result = write_verify(model, t, {2, 0, 0, 0}, options);
  EXPECT_FALSE(result.all_converged());
  EXPECT_GT(result.unconverged_cells, 900u);
  std::size_t flagged = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!result.converged[i]) {
      ++flagged;
      EXPECT_EQ(result.iterations[i], 3u);
      EXPECT_GT(std::abs(result.verify_error_siemens[i]), 0.01e-6);
    }
  }
  EXPECT_EQ(flagged, result.unconverged_cells);
  EXPECT_EQ(message_of<NumericalError>([&] { result.require_converged(options); }),
            fmt::format("write-verify: {} of 1000 cells outside the band (max(10 nS, 0 x target)) "
                        "after 3 iterations",
                        result.unconverged_cells));
}

TEST(WriteVerify, ReadNoiseBoundsTheAchievableError) {
  // A band narrower than the read noise: verify readings pass by luck, not because the cell is
  // right, so the final conductance error is about the read noise, not the band.
  const GaussianTestModel model(test_range(), 1e-6, 0.3e-6);
  WriteVerifyOptions options;
  options.tolerance_siemens = 0.05e-6;
  options.max_iterations = 200;
  const auto t = targets(4000);
  const auto result = write_verify(model, t, {3, 0, 0, 0}, options);
  double sum_sq = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!result.converged[i]) continue;
    const double e = result.cells.programmed_siemens[i] - t[i];
    sum_sq += e * e;
    ++n;
  }
  const double rms = std::sqrt(sum_sq / double(n));
  EXPECT_GT(rms, 0.15e-6);  // far more than the ±0.05 µS band
  EXPECT_LT(rms, 0.35e-6);  // and about the read noise
}

TEST(WriteVerify, StuckCellsNeverConverge) {
  auto common = test_range(1e-6, 25e-6);
  common.stuck_on_rate = 0.1;
  const GaussianTestModel model(common, 0.2e-6, 0.0);
  WriteVerifyOptions options;
  options.tolerance_siemens = 1e-6;
  options.max_iterations = 5;
  const std::vector<double> t(2000, 5e-6);
  const auto result = write_verify(model, t, {4, 0, 0, 0}, options);
  std::size_t stuck = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (result.cells.faults[i] == CellFault::stuck_on) {
      ++stuck;
      EXPECT_FALSE(result.converged[i]);
    } else {
      EXPECT_TRUE(result.converged[i]);
    }
  }
  EXPECT_GT(stuck, 100u);
  EXPECT_EQ(result.unconverged_cells, stuck);
}

TEST(WriteVerify, IsAPureFunctionOfItsInputs) {
  const GaussianTestModel model(test_range(), 1e-6, 0.05e-6);
  WriteVerifyOptions options;
  options.relative_tolerance = 0.05;
  const auto t = targets(500);
  const auto a = write_verify(model, t, {9, 1, 2, 0}, options);
  const auto b = write_verify(model, t, {9, 1, 2, 0}, options);
  const auto c = write_verify(model, t, {9, 1, 3, 0}, options);
  EXPECT_EQ(a.cells.programmed_siemens, b.cells.programmed_siemens);
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_NE(a.cells.programmed_siemens, c.cells.programmed_siemens);
}

TEST(WriteVerify, RejectsBadOptions) {
  const GaussianTestModel model(test_range(), 1e-6, 0.0);
  const auto t = targets(4);
  auto expect = [&](WriteVerifyOptions o, const std::string& message) {
    EXPECT_EQ(message_of<InvalidArgument>([&] { (void)write_verify(model, t, {}, o); }), message);
  };
  expect({}, "write-verify needs a tolerance band: tolerance or relative_tolerance > 0");
  expect({.tolerance_siemens = -1.0},
         "write-verify tolerances must be finite and >= 0, got tolerance -1 S, relative 0");
  expect({.tolerance_siemens = 1e-7, .max_iterations = 0},
         "write-verify max_iterations must be >= 1, got 0");
}

}  // namespace
}  // namespace kirchhoff::devices

namespace kirchhoff::devices {
namespace {

// Write-verify needs nothing of a model but program() and read(): it runs on every preset, and
// whatever it reports is true of the cells it returns.
TEST(WriteVerify, WorksWithEveryPresetAndReportsTruthfully) {
  for (const auto& preset : list_presets()) {
    SCOPED_TRACE(preset.name);
    const Device device = load_device(preset.name);
    const DeviceModel& model = *device.model;
    std::vector<double> t(400);
    for (std::size_t i = 0; i < t.size(); ++i) {
      t[i] = model.g_min_siemens() + (0.2 + 0.6 * double(i) / double(t.size())) *
                                         (model.g_max_siemens() - model.g_min_siemens());
    }
    WriteVerifyOptions options;
    options.relative_tolerance = 0.05;
    options.max_iterations = 20;
    options.verify_time_s = 1e-6;
    const auto result = write_verify(model, t, {5, 0, 1, 0}, options);
    ASSERT_EQ(result.cells.size(), t.size());
    std::size_t unconverged = 0;
    std::vector<double> reading(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
      EXPECT_GE(result.iterations[i], 1u);
      EXPECT_LE(result.iterations[i], 20u);
      if (!result.converged[i]) ++unconverged;
      // The reported error is the last verify read; converged cells were inside the band then.
      if (result.converged[i]) {
        EXPECT_LE(std::abs(result.verify_error_siemens[i]),
                  0.05 * result.cells.target_siemens[i] * (1 + 1e-12));
      }
    }
    EXPECT_EQ(unconverged, result.unconverged_cells);
    EXPECT_EQ(result.all_converged(), unconverged == 0);
  }
}

}  // namespace
}  // namespace kirchhoff::devices
