// The iterative exact IR-drop solver (line relaxation + CG) against the direct sparse Cholesky
// solution, on the conductance and wire ranges of the presets and beyond.
#include "kirchhoff/crossbar/ir_drop_lines.hpp"

#include <gtest/gtest.h>

#include <random>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {
namespace {

ConductanceMatrix random_conductances(Eigen::Index rows, Eigen::Index cols, unsigned seed,
                                      double g_lo, double g_hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(g_lo, g_hi);
  ConductanceMatrix g(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) g(i, j) = u(rng);
  }
  return g;
}

InputBatch random_inputs(Eigen::Index batch, Eigen::Index rows, unsigned seed, double lo = -0.2,
                         double hi = 0.2) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  InputBatch v(batch, rows);
  for (Eigen::Index k = 0; k < batch; ++k) {
    for (Eigen::Index i = 0; i < rows; ++i) v(k, i) = u(rng);
  }
  return v;
}

// ‖I − I_direct‖_F / ‖I_direct‖_F over the batch.
double relative_difference(const CurrentBatch& a, const CurrentBatch& direct) {
  return (a - direct).norm() / direct.norm();
}

struct Case {
  const char* what;
  Eigen::Index n;
  double g_lo, g_hi;
  WireResistances wires;
};

// Preset-like ranges (data/devices: PCM 0–25 µS, RRAM 0–40 µS and 9–88 µS; CrossSim's
// comparison ranges 1–10 µS and 10–100 µS) with the wires of docs/campaigns.md (2.5 Ω) and of
// the issue (3 Ω), and the hardest: rram-milo2021's 50–225 µS cells on 3 Ω wires.
const Case kCases[] = {
    {"pcm 0-25uS, 2.5 Ohm", 64, 0.0, 25e-6, {2.5, 2.5, 0.0, 0.0}},
    {"rram 9-88uS, 2.5 Ohm + driver/sense", 64, 9e-6, 88.2e-6, {2.5, 2.5, 10.0, 10.0}},
    {"1-10uS, 2.5 Ohm", 96, 1e-6, 1e-5, {2.5, 2.5, 10.0, 10.0}},
    {"10-100uS, 2.5 Ohm", 96, 1e-5, 1e-4, {2.5, 2.5, 10.0, 10.0}},
    {"milo 50-225uS, 3 Ohm (hardest)", 64, 50e-6, 225e-6, {3.0, 3.0, 0.0, 0.0}},
    {"milo 50-225uS, 3 Ohm, 128 rows (hardest)", 128, 50e-6, 225e-6, {3.0, 3.0, 10.0, 10.0}},
};

TEST(LineIrDrop, AgreesWithTheDirectSolutionOnPresetRanges) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.what);
    const auto g = random_conductances(c.n, c.n, 11, c.g_lo, c.g_hi);
    const auto v = random_inputs(20, c.n, 12);
    const CurrentBatch direct = IrDropSolver(g, c.wires).solve(v);
    LineSolverReport report;
    const CurrentBatch iterative = LineIrDropSolver(g, c.wires).solve(v, &report);
    const double diff = relative_difference(iterative, direct);
    const double drop = relative_difference(ideal_currents(g, v), direct);
    std::printf("%-45s n=%ld  IR drop %.3g  difference %.3g  iterations max %u mean %.1f\n", c.what,
                static_cast<long>(c.n), drop, diff, report.max_iterations_used,
                static_cast<double>(report.total_iterations) / static_cast<double>(report.vectors));
    EXPECT_LE(diff, 1e-9);
  }
}

}  // namespace
}  // namespace kirchhoff::crossbar
