#include "kirchhoff/crossbar/mvm.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <type_traits>

#include "kirchhoff/core/blas_eigen.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/simd.hpp"
#include "kirchhoff/core/statistics.hpp"

namespace kirchhoff::crossbar {

using Eigen::Index;

namespace {

std::uint64_t to_u64(Index i) {
  return static_cast<std::uint64_t>(i);
}
std::size_t to_size(Index i) {
  return static_cast<std::size_t>(i);
}

}  // namespace

ArrayResponse ideal_response() {
  return
      [](const ConductanceMatrix& g_siemens) -> Eigen::MatrixXd { return g_siemens.transpose(); };
}

void MvmOptions::validate() const {
  tile.validate();
  periphery.validate();
  if (batch_block < 1 || batch_block > 65536) {
    throw InvalidArgument(
        fmt::format("MVM batch_block is {}; allowed: 1 ... 65536 vectors", batch_block));
  }
  if (instance > (kMaxSubstream >> 1)) {
    throw InvalidArgument(
        fmt::format("MVM instance is {}; allowed: 0 ... {}", instance, kMaxSubstream >> 1));
  }
}

AnalogMatrix::AnalogMatrix(const Eigen::MatrixXd& w, const MvmOptions& options,
                           const devices::DeviceModel& model, const devices::CellAddress& address)
    : options_(options),
      model_(&model),
      address_(address),
      grid_(w.rows(), w.cols(), options.tile) {
  options_.validate();
  MappingOptions& mapping = options_.mapping;
  if (mapping.g_min_siemens == 0.0 && mapping.g_max_siemens == 0.0) {
    mapping.g_min_siemens = model.g_min_siemens();
    mapping.g_max_siemens = model.g_max_siemens();
  }
  mapping.validate();
  if (mapping.g_max_siemens > model.g_max_siemens()) {
    throw InvalidArgument(
        fmt::format("mapping range [{}, {}] S lies outside the device range [0, {}] S",
                    mapping.g_min_siemens, mapping.g_max_siemens, model.g_max_siemens()));
  }
  const MappedWeights mapped = map_weights(w, mapping);
  scale_ = mapped.scale;

  const bool reference = mapping.scheme == MappingScheme::offset_reference;
  const Index rows = options_.tile.rows;
  physical_cols_ = options_.tile.cols + (reference ? 1 : 0);
  const std::uint32_t pol = mapping.polarities();
  const std::size_t group_count =
      std::size_t{mapping.slices} * to_size(grid_.tile_rows()) * to_size(grid_.tile_cols());
  groups_.resize(group_count);
  cells_.resize(group_count * pol);
  g_at_t_.resize(group_count * pol);

  ConductanceMatrix targets(rows, physical_cols_);
  for (std::uint32_t k = 0; k < mapping.slices; ++k) {
    for (Index r = 0; r < grid_.tile_rows(); ++r) {
      for (Index c = 0; c < grid_.tile_cols(); ++c) {
        const std::size_t g = group_index(r, c, k);
        groups_[g].tile_row = r;
        groups_[g].tile_col = c;
        groups_[g].slice = k;
        for (std::uint32_t p = 0; p < pol; ++p) {
          targets.setConstant(mapping.g_min_siemens);
          targets.block(0, 0, grid_.row_count(r), grid_.col_count(c)) = mapped.at(k, p).block(
              grid_.row_begin(r), grid_.col_begin(c), grid_.row_count(r), grid_.col_count(c));
          if (reference) targets.col(physical_cols_ - 1).setConstant(mapping.g_mid_siemens());
          const std::size_t a = g * pol + p;
          cells_[a] =
              model.program(std::span<const double>(targets.data(), to_size(targets.size())),
                            address.offset(a * cells_per_array()));
        }
      }
    }
  }

  const AdcOptions& adc = options_.periphery.adc;
  const auto n_adc = static_cast<Index>(adc_count());
  adc_gain_ = Eigen::VectorXd::Ones(n_adc);
  adc_offset_ = Eigen::VectorXd::Zero(n_adc);
  if (adc.gain_std > 0.0) {
    address.stream(StreamId::adc_mismatch, 2 * options_.instance)
        .normal({adc_gain_.data(), to_size(n_adc)}, 1.0, adc.gain_std);
  }
  if (adc.offset_std > 0.0) {
    address.stream(StreamId::adc_mismatch, 2 * options_.instance + 1)
        .normal({adc_offset_.data(), to_size(n_adc)}, 0.0, adc.offset_std);
  }
  if (adc.range_mode != AdcRangeMode::calibrated) {
    const double v_read = options_.periphery.dac.v_read_v;
    const double per_row = mapping.scheme == MappingScheme::offset_digital
                               ? mapping.g_max_siemens
                               : mapping.delta_g_siemens();
    const double range = adc.range_mode == AdcRangeMode::fixed
                             ? adc.range_a
                             : static_cast<double>(rows) * v_read * per_row;
    for (Group& group : groups_) group.range_a = range * adc.range_factor;
  } else {
    for (Group& group : groups_) group.range_a = std::numeric_limits<double>::quiet_NaN();
  }
}

std::size_t AnalogMatrix::group_index(Index tile_row, Index tile_col,
                                      std::uint32_t slice) const noexcept {
  return (std::size_t{slice} * to_size(grid_.tile_rows()) + to_size(tile_row)) *
             to_size(grid_.tile_cols()) +
         to_size(tile_col);
}

std::uint64_t AnalogMatrix::adc_count() const noexcept {
  return groups_.size() * to_u64(options_.tile.cols + 1);
}

std::uint64_t AnalogMatrix::cells_per_array() const noexcept {
  return to_u64(options_.tile.rows) * to_u64(physical_cols_);
}

std::uint64_t AnalogMatrix::cell_count() const noexcept {
  return cells_.size() * cells_per_array();
}

const devices::ProgrammedCells& AnalogMatrix::cells(std::size_t array) const {
  if (array >= cells_.size()) {
    throw InvalidArgument(
        fmt::format("array {} of an instance with {} arrays", array, cells_.size()));
  }
  return cells_[array];
}

const ConductanceMatrix& AnalogMatrix::conductances(std::size_t array) const {
  if (!read_time_set_) throw InvalidArgument("no read time set: call set_read_time first");
  if (array >= g_at_t_.size()) {
    throw InvalidArgument(
        fmt::format("array {} of an instance with {} arrays", array, cells_.size()));
  }
  return g_at_t_[array];
}

double AnalogMatrix::adc_range(std::size_t group) const {
  if (group >= groups_.size()) {
    throw InvalidArgument(
        fmt::format("group {} of an instance with {} groups", group, groups_.size()));
  }
  return groups_[group].range_a;
}

void AnalogMatrix::set_read_time(const devices::ReadTime& time, const ArrayResponse& response) {
  if (!response) throw InvalidArgument("set_read_time: empty array response");
  const Index rows = options_.tile.rows;
  const bool reference = options_.mapping.scheme == MappingScheme::offset_reference;
  read_arrays(time, [&](Group& group, std::uint32_t p, const ConductanceMatrix& g_siemens) {
    const Eigen::MatrixXd t = response(g_siemens);
    if (t.rows() != physical_cols_ || t.cols() != rows) {
      throw InvalidArgument(fmt::format(
          "array response returned a {} x {} matrix for a {} x {} array; expected {} x {} "
          "(columns x rows)",
          t.rows(), t.cols(), rows, physical_cols_, physical_cols_, rows));
    }
    const Index used_rows = grid_.row_count(group.tile_row);
    const Index used_cols = grid_.col_count(group.tile_col);
    const double sign = p == 0 ? 1.0 : -1.0;
    group.t_eff.topRows(used_cols) += sign * t.block(0, 0, used_cols, used_rows);
    if (reference) group.t_eff.row(used_cols) += t.block(physical_cols_ - 1, 0, 1, used_rows);
  });
  for (Group& group : groups_) {
    if (options_.single_precision_signal) group.t_eff_f = group.t_eff.cast<float>();
  }
}

// --- IR drop: ArrayBatchResponse (see mvm.hpp) ---
void AnalogMatrix::set_read_time(const devices::ReadTime& time,
                                 const ArrayBatchResponse& response) {
  if (!response) throw InvalidArgument("set_read_time: empty array response");
  read_arrays(time, [&](Group& group, std::uint32_t, const ConductanceMatrix& g_siemens) {
    std::shared_ptr<const ArraySolver> solver = response(g_siemens);
    if (!solver) throw InvalidArgument("array batch response returned no solver");
    group.solvers.push_back(std::move(solver));
  });
}
// --- end IR drop ---

void AnalogMatrix::read_arrays(
    const devices::ReadTime& time,
    const std::function<void(Group&, std::uint32_t, const ConductanceMatrix&)>& respond) {
  const std::uint32_t pol = options_.mapping.polarities();
  const Index rows = options_.tile.rows;
  const bool reference = options_.mapping.scheme == MappingScheme::offset_reference;
  ConductanceMatrix sigma(rows, physical_cols_);
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    Group& group = groups_[g];
    const Index used_rows = grid_.row_count(group.tile_row);
    const Index used_cols = grid_.col_count(group.tile_col);
    const Index outs = used_cols + (reference ? 1 : 0);
    group.t_eff = Eigen::MatrixXd::Zero(outs, used_rows);
    group.var = Eigen::MatrixXd::Zero(outs, used_rows);
    group.solvers.clear();
    group.noisy = false;
    for (std::uint32_t p = 0; p < pol; ++p) {
      const std::size_t a = g * pol + p;
      ConductanceMatrix& g_siemens = g_at_t_[a];
      g_siemens.resize(rows, physical_cols_);
      std::span<double> g_span(g_siemens.data(), to_size(g_siemens.size()));
      model_->conductance_at(cells_[a], time, g_span);
      model_->read_noise_std(cells_[a], time, g_span,
                             std::span<double>(sigma.data(), to_size(sigma.size())));
      respond(group, p, g_siemens);
      group.var.topRows(used_cols) +=
          sigma.block(0, 0, used_rows, used_cols).transpose().cwiseAbs2();
      if (reference) {
        group.var.row(used_cols) +=
            sigma.block(0, physical_cols_ - 1, used_rows, 1).transpose().cwiseAbs2();
      }
    }
    group.noisy = options_.read_noise && (group.var.array() > 0.0).any();
    group.var_scale = group.noisy ? group.var.maxCoeff() : 1.0;
    group.var_f = (group.var / group.var_scale).cast<float>();
  }
  read_time_set_ = true;
}

