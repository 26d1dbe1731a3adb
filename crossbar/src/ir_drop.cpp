#include "kirchhoff/crossbar/ir_drop.hpp"

#include <fmt/format.h>

#include <Eigen/CholmodSupport>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::crossbar {

namespace {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using Triplet = Eigen::Triplet<double, int>;

// A node of the circuit after merging: a free voltage (index into the unknowns), input source i
// (its voltage is input i), or the virtual ground (0 V).
struct NodeRef {
  enum Kind : std::uint8_t { free, source, ground };
  Kind kind = ground;
  int index = 0;
};

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t find(std::size_t a) {
    while (parent_[a] != a) {
      parent_[a] = parent_[parent_[a]];
      a = parent_[a];
    }
    return a;
  }
  void unite(std::size_t a, std::size_t b) { parent_[find(a)] = find(b); }

 private:
  std::vector<std::size_t> parent_;
};

// The sparse Cholesky factorisation behind the solver.
class Factorization {
 public:
  virtual ~Factorization() = default;
  virtual void analyze(const SparseMatrix& a) = 0;
  // Returns false when the matrix is not (numerically) positive definite.
  virtual bool factorize(const SparseMatrix& a) = 0;
  [[nodiscard]] virtual Eigen::MatrixXd solve(const Eigen::MatrixXd& rhs) = 0;
  [[nodiscard]] virtual std::int64_t factor_nonzeros() = 0;
};

class SimplicialFactorization final : public Factorization {
 public:
  void analyze(const SparseMatrix& a) override { llt_.analyzePattern(a); }
  bool factorize(const SparseMatrix& a) override {
    llt_.factorize(a);
    return llt_.info() == Eigen::Success;
  }
  Eigen::MatrixXd solve(const Eigen::MatrixXd& rhs) override { return llt_.solve(rhs); }
  std::int64_t factor_nonzeros() override {
    return static_cast<std::int64_t>(llt_.matrixL().nestedExpression().nonZeros());
  }

 private:
  Eigen::SimplicialLLT<SparseMatrix, Eigen::Lower, Eigen::AMDOrdering<int>> llt_;
};

class CholmodFactorization final : public Factorization {
 public:
  void analyze(const SparseMatrix& a) override { llt_.analyzePattern(a); }
  bool factorize(const SparseMatrix& a) override {
    llt_.factorize(a);
    return llt_.info() == Eigen::Success;
  }
  Eigen::MatrixXd solve(const Eigen::MatrixXd& rhs) override { return llt_.solve(rhs); }
  std::int64_t factor_nonzeros() override { return llt_.factor_entries(); }

 private:
  struct Llt : Eigen::CholmodSupernodalLLT<SparseMatrix, Eigen::Lower> {
    [[nodiscard]] std::int64_t factor_entries() const {
      const cholmod_factor* f = this->m_cholmodFactor;
      if (f == nullptr) return 0;
      return static_cast<std::int64_t>(f->is_super ? f->xsize : f->nzmax);
    }
  };
  Llt llt_;
};

constexpr Eigen::Index kCholmodFromUnknowns = 100'000;

std::unique_ptr<Factorization> make_factorization(SparseBackend backend, Eigen::Index unknowns) {
  if (backend == SparseBackend::simplicial_llt ||
      (backend == SparseBackend::automatic && unknowns <= kCholmodFromUnknowns)) {
    return std::make_unique<SimplicialFactorization>();
  }
  return std::make_unique<CholmodFactorization>();
}

// Columns per block of right-hand sides: at most 64, and at most ~64 MB of dense unknowns.
Eigen::Index block_size(Eigen::Index unknowns) {
  const Eigen::Index budget = (64 << 20) / 8 / std::max<Eigen::Index>(unknowns, 1);
  return std::clamp<Eigen::Index>(budget, 1, 64);
}

}  // namespace

struct IrDropSolver::Impl {
  ConductanceMatrix g;
  WireResistances wires;
  IrDropOptions options;
  Eigen::Index rows = 0, cols = 0, unknowns = 0;
  // Nodal system A x = B v (free nodes), output I = C x + D v.
  SparseMatrix a, b, c, d;
  // Wire-only parts for Newton: A_w x − B_w v + (cell currents) = 0.
  std::vector<Triplet> wire_a;
  SparseMatrix b_wire;
  // Endpoints of each cell (row-major cell index): row-wire node and column-wire node.
  std::vector<NodeRef> cell_row, cell_col;
  std::unique_ptr<Factorization> factor;

