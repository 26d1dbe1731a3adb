#include "kirchhoff/crossbar/ir_drop_lines.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/simd.hpp"

namespace kirchhoff::crossbar {

using Eigen::Index;

namespace {

// Vectors solved side by side: node k of lane b is element k · kLanes + b, so every loop over
// the lanes is one SIMD register wide (AVX-512) or two (AVX2) and the tridiagonal recursions,
// which are sequential along a wire, run on kLanes vectors at once.
constexpr Index kLanes = 8;
// One value per lane (a C array: indexed like the node arrays, by Index).
struct Lanes {
  double v[kLanes] = {};
  double& operator[](Index b) { return v[b]; }
  double operator[](Index b) const { return v[b]; }
};

}  // namespace

struct LineIrDropSolver::Impl {
  Index r = 0, n = 0;
  ConductanceMatrix g;
  WireResistances wires;
  LineSolverOptions options;
  double g_row = 0, g_col = 0, g_driver = 0, g_sense = 0;
  bool driver_fixed = false;  // r_driver = 0: R(i, 0) is the source, not a free node
  Index j0 = 0;               // first free node of a row wire (1 when the driver is fixed)
  Index i1 = 0;               // free nodes of a column wire (rows − 1 when r_sense = 0)
  // Thomas factors of the row wires (P) and column wires (Q), node i·n + j: for a tridiagonal
  // block with diagonal d_k and off-diagonals −g, m_k = d_k − g²/m_{k−1}; inv = 1/m_k,
  // c = g/m_k (forward z_k = (f_k + g z_{k−1})/m_k, back x_k = z_k + c_k x_{k+1}).
  std::vector<double> row_inv, row_c, col_inv, col_c;
  std::vector<double> col_diag;  // diagonal of Q
  std::vector<double> coupling;  // G_ij where both R(i,j) and C(i,j) are free, else 0

  void factor();
  // Solves one chunk of kLanes input vectors (v: rows × kLanes, lane-major per row), writing
  // the column currents (cols × kLanes) and the iterations of each lane.
  void solve_chunk(const double* v, double* currents, std::uint32_t* iterations) const;
};

void LineIrDropSolver::Impl::factor() {
  const std::size_t cells = static_cast<std::size_t>(r * n);
  row_inv.assign(cells, 0.0);
  row_c.assign(cells, 0.0);
  col_inv.assign(cells, 0.0);
  col_c.assign(cells, 0.0);
  col_diag.assign(cells, 0.0);
  coupling.assign(cells, 0.0);
  for (Index i = 0; i < r; ++i) {
    double m_prev = 0.0;
    for (Index j = j0; j < n; ++j) {
      const double d = g(i, j) + (j > 0 ? g_row : g_driver) + (j < n - 1 ? g_row : 0.0);
      const double m = j == j0 ? d : d - g_row * g_row / m_prev;
      row_inv.data()[i * n + j] = 1.0 / m;
      row_c.data()[i * n + j] = g_row / m;
      m_prev = m;
    }
  }
  for (Index j = 0; j < n; ++j) {
    double m_prev = 0.0;
    for (Index i = 0; i < i1; ++i) {
      const double d = g(i, j) + (i > 0 ? g_col : 0.0) + (i < r - 1 ? g_col : g_sense);
      const double m = i == 0 ? d : d - g_col * g_col / m_prev;
      col_diag.data()[i * n + j] = d;
      col_inv.data()[i * n + j] = 1.0 / m;
      col_c.data()[i * n + j] = g_col / m;
      m_prev = m;
      if (j >= j0) coupling.data()[i * n + j] = g(i, j);
    }
  }
}

namespace {

// The kernels of one chunk; inlined into solve_chunk so that they are compiled for its ISA.
struct ChunkKernels {
  const LineIrDropSolver::Impl& s;