void AnalogMatrix::currents(const Group& group, const Eigen::MatrixXd& v, Eigen::MatrixXd& i,
                            Eigen::MatrixXf& v_f, Eigen::MatrixXf& i_f) const {
  if (!group.solvers.empty()) {  // IR drop: each polarity's array solves the padded voltages
    const Index used_cols = grid_.col_count(group.tile_col);
    Eigen::MatrixXd padded = Eigen::MatrixXd::Zero(options_.tile.rows, v.cols());
    padded.topRows(v.rows()) = v;
    i.setZero(group.t_eff.rows(), v.cols());
    for (std::size_t p = 0; p < group.solvers.size(); ++p) {
      const Eigen::MatrixXd c = group.solvers[p]->currents(padded);
      i.topRows(used_cols) += (p == 0 ? 1.0 : -1.0) * c.topRows(used_cols);
      if (i.rows() > used_cols) i.row(used_cols) += c.row(physical_cols_ - 1);
    }
    return;
  }
  i.resize(group.t_eff.rows(), v.cols());
  if (options_.single_precision_signal) {
    v_f = v.cast<float>();
    i_f.resize(i.rows(), i.cols());
    blas::multiply(group.t_eff_f, v_f, i_f);
    i = i_f.cast<double>();
    return;
  }
  blas::multiply(group.t_eff, v, i);
}

