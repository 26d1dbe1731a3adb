// Statistical validation of the fits (ctest label "statistical"): coverage of the parametric-
// bootstrap 95 % intervals over many synthetic data sets, and convergence of the estimates as
// 1/sqrt(n). Data from the generic model with the Joshi 2020 σ_P polynomial and drift tables, the
// pcm-joshi2020 model's read noise (DESIGN.md) and the agasi-neurosim pulse curves, at fixed
// seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "kirchhoff/devices/generic.hpp"
#include "kirchhoff/devices/pcm.hpp"
#include "kirchhoff/devices/pulse.hpp"
#include "kirchhoff/fitting/fit.hpp"
#include "kirchhoff/fitting/fit_pulse.hpp"
#include "kirchhoff/fitting/fit_read_noise.hpp"
#include "synthetic_drift.hpp"

namespace kirchhoff::fitting {
namespace {

using namespace kirchhoff::devices;  // the device models the fits are checked against

constexpr double uS = 1e-6;
constexpr double kGMax = 25 * uS;
const std::vector<double> kTrueSigmaUs{0.26348, 1.9650, -1.1731};

struct Programming {
  std::vector<double> target, programmed;
};

Programming draw(std::size_t n, std::uint32_t trial) {
  GenericParameters p;
  p.common.g_max_siemens = kGMax;
  p.common.clip = false;
  for (double c : kTrueSigmaUs) p.programming_sigma_polynomial.push_back(c * uS / kGMax);
  const GenericModel model(p);
  Programming data;
  for (std::size_t i = 0; i < n; ++i) {
    data.target.push_back((0.5 + 24.5 * static_cast<double>(i) / static_cast<double>(n - 1)) * uS);
  }
  data.programmed = model.program(data.target, {2024, 0, trial, 0}).programmed_siemens;
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
    options.g_max_siemens = kGMax;
    options.bootstrap.seed = 1000 + static_cast<std::uint64_t>(s);
    const auto fit = fit_programming(data.target, data.programmed, options);
    for (std::size_t k = 0; k < 3; ++k) {
      const auto& ci = fit.coefficients_siemens[k].interval;
      covered[k] += (ci.lower <= kTrueSigmaUs[k] * uS && kTrueSigmaUs[k] * uS <= ci.upper);
    }
  }
  for (std::size_t k = 0; k < 3; ++k) {
    const double coverage = covered[k] / static_cast<double>(kSets);
    std::printf("programming: coverage of c%zu %.2f\n", k, coverage);
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
      options.g_max_siemens = kGMax;
      options.bootstrap.replicates = 0;
      const auto fit = fit_programming(data.target, data.programmed, options);
      for (double x : {0.05, 0.25, 0.5, 0.75, 1.0}) {
        const double truth = (kTrueSigmaUs[0] + kTrueSigmaUs[1] * x + kTrueSigmaUs[2] * x * x) * uS;
        const double e = fit.sigma_siemens(x * kGMax) - truth;
        sum += e * e;
        ++count;
      }
    }
    return std::sqrt(sum / count);
  };
  const double small = rms_error(500), large = rms_error(8000);
  const double ratio = small / large;
  std::printf("programming: rms error of sigma_P %.3g (500), %.3g (8000), ratio %.2f\n", small,
              large, ratio);
  EXPECT_GT(ratio, 2.8) << small << " " << large;
  EXPECT_LT(ratio, 5.6) << small << " " << large;
}

// ---- drift ------------------------------------------------------------------------------------

// Drift data: 30 devices at each of 3 targets, read at 6 times with 2 % read noise, from the
// generic model with a ν table (μ_ν, σ_ν) = (0.08, 0.03), (0.05, 0.015), (0.04, 0.01).
const std::vector<double> kDriftG{2 * uS, 10 * uS, 20 * uS};
const std::vector<double> kNuMean{0.08, 0.05, 0.04};
const std::vector<double> kNuStd{0.03, 0.015, 0.01};