  void assemble();
  void stamp_cell_jacobian(std::vector<Triplet>& t, std::size_t cell, double g_cell) const;
  [[nodiscard]] double potential(const NodeRef& n, const Eigen::VectorXd& x,
                                 const Eigen::VectorXd& v) const {
    switch (n.kind) {
      case NodeRef::free:
        return x[n.index];
      case NodeRef::source:
        return v[n.index];
      case NodeRef::ground:
        break;
    }
    return 0.0;
  }
  [[nodiscard]] Eigen::MatrixXd solve_free(const Eigen::MatrixXd& rhs) const {
    if (unknowns == 0) return Eigen::MatrixXd(0, rhs.cols());
    return factor->solve(rhs);
  }
  [[nodiscard]] Eigen::VectorXd free_voltages(const Eigen::VectorXd& v) const {
    if (unknowns == 0) return Eigen::VectorXd(0);
    Eigen::MatrixXd rhs = b * v;
    return solve_free(rhs).col(0);
  }
  void cell_voltages(const Eigen::VectorXd& x, const Eigen::VectorXd& v,
                     std::vector<double>& out) const {
    out.resize(cell_row.size());
    for (std::size_t k = 0; k < out.size(); ++k) {
      out[k] = potential(cell_row[k], x, v) - potential(cell_col[k], x, v);
    }
  }
  [[nodiscard]] Eigen::RowVectorXd newton(const devices::DeviceModel& model,
                                          const Eigen::VectorXd& v, Eigen::Index vector_index,
                                          const NewtonOptions& options,
                                          std::uint32_t& iterations) const;
};

void IrDropSolver::Impl::assemble() {
  const auto r = static_cast<std::size_t>(rows), n = static_cast<std::size_t>(cols);
  // Physical nodes: row wire (i, j), column wire (i, j), source i, ground.
  auto row_node = [&](std::size_t i, std::size_t j) { return i * n + j; };
  auto col_node = [&](std::size_t i, std::size_t j) { return r * n + i * n + j; };
  auto source_node = [&](std::size_t i) { return 2 * r * n + i; };
  const std::size_t ground_node = 2 * r * n + r;
  UnionFind uf(ground_node + 1);

  struct Edge {
    std::size_t p, q;
    double g;
  };
  std::vector<Edge> edges;
  for (std::size_t i = 0; i < r; ++i) {
    if (wires.r_driver_ohm == 0.0) {
      uf.unite(row_node(i, 0), source_node(i));
    } else {
      edges.push_back({source_node(i), row_node(i, 0), 1.0 / wires.r_driver_ohm});
    }
    for (std::size_t j = 0; j + 1 < n; ++j) {
      if (wires.r_row_ohm == 0.0) {
        uf.unite(row_node(i, j), row_node(i, j + 1));
      } else {
        edges.push_back({row_node(i, j), row_node(i, j + 1), 1.0 / wires.r_row_ohm});
      }
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t i = 0; i + 1 < r; ++i) {
      if (wires.r_col_ohm == 0.0) {
        uf.unite(col_node(i, j), col_node(i + 1, j));
      } else {
        edges.push_back({col_node(i, j), col_node(i + 1, j), 1.0 / wires.r_col_ohm});
      }
    }
    if (wires.r_sense_ohm == 0.0) {
      uf.unite(col_node(r - 1, j), ground_node);
    } else {
      edges.push_back({col_node(r - 1, j), ground_node, 1.0 / wires.r_sense_ohm});
    }
  }

  // Classify the merged nodes; free ones are numbered in order of first appearance.
  std::vector<NodeRef> ref(ground_node + 1);
  std::vector<char> known(ground_node + 1, 0);
  ref[uf.find(ground_node)] = {NodeRef::ground, 0};
  known[uf.find(ground_node)] = 1;
  for (std::size_t i = 0; i < r; ++i) {
    const auto root = uf.find(source_node(i));
    ref[root] = {NodeRef::source, static_cast<int>(i)};
    known[root] = 1;
  }
  int next = 0;
  auto node = [&](std::size_t p) {
    const auto root = uf.find(p);
    if (!known[root]) {
      ref[root] = {NodeRef::free, next++};
      known[root] = 1;
    }
    return ref[root];
  };
  cell_row.resize(r * n);
  cell_col.resize(r * n);
  for (std::size_t i = 0; i < r; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      cell_row[i * n + j] = node(row_node(i, j));
      cell_col[i * n + j] = node(col_node(i, j));
    }
  }
  unknowns = next;

  std::vector<Triplet> ta, tb_wire;
  auto stamp = [](std::vector<Triplet>& ta_out, std::vector<Triplet>& tb_out, const NodeRef& p,
                  const NodeRef& q, double conductance) {
    for (const auto& [x, y] : {std::pair{p, q}, std::pair{q, p}}) {
      if (x.kind != NodeRef::free) continue;
      ta_out.emplace_back(x.index, x.index, conductance);
      if (y.kind == NodeRef::free) {
        if (y.index != x.index) ta_out.emplace_back(x.index, y.index, -conductance);
      } else if (y.kind == NodeRef::source) {
        tb_out.emplace_back(x.index, y.index, conductance);
      }
    }
  };
  for (const auto& e : edges) stamp(wire_a, tb_wire, node(e.p), node(e.q), e.g);
  ta = wire_a;
  std::vector<Triplet> tb = tb_wire, tc, td;
  for (std::size_t i = 0; i < r; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double gij = g(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      const auto& p = cell_row[i * n + j];
      const auto& q = cell_col[i * n + j];
      stamp(ta, tb, p, q, gij);  // zero conductances too: the pattern is the Jacobian's
      const int column = static_cast<int>(j);
      for (const auto& [end, sign] : {std::pair{p, 1.0}, std::pair{q, -1.0}}) {
        if (end.kind == NodeRef::free) tc.emplace_back(column, end.index, sign * gij);
        if (end.kind == NodeRef::source) td.emplace_back(column, end.index, sign * gij);
      }
    }
  }
  a.resize(unknowns, unknowns);
  a.setFromTriplets(ta.begin(), ta.end());
  b.resize(unknowns, rows);
  b.setFromTriplets(tb.begin(), tb.end());
  b_wire.resize(unknowns, rows);
  b_wire.setFromTriplets(tb_wire.begin(), tb_wire.end());
  c.resize(cols, unknowns);
  c.setFromTriplets(tc.begin(), tc.end());
  d.resize(cols, rows);
  d.setFromTriplets(td.begin(), td.end());
}