namespace {

// The voltages of input slice p for tile rows [row0, row0 + rows) and vectors
// [block_first, block_first + nb) of x (columns outside [0, x.cols()) are zero inputs). Inputs
// in single precision are widened exactly, so both kinds of batch give the same voltages.
// Returns whether every input was finite: the check of a multiply's inputs rides on the loop
// that reads them anyway (a separate pass cost ~5 % of a network's analog trial).
template <class Matrix>
inline bool dac_voltages(const DacOptions& dac, const Matrix& x, Index row0, Index rows, Index col0,
                         Index nb, std::uint32_t p, Eigen::MatrixXd& v) {
  v.setZero(rows, nb);
  const Index b_begin = std::max<Index>(0, -col0);
  const Index b_end = std::min<Index>(nb, x.cols() - col0);
  constexpr double kLargest = std::numeric_limits<double>::max();
  unsigned bad = 0;
  if (dac.slice_bits != 0) {
    for (Index b = b_begin; b < b_end; ++b) {
      for (Index i = 0; i < rows; ++i) {
        const auto in = static_cast<double>(x(row0 + i, col0 + b));
        const bool finite = std::abs(in) <= kLargest;  // the code of a NaN is undefined
        bad |= finite ? 0u : 1u;
        v(i, b) = finite ? dac.slice_voltage(in, p) : 0.0;
      }
    }
    return bad == 0;
  }
  // All bits at once: DacOptions::slice_voltage's arithmetic (the same bits), inlined so that
  // the loop over a column vectorises.
  const Quantizer q = dac.quantizer();
  const double per_input = dac.volts_per_input();
  const double per_code = dac.volts_per_code();
  const double inverse_step = q.inverse_step();
  const auto lo = static_cast<double>(q.min_code());
  const auto hi = static_cast<double>(q.max_code());
  for (Index b = b_begin; b < b_end; ++b) {
    const auto* __restrict in = &x(row0, col0 + b);
    double* __restrict out = &v(0, b);
    for (Index i = 0; i < rows; ++i) {
      bad |= static_cast<unsigned>(!(std::abs(static_cast<double>(in[i])) <= kLargest));
    }
    if (q.ideal()) {
      for (Index i = 0; i < rows; ++i) out[i] = static_cast<double>(in[i]) * per_input;
    } else {
      for (Index i = 0; i < rows; ++i) {
        out[i] =
            std::clamp(std::round(static_cast<double>(in[i]) * inverse_step), lo, hi) * per_code;
      }
    }
  }
  return bad == 0;
}

bool dac_block(const DacOptions& dac, const Eigen::MatrixXd& x, Index row0, Index rows, Index col0,
               Index nb, std::uint32_t p, Eigen::MatrixXd& v) {
  bool finite = true;
  with_kernel_level([&] { finite = dac_voltages(dac, x, row0, rows, col0, nb, p, v); });
  return finite;
}

bool dac_block(const DacOptions& dac, const Eigen::MatrixXf& x, Index row0, Index rows, Index col0,
               Index nb, std::uint32_t p, Eigen::MatrixXd& v) {
  bool finite = true;
  with_kernel_level([&] { finite = dac_voltages(dac, x, row0, rows, col0, nb, p, v); });
  return finite;
}

// The ADC of one group's columns: the mismatch, scale and levels shared by every vector.
struct AdcColumn {
  const double* gain;    // g_j
  const double* offset;  // o_j (fraction of F)
  double noise_a;        // σ_out · F
  double range_a;        // F
  double inverse_range;  // 1/F
  double inverse_step;   // 1/Δ of the quantiser on the normalised current (full scale 1)
  double code_a;         // Δ · F: the current of one code
  double lo, hi;         // its lowest and highest codes
  double lowest;         // below it a conversion clips: −1 (sign-magnitude) or 0 (unipolar)
  double coefficient;    // slice and significance weight of the digitised current
};

// One vector's column currents through the ADC: out_j += coefficient · (q(g_j I_j + o_j F +
// σ_out F z_j) − offset_v), z_j = noise[j · noise_stride] (no output noise when noise is null).
// Returns how many conversions clipped. Inlined into the loop of digitise, which runs at the
// kernel level; the parameters are copied to locals and the pointers marked restrict so that the
// loop vectorises (rounding needs AVX2 or AVX-512), one loop per kind of converter.
template <bool kNoise, bool kIdeal>
inline std::uint64_t convert_vector(const AdcColumn& c, const double* __restrict in,
                                    const double* __restrict noise, Index noise_stride,
                                    Index columns, double offset_v, double* __restrict out) {
  const double* __restrict gain = c.gain;
  const double* __restrict offset = c.offset;
  const double noise_a = c.noise_a, range_a = c.range_a, inverse_range = c.inverse_range;
  const double inverse_step = c.inverse_step, code_a = c.code_a, lo = c.lo, hi = c.hi;
  const double lowest = c.lowest, coefficient = c.coefficient;
  std::uint64_t clipped = 0;
  for (Index j = 0; j < columns; ++j) {
    double current = gain[j] * in[j] + offset[j] * range_a;
    if constexpr (kNoise) current += noise_a * noise[j * noise_stride];
    if constexpr (!kIdeal) {
      const double normalised = current * inverse_range;
      clipped += (normalised > 1.0 || normalised < lowest) ? 1u : 0u;
      current = std::clamp(std::round(normalised * inverse_step), lo, hi) * code_a;
    }
    out[j] += coefficient * (current - offset_v);
  }
  return clipped;
}

// i += sqrt(var · scale) ∘ z for the currents i and variances var (outs × nb, column-major)
// and the draws z (row-major: z[j · nb + b]); the same operations as the Eigen expression
// i += (var.cast<double>() · scale).sqrt() ∘ z it replaces, at the kernel level.
void add_read_noise(double* __restrict i, const float* __restrict var, double scale,
                    const double* __restrict z, Index outs, Index nb) {
  with_kernel_level([&] {
    for (Index b = 0; b < nb; ++b) {
      for (Index j = 0; j < outs; ++j) {
        i[b * outs + j] +=
            std::sqrt(static_cast<double>(var[b * outs + j]) * scale) * z[j * nb + b];
      }
    }
  });
}

// out = v ∘ v in single precision (the right-hand side of the variance product).
void squares_single(const double* __restrict v, float* __restrict out, Index n) {
  with_kernel_level([&] {
    for (Index e = 0; e < n; ++e) out[e] = static_cast<float>(v[e] * v[e]);
  });
}

// Whether every element is finite (a branch-free reduction, so that it vectorises).
template <class T>
bool all_finite(const T* x, Index n) {
  bool finite = true;
  with_kernel_level([&] {
    unsigned bad = 0;
    for (Index e = 0; e < n; ++e) {
      bad |= static_cast<unsigned>(!(std::abs(x[e]) <= std::numeric_limits<T>::max()));
    }
    finite = bad == 0;
  });
  return finite;
}

// The scratch matrices of one thread of a multiply, reused from block to block: voltages v,
// currents i, read-noise variance var_f (single precision), the block's sums y, the noise
// draws z and the voltage sums v_sum of offset_digital.
struct BlockWorkspace {
  Eigen::MatrixXd v, i, y;
  Eigen::MatrixXf v_f, i_f;  // v (or v∘v) and i in single precision
  // Noise of one block: row j holds ADC j's nb draws, contiguous in the stream.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> z;
  Eigen::MatrixXf var_f;
  Eigen::RowVectorXd v_sum;
};

[[noreturn]] void not_finite(const char* what) {
  throw InvalidArgument(fmt::format("{}: input batch is not finite", what));
}

// The shape of a batch (multiply checks finiteness in its DAC loop; calibrate_adc here).
template <class Matrix>
void check_input(const Matrix& x, Index inputs, const char* what) {
  if (x.rows() != inputs) {
    throw InvalidArgument(fmt::format("{}: input batch has {} rows; the matrix has {} inputs", what,
                                      x.rows(), inputs));
  }
  if (x.cols() == 0) throw InvalidArgument(fmt::format("{}: empty input batch", what));
}

}  // namespace