DriftData draw_drift(std::size_t per_target, std::uint32_t trial) {
  GenericParameters p;
  p.common.g_max_siemens = kGMax;
  p.common.clip = false;
  p.t0_s = 20.0;
  p.drift_g_siemens = kDriftG;
  p.drift_nu_mean = kNuMean;
  p.drift_nu_std = kNuStd;
  p.read_sigma_relative = 0.02;
  const GenericModel model(p);
  std::vector<double> targets;
  for (double g : kDriftG) targets.insert(targets.end(), per_target, g);
  const auto cells = model.program(targets, {77, 0, trial, 0});
  const std::vector<double> times{20, 60, 600, 3600, 36000, 86400};
  return testing::simulate_drift(model, cells, targets, times);
}

// Over 400 data sets the 95 % intervals of μ_ν and σ_ν in each of the three bins hold the truth
// in at least 0.88 of them, as for programming (binomial: 0.95 ± 2 · 0.011; the percentile
// bootstrap undercovers slightly at 30 devices per bin: it draws from normals with the estimated
// spread, where Student's t would be wider, and σ_ν is deconvolved and floored at 0). Measured
// coverages (0.90–0.93 when this was written) are printed.
TEST(DriftFitStatistical, TableIntervalsCoverTheTruth) {
  constexpr int kSets = 400;
  std::vector<int> mean_covered(3, 0), std_covered(3, 0);
  for (int s = 0; s < kSets; ++s) {
    DriftFitOptions options;
    options.t0_s = 20.0;
    options.bootstrap.seed = 5000 + static_cast<std::uint64_t>(s);
    const auto fit = fit_drift(draw_drift(30, static_cast<std::uint32_t>(s)), options);
    ASSERT_EQ(fit.bins.size(), 3u);
    for (std::size_t b = 0; b < 3; ++b) {
      const auto& m = fit.bins[b].nu_mean.interval;
      const auto& d = fit.bins[b].nu_std.interval;
      mean_covered[b] += m.lower <= kNuMean[b] && kNuMean[b] <= m.upper;
      std_covered[b] += d.lower <= kNuStd[b] && kNuStd[b] <= d.upper;
    }
  }
  for (std::size_t b = 0; b < 3; ++b) {
    const double mean = mean_covered[b] / double(kSets), std = std_covered[b] / double(kSets);
    std::printf("drift bin %zu: coverage of mu_nu %.3f, of sigma_nu %.3f\n", b, mean, std);
    EXPECT_GE(mean, 0.88) << b;
    EXPECT_GE(std, 0.88) << b;
  }
}

// The PCM form (clamp(a ln x + b, lo, hi)) over 100 data sets from the generic model with the
// Joshi 2020 curves (DESIGN.md) at 8 targets: the intervals of μ_ν and σ_ν at the five check
// conductances hold the truth in at least 0.80 of them. Looser than the table: the kinks are
// profiled on a grid, not smooth parameters, and next to a kink (σ_ν's at x = 0.33, check point 1
// at x = 0.27) the bootstrap undercovers (0.84 there, 0.90–0.99 elsewhere when this was written).
// Measured coverages are printed.
TEST(DriftFitStatistical, PcmFormIntervalsCoverTheJoshiCurves) {
  GenericParameters p;
  p.common.g_max_siemens = kGMax;
  p.common.clip = false;
  p.t0_s = 20.0;
  p.drift_nu_mean_log = {-0.0155, 0.0244, 0.049, 0.1};
  p.drift_nu_std_log = {-0.0125, -0.0059, 0.008, 0.045};
  p.read_sigma_relative = 0.01;
  const GenericModel model(p);
  const std::vector<double> targets_microsiemens{1, 2, 3, 5, 8, 12, 18, 24};
  constexpr int kSets = 100;
  std::vector<int> mean_covered(5, 0), std_covered(5, 0);
  for (int s = 0; s < kSets; ++s) {
    std::vector<double> targets;
    for (double t : targets_microsiemens) targets.insert(targets.end(), 40, t * uS);
    const auto cells = model.program(targets, {88, 0, static_cast<std::uint32_t>(s), 0});
    const std::vector<double> times{20, 200, 2000, 20000, 200000};
    DriftData data;
    std::vector<std::vector<double>> reads(times.size(), std::vector<double>(targets.size()));
    for (std::size_t k = 0; k < times.size(); ++k) {
      model.read(cells, {times[k], 0}, static_cast<std::uint32_t>(k), reads[k]);
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
      for (std::size_t k = 0; k < times.size(); ++k) {
        data.device.push_back(std::to_string(i));
        data.target_siemens.push_back(targets[i]);
        data.time_s.push_back(times[k]);
        data.conductance_siemens.push_back(reads[k][i]);
        data.line.push_back(0);
      }
    }
    DriftFitOptions options;
    options.form = DriftForm::pcm;
    options.g_max_siemens = kGMax;
    options.bootstrap.seed = 9000 + static_cast<std::uint64_t>(s);
    const auto fit = fit_drift(data, options);
    ASSERT_TRUE(fit.pcm.has_value());
    for (std::size_t k = 0; k < 5; ++k) {
      const double x = fit.pcm->check_g_siemens[k] / kGMax;
      const double mu = clamped_log_form(p.drift_nu_mean_log, x);
      const double sigma = clamped_log_form(p.drift_nu_std_log, x);
      const auto& m = fit.pcm->check_mean[k].interval;
      const auto& d = fit.pcm->check_std[k].interval;
      mean_covered[k] += m.lower <= mu && mu <= m.upper;
      std_covered[k] += d.lower <= sigma && sigma <= d.upper;
    }
  }
  for (std::size_t k = 0; k < 5; ++k) {
    const double mean = mean_covered[k] / double(kSets), std = std_covered[k] / double(kSets);
    std::printf("drift PCM form, check point %zu: coverage of mu_nu %.2f, of sigma_nu %.2f\n", k,
                mean, std);
    EXPECT_GE(mean, 0.80) << k;
    EXPECT_GE(std, 0.80) << k;
  }
}

