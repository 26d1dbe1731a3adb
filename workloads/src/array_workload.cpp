#include "kirchhoff/workloads/array_workload.hpp"

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "cost_table.hpp"
#include "kirchhoff/core/blas_eigen.hpp"
#include "kirchhoff/core/config_checks.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/cost/matrix_cost.hpp"
#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/crossbar/options_config.hpp"
#include "kirchhoff/workloads/campaign_device.hpp"

namespace kirchhoff::workloads {

namespace {

using montecarlo::MetricInfo;
using montecarlo::Workload;
using montecarlo::WorkloadContext;

using Eigen::Index;
using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Distribution { uniform, normal };

// A distribution of weights or inputs: uniform on [a, b] or normal with mean a and std b.
struct ValueDistribution {
  Distribution kind = Distribution::uniform;
  double a = -1.0;
  double b = 1.0;

  void fill(const RandomStream& stream, std::span<double> out) const {
    if (kind == Distribution::uniform) {
      stream.uniform(out);
      for (double& v : out) v = a + (b - a) * v;
    } else {
      stream.normal(out, a, b);
    }
  }
  [[nodiscard]] std::string describe() const {
    return kind == Distribution::uniform ? fmt::format("uniform on [{}, {}]", a, b)
                                         : fmt::format("normal({}, {})", a, b);
  }
};

// Below this ratio of error to signal power the SNR is reported as its cap (400 dB): the error
// is then at the level of double-precision rounding and an infinity would spoil the statistics.
constexpr double kSnrFloor = 1e-40;

struct Settings {
  Index rows = 0, cols = 0;
  ValueDistribution weights;
  bool weights_per_point = false;
  Index inputs = 64;
  ValueDistribution input_distribution;
  Index calibration_vectors = 256;
  crossbar::ArrayResponseSettings response;
  crossbar::MvmOptions mvm;
  std::optional<cost::Technology> technology;  // [workload.cost]: the cost metrics
};

// Sums over the outputs of a batch, column by column, of the error e = analog − ideal.
struct OutputError {
  double squares = 0.0;     // Σ e²
  double mean = 0.0;        // Σ e / outputs
  double deviations = 0.0;  // Σ (e − mean)²
  double cross = 0.0;       // Σ analog · ideal
};

OutputError output_error(const Eigen::MatrixXd& analog, const Eigen::MatrixXd& ideal) {
  OutputError r;
  double sum = 0.0;
  for (Index n = 0; n < ideal.cols(); ++n) {
    for (Index j = 0; j < ideal.rows(); ++j) {
      const double e = analog(j, n) - ideal(j, n);
      r.squares += e * e;
      sum += e;
      r.cross += analog(j, n) * ideal(j, n);
    }
  }
  r.mean = sum / static_cast<double>(ideal.size());
  for (Index n = 0; n < ideal.cols(); ++n) {
    for (Index j = 0; j < ideal.rows(); ++j) {
      const double d = analog(j, n) - ideal(j, n) - r.mean;
      r.deviations += d * d;
    }
  }
  return r;
}

// Root mean square over every cell of every physical array of (conductance − target), with the
// conductances of array a given by `conductances(a)` (cell order of ProgrammedCells).
template <class Conductances>
double cell_rms_error(const crossbar::AnalogMatrix& matrix, std::size_t arrays,
                      Conductances&& conductances) {
  double squares = 0.0;
  std::size_t cells = 0;
  for (std::size_t a = 0; a < arrays; ++a) {
    const devices::ProgrammedCells& c = matrix.cells(a);
    const std::span<const double> g = conductances(a);
    for (std::size_t i = 0; i < c.size(); ++i) {
      const double e = g[i] - c.target_siemens[i];
      squares += e * e;
    }
    cells += c.size();
  }
  return std::sqrt(squares / static_cast<double>(cells));
}

class ArrayWorkload final : public Workload {
 public:
  ArrayWorkload(devices::Device device, const WorkloadContext& context, Settings settings)
      : device_(std::move(device)), context_(context), s_(std::move(settings)) {
    metrics_ = {
        {"relative_error", "1",
         "Frobenius norm of (analog - ideal) outputs over the batch / norm of the ideal outputs"},
        {"rms_error", "1",
         "root mean square of (analog - ideal) over outputs and vectors, in units of W x"},
        {"error_mean", "1",
         "mean over outputs and vectors of (analog - ideal) / output_range (bias)"},
        {"error_std", "1",
         "standard deviation over outputs and vectors of (analog - ideal) / output_range"},
        {"snr_db", "dB",
         "10 log10(sum ideal^2 / sum (analog - ideal)^2) over the batch (capped at 400 dB)"},
        {"output_gain", "1",
         "least-squares slope of analog on ideal outputs: sum(analog ideal) / sum ideal^2"},
        {"output_range", "1", "largest |ideal output| of the batch (normalises error_mean/std)"},
        {"clipped_fraction", "1", "fraction of ADC conversions outside the ADC range"},
        {"g_programming_rms_error", "S",
         "rms over all cells of (programmed - target) conductance (same at every read time)"},
        {"g_programming_relative_rms_error", "1", "g_programming_rms_error / g_max of the device"},
        {"g_rms_error", "S",
         "rms over all cells of (conductance at the read time, no read noise - target)"},
        {"g_relative_rms_error", "1", "g_rms_error / g_max of the device"},
    };
    if (s_.technology) {  // docs/cost.md: with [workload.cost] only, so other files keep theirs
      metrics_.insert(
          metrics_.end(),
          {{"energy_per_mvm", "J",
            "energy of one MVM of the matrix on all its tiles, with this chip's conductances"},
           {"cell_energy_per_mvm", "J",
            "of which the cells' read energy sum V^2 G t (the part that varies by chip)"},
           {"adc_energy_per_mvm", "J", "of which the ADC conversions"},
           {"latency_per_mvm", "s", "latency of one MVM (the slowest tile)"},
           {"tops_per_watt", "TOPS/W", "2 rows cols / energy_per_mvm / 1e12"},
           {"area", "m2", "area of the matrix's tiles with their periphery"}});
    }
    if (s_.weights_per_point) {
      point_weights_ = draw_weights(
          RandomStream(context_.seed, {context_.point, 0, StreamId::workload_weights, 1}));
    }
  }