void AnalogMatrix::calibrate_adc(const Eigen::MatrixXd& x) {
  if (!read_time_set_) throw InvalidArgument("calibrate_adc: no read time set");
  check_input(x, grid_.inputs(), "calibrate_adc");
  if (!all_finite(x.data(), x.size())) not_finite("calibrate_adc");
  const AdcOptions& adc = options_.periphery.adc;
  if (adc.range_mode != AdcRangeMode::calibrated) {
    throw InvalidArgument("calibrate_adc: the ADC range mode is not 'calibrated'");
  }
  const DacOptions& dac = options_.periphery.dac;
  const bool reference = options_.mapping.scheme == MappingScheme::offset_reference;
  std::vector<double> ranges(groups_.size());
  tbb::parallel_for(std::size_t{0}, groups_.size(), [&](std::size_t g) {
    const Group& group = groups_[g];
    const Index used_rows = grid_.row_count(group.tile_row);
    const Index used_cols = grid_.col_count(group.tile_col);
    std::vector<double> magnitudes;
    magnitudes.reserve(to_size(used_cols * x.cols()) * dac.input_slices());
    Eigen::MatrixXd v, i;
    Eigen::MatrixXf v_f, i_f;
    for (std::uint32_t p = 0; p < dac.input_slices(); ++p) {
      dac_block(dac, x, grid_.row_begin(group.tile_row), used_rows, 0, x.cols(), p, v);
      currents(group, v, i, v_f, i_f);
      for (Index b = 0; b < i.cols(); ++b) {
        for (Index j = 0; j < used_cols; ++j) {
          magnitudes.push_back(std::abs(reference ? i(j, b) - i(used_cols, b) : i(j, b)));
        }
      }
    }
    ranges[g] = quantile(magnitudes, adc.percentile) * adc.range_factor;
  });
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (!(ranges[g] > 0.0)) {
      throw InvalidArgument(fmt::format(
          "calibrate_adc: the calibration inputs give no current on tile ({}, {}) slice {}",
          groups_[g].tile_row, groups_[g].tile_col, groups_[g].slice));
    }
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) groups_[g].range_a = ranges[g];
  calibrated_ = true;
}

