// IR drop of a physical crossbar array: the exact nodal solution of the array with its wire,
// driver and sense resistances (linear cells: sparse Cholesky, effective transfer matrix;
// nonlinear cells: Newton iterations), and a fast first-order approximation. The circuit is
// drawn in docs/crossbar.md.
//
// Conventions: a batch of input vectors is a matrix batch × rows (one vector per matrix row,
// volts); the column currents are batch × cols (amperes, current into the virtual ground).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>

#include "kirchhoff/crossbar/array.hpp"

namespace kirchhoff::devices {
class DeviceModel;
}

namespace kirchhoff::crossbar {

using InputBatch = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CurrentBatch = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Sparse Cholesky used for the nodal system. automatic (the default) takes Eigen's
// SimplicialLLT (AMD ordering) up to 100,000 unknowns (arrays up to ~220×220) and CHOLMOD's
// supernodal LLT (via Eigen's CholmodSupport) above: on one core the simplicial factor is
// smaller and its factorisation + transfer matrix faster at 64×64 and 128×128 (1.6×, 1.5×),
// the two are even at 256×256 and CHOLMOD's BLAS-3 supernodes win at 512×512
// (bench/ir_drop_bench.cpp, docs/crossbar.md).
enum class SparseBackend { automatic, cholmod, simplicial_llt };

struct IrDropOptions {
  SparseBackend backend = SparseBackend::automatic;
};

// Newton iterations for cells with a nonlinear I–V (DeviceModel::current). Converged when both
// the largest KCL residual over the free nodes is <= residual_rtol · I_scale and the largest
// node-voltage step is <= step_rtol · V_scale, where V_scale = max |input| and
// I_scale = V_scale · max_j Σ_i G_ij (the largest ideal column current); the residual tolerance
// never goes below 64 ε_machine · max_k A_kk · V_scale (the rounding of the largest wire current
// terms, A the nodal matrix). The cell derivative is
// the second-order one-sided difference (3 I(v) − 4 I(v − s·h) + I(v − 2 s·h)) / (2 s·h) with
// s = sign(v): its points never leave [−|v|, |v|] (plus 2h around 0), so a model whose I–V is
// only defined on a symmetric range is never evaluated outside it by the derivative.
struct NewtonOptions {
  std::uint32_t max_iterations = 50;
  double residual_rtol = 1e-10;
  double step_rtol = 1e-10;
  double derivative_step_v = 1e-5;  // h
  // Use Newton even for a model whose is_linear() is true (for testing).
  bool always_newton = false;
};

struct NewtonReport {
  std::uint32_t max_iterations_used = 0;  // over the batch
  std::uint64_t total_iterations = 0;
};

// The exact solver of one programmed array: assembles the nodal system once (nodes joined by a
// zero resistance are merged exactly) and factors it once. Not safe for concurrent use of one
// instance (CHOLMOD's workspace is shared): one solver per thread, or share transfer_matrix().
class IrDropSolver {
 public:
  // Throws InvalidArgument for invalid conductances or resistances (validate_conductances,
  // WireResistances::validate); NumericalError if the factorisation fails.
  IrDropSolver(const ConductanceMatrix& g_siemens, const WireResistances& wires,
               IrDropOptions options = {});
  ~IrDropSolver();
  IrDropSolver(IrDropSolver&&) noexcept;
  IrDropSolver& operator=(IrDropSolver&&) noexcept;

  [[nodiscard]] Eigen::Index rows() const noexcept;
  [[nodiscard]] Eigen::Index cols() const noexcept;
  // Number of free node voltages (the size of the sparse system; 0 when every wire is ideal).
  [[nodiscard]] Eigen::Index unknowns() const noexcept;
  // Nonzeros of the Cholesky factor (0 without unknowns): the solver's memory is ~12 bytes each.
  [[nodiscard]] std::int64_t factor_nonzeros() const noexcept;
  [[nodiscard]] const ConductanceMatrix& conductances() const noexcept;
  [[nodiscard]] const WireResistances& wires() const noexcept;

  // Column currents for each input vector (batch × rows -> batch × cols), by solving the nodal
  // system for all right-hand sides at once. Throws InvalidArgument on a shape mismatch.
  [[nodiscard]] CurrentBatch solve(const InputBatch& inputs_v) const;

  // Effective transfer matrix T (cols × rows): I = T v for every input v. Computed with
  // min(rows, cols) solves; equals Gᵀ when every resistance is 0.
  [[nodiscard]] Eigen::MatrixXd transfer_matrix() const;

  // Voltage across each cell (row-wire node minus column-wire node), rows × cols, for one input.
  [[nodiscard]] ConductanceMatrix cell_voltages(const Eigen::VectorXd& input_v) const;

  // Nonlinear cells: Newton per input vector, starting from the linear (small-signal) solution.
  // If model.is_linear() (and not options.always_newton) this is solve(). Throws NumericalError
  // naming the input vector and the iteration count when Newton does not converge or the model
  // rejects the cell voltages it reaches.
  [[nodiscard]] CurrentBatch solve_nonlinear(const devices::DeviceModel& model,
                                             const InputBatch& inputs_v,
                                             const NewtonOptions& options = {},
                                             NewtonReport* report = nullptr) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The ideal product: I = V G (batch × cols).
[[nodiscard]] CurrentBatch ideal_currents(const ConductanceMatrix& g_siemens,
                                          const InputBatch& inputs_v);

// First-order approximation in the wire resistances: the node voltages are linearised around
// the ideal solution (rows at their inputs, columns at 0 V, cell currents G_ij V_i flowing along
// the wires), giving T ≈ Gᵀ − ΔT with ΔT linear in r_row, r_col, r_driver and r_sense. Built in
// O(rows · cols). Its error is second order in ε = r · G · N(N+1)/2 (docs/crossbar.md).
[[nodiscard]] Eigen::MatrixXd approximate_transfer_matrix(const ConductanceMatrix& g_siemens,
                                                          const WireResistances& wires);

// What the first-order approximation can be trusted for, before solving anything: a rows × cols
// array with every cell at g, every row driven. The farthest cell loses to first order the
// fraction first_order_drop = g (r_driver cols + r_row cols(cols − 1)/2) + g (r_sense rows +
// r_col rows(rows − 1)/2) of its voltage (the row wire's drop plus the column wire's rise;
// ε = r G N(N+1)/2 of docs/crossbar.md when every resistance is r), and the approximation, exact
// to first order, errs by about the second-order term: relative_error = first_order_drop²
// (docs/crossbar.md, "Approximate model": measured 6 % at ε = 0.27, 2.4 % at 0.16).
struct ApproximationEstimate {
  double first_order_drop = 0.0;
  double relative_error = 0.0;
};
[[nodiscard]] ApproximationEstimate estimate_approximation_error(Eigen::Index rows,
                                                                 Eigen::Index cols,
                                                                 double g_siemens,
                                                                 const WireResistances& wires);

// Error of the approximate model against the exact solver on a batch of inputs.
struct ApproximationError {
  double max_abs_a = 0.0;         // max |I_approx − I_exact| over the batch and columns
  double max_relative = 0.0;      // max_abs_a / max |I_exact|
  double rms_relative = 0.0;      // rms(I_approx − I_exact) / rms(I_exact)
  double ir_drop_relative = 0.0;  // max |I_ideal − I_exact| / max |I_exact| (the effect modelled)
};
[[nodiscard]] ApproximationError approximation_error(const ConductanceMatrix& g_siemens,
                                                     const WireResistances& wires,
                                                     const InputBatch& inputs_v);

}  // namespace kirchhoff::crossbar