// ---- read noise -------------------------------------------------------------------------------

// Repeated reads (10 at 1 min, 10 at 1 h) of `per_target` pcm-joshi2020 devices at each of six
// targets.
ReadNoiseData draw_reads(std::size_t per_target, std::uint32_t trial) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  std::vector<double> targets;
  for (double t : {2.5, 5.0, 10.0, 15.0, 20.0, 24.0})
    targets.insert(targets.end(), per_target, t * uS);
  const auto cells = model.program(targets, {66, 0, trial, 0});
  ReadNoiseData data;
  std::vector<double> g(targets.size());
  std::vector<std::vector<double>> reads;
  std::vector<double> times;
  for (std::uint32_t k = 0; k < 20; ++k) {
    times.push_back(k < 10 ? 60.0 : 3600.0);
    model.read(cells, {times.back(), 0}, k, g);
    reads.push_back(g);
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    for (std::size_t k = 0; k < times.size(); ++k) {
      data.device.push_back(std::to_string(i));
      data.time_s.push_back(times[k]);
      data.conductance_siemens.push_back(reads[k][i]);
      data.target_siemens.push_back(targets[i]);
      data.line.push_back(0);
    }
  }
  return data;
}

// Coverage of c and α (Q_s = c x^−α, truth 0.0088 and 0.65) over 100 data sets of 10 devices
// per target; accepted as for programming (>= 0.88). Measured coverages are printed.
TEST(ReadNoiseFitStatistical, BootstrapIntervalsCoverTheTruth) {
  constexpr int kSets = 100;
  int c_covered = 0, a_covered = 0;
  for (int s = 0; s < kSets; ++s) {
    ReadNoiseFitOptions options;
    options.g_max_siemens = kGMax;
    options.bootstrap.seed = 300 + static_cast<std::uint64_t>(s);
    const auto fit = fit_read_noise(draw_reads(10, static_cast<std::uint32_t>(s)), options);
    c_covered +=
        fit.q_coefficient.interval.lower <= 0.0088 && 0.0088 <= fit.q_coefficient.interval.upper;
    a_covered += fit.q_exponent.interval.lower <= 0.65 && 0.65 <= fit.q_exponent.interval.upper;
  }
  std::printf("read noise: coverage of c %.2f, of alpha %.2f\n", c_covered / double(kSets),
              a_covered / double(kSets));
  EXPECT_GE(c_covered / double(kSets), 0.88);
  EXPECT_GE(a_covered / double(kSets), 0.88);
}