  // f ← P⁻¹ f on the row-wire nodes (every row wire a tridiagonal solve).
  [[gnu::always_inline]] inline void row_solve(double* f) const {
    const Index n = s.n;
    for (Index i = 0; i < s.r; ++i) {
      if (s.j0 >= n) break;
      double* row = f + i * n * kLanes;
      const double* inv = s.row_inv.data() + i * n;
      const double* c = s.row_c.data() + i * n;
      for (Index b = 0; b < kLanes; ++b) row[s.j0 * kLanes + b] *= inv[s.j0];
      for (Index j = s.j0 + 1; j < n; ++j) {
        double* x = row + j * kLanes;
        const double* prev = x - kLanes;
        for (Index b = 0; b < kLanes; ++b) x[b] = (x[b] + s.g_row * prev[b]) * inv[j];
      }
      for (Index j = n - 2; j >= s.j0; --j) {
        double* x = row + j * kLanes;
        const double* next = x + kLanes;
        for (Index b = 0; b < kLanes; ++b) x[b] += c[j] * next[b];
      }
    }
  }

  // f ← Q⁻¹ f on the column-wire nodes: all columns at once, row after row.
  [[gnu::always_inline]] inline void col_solve(double* f) const {
    const Index n = s.n, width = n * kLanes;
    for (Index i = 0; i < s.i1; ++i) {
      double* x = f + i * width;
      const double* inv = s.col_inv.data() + i * n;
      if (i == 0) {
        for (Index j = 0; j < n; ++j) {
          for (Index b = 0; b < kLanes; ++b) x[j * kLanes + b] *= inv[j];
        }
      } else {
        const double* prev = x - width;
        for (Index j = 0; j < n; ++j) {
          for (Index b = 0; b < kLanes; ++b) {
            const Index k = j * kLanes + b;
            x[k] = (x[k] + s.g_col * prev[k]) * inv[j];
          }
        }
      }
    }
    for (Index i = s.i1 - 2; i >= 0; --i) {
      double* x = f + i * width;
      const double* next = x + width;
      const double* c = s.col_c.data() + i * n;
      for (Index j = 0; j < n; ++j) {
        for (Index b = 0; b < kLanes; ++b) x[j * kLanes + b] += c[j] * next[j * kLanes + b];
      }
    }
  }

  // out ← coupling ∘ in (node by node, every lane).
  [[gnu::always_inline]] inline void couple(const double* in, double* out) const {
    const Index cells = s.r * s.n;
    for (Index k = 0; k < cells; ++k) {
      const double gk = s.coupling.data()[k];
      for (Index b = 0; b < kLanes; ++b) out[k * kLanes + b] = gk * in[k * kLanes + b];
    }
  }

  // q ← S p = Q p − D P⁻¹ D p; t is scratch on the row-wire nodes.
  [[gnu::always_inline]] inline void apply_schur(const double* p, double* q, double* t) const {
    couple(p, t);
    row_solve(t);
    const Index n = s.n, width = n * kLanes;
    for (Index i = 0; i < s.i1; ++i) {
      const Index base = i * width;
      const double* diag = s.col_diag.data() + i * n;
      const double* cp = s.coupling.data() + i * n;
      for (Index j = 0; j < n; ++j) {
        for (Index b = 0; b < kLanes; ++b) {
          const Index k = base + j * kLanes + b;
          double value = diag[j] * p[k] - cp[j] * t[k];
          if (i > 0) value -= s.g_col * p[k - width];
          if (i + 1 < s.i1) value -= s.g_col * p[k + width];
          q[k] = value;
        }
      }
    }
  }

