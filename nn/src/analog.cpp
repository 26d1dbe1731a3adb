#include "kirchhoff/nn/analog.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/core/stream_ids.hpp"

namespace kirchhoff::nn {

namespace {

using Eigen::Index;

// Keeps at most `max_columns` columns of x, evenly spaced (all of them when there are fewer).
Eigen::MatrixXf spread_columns(const Eigen::MatrixXf& x, Index max_columns) {
  if (x.cols() <= max_columns) return x;
  Eigen::MatrixXf kept(x.rows(), max_columns);
  for (Index j = 0; j < max_columns; ++j) kept.col(j) = x.col(j * x.cols() / max_columns);
  return kept;
}

// Records the inputs of every linear layer group while computing the float products. Used
// from one thread, batch after batch, so the columns are in sample order.
class RecordingExecutor final : public LinearExecutor {
 public:
  explicit RecordingExecutor(const std::vector<LinearLayer>& layers)
      : float_(layers), inputs_(layers.size()) {
    for (std::size_t l = 0; l < layers.size(); ++l) inputs_[l].resize(layers[l].groups());
  }
  void multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                std::uint64_t first_vector, Eigen::MatrixXf& y) const override {
    float_.multiply(layer, group, x, first_vector, y);
    const std::lock_guard lock(mutex_);
    inputs_[layer][group].push_back(x);
  }
  // All recorded inputs of a group side by side, then thinned to max_columns.
  [[nodiscard]] Eigen::MatrixXf collected(std::size_t layer, std::size_t group,
                                          Index max_columns) const {
    const auto& parts = inputs_[layer][group];
    Index columns = 0;
    for (const auto& p : parts) columns += p.cols();
    Eigen::MatrixXf all(parts.empty() ? 0 : parts.front().rows(), columns);
    Index at = 0;
    for (const auto& p : parts) {
      all.middleCols(at, p.cols()) = p;
      at += p.cols();
    }
    return spread_columns(all, max_columns);
  }

 private:
  FloatExecutor float_;
  mutable std::mutex mutex_;
  mutable std::vector<std::vector<std::vector<Eigen::MatrixXf>>> inputs_;
};

}  // namespace

void AnalogOptions::validate() const {
  mvm.validate();
  if (!(input_percentile > 0.0 && input_percentile <= 1.0)) {
    throw InvalidArgument(
        fmt::format("input_percentile must be in (0, 1], got {}", input_percentile));
  }
  if (!(reference_time_s > 0.0) || !std::isfinite(reference_time_s)) {
    throw InvalidArgument(fmt::format("reference_time must be > 0 s, got {}", reference_time_s));
  }
  if (reference_vectors < 1 || reference_vectors > 65536) {
    throw InvalidArgument(
        fmt::format("reference_vectors must be in [1, 65536], got {}", reference_vectors));
  }
  if (read_times < 1) throw InvalidArgument("read_times must be >= 1");
}

std::vector<bool> select_layers(const std::vector<LinearLayer>& layers,
                                const std::vector<std::string>& patterns) {
  std::vector<bool> selected(layers.size(), false);
  for (const std::string& pattern : patterns) {
    bool matched = false;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      if (fnmatch(pattern.c_str(), layers[l].name.c_str(), 0) == 0) {
        selected[l] = true;
        matched = true;
      }
    }
    if (!matched) {
      std::vector<std::string> names;
      for (const auto& layer : layers) names.push_back(layer.name);
      throw InvalidArgument(
          fmt::format("analog layer pattern '{}' matches none of the linear "
                      "layers ({})",
                      pattern, fmt::join(names, ", ")));
    }
  }
  return selected;
}

LayerInputs record_layer_inputs(const Network& network, const Dataset& dataset,
                                const Normalization& norm, std::int64_t samples,
                                std::int64_t max_vectors) {
  if (samples < 1 || samples > dataset.count()) {
    throw InvalidArgument(fmt::format("calibration samples must be in [1, {}] ({}), got {}",
                                      dataset.count(), dataset.name, samples));
  }
  if (max_vectors < 1) throw InvalidArgument("calibration vectors must be >= 1");
  const auto& layers = network.linear_layers();
  const RecordingExecutor recorder(layers);
  constexpr std::int64_t kBatch = 64;
  for (std::int64_t first = 0; first < samples; first += kBatch) {
    const std::int64_t n = std::min(kBatch, samples - first);
    (void)network.forward(dataset.batch(first, n, norm), static_cast<std::uint64_t>(first),
                          recorder);
  }
  LayerInputs inputs(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (std::size_t g = 0; g < layers[l].groups(); ++g) {
      inputs[l].push_back(recorder.collected(l, g, static_cast<Index>(max_vectors)));
    }
  }
  return inputs;
}