MvmResult AnalogMatrix::multiply(const Eigen::MatrixXd& x, std::uint32_t read_id,
                                 std::uint64_t first_vector) const {
  return multiply_batch(x, read_id, first_vector);
}

MvmResult AnalogMatrix::multiply_single(const Eigen::MatrixXf& x, std::uint32_t read_id,
                                        std::uint64_t first_vector) const {
  return multiply_batch(x, read_id, first_vector);
}

// One multiply call (multiply_batch): x in blocks of batch_block vectors aligned to global vector
// indices, one task per (tile column, block). A task runs its block through every tile row, input
// slice and weight slice — DAC, T (+ read noise), ADC — and sums the digitised partial products.
template <class Matrix>
class AnalogMatrix::BatchProduct {
 public:
  // Throws InvalidArgument when the vectors of the call exceed the noise elements of a read.
  BatchProduct(const AnalogMatrix& m, const Matrix& x, std::uint32_t read_id,
               std::uint64_t first_vector)
      : m_(m),
        x_(x),
        adc_(m.options_.periphery.adc),
        dac_(m.options_.periphery.dac),
        mapping_(m.options_.mapping),
        reference_(mapping_.scheme == MappingScheme::offset_reference),
        digital_offset_(mapping_.scheme == MappingScheme::offset_digital),
        slices_in_(dac_.input_slices()),
        nb_(m.options_.batch_block),
        n_(x.cols()),
        nb_u_(to_u64(nb_)),
        first_vector_(first_vector),
        block0_(first_vector / nb_u_),
        n_adc_(m.adc_count()),
        blocks_(block_count()),
        quantizer_{adc_.bits, 1.0, adc_.coding},
        read_stream_(m.address_.stream(StreamId::read_noise, read_id)),
        out_stream_(m.address_.stream(StreamId::output_noise, read_id)),
        unit_(mapping_.unit_conductance_siemens()),
        g_mid_(mapping_.g_mid_siemens()) {}

