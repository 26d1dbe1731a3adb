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

// The wires of an r × n array as a circuit of physical nodes — row wire (i, j), column wire
// (i, j), source i, ground — before the cells are added: a wire of zero resistance merges its two
// nodes (exactly), any other is an edge of conductance 1/R.
class WireCircuit {
 public:
  struct Edge {
    std::size_t p, q;
    double g;
  };

  WireCircuit(std::size_t r, std::size_t n, const WireResistances& wires)
      : r_(r), n_(n), merged_(ground_node() + 1) {
    for (std::size_t i = 0; i < r; ++i) {
      if (wires.r_driver_ohm == 0.0) {
        merged_.unite(row_node(i, 0), source_node(i));
      } else {
        edges_.push_back({source_node(i), row_node(i, 0), 1.0 / wires.r_driver_ohm});
      }
      for (std::size_t j = 0; j + 1 < n; ++j) {
        if (wires.r_row_ohm == 0.0) {
          merged_.unite(row_node(i, j), row_node(i, j + 1));
        } else {
          edges_.push_back({row_node(i, j), row_node(i, j + 1), 1.0 / wires.r_row_ohm});
        }
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i + 1 < r; ++i) {
        if (wires.r_col_ohm == 0.0) {
          merged_.unite(col_node(i, j), col_node(i + 1, j));
        } else {
          edges_.push_back({col_node(i, j), col_node(i + 1, j), 1.0 / wires.r_col_ohm});
        }
      }
      if (wires.r_sense_ohm == 0.0) {
        merged_.unite(col_node(r - 1, j), ground_node());
      } else {
        edges_.push_back({col_node(r - 1, j), ground_node(), 1.0 / wires.r_sense_ohm});
      }
    }
  }

  [[nodiscard]] std::size_t rows() const { return r_; }
  [[nodiscard]] std::size_t row_node(std::size_t i, std::size_t j) const { return i * n_ + j; }
  [[nodiscard]] std::size_t col_node(std::size_t i, std::size_t j) const {
    return r_ * n_ + i * n_ + j;
  }
  [[nodiscard]] std::size_t source_node(std::size_t i) const { return 2 * r_ * n_ + i; }
  [[nodiscard]] std::size_t ground_node() const { return 2 * r_ * n_ + r_; }
  [[nodiscard]] const std::vector<Edge>& edges() const { return edges_; }
  UnionFind& merged() { return merged_; }

 private:
  std::size_t r_, n_;
  UnionFind merged_;
  std::vector<Edge> edges_;
};

// The merged nodes of a WireCircuit as NodeRefs: the ground, the sources, and free nodes numbered
// in order of first appearance.
class NodeNumbering {
 public:
  explicit NodeNumbering(WireCircuit& circuit)
      : uf_(circuit.merged()),
        ref_(circuit.ground_node() + 1),
        known_(circuit.ground_node() + 1, 0) {
    ref_[uf_.find(circuit.ground_node())] = {NodeRef::ground, 0};
    known_[uf_.find(circuit.ground_node())] = 1;
    for (std::size_t i = 0; i < circuit.rows(); ++i) {
      const auto root = uf_.find(circuit.source_node(i));
      ref_[root] = {NodeRef::source, static_cast<int>(i)};
      known_[root] = 1;
    }
  }

  // The node that physical node p was merged into.
  NodeRef operator()(std::size_t p) {
    const auto root = uf_.find(p);
    if (!known_[root]) {
      ref_[root] = {NodeRef::free, next_++};
      known_[root] = 1;
    }
    return ref_[root];
  }

  // The free nodes numbered so far.
  [[nodiscard]] int free_nodes() const { return next_; }

 private:
  UnionFind& uf_;
  std::vector<NodeRef> ref_;
  std::vector<char> known_;
  int next_ = 0;
};

