#include "kirchhoff/crossbar/ir_drop_lines.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/simd.hpp"

namespace kirchhoff::crossbar {

using Eigen::Index;

namespace {

// Vectors solved side by side: node k of lane b is element k · kLanes + b, so every loop over
// the lanes is one SIMD register wide (AVX-512) or two (AVX2) and the tridiagonal recursions,
// which are sequential along a wire, run on kLanes vectors at once.
constexpr Index kLanes = 4;
// Row wires solved side by side (independent recursions; see Chunk::solve_rows).
constexpr std::size_t kRowBlock = 4;
// One value per lane: a GCC vector, one AVX2 register (two SSE2 registers on the portable level).
using Vec = double __attribute__((vector_size(kLanes * sizeof(double))));

// Zeroed storage of n Vecs at their alignment (std::vector<Vec> does not keep the attribute).
class VecBuffer {
 public:
  explicit VecBuffer(std::size_t n = 0) : raw_((n + 1) * kLanes, 0.0) {
    void* p = raw_.data();
    std::size_t space = raw_.size() * sizeof(double);
    data_ = static_cast<Vec*>(std::align(kLanes * sizeof(double), n * sizeof(Vec), p, space));
  }
  [[nodiscard]] Vec* data() const { return data_; }

 private:
  std::vector<double> raw_;
  Vec* data_ = nullptr;
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
  // Row-wire voltages per volt of the row's input with the column wires at 0 V: P_i⁻¹ times the
  // source's conductance into the first free node (the right-hand side without a row solve).
  std::vector<double> source_response;
  std::vector<double> coupling;  // G_ij where both R(i,j) and C(i,j) are free, else 0