  [[nodiscard]] MvmResult run() const {
    MvmResult result;
    result.y.resize(m_.grid_.outputs(), n_);
    const std::uint64_t tasks = to_u64(m_.grid_.tile_cols()) * blocks_;
    std::vector<std::uint64_t> clipped(tasks, 0), conversions(tasks, 0);
    std::vector<std::uint8_t> finite(tasks, 1);
    tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, tasks, 1), [&](const auto& range) {
      BlockWorkspace w;
      for (std::uint64_t task = range.begin(); task != range.end(); ++task) {
        const Counts counts = block_task(task, w, result.y);
        clipped[task] = counts.clipped;
        conversions[task] = counts.conversions;
        finite[task] = counts.finite ? 1 : 0;
      }
    });
    if (std::find(finite.begin(), finite.end(), 0) != finite.end()) not_finite("multiply");
    for (std::uint64_t t = 0; t < tasks; ++t) {
      result.clipped += clipped[t];
      result.conversions += conversions[t];
    }
    return result;
  }

 private:
  // The block of a task and its place in x.
  struct Block {
    Index c;                     // tile column
    std::uint64_t index;         // global block index: vectors [index · nb, (index + 1) · nb)
    Index col0;                  // column of x of the block's first vector (negative before x)
    Index used_cols;             // outputs of tile column c
    Index outs;                  // used_cols, plus the reference column
    Index live_begin, live_end;  // the block's vectors that are columns of x
  };

  struct Counts {
    std::uint64_t clipped = 0, conversions = 0;
    bool finite = true;  // every input the task converted
  };

  // The blocks that hold the call's vectors, checked against the noise elements of a read.
  [[nodiscard]] std::uint64_t block_count() const {
    const std::uint64_t block_end = (first_vector_ + to_u64(n_) + nb_u_ - 1) / nb_u_;
    if (block_end * nb_u_ * slices_in_ * n_adc_ > kElementsPerSubstream) {
      throw InvalidArgument(fmt::format(
          "multiply: vectors up to {} x {} input slices x {} ADCs exceed the 2^34 noise elements "
          "of a read; use another read id",
          block_end * nb_u_, slices_in_, n_adc_));
    }
    return block_end - block0_;
  }

  [[nodiscard]] Block block_of(std::uint64_t task) const {
    const TileGrid& grid = m_.grid_;
    Block blk{};
    blk.c = static_cast<Index>(task % to_u64(grid.tile_cols()));
    blk.index = block0_ + task / to_u64(grid.tile_cols());
    const std::uint64_t vec0 = blk.index * nb_u_;  // global index of the block's first vector
    blk.col0 = static_cast<Index>(static_cast<std::int64_t>(vec0) -
                                  static_cast<std::int64_t>(first_vector_));
    blk.used_cols = grid.col_count(blk.c);
    blk.outs = blk.used_cols + (reference_ ? 1 : 0);
    blk.live_begin = std::max<Index>(blk.col0, 0) - blk.col0;
    blk.live_end = std::min<Index>(blk.col0 + nb_, n_) - blk.col0;
    return blk;
  }

  // The first noise element of the block's ADC adc0 in input slice p (the layout of mvm.hpp).
  [[nodiscard]] std::uint64_t noise_element(const Block& blk, std::uint32_t p,
                                            std::uint64_t adc0) const {
    return ((blk.index * slices_in_ + p) * n_adc_ + adc0) * nb_u_;
  }

  // One task: the block's products summed over tile rows, input slices and weight slices into
  // w.y, then scaled into the columns of y it owns.
  Counts block_task(std::uint64_t task, BlockWorkspace& w, Eigen::MatrixXd& y) const {
    const TileGrid& grid = m_.grid_;
    const Block blk = block_of(task);
    w.y.setZero(blk.used_cols, nb_);
    Counts counts;
    for (Index r = 0; r < grid.tile_rows(); ++r) {
      const Index used_rows = grid.row_count(r);
      for (std::uint32_t p = 0; p < slices_in_; ++p) {
        counts.finite &= dac_block(dac_, x_, grid.row_begin(r), used_rows, blk.col0, nb_, p, w.v);
        if (digital_offset_) w.v_sum = w.v.colwise().sum();
        const double a_p = dac_.slice_weight(p);
        for (std::uint32_t k = 0; k < mapping_.slices; ++k) {
          const Group& group = m_.groups_[m_.group_index(r, blk.c, k)];
          const std::uint64_t adc0 =
              m_.group_index(r, blk.c, k) * to_u64(m_.options_.tile.cols + 1);
          analog_currents(group, blk, p, adc0, w);
          counts.clipped += digitise(group, blk, p, k, a_p, adc0, w);
          counts.conversions += to_u64(blk.used_cols) * to_u64(blk.live_end - blk.live_begin);
        }
      }
    }
    store(blk, w.y, y);
    return counts;
  }

  // The group's column currents for the voltages w.v into w.i: T·v, plus read noise with the
  // variance (S∘S)ᵀ(v∘v), minus the reference column.
  void analog_currents(const Group& group, const Block& blk, std::uint32_t p, std::uint64_t adc0,
                       BlockWorkspace& w) const {
    m_.currents(group, w.v, w.i, w.v_f, w.i_f);
    if (group.noisy) {
      w.v_f.resize(w.v.rows(), w.v.cols());
      squares_single(w.v.data(), w.v_f.data(), w.v.size());
      w.var_f.resize(group.var_f.rows(), nb_);
      blas::multiply(group.var_f, w.v_f, w.var_f);
      w.z.resize(blk.outs, nb_);
      read_stream_.normal({w.z.data(), to_size(w.z.size())}, noise_element(blk, p, adc0));
      add_read_noise(w.i.data(), w.var_f.data(), group.var_scale, w.z.data(), blk.outs, nb_);
    }
    if (reference_) {
      for (Index j = 0; j < blk.used_cols; ++j) w.i.row(j) -= w.i.row(blk.used_cols);
    }
  }

  // The currents w.i through the ADCs of the group (output noise, mismatch, quantiser) into w.y
  // with the weight of input slice p (a_p) and weight slice k. Returns how many conversions of
  // the block's vectors in x clipped.
  std::uint64_t digitise(const Group& group, const Block& blk, std::uint32_t p, std::uint32_t k,
                         double a_p, std::uint64_t adc0, BlockWorkspace& w) const {
    const double range_a = group.range_a;
    if (adc_.output_noise_std > 0.0) {
      w.z.resize(blk.outs, nb_);
      out_stream_.normal({w.z.data(), to_size(w.z.size())}, noise_element(blk, p, adc0));
    }
    const double coefficient = mapping_.slice_coefficient(k) * a_p / unit_;
    const double* gain = m_.adc_gain_.data() + adc0;
    const double* offset = m_.adc_offset_.data() + adc0;
    const bool output_noise = adc_.output_noise_std > 0.0;
    const double noise_a = adc_.output_noise_std * range_a;
    const auto lo = static_cast<double>(quantizer_.min_code());
    const auto hi = static_cast<double>(quantizer_.max_code());
    const AdcColumn column{gain,
                           offset,
                           noise_a,
                           range_a,
                           1.0 / range_a,
                           quantizer_.inverse_step(),
                           quantizer_.step() * range_a,
                           lo,
                           hi,
                           quantizer_.coding == Coding::sign_magnitude ? -1.0 : 0.0,
                           coefficient};
    std::uint64_t clipped = 0;
    const auto convert = [&](auto noise, auto ideal) {
      for (Index b = 0; b < nb_; ++b) {
        const double offset_v = digital_offset_ ? g_mid_ * w.v_sum(b) : 0.0;
        const std::uint64_t clipped_b =
            convert_vector<decltype(noise)::value, decltype(ideal)::value>(
                column, w.i.col(b).data(), noise ? &w.z(0, b) : nullptr, nb_, blk.used_cols,
                offset_v, w.y.col(b).data());
        if (b >= blk.live_begin && b < blk.live_end) clipped += clipped_b;
      }
    };
    using yes = std::true_type;
    using no = std::false_type;
    with_kernel_level([&] {
      if (output_noise) {
        quantizer_.ideal() ? convert(yes{}, yes{}) : convert(yes{}, no{});
      } else {
        quantizer_.ideal() ? convert(no{}, yes{}) : convert(no{}, no{});
      }
    });
    return clipped;
  }

  // The block's sums, scaled per output, into its columns of y.
  void store(const Block& blk, const Eigen::MatrixXd& sums, Eigen::MatrixXd& y) const {
    const Index col_begin = m_.grid_.col_begin(blk.c);
    for (Index b = blk.live_begin; b < blk.live_end; ++b) {
      for (Index j = 0; j < blk.used_cols; ++j) {
        y(col_begin + j, blk.col0 + b) = m_.scale_(col_begin + j) * sums(j, b);
      }
    }
  }

  const AnalogMatrix& m_;
  const Matrix& x_;
  const AdcOptions& adc_;
  const DacOptions& dac_;
  const MappingOptions& mapping_;
  const bool reference_, digital_offset_;
  const std::uint32_t slices_in_;
  const Index nb_, n_;
  const std::uint64_t nb_u_, first_vector_, block0_, n_adc_;
  const std::uint64_t blocks_;  // initialised after the members block_count reads
  const Quantizer quantizer_;
  const RandomStream read_stream_, out_stream_;
  const double unit_, g_mid_;
};