void IrDropSolver::Impl::stamp_cell_jacobian(std::vector<Triplet>& t, std::size_t cell,
                                             double g_cell) const {
  const auto& p = cell_row[cell];
  const auto& q = cell_col[cell];
  for (const auto& [x, y] : {std::pair{p, q}, std::pair{q, p}}) {
    if (x.kind != NodeRef::free) continue;
    t.emplace_back(x.index, x.index, g_cell);
    if (y.kind == NodeRef::free && y.index != x.index) t.emplace_back(x.index, y.index, -g_cell);
  }
}

IrDropSolver::IrDropSolver(const ConductanceMatrix& g_s, const WireResistances& wires,
                           IrDropOptions options)
    : impl_(std::make_unique<Impl>()) {
  validate_conductances(g_s);
  wires.validate();
  auto& s = *impl_;
  s.g = g_s;
  s.wires = wires;
  s.options = options;
  s.rows = g_s.rows();
  s.cols = g_s.cols();
  s.assemble();
  if (s.unknowns > 0) {
    s.factor = make_factorization(options.backend, s.unknowns);
    s.factor->analyze(s.a);
    if (!s.factor->factorize(s.a)) {
      throw NumericalError(fmt::format(
          "IR drop: the nodal matrix of the {} x {} array ({} unknowns) is not numerically "
          "positive definite; conductances span too many decades relative to the wire conductances",
          s.rows, s.cols, s.unknowns));
    }
  }
}

IrDropSolver::~IrDropSolver() = default;
IrDropSolver::IrDropSolver(IrDropSolver&&) noexcept = default;
IrDropSolver& IrDropSolver::operator=(IrDropSolver&&) noexcept = default;

Eigen::Index IrDropSolver::rows() const noexcept {
  return impl_->rows;
}
Eigen::Index IrDropSolver::cols() const noexcept {
  return impl_->cols;
}
Eigen::Index IrDropSolver::unknowns() const noexcept {
  return impl_->unknowns;
}
std::int64_t IrDropSolver::factor_nonzeros() const noexcept {
  return impl_->factor ? impl_->factor->factor_nonzeros() : 0;
}
const ConductanceMatrix& IrDropSolver::conductances() const noexcept {
  return impl_->g;
}
const WireResistances& IrDropSolver::wires() const noexcept {
  return impl_->wires;
}

