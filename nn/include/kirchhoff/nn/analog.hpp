// A network's linear layers on analog tiles (docs/nn-analog.md). Chosen Gemm / MatMul / Conv
// layers are mapped, group by group, onto crossbar::AnalogMatrix instances of one device model
// (one chip per trial); the other layers stay in float. The products then go through the full
// periphery (DAC, arrays with read noise, ADC), at a read time set for the whole chip.
//
// Calibration (once per chip, right after programming, as on a chip): from the float network's
// inputs to every layer over a calibration subset, the DAC input range of each analog layer
// (the `input_percentile` quantile of |x|) and, with calibrated ADCs, the ADC ranges at the
// reference time.
//
// Drift compensation [Joshi et al., Nat. Commun. 11, 2473 (2020), "global drift compensation"]:
// a reference readout of fixed inputs (a subset of the calibration inputs) through the full
// periphery right after programming (at reference_time) and again at each read time t; the
// layer's outputs are multiplied by α = Σ|y_ref| / Σ|y_t| (global: one α per layer, sums over
// all its outputs and reference vectors; per_column: one α_j per output j).
//
// Random numbers (all with the chip's address: seed, point, trial):
//   instance i = the i-th analog (layer, group) in layer order; its cells start at the sum of
//     the cell counts of instances < i; its ADC mismatch uses MvmOptions::instance = i.
//   read id of instance i, with T read times: i·(2T + 1) + r, r = k for the evaluation at read
//     time k, T + k for the reference readout at read time k, 2T for the one after programming.
//   Device states: ReadTime index k at read time k, index T at the reference time.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/devices/device_model.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/network.hpp"

namespace kirchhoff::nn {

enum class DriftCompensation : std::uint8_t { none, global, per_column };

struct AnalogOptions {
  // Mapping, tiles, converters and read noise of every analog layer. With calibrate_inputs the
  // DAC input range is set per layer; with range_mode = calibrated the ADC ranges are too.
  crossbar::MvmOptions mvm;
  // How each array responds at a read time: ideal, or an IR-drop solver (crossbar/mvm.hpp).
  crossbar::ArrayResponse response = crossbar::ideal_response();
  // Names or glob patterns (* and ?) of the analog layers (LinearLayer::name); empty = none.
  std::vector<std::string> layers{"*"};
  bool calibrate_inputs = true;
  double input_percentile = 1.0;  // quantile of |x| that sets the DAC input range, (0, 1]
  DriftCompensation compensation = DriftCompensation::none;
  double reference_time_s = 20.0;        // the readout after programming (PCM drift reference t₀)
  std::int64_t reference_vectors = 256;  // inputs of each reference readout (per instance)
  std::uint32_t read_times = 1;          // T: the read times of the campaign (read-id layout)

  void validate() const;  // InvalidArgument for values out of range
};

// Which linear layers the patterns select (by name). Throws InvalidArgument naming a pattern
// that matches no layer, and listing the layers.
[[nodiscard]] std::vector<bool> select_layers(const std::vector<LinearLayer>& layers,
                                              const std::vector<std::string>& patterns);

// The float network's input vectors of every linear layer group over samples [0, samples) of
// `dataset`: [layer][group] = inputs × (at most max_vectors columns, evenly spaced over all).
using LayerInputs = std::vector<std::vector<Eigen::MatrixXf>>;
[[nodiscard]] LayerInputs record_layer_inputs(const Network& network, const Dataset& dataset,
                                              const Normalization& norm, std::int64_t samples,
                                              std::int64_t max_vectors);

// What every chip of a network calibrates with, the same for all its chips, so computed once:
// per [layer][group] the calibration inputs, the inputs of the reference readouts
// (reference_vectors of them, evenly spaced) and the DAC input range (the input_percentile
// quantile of |x|; 0 when not calibrated or all inputs are zero: the configured range stays).
struct Calibration {
  std::vector<std::vector<Eigen::MatrixXd>> inputs;
  std::vector<std::vector<Eigen::MatrixXd>> reference_inputs;
  std::vector<std::vector<double>> input_range;
};
[[nodiscard]] Calibration prepare_calibration(const LayerInputs& inputs,
                                              const AnalogOptions& options);

class AnalogNetwork final : public LinearExecutor {
 public:
  // Programs every selected layer group of `network` with `model` at `address` (one chip) and
  // calibrates it with `calibration` (prepare_calibration of the same network's recorded inputs
  // and these options). The network, the model and the calibration must outlive this object.
  // Throws InvalidArgument for invalid options.
  AnalogNetwork(const Network& network, const AnalogOptions& options,
                const devices::DeviceModel& model, const devices::CellAddress& address,
                const Calibration& calibration);

  // Looks at the chip at read time k < T (devices::ReadTime{time_s, k}); with drift
  // compensation, takes the reference readout and sets the factors. Not thread-safe; call
  // before the evaluation of that time.
  void set_read_time(double time_s, std::uint32_t k);

  void multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                std::uint64_t first_vector, Eigen::MatrixXf& y) const override;

  [[nodiscard]] const std::vector<bool>& analog() const noexcept { return analog_; }
  [[nodiscard]] std::size_t instance_count() const noexcept { return matrices_.size(); }
  [[nodiscard]] const crossbar::AnalogMatrix& matrix(std::size_t instance) const;
  // The instance of group `group` of analog layer `layer` (for matrix()).
  [[nodiscard]] std::size_t instance(std::size_t layer, std::size_t group) const {
    return instance_of_.at(layer).at(group);
  }
  [[nodiscard]] std::uint64_t cell_count() const noexcept { return cells_; }
  // The compensation factors of a layer at the current read time (1 for digital layers and
  // without compensation; one per output with per_column).
  [[nodiscard]] const Eigen::VectorXd& compensation(std::size_t layer) const;
  // ADC conversions and clipped conversions since the last set_read_time.
  [[nodiscard]] double clipped_fraction() const noexcept;

 private:
  [[nodiscard]] std::uint32_t read_id(std::size_t instance, std::uint32_t r) const noexcept;
  // Σ|y| per output (summed over the layer's groups) of the reference readout with read r.
  [[nodiscard]] Eigen::VectorXd reference_readout(std::size_t layer, std::uint32_t r) const;

  const Network* network_;
  AnalogOptions options_;
  FloatExecutor digital_;
  std::vector<bool> analog_;
  std::vector<std::vector<std::size_t>> instance_of_;  // [layer][group] → instance
  std::vector<crossbar::AnalogMatrix> matrices_;
  std::vector<const Eigen::MatrixXd*> reference_inputs_;  // per instance, in the calibration
  std::vector<Eigen::VectorXd> reference_sums_;           // per layer: after programming
  std::vector<Eigen::VectorXd> factors_;                  // per layer
  std::uint64_t cells_ = 0;
  std::uint32_t k_ = 0;
  bool time_set_ = false;
  mutable std::atomic<std::uint64_t> conversions_{0}, clipped_{0};
};

}  // namespace kirchhoff::nn