template <class Matrix>
MvmResult AnalogMatrix::multiply_batch(const Matrix& x, std::uint32_t read_id,
                                       std::uint64_t first_vector) const {
  if (!read_time_set_)
    throw InvalidArgument("multiply: no read time set: call set_read_time first");
  check_input(x, grid_.inputs(), "multiply");
  const AdcOptions& adc = options_.periphery.adc;
  if (adc.range_mode == AdcRangeMode::calibrated && !calibrated_) {
    throw InvalidArgument("multiply: ADC range not calibrated: call calibrate_adc first");
  }
  return BatchProduct<Matrix>(*this, x, read_id, first_vector).run();
}

Eigen::MatrixXd AnalogMatrix::read_back_weights() const {
  if (!read_time_set_) throw InvalidArgument("read_back_weights: no read time set");
  MappedWeights mapped;
  mapped.options = options_.mapping;
  mapped.scale = scale_;
  const std::uint32_t pol = options_.mapping.polarities();
  mapped.conductances.assign(std::size_t{options_.mapping.slices} * pol,
                             ConductanceMatrix(grid_.inputs(), grid_.outputs()));
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const Group& group = groups_[g];
    const Index rows = grid_.row_count(group.tile_row);
    const Index cols = grid_.col_count(group.tile_col);
    for (std::uint32_t p = 0; p < pol; ++p) {
      mapped.at(group.slice, p)
          .block(grid_.row_begin(group.tile_row), grid_.col_begin(group.tile_col), rows, cols) =
          g_at_t_[g * pol + p].block(0, 0, rows, cols);
    }
  }
  return unmap_weights(mapped);
}

}  // namespace kirchhoff::crossbar