  void factor();
  // Solves one chunk of kLanes input vectors (v: rows × kLanes, lane-major per row), writing
  // the column currents (cols × kLanes) and the iterations of each lane.
  // workspace: a VecBuffer of Chunk::workspace_size (ir_drop_lines.cpp), reused across chunks.
  void solve_chunk(const double* v, double* currents, std::uint32_t* iterations,
                   const void* workspace) const;
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
  source_response.assign(cells, 0.0);
  for (Index i = 0; i < r && j0 < n; ++i) {
    double* w = source_response.data() + i * n;
    const double* inv = row_inv.data() + i * n;
    const double* c = row_c.data() + i * n;
    w[j0] = (driver_fixed ? g_row : g_driver) * inv[j0];
    for (Index j = j0 + 1; j < n; ++j) w[j] = g_row * w[j - 1] * inv[j];
    for (Index j = n - 2; j >= j0; --j) w[j] += c[j] * w[j + 1];
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

// One chunk of kLanes vectors. Each CG iteration is three sweeps over the column-wire rows
// i = 0 … i1 − 1 of the grid, so the working set is four arrays of rows × cols nodes (r, z, p,
// q; kLanes values each), the last row of y and one row buffer, and every row wire's solve runs
// in L1:
//   A (i ascending): t = P_i⁻¹ (G_i ∘ p_i) in the row buffer, q_i = (S p)_i = Q_i p − G_i ∘ t,
//      and pᵀq;
//   B (i ascending): y += α p (last row), r −= α q, forward substitution of z = Q⁻¹ r, rᵀz;
//   C (i descending): back substitution of z and the next direction p = z + β p (β is known:
//      rᵀz comes from B's forward substitution).
// Values are GCC vectors of kLanes doubles: every operation is lane-wise IEEE arithmetic, the
// same bits on every ISA.
class Chunk {
 public:
  // The node arrays of a chunk (reused from chunk to chunk: every value is written before it is
  // read, and y is zeroed per chunk).
  [[nodiscard]] static std::size_t workspace_size(const LineIrDropSolver::Impl& s) {
    return static_cast<std::size_t>(4 * s.r * s.n + s.n) +
           kRowBlock * static_cast<std::size_t>(s.n);
  }

  Chunk(const LineIrDropSolver::Impl& s, const double* v, const VecBuffer& workspace)
      : s_(s), n_(s.n), size_(s.r * s.n), v_(static_cast<std::size_t>(s.r)) {
    y_ = workspace.data();
    std::fill(y_, y_ + n_, Vec{});
    r_ = y_ + n_;  // y: the last free row of x_C only
    z_ = r_ + size_;
    p_ = z_ + size_;
    q_ = p_ + size_;
    row_ = q_ + size_;
    for (Index i = 0; i < s.r; ++i) {
      for (Index b = 0; b < kLanes; ++b) v_.data()[i][b] = v[i * kLanes + b];
    }
  }

  // Row buffer rr ← P_i⁻¹ (G_i ∘ x_i + the sources of row i when `sources`) for the rows
  // i = i0 … i0 + Count − 1. The Thomas recursions are sequential along a row: Count rows at
  // once keep Count independent chains in flight instead of waiting on one's latency.
  template <std::size_t Count>
  [[gnu::always_inline]] inline void solve_rows(Index i0, const Vec* x, bool sources) {
    const Index n = n_, j0 = s_.j0;
    const double g = s_.g_row;
    const double* inv[Count];
    const double* c[Count];
    const double* gc[Count];
    const Vec* xi[Count];
    Vec* t[Count];
    Vec prev[Count];
    for (std::size_t rr = 0; rr < Count; ++rr) {
      const Index i = i0 + static_cast<Index>(rr);
      inv[rr] = s_.row_inv.data() + i * n;
      c[rr] = s_.row_c.data() + i * n;
      gc[rr] = s_.coupling.data() + i * n;
      xi[rr] = x + i * n;
      t[rr] = row_ + static_cast<Index>(rr) * n;
      Vec first = gc[rr][j0] * xi[rr][j0];
      if (sources) first += (s_.driver_fixed ? s_.g_row : s_.g_driver) * v_.data()[i];
      prev[rr] = first * inv[rr][j0];
      t[rr][j0] = prev[rr];
    }
    for (Index j = j0 + 1; j < n; ++j) {
      for (std::size_t rr = 0; rr < Count; ++rr) {
        prev[rr] = (gc[rr][j] * xi[rr][j] + g * prev[rr]) * inv[rr][j];
        t[rr][j] = prev[rr];
      }
    }
    for (Index j = n - 2; j >= j0; --j) {
      for (std::size_t rr = 0; rr < Count; ++rr) {
        prev[rr] = t[rr][j] + c[rr][j] * prev[rr];
        t[rr][j] = prev[rr];
      }
    }
  }
  [[gnu::always_inline]] inline void row_solve(Index i0, Index count, const Vec* x, bool sources) {
    if (s_.j0 >= n_) return;
    switch (count) {
      case 4:
        solve_rows<4>(i0, x, sources);
        break;
      case 3:
        solve_rows<3>(i0, x, sources);
        break;
      case 2:
        solve_rows<2>(i0, x, sources);
        break;
      default:
        solve_rows<1>(i0, x, sources);
    }
  }

  // Pass A: q = S p; pq ← pᵀq.
  [[gnu::always_inline]] inline void apply(Vec& pq) {
    pq = Vec{};
    const Index i1 = s_.i1, n = n_;
    const double g = s_.g_col;
    for (Index i0 = 0; i0 < i1; i0 += static_cast<Index>(kRowBlock)) {
      const Index count = std::min(static_cast<Index>(kRowBlock), i1 - i0);
      row_solve(i0, count, p_, false);
      for (Index rr = 0; rr < count; ++rr) {
        const Index i = i0 + rr;
        const double* __restrict diag = s_.col_diag.data() + i * n;
        const double* __restrict gc = s_.coupling.data() + i * n;
        const Vec* __restrict p = p_ + i * n;
        const Vec* __restrict t = row_ + rr * n;
        Vec* __restrict q = q_ + i * n;
        const bool up = i > 0, down = i + 1 < i1;
        for (Index j = 0; j < n; ++j) {
          Vec value = diag[j] * p[j] - gc[j] * t[j];
          if (up) value -= g * p[j - n];
          if (down) value -= g * p[j + n];
          q[j] = value;
          pq += p[j] * value;
        }
      }
    }
  }

  // Pass B: y += α p, r −= α q, forward substitution of z = Q⁻¹ r; rz ← rᵀz. The currents need x_C
  // on the last free row only (currents()), so y is kept there alone: CG's other quantities do not
  // depend on y, and two of the sweep's streams go.
  [[gnu::always_inline]] inline void update_and_precondition(const Vec& alpha, Vec& rz) {
    const Index i1 = s_.i1, n = n_;
    const double g = s_.g_col;
    rz = Vec{};
    if (i1 > 0) {
      Vec* __restrict y = y_;  // row i1 − 1
      const Vec* __restrict p = p_ + (i1 - 1) * n;
      for (Index j = 0; j < n; ++j) y[j] += alpha * p[j];
    }
    for (Index i = 0; i < i1; ++i) {
      Vec* __restrict r = r_ + i * n;
      Vec* __restrict z = z_ + i * n;
      const Vec* __restrict q = q_ + i * n;
      const double* __restrict inv = s_.col_inv.data() + i * n;
      // With Q = L M Lᵀ (M the pivots), rᵀQ⁻¹r = Σ w²/m for w = L⁻¹ r, the forward
      // substitution's intermediate: rᵀz comes with pass B, and pass C need not read r.
      if (i == 0) {
        for (Index j = 0; j < n; ++j) {
          r[j] -= alpha * q[j];
          const Vec w = r[j];
          z[j] = w * inv[j];
          rz += w * z[j];
        }
      } else {
        const Vec* __restrict z_up = z - n;
        for (Index j = 0; j < n; ++j) {
          r[j] -= alpha * q[j];
          const Vec w = r[j] + g * z_up[j];
          z[j] = w * inv[j];
          rz += w * z[j];
        }
      }
    }
  }

  // Pass C: back substitution of z, and the next direction p ← z + β p on the way.
  [[gnu::always_inline]] inline void back_substitute(const Vec& beta, bool first) {
    const Index i1 = s_.i1, n = n_;
    for (Index i = i1 - 1; i >= 0; --i) {
      Vec* __restrict z = z_ + i * n;
      Vec* __restrict p = p_ + i * n;
      if (i + 1 < i1) {
        const double* __restrict c = s_.col_c.data() + i * n;
        const Vec* __restrict z_down = z + n;
        for (Index j = 0; j < n; ++j) {
          z[j] += c[j] * z_down[j];
          p[j] = first ? z[j] : z[j] + beta * p[j];
        }
      } else {
        for (Index j = 0; j < n; ++j) p[j] = first ? z[j] : z[j] + beta * p[j];
      }
    }
  }

  // b_S = b_C + D P⁻¹ b_R into r: P⁻¹ b_R is the row wires' source response times the input
  // (plus, with r_driver = 0, the first cell's current from the source into C(i, 0)).
  void right_hand_side() {
    for (Index i = 0; i < s_.i1; ++i) {
      Vec* r = r_ + i * n_;
      const double* gc = s_.coupling.data() + i * n_;
      const double* w = s_.source_response.data() + i * n_;
      const Vec vi = v_.data()[i];
      for (Index j = 0; j < n_; ++j) r[j] = (gc[j] * w[j]) * vi;
      if (s_.driver_fixed) r[0] += s_.g(i, 0) * vi;
    }
  }

  // Column currents (cols × kLanes): the current into each virtual ground, g_sense x_C(last
  // row) — or with r_sense = 0, the last column segment's g_col x_C(rows − 2) plus the last
  // row's cells, whose row wire sees a grounded column end (its source response alone).
  void currents(double* out) const {
    const Index last = s_.r - 1;
    for (Index j = 0; j < n_; ++j) {
      Vec sum{};
      if (s_.i1 == s_.r) {
        sum = s_.g_sense * y_[j];
      } else {
        if (last > 0) sum = s_.g_col * y_[j];
        const Vec v = v_.data()[last];
        const Vec x_row = j < s_.j0 ? v : s_.source_response.data()[last * n_ + j] * v;
        sum += s_.g(last, j) * x_row;
      }
      for (Index b = 0; b < kLanes; ++b) out[j * kLanes + b] = sum[b];
    }
  }

 private:
  const LineIrDropSolver::Impl& s_;
  const Index n_, size_;
  VecBuffer v_;  // the inputs, one per row
  Vec *y_, *r_, *z_, *p_, *q_, *row_;
};

[[noreturn, gnu::noinline]] void throw_no_convergence(const LineIrDropSolver::Impl& s,
                                                      std::uint32_t iterations) {
  throw NumericalError(fmt::format(
      "IR drop (line relaxation CG): {} x {} array, no convergence to {:.1e} in {} iterations", s.r,
      s.n, s.options.relative_tolerance, iterations));
}

// Inlined into solve_chunk's with_kernel_level body: compiled for every kernel level.
inline void solve_chunk_kernel(const LineIrDropSolver::Impl& s, const double* v, double* currents,
                               std::uint32_t* iterations, const VecBuffer& workspace) {
  Chunk chunk(s, v, workspace);
  chunk.right_hand_side();
  // CG on S y = b_S from y = 0 (the ideal solution: column wires at 0 V), preconditioned with
  // Q, lane by lane: own step lengths and stopping test, and a converged lane stands still
  // (α = β = 0), so each vector's result is its own.
  Vec rz{}, limit{}, beta{}, pq{}, rz_new{};
  chunk.update_and_precondition(Vec{}, rz);
  bool active[kLanes] = {};
  const double tol = s.options.relative_tolerance;
  for (Index b = 0; b < kLanes; ++b) {
    limit[b] = tol * tol * rz[b];
    active[b] = rz[b] > 0.0;
    iterations[b] = 0;
  }
  const auto any_active = [&] {
    return std::any_of(active, active + kLanes, [](bool a) { return a; });
  };
  if (any_active()) chunk.back_substitute(beta, true);  // p = z
  for (std::uint32_t it = 0; any_active(); ++it) {
    if (it == s.options.max_iterations) throw_no_convergence(s, it);
    chunk.apply(pq);
    Vec alpha{};
    for (Index b = 0; b < kLanes; ++b) alpha[b] = active[b] ? rz[b] / pq[b] : 0.0;
    chunk.update_and_precondition(alpha, rz_new);
    for (Index b = 0; b < kLanes; ++b) {
      beta[b] = 0.0;
      if (!active[b]) continue;
      ++iterations[b];
      if (rz_new[b] <= limit[b]) {
        active[b] = false;
      } else {
        beta[b] = rz_new[b] / rz[b];
      }
      rz[b] = rz_new[b];
    }
    if (any_active()) chunk.back_substitute(beta, false);
  }
  chunk.currents(currents);
}

}  // namespace

void LineIrDropSolver::Impl::solve_chunk(const double* v, double* currents,
                                         std::uint32_t* iterations, const void* workspace) const {
  const auto& ws = *static_cast<const VecBuffer*>(workspace);
  with_kernel_level([&] { solve_chunk_kernel(*this, v, currents, iterations, ws); });
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
  const VecBuffer workspace(Chunk::workspace_size(s));
  for (Index start = 0; start < batch; start += kLanes) {
    const Index count = std::min(kLanes, batch - start);
    std::fill(v.begin(), v.end(), 0.0);  // lanes past the batch: zero inputs, no iterations
    for (Index b = 0; b < count; ++b) {
      for (Index i = 0; i < s.r; ++i) v.data()[i * kLanes + b] = inputs_v(start + b, i);
    }
    s.solve_chunk(v.data(), currents.data(), iterations, &workspace);
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
