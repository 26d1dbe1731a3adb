#include "kirchhoff/crossbar/ir_drop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace kirchhoff::crossbar {
namespace {

ConductanceMatrix random_conductances(Eigen::Index rows, Eigen::Index cols, unsigned seed,
                                      double g_lo = 1e-6, double g_hi = 1e-4) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(g_lo, g_hi);
  ConductanceMatrix g(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) g(i, j) = u(rng);
  }
  return g;
}

InputBatch random_inputs(Eigen::Index batch, Eigen::Index rows, unsigned seed, double lo = -0.3,
                         double hi = 0.3) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  InputBatch v(batch, rows);
  for (Eigen::Index k = 0; k < batch; ++k) {
    for (Eigen::Index i = 0; i < rows; ++i) v(k, i) = u(rng);
  }
  return v;
}

double max_relative(const CurrentBatch& a, const CurrentBatch& b) {
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

const WireResistances kAllWires{1.5, 2.5, 20.0, 10.0};

TEST(IrDrop, ZeroWireResistanceGivesTheIdealProduct) {
  const auto g = random_conductances(8, 5, 1);
  const auto v = random_inputs(4, 8, 2);
  const IrDropSolver solver(g, WireResistances{});
  EXPECT_EQ(solver.unknowns(), 0);
  const Eigen::MatrixXd t = solver.transfer_matrix();
  EXPECT_TRUE((t.array() == g.transpose().array()).all());  // bit for bit
  const CurrentBatch ideal = ideal_currents(g, v);
  EXPECT_LE(max_relative(solver.solve(v), ideal), 1e-15);
  EXPECT_TRUE(
      (approximate_transfer_matrix(g, WireResistances{}).array() == g.transpose().array()).all());
}

// Each resistance set to exactly 0 (merged nodes) agrees with the limit of a tiny resistance.
TEST(IrDrop, EachZeroResistanceIsTheLimitOfATinyOne) {
  const auto g = random_conductances(7, 6, 3);
  const auto v = random_inputs(3, 7, 4);
  for (int which = 0; which < 4; ++which) {
    WireResistances zero = kAllWires, tiny = kAllWires;
    double* z[] = {&zero.r_row_ohm, &zero.r_col_ohm, &zero.r_driver_ohm, &zero.r_sense_ohm};
    double* t[] = {&tiny.r_row_ohm, &tiny.r_col_ohm, &tiny.r_driver_ohm, &tiny.r_sense_ohm};
    *z[which] = 0.0;
    *t[which] = 1e-5;  // r G N² ~ 1e-7; much smaller and roundoff takes over (1e-9 ohm: 7e-6)
    const IrDropSolver exact_zero(g, zero), near_zero(g, tiny), full(g, kAllWires);
    EXPECT_LT(exact_zero.unknowns(), full.unknowns()) << which;
    EXPECT_LE(max_relative(exact_zero.solve(v), near_zero.solve(v)), 1e-6) << which;
    // and the resistance matters: the full array differs
    EXPECT_GT(max_relative(exact_zero.solve(v), full.solve(v)), 1e-5) << which;
  }
}

TEST(IrDrop, TransferMatrixProductEqualsThePerVectorSolve) {
  for (auto [rows, cols] : {std::pair{12, 9}, std::pair{9, 12}}) {  // both ways of building T
    const auto g = random_conductances(rows, cols, 5);
    const auto v = random_inputs(20, rows, 6);
    for (auto backend : {SparseBackend::cholmod, SparseBackend::simplicial_llt}) {
      const IrDropSolver solver(g, kAllWires, {backend});
      EXPECT_EQ(solver.unknowns(), 2 * rows * cols);
      EXPECT_GT(solver.factor_nonzeros(), 0);
      const Eigen::MatrixXd t = solver.transfer_matrix();
      const CurrentBatch by_t = v * t.transpose();
      const CurrentBatch by_solve = solver.solve(v);
      EXPECT_LE(max_relative(by_t, by_solve), 1e-12) << rows << "x" << cols;
      // each column of the batch solve equals the single-vector cell voltages summed
      const ConductanceMatrix cells = solver.cell_voltages(v.row(3).transpose());
      const Eigen::RowVectorXd from_cells = (g.array() * cells.array()).colwise().sum();
      EXPECT_LE((from_cells - by_solve.row(3)).cwiseAbs().maxCoeff() /
                    by_solve.row(3).cwiseAbs().maxCoeff(),
                1e-12);
    }
  }
}

TEST(IrDrop, BackendsAgree) {
  const auto g = random_conductances(16, 16, 7);
  const auto v = random_inputs(5, 16, 8);
  const IrDropSolver a(g, kAllWires, {SparseBackend::cholmod});
  const IrDropSolver b(g, kAllWires, {SparseBackend::simplicial_llt});
  EXPECT_LE(max_relative(a.solve(v), b.solve(v)), 1e-12);
}

// One column, N rows all on at V, equal G, r per column segment and r_sense = r: the column
// node of the farthest cell sits at r G V N(N+1)/2 (first order), the sanity bound of DESIGN.md;
// the column current loses r G (N+1)(2N+1)/6 relative (the mean over cells).
TEST(IrDrop, AllRowsOnColumnMatchesTheFirstOrderBound) {
  const Eigen::Index n = 32;
  const double g0 = 1e-5, v0 = 0.2;
  for (double epsilon : {1e-3, 1e-4}) {
    const double r = epsilon / (g0 * static_cast<double>(n * (n + 1)) / 2.0);
    const ConductanceMatrix g = ConductanceMatrix::Constant(n, 1, g0);
    const IrDropSolver solver(g, WireResistances{0.0, r, 0.0, r});
    const ConductanceMatrix cells = solver.cell_voltages(Eigen::VectorXd::Constant(n, v0));
    const double far_loss = (v0 - cells(0, 0)) / v0;
    EXPECT_NEAR(far_loss / epsilon, 1.0, 2 * epsilon) << epsilon;
    const double ideal = static_cast<double>(n) * g0 * v0;
    const double current = solver.solve(InputBatch::Constant(1, n, v0))(0, 0);
    const double mean_loss = r * g0 * static_cast<double>((n + 1) * (2 * n + 1)) / 6.0;
    EXPECT_NEAR(((ideal - current) / ideal) / mean_loss, 1.0, 2 * epsilon);
    EXPECT_LE((ideal - current) / ideal, epsilon);  // the bound bounds the column error
  }
}

// The same along a row: N cells on, driven through r_driver = r and r per row segment.
TEST(IrDrop, AllCellsOnRowMatchesTheFirstOrderBound) {
  const Eigen::Index n = 24;
  const double g0 = 2e-5, v0 = 0.3, epsilon = 1e-4;
  const double r = epsilon / (g0 * static_cast<double>(n * (n + 1)) / 2.0);
  const ConductanceMatrix g = ConductanceMatrix::Constant(1, n, g0);
  const IrDropSolver solver(g, WireResistances{r, 0.0, r, 0.0});
  const ConductanceMatrix cells = solver.cell_voltages(Eigen::VectorXd::Constant(1, v0));
  EXPECT_NEAR(((v0 - cells(0, n - 1)) / v0) / epsilon, 1.0, 2 * epsilon);
}

TEST(IrDrop, ApproximateModelIsSecondOrderAccurate) {
  const auto g = random_conductances(64, 64, 9, 1e-6, 5e-5);
  const auto v = random_inputs(16, 64, 10, 0.0, 0.3);
  double previous = 0.0;
  for (double r : {0.4, 0.2, 0.1}) {
    const WireResistances w{r, r, 2 * r, 2 * r};
    const auto e = approximation_error(g, w, v);
    // ε = r G N(N+1)/2 with the largest conductance: 0.08, 0.04, 0.02
    EXPECT_GT(e.ir_drop_relative, 5e-3) << r;
    EXPECT_LT(e.max_relative, 0.15 * e.ir_drop_relative * e.ir_drop_relative / 0.01) << r;
    EXPECT_LT(e.max_relative, e.ir_drop_relative / 10) << r;
    if (previous > 0) {
      EXPECT_NEAR(previous / e.max_relative, 4.0, 0.6) << r;  // O(r²)
    }
    previous = e.max_relative;
    EXPECT_LE(e.rms_relative, e.max_relative * 1.0001);
  }
}

TEST(IrDrop, ApproximateModelMatchesTheExactFirstDerivative) {
  // (T_exact(r) − Gᵀ) / r → the first-order term as r → 0, for every resistance.
  const auto g = random_conductances(6, 5, 11);
  for (int which = 0; which < 4; ++which) {
    WireResistances w;
    double* p[] = {&w.r_row_ohm, &w.r_col_ohm, &w.r_driver_ohm, &w.r_sense_ohm};
    *p[which] = 1e-3;
    const Eigen::MatrixXd exact = IrDropSolver(g, w).transfer_matrix() - g.transpose();
    const Eigen::MatrixXd approx = approximate_transfer_matrix(g, w) - g.transpose();
    EXPECT_LE((exact - approx).cwiseAbs().maxCoeff() / approx.cwiseAbs().maxCoeff(), 1e-5) << which;
  }
}

// A linear cell model that is not the default: forces Newton through the same code path.
class OhmicCells final : public devices::DeviceModel {
 public:
  OhmicCells() : DeviceModel(devices::CommonParameters{0.0, 1e-3}) {}
  std::string kind() const override { return "ohmic-test"; }

 protected:
  void program_cells(devices::ProgrammedCells&, std::uint32_t) const override {}
  void evolve(const devices::ProgrammedCells&, const devices::ReadTime&,
              std::span<double>) const override {}
};

TEST(IrDropNewton, LinearDeviceReproducesTheLinearSolve) {
  const auto g = random_conductances(10, 7, 12);
  const auto v = random_inputs(4, 10, 13);
  const IrDropSolver solver(g, kAllWires);
  OhmicCells model;
  NewtonReport report;
  const auto newton = solver.solve_nonlinear(model, v, {.always_newton = true}, &report);
  EXPECT_LE(max_relative(newton, solver.solve(v)), 1e-10);
  EXPECT_GE(report.max_iterations_used, 1u);
  EXPECT_LE(report.max_iterations_used, 2u);
}

TEST(IrDropNewton, ConvergesOnCubicRramWithinHalfAVolt) {
  const auto device = devices::load_device("rram-milo2021");
  ASSERT_FALSE(device.model->is_linear());
  const auto g = random_conductances(32, 32, 14, 50e-6, 225e-6);
  const auto v = random_inputs(8, 32, 15, -0.5, 0.5);
  // With nearly ideal wires the result is the sum of the cells' own I–V at the inputs.
  {
    const IrDropSolver solver(g, WireResistances{1e-7, 1e-7, 1e-7, 1e-7});
    const auto currents = solver.solve_nonlinear(*device.model, v);
    CurrentBatch direct(v.rows(), g.cols());
    for (Eigen::Index k = 0; k < v.rows(); ++k) {
      for (Eigen::Index j = 0; j < g.cols(); ++j) {
        std::vector<double> gs, vs, is(static_cast<std::size_t>(g.rows()));
        for (Eigen::Index i = 0; i < g.rows(); ++i) {
          gs.push_back(g(i, j));
          vs.push_back(v(k, i));
        }
        device.model->current(gs, vs, is);
        direct(k, j) = 0.0;
        for (double x : is) direct(k, j) += x;
      }
    }
    EXPECT_LE(max_relative(currents, direct), 1e-5);
  }
  const IrDropSolver solver(g, WireResistances{2.5, 2.5, 10.0, 10.0});
  NewtonReport report;
  const auto currents = solver.solve_nonlinear(*device.model, v, {}, &report);
  EXPECT_LE(report.max_iterations_used, 10u);
  EXPECT_GT(max_relative(currents, solver.solve(v)), 1e-3);  // the cubic term matters
}

TEST(IrDropNewton, ReportsFailureNamingTheVectorAndIterations) {
  const auto device = devices::load_device("rram-milo2021");
  const auto g = random_conductances(8, 8, 16, 50e-6, 225e-6);
  const IrDropSolver solver(g, kAllWires);
  InputBatch v = random_inputs(3, 8, 17, -0.4, 0.4);
  try {
    (void)solver.solve_nonlinear(*device.model, v, {.max_iterations = 1, .residual_rtol = 1e-30});
    ADD_FAILURE();
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("Newton did not converge for input vector 0 (0-based) "
                                         "after 1 iteration(s)"),
              std::string::npos)
        << e.what();
  }
  v(2, 5) = 0.7;  // beyond the fitted I–V (|V| <= 0.5 V)
  try {
    (void)solver.solve_nonlinear(*device.model, v);
    ADD_FAILURE();
  } catch (const NumericalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("input vector 2 (0-based) after 0 iteration(s)"), std::string::npos)
        << what;
    EXPECT_NE(what.find("outside the range of the fitted I-V"), std::string::npos) << what;
  }
}