namespace {

void check_inputs(const InputBatch& inputs_v, Eigen::Index rows) {
  if (inputs_v.cols() != rows) {
    throw InvalidArgument(
        fmt::format("IR drop: input vectors have {} values each; the array has {} rows",
                    inputs_v.cols(), rows));
  }
}

}  // namespace

CurrentBatch IrDropSolver::solve(const InputBatch& inputs_v) const {
  const auto& s = *impl_;
  check_inputs(inputs_v, s.rows);
  CurrentBatch out(inputs_v.rows(), s.cols);
  const Eigen::Index block = block_size(s.unknowns);
  for (Eigen::Index start = 0; start < inputs_v.rows(); start += block) {
    const Eigen::Index count = std::min(block, inputs_v.rows() - start);
    const Eigen::MatrixXd v = inputs_v.middleRows(start, count).transpose();  // rows × count
    Eigen::MatrixXd currents = s.d * v;                                       // cols × count
    if (s.unknowns > 0) {
      const Eigen::MatrixXd rhs = s.b * v;
      currents += s.c * s.solve_free(rhs);
    }
    out.middleRows(start, count) = currents.transpose();
  }
  return out;
}

Eigen::MatrixXd IrDropSolver::transfer_matrix() const {
  const auto& s = *impl_;
  Eigen::MatrixXd t = s.d;  // cols × rows
  if (s.unknowns == 0) return t;
  const Eigen::Index block = block_size(s.unknowns);
  if (s.rows <= s.cols) {  // T = C A⁻¹ B + D, by blocks of columns of B
    for (Eigen::Index start = 0; start < s.rows; start += block) {
      const Eigen::Index count = std::min(block, s.rows - start);
      const Eigen::MatrixXd rhs = s.b.middleCols(start, count);
      t.middleCols(start, count) += s.c * s.solve_free(rhs);
    }
  } else {  // Tᵀ = Bᵀ A⁻¹ Cᵀ + Dᵀ (A is symmetric), by blocks of rows of C
    const SparseMatrix ct = s.c.transpose();
    const SparseMatrix bt = s.b.transpose();
    for (Eigen::Index start = 0; start < s.cols; start += block) {
      const Eigen::Index count = std::min(block, s.cols - start);
      const Eigen::MatrixXd rhs = ct.middleCols(start, count);
      t.middleRows(start, count) += (bt * s.solve_free(rhs)).transpose();
    }
  }
  return t;
}

ConductanceMatrix IrDropSolver::cell_voltages(const Eigen::VectorXd& input_v) const {
  const auto& s = *impl_;
  if (input_v.size() != s.rows) {
    throw InvalidArgument(fmt::format("IR drop: input vector has {} values; the array has {} rows",
                                      input_v.size(), s.rows));
  }
  const Eigen::VectorXd x = s.free_voltages(input_v);
  std::vector<double> cells;
  s.cell_voltages(x, input_v, cells);
  return Eigen::Map<const ConductanceMatrix>(cells.data(), s.rows, s.cols);
}

