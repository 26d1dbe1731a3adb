// Exact IR drop of an array of linear cells by line relaxation and conjugate gradients: the fast
// path for campaigns (docs/crossbar.md, "Iterative solution"). Same circuit and conventions as
// ir_drop.hpp (inputs batch × rows, currents batch × cols).
//
// The nodal matrix, ordered as row-wire nodes R then column-wire nodes C, is
//   A = [ P   −D ]      P: one tridiagonal block per row wire (wire segments + cells + driver),
//       [ −D   Q ]      Q: one per column wire (segments + cells + sense), D = diag(G).
// Every row wire is solved exactly (x_R = P⁻¹ (b_R + D x_C)), which leaves the Schur complement
// S = Q − D P⁻¹ D on the column-wire nodes, symmetric positive definite; S x_C = b_C + D P⁻¹ b_R
// is solved by conjugate gradients preconditioned with the column wires' own tridiagonal blocks
// Q (block line relaxation: Saad, Iterative Methods for Sparse Linear Systems, 2003, §9.2 and
// §12.2 for CG on the reduced system of a 2 × 2 block matrix). Each input vector runs its own CG
// (own step lengths, own stopping test), a few vectors side by side in SIMD lanes, so a vector's
// currents depend on it alone: not on the other vectors of the batch, the batch size or threads.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>

#include "kirchhoff/crossbar/array.hpp"
#include "kirchhoff/crossbar/ir_drop.hpp"

namespace kirchhoff::crossbar {

struct LineSolverOptions {
  // Stop a vector's CG when its preconditioned residual norm sqrt(rᵀ Q⁻¹ r) is at most this
  // fraction of that of its right-hand side. The error falls ~100× per iteration on the presets'
  // ranges; 1e-11 keeps the column currents within ~2e-12 of the direct solution
  // (tests/crossbar/ir_drop_lines_test.cpp) at one iteration more than 1e-9 would.
  double relative_tolerance = 1e-11;
  std::uint32_t max_iterations = 20'000;
};

struct LineSolverReport {
  std::uint32_t max_iterations_used = 0;  // over the vectors
  std::uint64_t total_iterations = 0;
  std::uint64_t vectors = 0;
};

class LineIrDropSolver {
 public:
  // Requires r_row > 0 and r_col > 0 (supports()); r_driver and r_sense may be 0. Throws
  // InvalidArgument for invalid conductances or resistances or unsupported wires.
  LineIrDropSolver(const ConductanceMatrix& g_siemens, const WireResistances& wires,
                   LineSolverOptions options = {});
  ~LineIrDropSolver();
  LineIrDropSolver(LineIrDropSolver&&) noexcept;
  LineIrDropSolver& operator=(LineIrDropSolver&&) noexcept;

  // Whether the row and column wires are lines of free nodes (a zero r_row or r_col merges a
  // whole wire into one node: use IrDropSolver).
  [[nodiscard]] static bool supports(const WireResistances& wires) noexcept;

  [[nodiscard]] Eigen::Index rows() const noexcept;
  [[nodiscard]] Eigen::Index cols() const noexcept;

  // Column currents of each input vector. Safe to call from several threads at once. Throws
  // InvalidArgument on a shape mismatch, NumericalError when a vector does not converge within
  // max_iterations.
  [[nodiscard]] CurrentBatch solve(const InputBatch& inputs_v,
                                   LineSolverReport* report = nullptr) const;
  // T (cols × rows), I = T v: the currents of the rows unit inputs.
  [[nodiscard]] Eigen::MatrixXd transfer_matrix(LineSolverReport* report = nullptr) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kirchhoff::crossbar