// The rms error of Q_s at three conductances over 20 data sets shrinks by 4 (accepted 2.8–5.6)
// from 5 to 80 devices per target.
TEST(ReadNoiseFitStatistical, ErrorShrinksAsOneOverSquareRootOfN) {
  auto rms_error = [](std::size_t per_target) {
    double sum = 0.0;
    int count = 0;
    for (std::uint32_t s = 0; s < 20; ++s) {
      ReadNoiseFitOptions options;
      options.g_max_siemens = kGMax;
      options.bootstrap.replicates = 0;
      const auto fit = fit_read_noise(draw_reads(per_target, 1000 + s), options);
      for (double x : {0.1, 0.4, 0.96}) {
        const double e = fit.value(x * kGMax) - 0.0088 * std::pow(x, -0.65);
        sum += e * e;
        ++count;
      }
    }
    return std::sqrt(sum / count);
  };
  const double small = rms_error(5), large = rms_error(80);
  std::printf("read noise: rms error of Q_s %.3g (5 per target), %.3g (80), ratio %.2f\n", small,
              large, small / large);
  EXPECT_GT(small / large, 2.8);
  EXPECT_LT(small / large, 5.6);
}

// ---- pulse response ---------------------------------------------------------------------------

// One agasi-neurosim device cycled `cycles` times (97 LTP, then 100 LTD pulses), read after every
// pulse, with the model's own step: position on the curve of the pulse's polarity, one pulse on,
// C2C noise, clip (pulse_response, for several cycles).
PulseData cycle_device(std::size_t cycles, std::uint32_t trial) {
  PulseParameters p;
  p.g_max_siemens = 38.462e-9;
  p.g_min_siemens = p.g_max_siemens / 12.5;
  p.pulses_ltp = 97;
  p.pulses_ltd = 100;
  p.nl_ltp = 2.4;
  p.nl_ltd = -4.88;
  p.c2c = 0.035;
  const PulseNonlinearModel model(p, CommonParameters{});
  const RandomStream noise(55, {0, trial, StreamId::cycle_to_cycle, 0});
  const double sigma = p.c2c * (p.g_max_siemens - p.g_min_siemens);
  PulseData data;
  double g = p.g_min_siemens;
  std::uint32_t pulse = 0;
  auto add = [&](int polarity) {
    data.device.push_back("d");
    data.pulse.push_back(pulse);
    data.polarity.push_back(polarity);
    data.conductance_siemens.push_back(g);
    data.line.push_back(0);
  };
  add(0);
  for (std::size_t c = 0; c < cycles; ++c) {
    for (int polarity : {1, -1}) {
      const PulseCurve& curve = polarity > 0 ? model.ltp_curve() : model.ltd_curve();
      for (std::uint32_t k = 0; k < curve.pulses; ++k) {
        ++pulse;
        const double next = curve.conductance(curve.position(g) + polarity);
        g = std::clamp(next + sigma * noise.normal_at(pulse), p.g_min_siemens, p.g_max_siemens);
        add(polarity);
      }
    }
  }
  return data;
}

// The rms error of NL_LTP, NL_LTD and c2c (each relative to its truth) over 20 devices shrinks
// by 4 (accepted 2.8–5.6) from 1 to 16 cycles of LTP and LTD per device.
TEST(PulseFitStatistical, ErrorShrinksAsOneOverSquareRootOfN) {
  auto rms_error = [](std::size_t cycles) {
    double sum = 0.0;
    int count = 0;
    for (std::uint32_t s = 0; s < 20; ++s) {
      PulseFitOptions options;
      options.bootstrap.replicates = 0;
      const auto fit = fit_pulse(cycle_device(cycles, 2000 + s), options);
      for (auto [value, truth] :
           {std::pair{fit.nl_ltp.value, 2.4}, std::pair{fit.nl_ltd.value, -4.88},
            std::pair{fit.c2c.value, 0.035}}) {
        const double e = (value - truth) / truth;
        sum += e * e;
        ++count;
      }
    }
    return std::sqrt(sum / count);
  };
  const double small = rms_error(1), large = rms_error(16);
  std::printf("pulse: relative rms error %.3g (1 cycle), %.3g (16 cycles), ratio %.2f\n", small,
              large, small / large);
  EXPECT_GT(small / large, 2.8);
  EXPECT_LT(small / large, 5.6);
}

}  // namespace
}  // namespace kirchhoff::fitting