  std::string kind() const override { return "array"; }

  std::string description() const override {
    const auto& p = s_.mvm.periphery;
    return fmt::format(
        "{} x {} weights ({}, per {}) on {} x {} tiles of {} ({}), {} input vectors ({}), "
        "DAC {} bits, ADC {} bits, read noise {}, {}",
        s_.rows, s_.cols, s_.weights.describe(), s_.weights_per_point ? "point" : "trial",
        s_.mvm.tile.rows, s_.mvm.tile.cols, device_.description.name, device_.model->kind(),
        s_.inputs, s_.input_distribution.describe(), p.dac.bits, p.adc.bits,
        s_.mvm.read_noise ? "on" : "off", s_.response.describe());
  }

  std::vector<std::string> warnings() const override {
    std::vector<std::string> warnings = device_warnings(device_, context_.read_times_s);
    if (auto w = s_.response.approximation_warning(s_.mvm, *device_.model)) {
      warnings.push_back(std::move(*w));
    }
    return warnings;
  }
  const std::vector<MetricInfo>& metrics() const override { return metrics_; }

  void run_trial(std::uint32_t trial, std::span<double> out) const override {
    const devices::CellAddress address{context_.seed, context_.point, trial, 0};
    const Eigen::MatrixXd w = s_.weights_per_point
                                  ? point_weights_
                                  : draw_weights(address.stream(StreamId::workload_weights, 0));
    const Eigen::MatrixXd x = draw_inputs(address.stream(StreamId::input_vectors, 0), s_.inputs);
    const bool calibrated = s_.mvm.periphery.adc.range_mode == crossbar::AdcRangeMode::calibrated;
    const Eigen::MatrixXd x_calibration =
        calibrated ? draw_inputs(address.stream(StreamId::input_vectors, 1), s_.calibration_vectors)
                   : Eigen::MatrixXd();
    Eigen::MatrixXd y(w.cols(), x.cols());  // the ideal product of the target weights
    blas::multiply_transposed(w, x, y);
    const double signal = y.squaredNorm();
    const double output_range = y.cwiseAbs().maxCoeff();
    const double count = static_cast<double>(y.size());

    const devices::DeviceModel& model = *device_.model;
    crossbar::AnalogMatrix matrix(w, s_.mvm, model, address);
    const std::size_t arrays = matrix.groups() * s_.mvm.mapping.polarities();
    const double programming_rms = cell_rms_error(matrix, arrays, [&](std::size_t a) {
      return std::span<const double>(matrix.cells(a).programmed_siemens);
    });

    // IR drop: an exact solver builds T with one solve per row; fewer vectors per read time
    // than rows are cheaper solved as they come (ArrayBatchResponse). Either is exact.
    const auto batch = s_.response.batch_response();
    const Index vectors = static_cast<Index>(s_.mvm.periphery.dac.input_slices()) *
                          (s_.inputs + (calibrated ? s_.calibration_vectors : 0));
    const bool solve_batches = batch && vectors < s_.mvm.tile.rows;
    const crossbar::ArrayResponse response =
        solve_batches ? crossbar::ideal_response() : s_.response.response();
    const std::optional<cost::MatrixCostModel> cost_model =
        s_.technology
            ? std::optional<cost::MatrixCostModel>(std::in_place, *s_.technology, matrix, x)
            : std::nullopt;
    const std::size_t width = metrics_.size();
    for (std::size_t k = 0; k < context_.read_times_s.size(); ++k) {
      const auto index = static_cast<std::uint32_t>(k);
      if (solve_batches) {
        matrix.set_read_time(devices::ReadTime{context_.read_times_s[k], index}, *batch);
      } else {
        matrix.set_read_time(devices::ReadTime{context_.read_times_s[k], index}, response);
      }
      if (calibrated) matrix.calibrate_adc(x_calibration);
      const crossbar::MvmResult result = matrix.multiply(x, index);
      const OutputError e = output_error(result.y, y);
      const double g_rms = cell_rms_error(matrix, arrays, [&](std::size_t a) {
        const crossbar::ConductanceMatrix& g = matrix.conductances(a);
        return std::span<const double>(g.data(), static_cast<std::size_t>(g.size()));
      });

      double* row = out.data() + k * width;
      row[0] = std::sqrt(e.squares / signal);
      row[1] = std::sqrt(e.squares / count);
      row[2] = e.mean / output_range;
      row[3] = (count > 1.0 ? std::sqrt(e.deviations / (count - 1.0)) : 0.0) / output_range;
      row[4] = 10.0 * std::log10(signal / std::max(e.squares, kSnrFloor * signal));
      row[5] = e.cross / signal;
      row[6] = output_range;
      row[7] = result.clipped_fraction();
      row[8] = programming_rms;
      row[9] = programming_rms / model.g_max_siemens();
      row[10] = g_rms;
      row[11] = g_rms / model.g_max_siemens();
      if (cost_model) {
        const cost::MatrixCost c = cost_model->at_read_time(matrix);
        row[12] = c.energy.total_j();
        row[13] = c.energy.cells_j;
        row[14] = c.energy.adc_j;
        row[15] = c.latency_s;
        row[16] = c.tops_per_watt();
        row[17] = c.area_m2;
      }
    }
  }

