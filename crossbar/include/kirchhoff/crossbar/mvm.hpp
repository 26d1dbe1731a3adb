// The batched MVM engine (docs/crossbar-mapping.md, "The MVM engine").
//
// An AnalogMatrix is one programmed instance of a weight matrix W (inputs × outputs, mapping.hpp)
// on tiles (tiling.hpp) of a device model: every physical array — (tile row r, tile column c,
// weight slice k, polarity p) — is programmed once at its own CellAddress range, so no two
// arrays of a trial share random draws. At a read time the engine takes each array's
// conductances (DeviceModel::conductance_at) and its effective response T (cols × rows,
// I = T V; the ideal array gives T = Gᵀ, an IR-drop solver gives T(G)), and multiplies whole
// batches: DAC → T → (read noise) → ADC, partial results summed digitally per output.
//
// Layout of the random numbers (all with the trial's seed, point, trial):
//   group    g = (k · tile_rows + r) · tile_cols + c;  physical array a = g · polarities + p
//   cells    array a uses cells [a · R · C', (a + 1) · R · C'), cell (i, j) → i·C' + j, where
//            R × C' is the physical tile (C' = cols + 1 with a reference column)
//   ADC      index = g · (cols + 1) + j (j = cols: the reference column of offset_reference)
//   read noise (StreamId::read_noise) and output noise (StreamId::output_noise), substream =
//            read id, element = ((B · input_slices + input slice) · adc_count + ADC index) · nb
//            + b for the global vector index B · nb + b (nb = batch_block; vector index =
//            first_vector + column of x): the draws of one block and ADC are contiguous, so
//            each block draws its noise in one call
//   ADC gain / offset (StreamId::adc_mismatch, substream 2·instance / 2·instance + 1),
//            element = ADC index (instance: MvmOptions::instance, 0 for a single matrix)
//
// Read noise shortcut: per-cell, per-read Gaussian noise with std s_ij makes each column
// current Gaussian with variance Σ_i s_ij² V_i² (both devices of a pair contribute),
// independent across columns, so one extra dense product (S∘S)ᵀ(V∘V) and one normal draw per
// output replace rows × cols draws per vector. With a non-ideal T the variance is computed with
// the applied voltages (the cell voltages differ by the IR drop: a first-order approximation).
// The variance product runs in single precision (normalised by the largest s², so nothing
// underflows): a relative error of about 1e-7 in the noise std, far below its statistical error.
//
// Reproducibility: the batch is processed in blocks of batch_block vectors aligned to global
// vector indices (partial blocks are padded with zero inputs), so every vector goes through
// products of the same shapes at the same position whatever the thread count and however a
// batch is split into calls: results are bitwise identical for a given batch_block.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "kirchhoff/crossbar/array.hpp"
#include "kirchhoff/crossbar/mapping.hpp"
#include "kirchhoff/crossbar/periphery.hpp"
#include "kirchhoff/crossbar/tiling.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::crossbar {

// The effective response of one physical array: given its conductances (rows × cols, S) at the
// read time, the transfer matrix T (cols × rows) with column currents I = T V. Called once per
// array per read time, one array after another (it need not be thread-safe).
using ArrayResponse = std::function<Eigen::MatrixXd(const ConductanceMatrix& g_siemens)>;

// T = Gᵀ.
[[nodiscard]] ArrayResponse ideal_response();

// --- IR drop: arrays that solve their voltages instead of giving T (docs/crossbar.md) ---
// For an exact IR-drop solver, building T takes one solve per row; a read time with fewer
// vectors than rows is cheaper solved vector by vector. An ArraySolver is one physical array at
// one read time; the engine calls currents() for every block of voltages it multiplies
// (calibrate_adc and multiply), from several threads at once.
class ArraySolver {
 public:
  virtual ~ArraySolver() = default;
  // Column currents (cols × n, A) of the voltages v (rows × n, V; one vector per column).
  [[nodiscard]] virtual Eigen::MatrixXd currents(const Eigen::MatrixXd& v) const = 0;
};
// Given an array's conductances at the read time, its solver; called once per array per read
// time, one array after another.
using ArrayBatchResponse =
    std::function<std::shared_ptr<const ArraySolver>(const ConductanceMatrix& g_siemens)>;
// --- end IR drop ---

struct MvmOptions {
  // The mapping's g_min = g_max = 0 (the default) means the device model's range.
  MappingOptions mapping;
  TileShape tile;
  PeripheryOptions periphery;
  bool read_noise = true;  // draw read noise at each multiply (the model's read_noise_std)
  // The signal product T·v in single precision: about twice as fast, with a relative error of
  // about 1e-7 of the column currents (far below the step of any ADC up to ~20 bits). The
  // default, double precision, is exact to double rounding (ideal devices and converters then
  // reproduce Wᵀx to rounding).
  bool single_precision_signal = false;
  Eigen::Index batch_block = 64;  // vectors per product (fixes the bits of the results)
  // Several matrices of one trial (the layers of a network) each have their own instance number,
  // so that their ADC mismatch draws differ (cells are told apart by the address, read and output
  // noise by the read id). 0 ... 2^19 − 1.
  std::uint32_t instance = 0;

  void validate() const;
};

struct MvmResult {
  Eigen::MatrixXd y;              // outputs × batch
  std::uint64_t conversions = 0;  // ADC conversions (outputs × vectors × slices × tiles)
  std::uint64_t clipped = 0;      // of which outside the ADC range
  [[nodiscard]] double clipped_fraction() const noexcept {
    return conversions == 0 ? 0.0 : static_cast<double>(clipped) / static_cast<double>(conversions);
  }
};