// A conductance between merged nodes p and q, into A (between free nodes) and B (from a source).
void stamp(std::vector<Triplet>& ta_out, std::vector<Triplet>& tb_out, const NodeRef& p,
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
  void stamp_cells(std::vector<Triplet>& ta, std::vector<Triplet>& tb, std::vector<Triplet>& tc,
                   std::vector<Triplet>& td) const;
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
  WireCircuit circuit(r, n, wires);
  NodeNumbering node(circuit);
  cell_row.resize(r * n);
  cell_col.resize(r * n);
  for (std::size_t i = 0; i < r; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      cell_row[i * n + j] = node(circuit.row_node(i, j));
      cell_col[i * n + j] = node(circuit.col_node(i, j));
    }
  }
  unknowns = node.free_nodes();

  std::vector<Triplet> ta, tb_wire;
  for (const auto& e : circuit.edges()) stamp(wire_a, tb_wire, node(e.p), node(e.q), e.g);
  ta = wire_a;
  std::vector<Triplet> tb = tb_wire, tc, td;
  stamp_cells(ta, tb, tc, td);
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

// The cells into A and B (as the wires), and into the output I = C x + D v: the current into
// column j's ground is the sum of its cells' currents.
void IrDropSolver::Impl::stamp_cells(std::vector<Triplet>& ta, std::vector<Triplet>& tb,
                                     std::vector<Triplet>& tc, std::vector<Triplet>& td) const {
  const auto r = static_cast<std::size_t>(rows), n = static_cast<std::size_t>(cols);
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

IrDropSolver::IrDropSolver(const ConductanceMatrix& g_siemens, const WireResistances& wires,
                           IrDropOptions options)
    : impl_(std::make_unique<Impl>()) {
  validate_conductances(g_siemens);
  wires.validate();
  auto& s = *impl_;
  s.g = g_siemens;
  s.wires = wires;
  s.options = options;
  s.rows = g_siemens.rows();
  s.cols = g_siemens.cols();
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

namespace {

// The nonlinear nodal system of one input vector v for Newton's method
// (IrDropSolver::Impl::newton): the KCL residual F(x) = A_w x − B_w v + (cell currents) at the free
// nodes, its Jacobian, and a damped step. Holds the iterate x, F(x), and the cells' voltages and
// currents at x.
class NewtonSystem {
 public:
  NewtonSystem(const IrDropSolver::Impl& s, const devices::DeviceModel& model,
               const Eigen::VectorXd& v, Eigen::Index vector_index, const NewtonOptions& opt)
      : s_(s),
        model_(model),
        v_(v),
        vector_index_(vector_index),
        opt_(opt),
        cells_(s.cell_row.size()),
        g_flat_(s.g.data(), cells_),
        vcell_(cells_),
        icell_(cells_),
        shifted_(cells_),
        i1_(cells_),
        i2_(cells_),
        a_wire_(s.unknowns, s.unknowns),
        bv_(s.b_wire * v) {
    a_wire_.setFromTriplets(s.wire_a.begin(), s.wire_a.end());
    const double v_scale = v.size() ? v.cwiseAbs().maxCoeff() : 0.0;
    const double i_scale = v_scale * s.g.colwise().sum().maxCoeff();
    // The residual cannot be computed more precisely than the rounding of its largest terms
    // (wire conductance × node voltage): the tolerance never goes below that.
    f_tol_ = std::max(opt.residual_rtol * i_scale,
                      64 * std::numeric_limits<double>::epsilon() *
                          (s.unknowns > 0 ? s.a.diagonal().maxCoeff() : 0.0) * v_scale);
    x_tol_ = opt.step_rtol * v_scale;
  }

  // The linear (small-signal) solution as the starting point.
  void start() {
    x_ = s_.free_voltages(v_);
    try {
      evaluate(x_, f_);
    } catch (const InvalidArgument& e) {
      throw failure(0, fmt::format("the device model rejects the starting point: {}", e.what()));
    }
  }

  // The Jacobian at x: the wires, and each cell's derivative dI/dV by the one-sided second-order
  // difference toward 0 V.
  [[nodiscard]] SparseMatrix jacobian(std::uint32_t it) {
    const double h = opt_.derivative_step_v;
    for (std::size_t k = 0; k < cells_; ++k) shifted_[k] = vcell_[k] - (vcell_[k] >= 0 ? h : -h);
    try {
      model_.current(g_flat_, shifted_, i1_);
      for (std::size_t k = 0; k < cells_; ++k)
        shifted_[k] = vcell_[k] - (vcell_[k] >= 0 ? 2 * h : -2 * h);
      model_.current(g_flat_, shifted_, i2_);
    } catch (const InvalidArgument& e) {
      throw failure(
          it, fmt::format("the device model rejects the voltages of the derivative: {}", e.what()));
    }
    t_ = s_.wire_a;
    for (std::size_t k = 0; k < cells_; ++k) {
      const double sh = vcell_[k] >= 0 ? h : -h;
      s_.stamp_cell_jacobian(t_, k, (3 * icell_[k] - 4 * i1_[k] + i2_[k]) / (2 * sh));
    }
    SparseMatrix jac(s_.unknowns, s_.unknowns);
    jac.setFromTriplets(t_.begin(), t_.end());
    return jac;
  }

  // Moves x along dx, halving the step until the residual decreases and the model accepts the
  // voltages. Returns the fraction of dx taken.
  double damped_step(std::uint32_t it, const Eigen::VectorXd& dx) {
    const double f_norm = f_.lpNorm<Eigen::Infinity>();
    double lambda = 1.0;
    std::string rejected;
    bool accepted = false;
    for (int halving = 0; halving < 30 && !accepted; ++halving, lambda *= 0.5) {
      x_try_ = x_ + lambda * dx;
      try {
        evaluate(x_try_, f_try_);
      } catch (const InvalidArgument& e) {
        rejected = e.what();
        continue;
      }
      const double n_try = f_try_.lpNorm<Eigen::Infinity>();
      accepted = n_try <= f_tol_ || n_try < (1.0 - 1e-4 * lambda) * f_norm;
      if (accepted) break;
    }
    if (!accepted) {
      throw failure(it, rejected.empty()
                            ? std::string("no step along the Newton direction reduces the residual")
                            : fmt::format("the device model rejects every step: {}", rejected));
    }
    x_.swap(x_try_);
    f_.swap(f_try_);
    return lambda;
  }

  [[nodiscard]] bool converged(double step) const {
    return f_.lpNorm<Eigen::Infinity>() <= f_tol_ && step <= x_tol_;
  }

  // KCL: the current into column j's ground is the sum of its cells'.
  [[nodiscard]] Eigen::RowVectorXd column_sums() const {
    Eigen::RowVectorXd currents = Eigen::RowVectorXd::Zero(s_.cols);
    for (std::size_t k = 0; k < cells_; ++k)
      currents[static_cast<Eigen::Index>(k) % s_.cols] += icell_[k];
    return currents;
  }

  [[nodiscard]] const Eigen::VectorXd& residual() const { return f_; }
  [[nodiscard]] double residual_tolerance() const { return f_tol_; }

  [[nodiscard]] NumericalError failure(std::uint32_t iteration, const std::string& why) const {
    return NumericalError(fmt::format(
        "IR drop with {} cells: Newton did not converge for input vector {} (0-based) after {} "
        "iteration(s): {}",
        model_.kind(), vector_index_, iteration, why));
  }

 private:
  // Residual of KCL at the free nodes (current leaving each node), and the cell currents.
  void evaluate(const Eigen::VectorXd& x, Eigen::VectorXd& f) {
    s_.cell_voltages(x, v_, vcell_);
    model_.current(g_flat_, vcell_, icell_);
    f = a_wire_ * x - bv_;
    for (std::size_t k = 0; k < cells_; ++k) {
      if (s_.cell_row[k].kind == NodeRef::free) f[s_.cell_row[k].index] += icell_[k];
      if (s_.cell_col[k].kind == NodeRef::free) f[s_.cell_col[k].index] -= icell_[k];
    }
  }

  const IrDropSolver::Impl& s_;
  const devices::DeviceModel& model_;
  const Eigen::VectorXd& v_;
  const Eigen::Index vector_index_;
  const NewtonOptions& opt_;
  const std::size_t cells_;
  const std::span<const double> g_flat_;
  std::vector<double> vcell_, icell_, shifted_, i1_, i2_;
  SparseMatrix a_wire_;
  const Eigen::VectorXd bv_;
  double f_tol_ = 0.0, x_tol_ = 0.0;
  Eigen::VectorXd x_, f_, x_try_, f_try_;
  std::vector<Triplet> t_;
};

}  // namespace

Eigen::RowVectorXd IrDropSolver::Impl::newton(const devices::DeviceModel& model,
                                              const Eigen::VectorXd& v, Eigen::Index vector_index,
                                              const NewtonOptions& opt,
                                              std::uint32_t& iterations) const {
  NewtonSystem system(*this, model, v, vector_index, opt);
  system.start();
  if (unknowns == 0) {  // every node is fixed: the cell voltages are the inputs
    iterations = 0;
    return system.column_sums();
  }
  auto jacobian_factor = make_factorization(options.backend, unknowns);
  bool analyzed = false;
  for (std::uint32_t it = 1; it <= opt.max_iterations; ++it) {
    const SparseMatrix jac = system.jacobian(it);
    if (!analyzed) {
      jacobian_factor->analyze(jac);
      analyzed = true;
    }
    if (!jacobian_factor->factorize(jac)) {
      throw system.failure(it,
                           "the Jacobian is not positive definite (a cell has a negative "
                           "differential conductance)");
    }
    const Eigen::VectorXd dx = -jacobian_factor->solve(system.residual()).col(0);
    const double lambda = system.damped_step(it, dx);
    const double step = lambda * dx.lpNorm<Eigen::Infinity>();
    if (system.converged(step)) {
      iterations = it;
      return system.column_sums();
    }
  }
  throw system.failure(
      opt.max_iterations,
      fmt::format("residual {:.3g} A (tolerance {:.3g} A) after the last step",
                  system.residual().lpNorm<Eigen::Infinity>(), system.residual_tolerance()));
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

CurrentBatch ideal_currents(const ConductanceMatrix& g_siemens, const InputBatch& inputs_v) {
  check_inputs(inputs_v, g_siemens.rows());
  return inputs_v * g_siemens;
}

Eigen::MatrixXd approximate_transfer_matrix(const ConductanceMatrix& g_siemens,
                                            const WireResistances& wires) {
  validate_conductances(g_siemens);
  wires.validate();
  const Eigen::Index rows = g_siemens.rows(), cols = g_siemens.cols();
  Eigen::MatrixXd t(cols, rows);
  // Row wires: v_row(i, j) ≈ V_i (1 − a_ij), a_ij = r_driver S_i0 + r_row Σ_{m=1..j} S_im with
  // S_im = Σ_{k>=m} G_ik the ideal current through the segment before cell (i, m).
  Eigen::VectorXd suffix(cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    double acc = 0.0;
    for (Eigen::Index j = cols - 1; j >= 0; --j) suffix[j] = (acc += g_siemens(i, j));
    double a = wires.r_driver_ohm * suffix[0];
    for (Eigen::Index j = 0; j < cols; ++j) {
      if (j > 0) a += wires.r_row_ohm * suffix[j];
      t(j, i) = g_siemens(i, j) * (1.0 - a);
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
      acc += g_siemens(i, j) * static_cast<double>(rows - 1 - i);
    }
    const double total = g_siemens.col(j).sum();
    double prefix = 0.0;
    for (Eigen::Index m = 0; m < rows; ++m) {
      prefix += g_siemens(m, j);
      const double load =
          wires.r_sense_ohm * total +
          wires.r_col_ohm * (static_cast<double>(rows - 1 - m) * prefix + weighted_suffix[m]);
      t(j, m) -= g_siemens(m, j) * load;
    }
  }
  return t;
}

ApproximationEstimate estimate_approximation_error(Eigen::Index rows, Eigen::Index cols,
                                                   double g_siemens, const WireResistances& wires) {
  wires.validate();
  const auto r = static_cast<double>(rows), n = static_cast<double>(cols);
  ApproximationEstimate e;
  e.first_order_drop = g_siemens * (wires.r_driver_ohm * n + wires.r_row_ohm * n * (n - 1) / 2) +
                       g_siemens * (wires.r_sense_ohm * r + wires.r_col_ohm * r * (r - 1) / 2);
  e.relative_error = e.first_order_drop * e.first_order_drop;
  return e;
}

ApproximationError approximation_error(const ConductanceMatrix& g_siemens,
                                       const WireResistances& wires, const InputBatch& inputs_v) {
  const IrDropSolver solver(g_siemens, wires);
  const CurrentBatch exact = solver.solve(inputs_v);
  const CurrentBatch approx = inputs_v * approximate_transfer_matrix(g_siemens, wires).transpose();
  const CurrentBatch ideal = ideal_currents(g_siemens, inputs_v);
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
