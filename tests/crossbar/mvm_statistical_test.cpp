// Statistical tests of the MVM engine (label "statistical", fixed seeds): the read-noise
// shortcut has the output variance of a per-cell Monte Carlo of the same device reads, the ADC
// gain and offset mismatch have the requested mean and spread, and the output noise has its
// requested variance. Bounds: chi-square and normal quantiles (Boost.Math) at a two-sided
// level of 1e-4 per check.
#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/crossbar/mvm.hpp"
#include "mvm_test_support.hpp"

namespace kirchhoff::crossbar {
namespace {

using namespace testing;
constexpr double kAlpha = 1e-4;

// (n − 1) s² / σ² summed over columns with n samples each: χ² with columns·(n − 1) degrees of
// freedom when the predicted variances are right.
void expect_variances(const std::vector<RunningStats>& columns, const Eigen::VectorXd& predicted,
                      const char* what) {
  double q = 0.0;
  double dof = 0.0;
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const double n = static_cast<double>(columns[j].count());
    const double qj = (n - 1.0) * columns[j].variance() / predicted(static_cast<Eigen::Index>(j));
    const boost::math::chi_squared one(n - 1.0);
    const double a = kAlpha / static_cast<double>(columns.size());
    EXPECT_GT(qj, boost::math::quantile(one, a / 2)) << what << " column " << j;
    EXPECT_LT(qj, boost::math::quantile(one, 1 - a / 2)) << what << " column " << j;
    q += qj;
    dof += n - 1.0;
  }
  const boost::math::chi_squared pooled(dof);
  EXPECT_GT(q, boost::math::quantile(pooled, kAlpha / 2)) << what;
  EXPECT_LT(q, boost::math::quantile(pooled, 1 - kAlpha / 2)) << what;
}

TEST(ReadNoiseShortcutStatistical, OutputVarianceEqualsThePerCellMonteCarlo) {
  devices::GenericParameters p = ideal_device(25 * uS);
  p.programming_sigma_siemens = 0.5 * uS;
  p.read_sigma_siemens = 0.3 * uS;
  p.read_sigma_relative = 0.05;
  const devices::GenericModel model(p);
  const Eigen::Index rows = 64, cols = 16;
  const Eigen::MatrixXd w = smooth_matrix(rows, cols);
  MvmOptions o = ideal_options(rows, cols);
  o.read_noise = true;
  AnalogMatrix m(w, o, model, address());
  const devices::ReadTime time{100.0, 2};
  m.set_read_time(time);
  Eigen::VectorXd x(rows);
  for (Eigen::Index i = 0; i < rows; ++i) x(i) = std::cos(0.3 * static_cast<double>(i));
  const Eigen::VectorXd v = x / o.periphery.dac.input_range * o.periphery.dac.v_read_v;
  const double to_y =
      m.scales()(0) * o.periphery.dac.slice_weight(0) / m.options().mapping.delta_g_siemens();

  // Predicted (from the model directly, not through the engine): Var y_j = to_y² Σ_i (s⁺_ij² +
  // s⁻_ij²) V_i².
  Eigen::VectorXd predicted = Eigen::VectorXd::Zero(cols);
  for (std::size_t a = 0; a < 2; ++a) {
    std::vector<double> g(m.cells(a).size()), s(g.size());
    model.conductance_at(m.cells(a), time, g);
    model.read_noise_std(m.cells(a), time, g, s);
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (Eigen::Index j = 0; j < cols; ++j) {
        const double sij = s[static_cast<std::size_t>(i * cols + j)];
        predicted(j) += to_y * to_y * sij * sij * v(i) * v(i);
      }
    }
  }