class AnalogMatrix {
 public:
  // Maps W (inputs × outputs) and programs every physical array with `model` at `address`
  // (arrays at address.offset(a · cells per array)). Draws the ADC mismatch. The model must
  // outlive this object. Throws InvalidArgument for invalid options, an empty or non-finite W,
  // or a mapping range outside [0, model g_max].
  AnalogMatrix(const Eigen::MatrixXd& w, const MvmOptions& options,
               const devices::DeviceModel& model, const devices::CellAddress& address);

  // Looks at the instance at `time`: conductances (without read noise), read-noise std, and
  // the effective response of every array. Must be called before multiply.
  void set_read_time(const devices::ReadTime& time,
                     const ArrayResponse& response = ideal_response());
  // The same with arrays that solve each block of voltages (ArraySolver) instead of a transfer
  // matrix; single_precision_signal does not apply to them.
  void set_read_time(const devices::ReadTime& time, const ArrayBatchResponse& response);

  // Sets the ADC ranges (range_mode = calibrated) to the percentile of |I| (noise-free column
  // currents before the ADC) over the inputs x (inputs × n), per tile and weight slice.
  void calibrate_adc(const Eigen::MatrixXd& x);

  // y ≈ Wᵀ x for a batch x (inputs × n); read_id keys the read noise and output noise;
  // first_vector is the global index of x's first column (for splitting one read into calls).
  [[nodiscard]] MvmResult multiply(const Eigen::MatrixXd& x, std::uint32_t read_id,
                                   std::uint64_t first_vector = 0) const;
  // The same for a batch in single precision (a network's activations): the inputs are widened
  // exactly, so the result equals multiply(x.cast<double>(), ...) without the copy.
  [[nodiscard]] MvmResult multiply_single(const Eigen::MatrixXf& x, std::uint32_t read_id,
                                          std::uint64_t first_vector = 0) const;

  // The weights the conductances at the read time stand for (noise-free; mapping's inverse).
  [[nodiscard]] Eigen::MatrixXd read_back_weights() const;

  [[nodiscard]] const MvmOptions& options() const noexcept { return options_; }
  [[nodiscard]] const TileGrid& grid() const noexcept { return grid_; }
  [[nodiscard]] const Eigen::VectorXd& scales() const noexcept { return scale_; }
  [[nodiscard]] std::size_t groups() const noexcept { return groups_.size(); }
  [[nodiscard]] std::uint64_t adc_count() const noexcept;
  [[nodiscard]] std::uint64_t cells_per_array() const noexcept;
  // Cells used by the instance: the first_cell offset at which another array of the trial may
  // start without sharing draws.
  [[nodiscard]] std::uint64_t cell_count() const noexcept;
  [[nodiscard]] const devices::ProgrammedCells& cells(std::size_t array) const;
  // Conductances at the read time of physical array a (R × C').
  [[nodiscard]] const ConductanceMatrix& conductances(std::size_t array) const;
  [[nodiscard]] const Eigen::VectorXd& adc_gain() const noexcept { return adc_gain_; }
  [[nodiscard]] const Eigen::VectorXd& adc_offset() const noexcept { return adc_offset_; }
  // ADC full scale (A) of group g (NaN before calibration in calibrated mode).
  [[nodiscard]] double adc_range(std::size_t group) const;
  [[nodiscard]] std::size_t group_index(Eigen::Index tile_row, Eigen::Index tile_col,
                                        std::uint32_t slice) const noexcept;

 private:
  struct Group {
    Eigen::Index tile_row = 0, tile_col = 0;
    std::uint32_t slice = 0;
    Eigen::MatrixXd t_eff;    // outputs (+ reference) × used rows: T⁺ − T⁻ or T
    Eigen::MatrixXf t_eff_f;  // t_eff in single precision (single_precision_signal)
    Eigen::MatrixXd var;      // same shape: s⁺² + s⁻² (transposed)
    Eigen::MatrixXf var_f;    // var / var_scale in single precision, for the variance product
    double var_scale = 1.0;
    bool noisy = false;
    double range_a = 0.0;
    // With an ArrayBatchResponse: one solver per polarity (t_eff is then unused).
    std::vector<std::shared_ptr<const ArraySolver>> solvers;
  };
  // set_read_time with respond(group, polarity, conductances) taking the array's response.
  void read_arrays(
      const devices::ReadTime& time,
      const std::function<void(Group&, std::uint32_t, const ConductanceMatrix&)>& respond);
  template <class Matrix>
  [[nodiscard]] MvmResult multiply_batch(const Matrix& x, std::uint32_t read_id,
                                         std::uint64_t first_vector) const;
  // The stages of one multiply_batch call (mvm.cpp).
  template <class Matrix>
  class BatchProduct;
  // Analog column currents of group g for voltages v (used rows × nb), noise-free; v_f and i_f
  // are the scratch of a single-precision product.
  void currents(const Group& group, const Eigen::MatrixXd& v, Eigen::MatrixXd& i,
                Eigen::MatrixXf& v_f, Eigen::MatrixXf& i_f) const;

  MvmOptions options_;
  const devices::DeviceModel* model_;
  devices::CellAddress address_;
  TileGrid grid_;
  Eigen::VectorXd scale_;
  Eigen::Index physical_cols_;
  std::vector<devices::ProgrammedCells> cells_;
  std::vector<ConductanceMatrix> g_at_t_;
  std::vector<Group> groups_;
  Eigen::VectorXd adc_gain_, adc_offset_;
  bool read_time_set_ = false;
  bool calibrated_ = false;
};

}  // namespace kirchhoff::crossbar