Eigen::RowVectorXd IrDropSolver::Impl::newton(const devices::DeviceModel& model,
                                              const Eigen::VectorXd& v, Eigen::Index vector_index,
                                              const NewtonOptions& opt,
                                              std::uint32_t& iterations) const {
  const std::size_t cells = cell_row.size();
  const std::span<const double> g_flat(g.data(), cells);
  std::vector<double> vcell(cells), icell(cells), shifted(cells), i1(cells), i2(cells);
  const SparseMatrix a_wire = [&] {
    SparseMatrix m(unknowns, unknowns);
    m.setFromTriplets(wire_a.begin(), wire_a.end());
    return m;
  }();
  const Eigen::VectorXd bv = b_wire * v;

  // Residual of KCL at the free nodes (current leaving each node), and the cell currents.
  auto evaluate = [&](const Eigen::VectorXd& x, Eigen::VectorXd& f) {
    cell_voltages(x, v, vcell);
    model.current(g_flat, vcell, icell);
    f = a_wire * x - bv;
    for (std::size_t k = 0; k < cells; ++k) {
      if (cell_row[k].kind == NodeRef::free) f[cell_row[k].index] += icell[k];
      if (cell_col[k].kind == NodeRef::free) f[cell_col[k].index] -= icell[k];
    }
  };
  auto fail = [&](std::uint32_t iteration, const std::string& why) {
    return NumericalError(fmt::format(
        "IR drop with {} cells: Newton did not converge for input vector {} (0-based) after {} "
        "iteration(s): {}",
        model.kind(), vector_index, iteration, why));
  };

  const double v_scale = v.size() ? v.cwiseAbs().maxCoeff() : 0.0;
  const double i_scale = v_scale * g.colwise().sum().maxCoeff();
  // The residual cannot be computed more precisely than the rounding of its largest terms
  // (wire conductance × node voltage): the tolerance never goes below that.
  const double f_tol = std::max(opt.residual_rtol * i_scale,
                                64 * std::numeric_limits<double>::epsilon() *
                                    (unknowns > 0 ? a.diagonal().maxCoeff() : 0.0) * v_scale);
  const double x_tol = opt.step_rtol * v_scale;

  auto column_sums = [&] {  // KCL: the current into column j's ground is the sum of its cells'
    Eigen::RowVectorXd currents = Eigen::RowVectorXd::Zero(cols);
    for (std::size_t k = 0; k < cells; ++k)
      currents[static_cast<Eigen::Index>(k) % cols] += icell[k];
    return currents;
  };
  Eigen::VectorXd x = free_voltages(v);  // linear (small-signal) start
  Eigen::VectorXd f, f_try, x_try;
  try {
    evaluate(x, f);
  } catch (const InvalidArgument& e) {
    throw fail(0, fmt::format("the device model rejects the starting point: {}", e.what()));
  }
  if (unknowns == 0) {  // every node is fixed: the cell voltages are the inputs
    iterations = 0;
    return column_sums();
  }
  auto jacobian_factor = make_factorization(options.backend, unknowns);
  bool analyzed = false;
  std::vector<Triplet> t;
  const double h = opt.derivative_step_v;
  for (std::uint32_t it = 1; it <= opt.max_iterations; ++it) {
    // Cell derivative dI/dV by the one-sided second-order difference toward 0 V.
    for (std::size_t k = 0; k < cells; ++k) shifted[k] = vcell[k] - (vcell[k] >= 0 ? h : -h);
    try {
      model.current(g_flat, shifted, i1);
      for (std::size_t k = 0; k < cells; ++k)
        shifted[k] = vcell[k] - (vcell[k] >= 0 ? 2 * h : -2 * h);
      model.current(g_flat, shifted, i2);
    } catch (const InvalidArgument& e) {
      throw fail(
          it, fmt::format("the device model rejects the voltages of the derivative: {}", e.what()));
    }
    t = wire_a;
    for (std::size_t k = 0; k < cells; ++k) {
      const double sh = vcell[k] >= 0 ? h : -h;
      stamp_cell_jacobian(t, k, (3 * icell[k] - 4 * i1[k] + i2[k]) / (2 * sh));
    }
    SparseMatrix jac(unknowns, unknowns);
    jac.setFromTriplets(t.begin(), t.end());
    if (!analyzed) {
      jacobian_factor->analyze(jac);
      analyzed = true;
    }
    if (!jacobian_factor->factorize(jac)) {
      throw fail(it,
                 "the Jacobian is not positive definite (a cell has a negative differential "
                 "conductance)");
    }
    const Eigen::VectorXd dx = -jacobian_factor->solve(f).col(0);
    // Damped step: halve until the residual decreases and the model accepts the voltages.
    const double f_norm = f.lpNorm<Eigen::Infinity>();
    double lambda = 1.0;
    std::string rejected;
    bool accepted = false;
    for (int halving = 0; halving < 30 && !accepted; ++halving, lambda *= 0.5) {
      x_try = x + lambda * dx;
      try {
        evaluate(x_try, f_try);
      } catch (const InvalidArgument& e) {
        rejected = e.what();
        continue;
      }
      const double n_try = f_try.lpNorm<Eigen::Infinity>();
      accepted = n_try <= f_tol || n_try < (1.0 - 1e-4 * lambda) * f_norm;
      if (accepted) break;
    }
    if (!accepted) {
      throw fail(it, rejected.empty()
                         ? std::string("no step along the Newton direction reduces the residual")
                         : fmt::format("the device model rejects every step: {}", rejected));
    }
    x.swap(x_try);
    f.swap(f_try);
    const double step = lambda * dx.lpNorm<Eigen::Infinity>();
    if (f.lpNorm<Eigen::Infinity>() <= f_tol && step <= x_tol) {
      iterations = it;
      return column_sums();
    }
  }
  throw fail(opt.max_iterations,
             fmt::format("residual {:.3g} A (tolerance {:.3g} A) after the last step",
                         f.lpNorm<Eigen::Infinity>(), f_tol));
}

