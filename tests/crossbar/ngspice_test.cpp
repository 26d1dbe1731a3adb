// The exact IR-drop solver against ngspice (batch mode, on the netlists the toolkit writes).
// Skipped when ngspice is not installed (./run.sh deps installs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <random>
#include <sstream>

#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/spice.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::crossbar {
namespace {

class Ngspice : public ::testing::TestWithParam<std::tuple<int, int, bool>> {
 protected:
  void SetUp() override {
    if (!ngspice_available()) GTEST_SKIP() << "ngspice not found on PATH (apt-get install ngspice)";
  }
  const kirchhoff::testing::TempDir dir_{"ngspice"};
};

TEST_P(Ngspice, ColumnCurrentsAgreeToOnePartPerMillion) {
  const auto [rows, cols, periphery] = GetParam();
  std::mt19937_64 rng(static_cast<unsigned>(rows * 1000 + cols * 10 + periphery));
  std::uniform_real_distribution<double> conductance(1e-6, 1e-4), voltage(0.0, 0.3);
  ConductanceMatrix g(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) g(i, j) = conductance(rng);
  }
  Eigen::VectorXd v(rows);
  for (Eigen::Index i = 0; i < rows; ++i) v[i] = voltage(rng);
  const WireResistances wires{2.5, 1.06, periphery ? 50.0 : 0.0, periphery ? 100.0 : 0.0};

  const IrDropSolver solver(g, wires);
  const CurrentBatch exact = solver.solve(v.transpose());
  const std::vector<double> spice = run_ngspice(g, wires, v, dir_.path());
  const CurrentBatch ideal = v.transpose() * g;
  double worst = 0.0;
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double relative = std::abs(exact(0, j) - spice[static_cast<std::size_t>(j)]) /
                            std::abs(spice[static_cast<std::size_t>(j)]);
    worst = std::max(worst, relative);
    EXPECT_LE(relative, 1e-6) << "column " << j << ": " << exact(0, j) << " A vs ngspice "
                              << spice[static_cast<std::size_t>(j)] << " A";
  }
  // The IR drop itself is well above the agreement: the comparison is meaningful.
  EXPECT_GT(((ideal - exact).cwiseAbs().maxCoeff()) / exact.cwiseAbs().maxCoeff(), 1e-4);
  std::ostringstream worst_text;
  worst_text << std::scientific << std::setprecision(2) << worst;
  RecordProperty("worst_relative_difference", worst_text.str());
}

INSTANTIATE_TEST_SUITE_P(RandomArrays, Ngspice,
                         ::testing::Values(std::tuple{4, 4, false}, std::tuple{4, 4, true},
                                           std::tuple{8, 5, false}, std::tuple{5, 8, true},
                                           std::tuple{16, 16, true}, std::tuple{32, 32, false},
                                           std::tuple{32, 32, true}, std::tuple{64, 64, false},
                                           std::tuple{64, 64, true}),
                         [](const auto& param_info) {
                           const auto& p = param_info.param;
                           return std::to_string(std::get<0>(p)) + "x" +
                                  std::to_string(std::get<1>(p)) +
                                  (std::get<2>(p) ? "_driver_sense" : "_wires_only");
                         });

TEST(NgspiceMerged, ZeroResistancesAgreeWithNgspice) {
  if (!ngspice_available()) GTEST_SKIP() << "ngspice not found on PATH (apt-get install ngspice)";
  const kirchhoff::testing::TempDir dir("ngspice-merged");
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> conductance(1e-6, 1e-4), voltage(-0.3, 0.3);
  ConductanceMatrix g(6, 7);
  for (Eigen::Index i = 0; i < 6; ++i) {
    for (Eigen::Index j = 0; j < 7; ++j) g(i, j) = conductance(rng);
  }
  Eigen::VectorXd v(6);
  for (Eigen::Index i = 0; i < 6; ++i) v[i] = voltage(rng);
  for (const WireResistances& w : {WireResistances{0, 2, 0, 5}, WireResistances{3, 0, 7, 0},
                                   WireResistances{0, 0, 10, 10}, WireResistances{}}) {
    const CurrentBatch exact = IrDropSolver(g, w).solve(v.transpose());
    const auto spice = run_ngspice(g, w, v, dir.path());
    for (Eigen::Index j = 0; j < 7; ++j) {
      EXPECT_NEAR(exact(0, j), spice[static_cast<std::size_t>(j)],
                  1e-6 * std::abs(spice[static_cast<std::size_t>(j)]));
    }
  }
}

}  // namespace
}  // namespace kirchhoff::crossbar