  const std::uint32_t reads = 4000;
  std::vector<RunningStats> shortcut(cols), per_cell(cols);
  std::vector<double> gp(m.cells(0).size()), gm(gp.size());
  for (std::uint32_t r = 0; r < reads; ++r) {
    const Eigen::VectorXd y = m.multiply(x, r).y.col(0);
    model.read(m.cells(0), time, r, gp);
    model.read(m.cells(1), time, r, gm);
    for (Eigen::Index j = 0; j < cols; ++j) {
      shortcut[static_cast<std::size_t>(j)].add(y(j));
      double current = 0.0;
      for (Eigen::Index i = 0; i < rows; ++i) {
        const auto k = static_cast<std::size_t>(i * cols + j);
        current += (gp[k] - gm[k]) * v(i);
      }
      per_cell[static_cast<std::size_t>(j)].add(to_y * current);
    }
  }
  expect_variances(shortcut, predicted, "shortcut");
  expect_variances(per_cell, predicted, "per-cell Monte Carlo");
  // Both are centred on the noise-free product of the programmed conductances.
  const Eigen::VectorXd exact = to_y * (m.conductances(0) - m.conductances(1)).transpose() * v;
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double z = boost::math::quantile(boost::math::normal(), 1 - kAlpha / (4.0 * cols));
    const double se = std::sqrt(predicted(j) / reads);
    EXPECT_NEAR(shortcut[static_cast<std::size_t>(j)].mean(), exact(j), z * se + 1e-12);
    EXPECT_NEAR(per_cell[static_cast<std::size_t>(j)].mean(), exact(j), z * se + 1e-12);
  }
}

TEST(AdcMismatchStatistical, GainAndOffsetHaveTheRequestedMeanAndSpread) {
  const devices::GenericModel model(ideal_device());
  MvmOptions o = ideal_options(4, 256);
  o.periphery.adc.gain_std = 0.03;
  o.periphery.adc.offset_std = 0.01;
  AnalogMatrix m(smooth_matrix(4, 4096), o, model, address());
  ASSERT_EQ(m.adc_count(), 16u * 257u);
  const double z = boost::math::quantile(boost::math::normal(), 1 - kAlpha / 2);
  for (auto [values, mean, sigma] :
       {std::tuple{&m.adc_gain(), 1.0, 0.03}, std::tuple{&m.adc_offset(), 0.0, 0.01}}) {
    RunningStats s;
    for (Eigen::Index i = 0; i < values->size(); ++i) s.add((*values)(i));
    const double n = static_cast<double>(s.count());
    EXPECT_NEAR(s.mean(), mean, z * sigma / std::sqrt(n));
    const boost::math::chi_squared chi(n - 1.0);
    const double q = (n - 1.0) * s.variance() / (sigma * sigma);
    EXPECT_GT(q, boost::math::quantile(chi, kAlpha / 2));
    EXPECT_LT(q, boost::math::quantile(chi, 1 - kAlpha / 2));
  }
  // Drawn once per instance: the same address gives the same ADCs, another trial others.
  AnalogMatrix again(smooth_matrix(4, 4096), o, model, address());
  EXPECT_TRUE(again.adc_gain() == m.adc_gain());
  AnalogMatrix other(smooth_matrix(4, 4096), o, model, address(42, 9));
  EXPECT_FALSE(other.adc_gain() == m.adc_gain());
}

TEST(OutputNoiseStatistical, HasTheRequestedVarianceAsAFractionOfTheAdcRange) {
  const devices::GenericModel model(ideal_device());
  MvmOptions o = ideal_options(8, 8);
  o.periphery.adc.output_noise_std = 0.01;
  const Eigen::MatrixXd w = Eigen::MatrixXd::Zero(8, 8);
  AnalogMatrix m(w, o, model, address());
  m.set_read_time({1.0, 0});
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(8, 500);
  const MvmResult r = m.multiply(x, 0);
  // y = scale · a / ΔG · σ_out · R · z with scale 1 (zero matrix), R = 8 v_read ΔG.
  const double sigma_y = o.periphery.dac.slice_weight(0) * 0.01 * 8 * o.periphery.dac.v_read_v;
  std::vector<RunningStats> columns(8);
  for (Eigen::Index b = 0; b < x.cols(); ++b) {
    for (std::size_t j = 0; j < 8; ++j) columns[j].add(r.y(static_cast<Eigen::Index>(j), b));
  }
  expect_variances(columns, Eigen::VectorXd::Constant(8, sigma_y * sigma_y), "output noise");
}

}  // namespace
}  // namespace kirchhoff::crossbar
