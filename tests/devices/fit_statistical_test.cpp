// Statistical validation of the fits (ctest label "statistical"): coverage of the parametric-
// bootstrap 95 % intervals over many synthetic data sets, and convergence of the estimates as
// 1/sqrt(n). Data from the generic model with the Joshi 2020 σ_P polynomial (DESIGN.md) at fixed
// seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kirchhoff/devices/fit.hpp"
#include "kirchhoff/devices/generic.hpp"

namespace kirchhoff::devices {
namespace {

constexpr double uS = 1e-6;
constexpr double kGMax = 25 * uS;
const std::vector<double> kTrueSigmaUs{0.26348, 1.9650, -1.1731};

struct Programming {
  std::vector<double> target, programmed;
};

Programming draw(std::size_t n, std::uint32_t trial) {
  GenericParameters p;
  p.common.g_max_s = kGMax;
  p.common.clip = false;
  for (double c : kTrueSigmaUs) p.programming_sigma_polynomial.push_back(c * uS / kGMax);
  const GenericModel model(p);
  Programming data;
  for (std::size_t i = 0; i < n; ++i) {
    data.target.push_back((0.5 + 24.5 * static_cast<double>(i) / static_cast<double>(n - 1)) * uS);
  }
  data.programmed = model.program(data.target, {2024, 0, trial, 0}).programmed_s;
  return data;
}

// Over 100 data sets of 500 devices, each coefficient's 95 % interval holds the truth in
// 95 ± 4.4 % of them (binomial, 2 standard deviations: 0.95 ± 2 sqrt(0.95 · 0.05 / 100)), widened
// to [0.88, 1] for the percentile bootstrap's known slight undercoverage at this n.
TEST(ProgrammingFitStatistical, BootstrapIntervalsCoverTheTruth) {
  constexpr int kSets = 100;
  std::vector<int> covered(3, 0);
  for (int s = 0; s < kSets; ++s) {
    const auto data = draw(500, static_cast<std::uint32_t>(s));
    ProgrammingFitOptions options;
    options.g_max_s = kGMax;
    options.bootstrap.seed = 1000 + static_cast<std::uint64_t>(s);
    const auto fit = fit_programming(data.target, data.programmed, options);
    for (std::size_t k = 0; k < 3; ++k) {
      const auto& ci = fit.coefficients_s[k].interval;
      covered[k] += (ci.lower <= kTrueSigmaUs[k] * uS && kTrueSigmaUs[k] * uS <= ci.upper);
    }
  }
  for (std::size_t k = 0; k < 3; ++k) {
    const double coverage = covered[k] / static_cast<double>(kSets);
    EXPECT_GE(coverage, 0.88) << "c" << k;
    EXPECT_LE(coverage, 1.0) << "c" << k;
  }
}

// The root-mean-square error of σ_P at five targets, over 20 data sets, shrinks as 1/sqrt(n):
// 16 times the data gives a 4 times smaller error, accepted within [2.8, 5.6] (the RMS over 20
// sets has a relative spread of about 1/sqrt(2 · 20 · 5) ≈ 7 %, the ratio about 10 %).
TEST(ProgrammingFitStatistical, ErrorShrinksAsOneOverSquareRootOfN) {
  auto rms_error = [](std::size_t n) {
    double sum = 0.0;
    int count = 0;
    for (std::uint32_t s = 0; s < 20; ++s) {
      const auto data = draw(n, 500 + s);
      ProgrammingFitOptions options;
      options.g_max_s = kGMax;
      options.bootstrap.replicates = 0;
      const auto fit = fit_programming(data.target, data.programmed, options);
      for (double x : {0.05, 0.25, 0.5, 0.75, 1.0}) {
        const double truth = (kTrueSigmaUs[0] + kTrueSigmaUs[1] * x + kTrueSigmaUs[2] * x * x) * uS;
        const double e = fit.sigma_s(x * kGMax) - truth;
        sum += e * e;
        ++count;
      }
    }
    return std::sqrt(sum / count);
  };
  const double small = rms_error(500), large = rms_error(8000);
  const double ratio = small / large;
  EXPECT_GT(ratio, 2.8) << small << " " << large;
  EXPECT_LT(ratio, 5.6) << small << " " << large;
}

}  // namespace
}  // namespace kirchhoff::devices