 private:
  [[nodiscard]] Eigen::MatrixXd draw_weights(const RandomStream& stream) const {
    RowMajorMatrix w(s_.rows, s_.cols);
    s_.weights.fill(stream, std::span<double>(w.data(), static_cast<std::size_t>(w.size())));
    return w;
  }

  // rows × n, vector n is column n (element n · rows + i of the stream).
  [[nodiscard]] Eigen::MatrixXd draw_inputs(const RandomStream& stream, Index n) const {
    Eigen::MatrixXd x(s_.rows, n);
    s_.input_distribution.fill(stream,
                               std::span<double>(x.data(), static_cast<std::size_t>(x.size())));
    return x;
  }

  devices::Device device_;
  WorkloadContext context_;
  Settings s_;
  Eigen::MatrixXd point_weights_;
  std::vector<MetricInfo> metrics_;
};

ValueDistribution get_distribution(const ConfigTable& t, double default_min, double default_max,
                                   double default_std) {
  ValueDistribution d;
  d.kind = get_choice(t, "distribution", "uniform", {"uniform", "normal"}) == 0
               ? Distribution::uniform
               : Distribution::normal;
  const bool uniform = d.kind == Distribution::uniform;
  reject_unless(t, "min", uniform, "with distribution = \"uniform\"");
  reject_unless(t, "max", uniform, "with distribution = \"uniform\"");
  reject_unless(t, "mean", !uniform, "with distribution = \"normal\"");
  reject_unless(t, "std", !uniform, "with distribution = \"normal\"");
  if (uniform) {
    d.a = get_finite(t, "min", default_min);
    d.b = get_finite(t, "max", default_max);
    if (!(d.a < d.b)) t.fail("max", fmt::format("must be > min = {}, got {}", d.a, d.b));
  } else {
    d.a = get_finite(t, "mean", 0.0);
    d.b = get_nonnegative(t, "std", default_std, true);
  }
  return d;
}

}  // namespace

std::unique_ptr<Workload> make_array_workload(const Config& config,
                                              const WorkloadContext& context) {
  devices::Device device = campaign_device(config, "array");

  Settings s;
  const ConfigTable w = config.table("workload");
  s.rows = get_required_count(w, "rows", 1, 65536);
  s.cols = get_required_count(w, "cols", 1, 65536);
  if (s.rows * s.cols > (Index{1} << 26)) {
    w.fail("cols", fmt::format("rows x cols = {} weights; at most 2^26 allowed", s.rows * s.cols));
  }
  s.response = crossbar::read_array_response(w);

  const ConfigTable weights = w.table("weights");
  s.weights = get_distribution(weights, -1.0, 1.0, 1.0);
  s.weights_per_point = get_choice(weights, "resample", "trial", {"trial", "point"}) == 1;

  s.mvm = crossbar::read_mvm_options(w, *device.model);
  // Calibrated ADCs are calibrated with a batch of this workload's own random vectors.
  const ConfigTable adc = w.table("adc");
  const bool calibrated = s.mvm.periphery.adc.range_mode == crossbar::AdcRangeMode::calibrated;
  reject_unless(adc, "calibration_vectors", calibrated, "with range_mode = \"calibrated\"");
  if (calibrated) s.calibration_vectors = get_count(adc, "calibration_vectors", 256, 1, 65536);
  s.mvm.read_noise = w.get_or("read_noise", true);
  s.mvm.single_precision_signal = w.get_or("single_precision_signal", false);
  const crossbar::DacOptions& dac = s.mvm.periphery.dac;

  // Input vectors: by default the DAC's input range.
  const ConfigTable inputs = w.table("inputs");
  s.inputs = get_count(inputs, "count", 64, 1, 65536);
  const double x_max = dac.input_range;
  const double x_min = dac.coding == crossbar::Coding::unipolar ? 0.0 : -x_max;
  s.input_distribution = get_distribution(inputs, x_min, x_max, x_max / std::sqrt(3.0));

  check_table(w, [&] { s.mvm.validate(); });
  s.technology = read_cost_table(w);
  return std::make_unique<ArrayWorkload>(std::move(device), context, std::move(s));
}

}  // namespace kirchhoff::workloads