TEST(IrDrop, RejectsWrongShapesAndBadArrays) {
  const auto g = random_conductances(4, 3, 18);
  const IrDropSolver solver(g, kAllWires);
  EXPECT_THROW((void)solver.solve(InputBatch::Zero(2, 3)), InvalidArgument);
  EXPECT_THROW((void)solver.cell_voltages(Eigen::VectorXd::Zero(5)), InvalidArgument);
  ConductanceMatrix bad = g;
  bad(1, 1) = -1e-6;
  EXPECT_THROW(IrDropSolver(bad, kAllWires), InvalidArgument);
  EXPECT_THROW(IrDropSolver(g, WireResistances{-1.0, 0, 0, 0}), InvalidArgument);
}

TEST(IrDrop, ZeroConductanceCellsAreOpen) {
  ConductanceMatrix g = random_conductances(5, 5, 19);
  g.row(2).setZero();
  g.col(4).setZero();
  const IrDropSolver solver(g, kAllWires);
  const auto v = random_inputs(2, 5, 20);
  const CurrentBatch i = solver.solve(v);
  EXPECT_EQ(i(0, 4), 0.0);
  InputBatch only_row_2 = InputBatch::Zero(1, 5);
  only_row_2(0, 2) = 0.3;
  EXPECT_EQ(solver.solve(only_row_2).cwiseAbs().maxCoeff(), 0.0);
}

}  // namespace
}  // namespace kirchhoff::crossbar