CurrentBatch IrDropSolver::solve_nonlinear(const devices::DeviceModel& model,
                                           const InputBatch& inputs_v, const NewtonOptions& options,
                                           NewtonReport* report) const {
  const auto& s = *impl_;
  check_inputs(inputs_v, s.rows);
  if (report) *report = {};
  if (model.is_linear() && !options.always_newton) return solve(inputs_v);
  CurrentBatch out(inputs_v.rows(), s.cols);
  for (Eigen::Index k = 0; k < inputs_v.rows(); ++k) {
    std::uint32_t iterations = 0;
    out.row(k) = s.newton(model, inputs_v.row(k).transpose(), k, options, iterations);
    if (report) {
      report->max_iterations_used = std::max(report->max_iterations_used, iterations);
      report->total_iterations += iterations;
    }
  }
  return out;
}

CurrentBatch ideal_currents(const ConductanceMatrix& g_s, const InputBatch& inputs_v) {
  check_inputs(inputs_v, g_s.rows());
  return inputs_v * g_s;
}

Eigen::MatrixXd approximate_transfer_matrix(const ConductanceMatrix& g_s,
                                            const WireResistances& wires) {
  validate_conductances(g_s);
  wires.validate();
  const Eigen::Index rows = g_s.rows(), cols = g_s.cols();
  Eigen::MatrixXd t(cols, rows);
  // Row wires: v_row(i, j) ≈ V_i (1 − a_ij), a_ij = r_driver S_i0 + r_row Σ_{m=1..j} S_im with
  // S_im = Σ_{k>=m} G_ik the ideal current through the segment before cell (i, m).
  Eigen::VectorXd suffix(cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    double acc = 0.0;
    for (Eigen::Index j = cols - 1; j >= 0; --j) suffix[j] = (acc += g_s(i, j));
    double a = wires.r_driver_ohm * suffix[0];
    for (Eigen::Index j = 0; j < cols; ++j) {
      if (j > 0) a += wires.r_row_ohm * suffix[j];
      t(j, i) = g_s(i, j) * (1.0 - a);
    }
  }
  // Column wires: v_col(i, j) ≈ Σ_m w(i, m) G_mj V_m, w = r_sense + r_col (rows − 1 − max(i, m)),
  // so T(j, m) −= G_mj (r_sense Σ_i G_ij + r_col [(rows−1−m) Σ_{i<=m} G_ij + Σ_{i>m} G_ij
  // (rows−1−i)]).
  Eigen::VectorXd weighted_suffix(rows);
  for (Eigen::Index j = 0; j < cols; ++j) {
    double acc = 0.0;
    for (Eigen::Index i = rows - 1; i >= 0; --i) {
      weighted_suffix[i] = acc;  // Σ_{i' > i}
      acc += g_s(i, j) * static_cast<double>(rows - 1 - i);
    }
    const double total = g_s.col(j).sum();
    double prefix = 0.0;
    for (Eigen::Index m = 0; m < rows; ++m) {
      prefix += g_s(m, j);
      const double load =
          wires.r_sense_ohm * total +
          wires.r_col_ohm * (static_cast<double>(rows - 1 - m) * prefix + weighted_suffix[m]);
      t(j, m) -= g_s(m, j) * load;
    }
  }
  return t;
}

ApproximationError approximation_error(const ConductanceMatrix& g_s, const WireResistances& wires,
                                       const InputBatch& inputs_v) {
  const IrDropSolver solver(g_s, wires);
  const CurrentBatch exact = solver.solve(inputs_v);
  const CurrentBatch approx = inputs_v * approximate_transfer_matrix(g_s, wires).transpose();
  const CurrentBatch ideal = ideal_currents(g_s, inputs_v);
  ApproximationError e;
  const double scale = exact.cwiseAbs().maxCoeff();
  e.max_abs_a = (approx - exact).cwiseAbs().maxCoeff();
  e.max_relative = scale > 0 ? e.max_abs_a / scale : 0.0;
  const double exact_norm = exact.norm();
  e.rms_relative = exact_norm > 0 ? (approx - exact).norm() / exact_norm : 0.0;
  e.ir_drop_relative = scale > 0 ? (ideal - exact).cwiseAbs().maxCoeff() / scale : 0.0;
  return e;
}

}  // namespace kirchhoff::crossbar