  [[gnu::always_inline]] inline Lanes dot(const double* a, const double* b) const {
    Lanes sum{};
    const Index nodes = s.i1 * s.n;
    for (Index k = 0; k < nodes; ++k) {
      for (Index l = 0; l < kLanes; ++l) sum[l] += a[k * kLanes + l] * b[k * kLanes + l];
    }
    return sum;
  }
};

KIRCHHOFF_SIMD_CLONES void solve_chunk_kernel(const LineIrDropSolver::Impl& s, const double* v,
                                              double* currents, std::uint32_t* iterations) {
  const ChunkKernels kernels{s};
  const Index n = s.n, r = s.r;
  const Index size = r * n * kLanes;
  std::vector<double> work(static_cast<std::size_t>(7 * size), 0.0);
  double* b_row = work.data();
  double* y = b_row + size;
  double* res = y + size;
  double* z = res + size;
  double* p = z + size;
  double* q = p + size;
  double* t = q + size;

  // Right-hand sides: the sources through the drivers (or, with r_driver = 0, through the first
  // row segment and the first cell), then b_S = b_C + D P⁻¹ b_R.
  for (Index i = 0; i < r; ++i) {
    const double* vi = v + i * kLanes;
    if (!s.driver_fixed) {
      for (Index b = 0; b < kLanes; ++b) b_row[(i * n) * kLanes + b] = s.g_driver * vi[b];
    } else {
      if (n > 1) {
        for (Index b = 0; b < kLanes; ++b) b_row[(i * n + 1) * kLanes + b] = s.g_row * vi[b];
      }
      if (i < s.i1) {
        for (Index b = 0; b < kLanes; ++b) res[(i * n) * kLanes + b] = s.g(i, 0) * vi[b];
      }
    }
  }
  std::copy(b_row, b_row + size, t);
  kernels.row_solve(t);
  for (Index k = 0; k < size; ++k) res[k] += s.coupling.data()[k / kLanes] * t[k];

  // Conjugate gradients on S y = b_S from y = 0 (the ideal solution: column wires at 0 V),
  // preconditioned with Q; lane by lane step lengths and stopping test.
  std::copy(res, res + size, z);
  kernels.col_solve(z);
  std::copy(z, z + size, p);
  Lanes rz = kernels.dot(res, z), limit{};
  bool active[kLanes] = {};
  const double tol = s.options.relative_tolerance;
  for (Index b = 0; b < kLanes; ++b) {
    limit[b] = tol * tol * rz[b];
    active[b] = rz[b] > 0.0;
    iterations[b] = 0;
  }
  for (std::uint32_t it = 0; std::any_of(active, active + kLanes, [](bool a) { return a; }); ++it) {
    if (it == s.options.max_iterations) {
      throw NumericalError(fmt::format(
          "IR drop (line relaxation CG): {} x {} array, no convergence to {:.1e} in {} iterations",
          r, n, tol, it));
    }
    kernels.apply_schur(p, q, t);
    const Lanes pq = kernels.dot(p, q);
    Lanes alpha{};
    for (Index b = 0; b < kLanes; ++b) alpha[b] = active[b] ? rz[b] / pq[b] : 0.0;
    for (Index k = 0; k < size; k += kLanes) {
      for (Index b = 0; b < kLanes; ++b) {
        y[k + b] += alpha[b] * p[k + b];
        res[k + b] -= alpha[b] * q[k + b];
        z[k + b] = res[k + b];
      }
    }
    kernels.col_solve(z);
    const Lanes rz_new = kernels.dot(res, z);
    Lanes beta{};
    for (Index b = 0; b < kLanes; ++b) {
      if (!active[b]) continue;
      ++iterations[b];
      if (rz_new[b] <= limit[b]) {
        active[b] = false;
      } else {
        beta[b] = rz_new[b] / rz[b];
      }
      rz[b] = rz_new[b];
    }
    for (Index k = 0; k < size; k += kLanes) {
      for (Index b = 0; b < kLanes; ++b) p[k + b] = z[k + b] + beta[b] * p[k + b];
    }
  }

  // Row wires from the column wires: x_R = P⁻¹ (b_R + D y); then each column's current is the
  // sum of its cells' currents G_ij (x_R − x_C) (fixed nodes at their source or 0 V).
  kernels.couple(y, t);
  for (Index k = 0; k < size; ++k) t[k] += b_row[k];
  kernels.row_solve(t);
  std::fill(currents, currents + n * kLanes, 0.0);
  for (Index i = 0; i < r; ++i) {
    for (Index j = 0; j < n; ++j) {
      const double gij = s.g(i, j);
      const Index k = (i * n + j) * kLanes;
      for (Index b = 0; b < kLanes; ++b) {
        const double x_row = j < s.j0 ? v[i * kLanes + b] : t[k + b];
        const double x_col = i < s.i1 ? y[k + b] : 0.0;
        currents[j * kLanes + b] += gij * (x_row - x_col);
      }
    }
  }
}

}  // namespace

void LineIrDropSolver::Impl::solve_chunk(const double* v, double* currents,
                                         std::uint32_t* iterations) const {
  solve_chunk_kernel(*this, v, currents, iterations);
}

LineIrDropSolver::LineIrDropSolver(const ConductanceMatrix& g_siemens, const WireResistances& wires,
                                   LineSolverOptions options)
    : impl_(std::make_unique<Impl>()) {
  validate_conductances(g_siemens);
  wires.validate();
  if (!supports(wires)) {
    throw InvalidArgument(
        fmt::format("IR drop by line relaxation needs r_row > 0 and r_col > 0, got {} and {} Ohm",
                    wires.r_row_ohm, wires.r_col_ohm));
  }
  if (!(options.relative_tolerance > 0.0) || options.max_iterations == 0) {
    throw InvalidArgument("IR drop by line relaxation: tolerance and iteration cap must be > 0");
  }
  auto& s = *impl_;
  s.r = g_siemens.rows();
  s.n = g_siemens.cols();
  s.g = g_siemens;
  s.wires = wires;
  s.options = options;
  s.g_row = 1.0 / wires.r_row_ohm;
  s.g_col = 1.0 / wires.r_col_ohm;
  s.driver_fixed = wires.r_driver_ohm == 0.0;
  s.g_driver = s.driver_fixed ? 0.0 : 1.0 / wires.r_driver_ohm;
  s.g_sense = wires.r_sense_ohm == 0.0 ? 0.0 : 1.0 / wires.r_sense_ohm;
  s.j0 = s.driver_fixed ? 1 : 0;
  s.i1 = wires.r_sense_ohm == 0.0 ? s.r - 1 : s.r;
  s.factor();
}

LineIrDropSolver::~LineIrDropSolver() = default;
LineIrDropSolver::LineIrDropSolver(LineIrDropSolver&&) noexcept = default;
LineIrDropSolver& LineIrDropSolver::operator=(LineIrDropSolver&&) noexcept = default;

bool LineIrDropSolver::supports(const WireResistances& wires) noexcept {
  return wires.r_row_ohm > 0.0 && wires.r_col_ohm > 0.0;
}

Eigen::Index LineIrDropSolver::rows() const noexcept {
  return impl_->r;
}
Eigen::Index LineIrDropSolver::cols() const noexcept {
  return impl_->n;
}

CurrentBatch LineIrDropSolver::solve(const InputBatch& inputs_v, LineSolverReport* report) const {
  const auto& s = *impl_;
  if (inputs_v.cols() != s.r) {
    throw InvalidArgument(fmt::format(
        "IR drop: input vectors have {} values each; the array has {} rows", inputs_v.cols(), s.r));
  }
  if (report) *report = {};
  const Index batch = inputs_v.rows();
  CurrentBatch out(batch, s.n);
  std::vector<double> v(static_cast<std::size_t>(s.r * kLanes));
  std::vector<double> currents(static_cast<std::size_t>(s.n * kLanes));
  std::uint32_t iterations[kLanes] = {};
  for (Index start = 0; start < batch; start += kLanes) {
    const Index count = std::min(kLanes, batch - start);
    std::fill(v.begin(), v.end(), 0.0);  // lanes past the batch: zero inputs, no iterations
    for (Index b = 0; b < count; ++b) {
      for (Index i = 0; i < s.r; ++i) v.data()[i * kLanes + b] = inputs_v(start + b, i);
    }
    s.solve_chunk(v.data(), currents.data(), iterations);
    for (Index b = 0; b < count; ++b) {
      for (Index j = 0; j < s.n; ++j) out(start + b, j) = currents.data()[j * kLanes + b];
      if (report) {
        report->max_iterations_used = std::max(report->max_iterations_used, iterations[b]);
        report->total_iterations += iterations[b];
        ++report->vectors;
      }
    }
  }
  return out;
}

Eigen::MatrixXd LineIrDropSolver::transfer_matrix(LineSolverReport* report) const {
  const InputBatch unit = InputBatch::Identity(impl_->r, impl_->r);
  return solve(unit, report).transpose();
}

}  // namespace kirchhoff::crossbar