Calibration prepare_calibration(const LayerInputs& inputs, const AnalogOptions& options) {
  options.validate();
  Calibration c;
  for (const auto& layer : inputs) {
    auto& x_layer = c.inputs.emplace_back();
    auto& reference_layer = c.reference_inputs.emplace_back();
    auto& range_layer = c.input_range.emplace_back();
    for (const Eigen::MatrixXf& x : layer) {
      x_layer.push_back(x.cast<double>());
      reference_layer.push_back(
          spread_columns(x, static_cast<Index>(options.reference_vectors)).cast<double>());
      double range = 0.0;
      if (options.calibrate_inputs && x.size() > 0) {
        std::vector<double> magnitudes(static_cast<std::size_t>(x.size()));
        for (Index i = 0; i < x.size(); ++i) {
          magnitudes[static_cast<std::size_t>(i)] = std::abs(static_cast<double>(x.data()[i]));
        }
        range = quantile(magnitudes, options.input_percentile);
      }
      range_layer.push_back(range);
    }
  }
  return c;
}

AnalogNetwork::AnalogNetwork(const Network& network, const AnalogOptions& options,
                             const devices::DeviceModel& model, const devices::CellAddress& address,
                             const Calibration& calibration)
    : network_(&network), options_(options), digital_(network.linear_layers()) {
  options_.validate();
  const auto& layers = network.linear_layers();
  analog_ = select_layers(layers, options_.layers);
  if (calibration.inputs.size() != layers.size()) {
    throw InvalidArgument(fmt::format("calibration inputs for {} layers; the network has {}",
                                      calibration.inputs.size(), layers.size()));
  }
  const std::uint64_t reads = 2 * std::uint64_t{options_.read_times} + 1;
  instance_of_.resize(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (!analog_[l]) continue;
    if (calibration.inputs[l].size() != layers[l].groups()) {
      throw InvalidArgument(fmt::format("calibration inputs of layer {} have {} groups, not {}",
                                        layers[l].name, calibration.inputs[l].size(),
                                        layers[l].groups()));
    }
    for (std::size_t g = 0; g < layers[l].groups(); ++g) {
      const auto instance = matrices_.size();
      if ((instance + 1) * reads > std::uint64_t{kMaxSubstream} + 1) {
        throw InvalidArgument(
            fmt::format("{} analog matrices x {} reads exceed the {} read ids of a trial",
                        instance + 1, reads, std::uint64_t{kMaxSubstream} + 1));
      }
      if (calibration.inputs[l][g].cols() == 0) {
        throw InvalidArgument(fmt::format("no calibration inputs for layer {}", layers[l].name));
      }
      crossbar::MvmOptions mvm = options_.mvm;
      mvm.instance = static_cast<std::uint32_t>(instance);
      // All-zero inputs (a dead layer) keep the configured range: nothing to scale.
      if (const double range = calibration.input_range[l][g]; range > 0.0) {
        mvm.periphery.dac.input_range = range;
      }
      matrices_.emplace_back(layers[l].weights[g].cast<double>(), mvm, model,
                             address.offset(cells_));
      cells_ += matrices_.back().cell_count();
      instance_of_[l].push_back(instance);
      reference_inputs_.push_back(&calibration.reference_inputs[l][g]);
    }
  }

  // Right after programming: ADC calibration and the reference readout.
  const std::uint32_t t_count = options_.read_times;
  const bool calibrated_adc =
      options_.mvm.periphery.adc.range_mode == crossbar::AdcRangeMode::calibrated;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (std::size_t g = 0; g < instance_of_[l].size(); ++g) {
      crossbar::AnalogMatrix& m = matrices_[instance_of_[l][g]];
      m.set_read_time(devices::ReadTime{options_.reference_time_s, t_count}, options_.response);
      if (calibrated_adc) m.calibrate_adc(calibration.inputs[l][g]);
    }
  }
  reference_sums_.resize(layers.size());
  factors_.resize(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const auto outputs = static_cast<Index>(layers[l].groups()) * layers[l].outputs_per_group();
    factors_[l] = Eigen::VectorXd::Ones(outputs);
    if (analog_[l] && options_.compensation != DriftCompensation::none) {
      reference_sums_[l] = reference_readout(l, 2 * t_count);
    }
  }
}

const crossbar::AnalogMatrix& AnalogNetwork::matrix(std::size_t instance) const {
  if (instance >= matrices_.size()) {
    throw InvalidArgument(fmt::format("analog instance {} of {}", instance, matrices_.size()));
  }
  return matrices_[instance];
}

const Eigen::VectorXd& AnalogNetwork::compensation(std::size_t layer) const {
  if (layer >= factors_.size()) {
    throw InvalidArgument(fmt::format("layer {} of {}", layer, factors_.size()));
  }
  return factors_[layer];
}

std::uint32_t AnalogNetwork::read_id(std::size_t instance, std::uint32_t r) const noexcept {
  return static_cast<std::uint32_t>(instance) * (2 * options_.read_times + 1) + r;
}

Eigen::VectorXd AnalogNetwork::reference_readout(std::size_t layer, std::uint32_t r) const {
  const LinearLayer& l = network_->linear_layers()[layer];
  const Index per_group = l.outputs_per_group();
  Eigen::VectorXd sums(static_cast<Index>(l.groups()) * per_group);
  for (std::size_t g = 0; g < l.groups(); ++g) {
    const std::size_t instance = instance_of_[layer][g];
    const crossbar::MvmResult result =
        matrices_[instance].multiply(*reference_inputs_[instance], read_id(instance, r));
    sums.segment(static_cast<Index>(g) * per_group, per_group) =
        result.y.cwiseAbs().rowwise().sum();
  }
  return sums;
}

void AnalogNetwork::set_read_time(double time_s, std::uint32_t k) {
  if (k >= options_.read_times) {
    throw InvalidArgument(fmt::format("read time index {} of a chip set up for {} read times", k,
                                      options_.read_times));
  }
  for (auto& m : matrices_) m.set_read_time(devices::ReadTime{time_s, k}, options_.response);
  const auto& layers = network_->linear_layers();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (!analog_[l] || options_.compensation == DriftCompensation::none) continue;
    const Eigen::VectorXd now = reference_readout(l, options_.read_times + k);
    const Eigen::VectorXd& then = reference_sums_[l];
    if (options_.compensation == DriftCompensation::global) {
      const double total = now.sum();
      factors_[l].setConstant(total > 0.0 ? then.sum() / total : 1.0);
    } else {
      // An output that reads nothing now (all weights of its column at zero) is left alone.
      for (Index j = 0; j < now.size(); ++j) factors_[l](j) = now(j) > 0.0 ? then(j) / now(j) : 1.0;
    }
  }
  k_ = k;
  time_set_ = true;
  conversions_ = 0;
  clipped_ = 0;
}

void AnalogNetwork::multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                             std::uint64_t first_vector, Eigen::MatrixXf& y) const {
  if (!analog_.at(layer)) {
    digital_.multiply(layer, group, x, first_vector, y);
    return;
  }
  if (!time_set_) throw InvalidArgument("AnalogNetwork: no read time set");
  const std::size_t instance = instance_of_[layer].at(group);
  const crossbar::MvmResult result =
      matrices_[instance].multiply_single(x, read_id(instance, k_), first_vector);
  const Index per_group = result.y.rows();
  const auto factors = factors_[layer].segment(static_cast<Index>(group) * per_group, per_group);
  y = (factors.asDiagonal() * result.y).cast<float>();
  conversions_ += result.conversions;
  clipped_ += result.clipped;
}

double AnalogNetwork::clipped_fraction() const noexcept {
  const std::uint64_t n = conversions_;
  return n == 0 ? 0.0 : static_cast<double>(clipped_.load()) / static_cast<double>(n);
}

}  // namespace kirchhoff::nn
