#include "kirchhoff/workloads/dnn_workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "cost_table.hpp"
#include "kirchhoff/core/config_checks.hpp"
#include "kirchhoff/cost/matrix_cost.hpp"
#include "kirchhoff/nn/analog.hpp"
#include "kirchhoff/nn/analog_config.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"
#include "kirchhoff/workloads/campaign_device.hpp"

namespace kirchhoff::workloads {

namespace {

using montecarlo::MetricInfo;
using montecarlo::Workload;
using montecarlo::WorkloadContext;

using Eigen::Index;

struct Settings {
  std::string model_path;
  std::string dataset_spec;
  std::int64_t samples = -1;
  nn::EvaluateOptions evaluate;
  nn::AnalogSettings analog;
  std::optional<cost::Technology> technology;  // [workload.cost]: the cost metrics
};

// A network, its data and calibration, shared read-only by all trials of a point.
struct Loaded {
  nn::Network network;
  nn::Dataset dataset;
  nn::Normalization norm;
  nn::Calibration calibration;
  double float_top1 = 0.0;
};

class DnnWorkload final : public Workload {
 public:
  DnnWorkload(devices::Device device, const WorkloadContext& context, Settings settings,
              Loaded loaded)
      : device_(std::move(device)),
        context_(context),
        s_(std::move(settings)),
        d_(std::move(loaded)) {
    const auto n = static_cast<std::uint64_t>(d_.dataset.count());
    metrics_.push_back(
        {"top1_accuracy", "1", "fraction of the samples whose largest output is the label", n});
    if (d_.dataset.classes > 5) {
      metrics_.push_back({"top5_accuracy", "1",
                          "fraction of the samples whose label is among the five largest outputs",
                          n});
    }
    metrics_.push_back(
        {"clipped_fraction", "1", "fraction of the ADC conversions outside the ADC range", 0});
    metrics_.push_back({"float_top1_accuracy", "1",
                        "top-1 accuracy of the same network in float (digital reference)", n});
    if (s_.technology) {  // docs/cost.md: with [workload.cost] only, so other files keep theirs
      metrics_.insert(
          metrics_.end(),
          {{"energy_per_inference", "J",
            "energy of one inference: every analog tile MVM with this chip's conductances, the "
            "digital layers' MACs"},
           {"cell_energy_per_inference", "J",
            "of which the cells' read energy sum V^2 G t (the part that varies by chip)"},
           {"latency_per_inference", "s", "layer after layer, each layer's slowest tile"},
           {"tops_per_watt", "TOPS/W", "2 MACs per inference / energy_per_inference / 1e12"},
           {"area", "m2", "area of the network's tiles with their periphery"}});
    }
  }

  std::string kind() const override { return "dnn"; }

  std::string description() const override {
    const auto& layers = d_.network.linear_layers();
    const nn::AnalogOptions& options = s_.analog.options;
    const auto analog = nn::select_layers(layers, options.layers);
    std::size_t on_tiles = 0;
    for (const bool a : analog) on_tiles += a ? 1 : 0;
    const auto& p = options.mvm.periphery;
    return fmt::format(
        "{} ({} of {} linear layers analog) on {} ({}), {} samples of {} (float top-1 {:.4f}), "
        "tiles {} x {}, DAC {} bits, ADC {} bits, read noise {}, {}, drift compensation "
        "{}",
        d_.network.name(), on_tiles, layers.size(), device_.description.name, device_.model->kind(),
        d_.dataset.count(), d_.dataset.name, d_.float_top1, options.mvm.tile.rows,
        options.mvm.tile.cols, p.dac.bits, p.adc.bits, options.mvm.read_noise ? "on" : "off",
        s_.analog.response.describe(), nn::compensation_name(options.compensation));
  }

  std::vector<std::string> warnings() const override {
    std::vector<std::string> warnings = device_warnings(device_, context_.read_times_s);
    if (auto w = s_.analog.response.approximation_warning(s_.analog.options.mvm, *device_.model)) {
      warnings.push_back(std::move(*w));
    }
    return warnings;
  }
  const std::vector<MetricInfo>& metrics() const override { return metrics_; }

  void run_trial(std::uint32_t trial, std::span<double> out) const override {
    const devices::CellAddress address{context_.seed, context_.point, trial, 0};
    nn::AnalogNetwork chip(d_.network, s_.analog.options, *device_.model, address, d_.calibration);
    const std::vector<GroupCost> costs = cost_models(chip);
    const std::size_t width = metrics_.size();
    const bool top5 = d_.dataset.classes > 5;
    for (std::size_t k = 0; k < context_.read_times_s.size(); ++k) {
      chip.set_read_time(context_.read_times_s[k], static_cast<std::uint32_t>(k));
      const nn::Accuracy accuracy =
          nn::evaluate(d_.network, d_.dataset, chip, d_.norm, s_.evaluate);
      double* row = out.data() + k * width;
      std::size_t m = 0;
      row[m++] = accuracy.top1_fraction();
      if (top5) row[m++] = accuracy.top5_fraction();
      row[m++] = chip.clipped_fraction();
      row[m++] = d_.float_top1;
      if (!costs.empty()) write_cost(chip, costs, row + m);
    }
  }

 private:
  // The cost model of every analog layer group of a chip, with the reference-readout inputs of
  // the calibration as its input activity (the same for every chip).
  struct GroupCost {
    std::size_t layer = 0, instance = 0;
    cost::MatrixCostModel model;
  };
  [[nodiscard]] std::vector<GroupCost> cost_models(const nn::AnalogNetwork& chip) const {
    std::vector<GroupCost> costs;
    if (!s_.technology) return costs;
    const auto& layers = d_.network.linear_layers();
    for (std::size_t l = 0; l < layers.size(); ++l) {
      if (!chip.analog()[l]) continue;
      for (std::size_t g = 0; g < layers[l].groups(); ++g) {
        const std::size_t instance = chip.instance(l, g);
        costs.push_back({l, instance,
                         cost::MatrixCostModel(*s_.technology, chip.matrix(instance),
                                               d_.calibration.reference_inputs[l][g])});
      }
    }
    return costs;
  }

  // energy_per_inference, cell_energy_per_inference, latency_per_inference, tops_per_watt, area.
  void write_cost(const nn::AnalogNetwork& chip, const std::vector<GroupCost>& costs,
                  double* out) const {
    const auto& layers = d_.network.linear_layers();
    double energy = 0.0, cells = 0.0, area = 0.0, macs = 0.0, latency = 0.0;
    std::vector<double> layer_latency(layers.size(), 0.0);
    for (const GroupCost& c : costs) {
      const cost::MatrixCost m = c.model.at_read_time(chip.matrix(c.instance));
      const auto vectors = static_cast<double>(layers[c.layer].vectors_per_sample);
      energy += m.energy.total_j() * vectors;
      cells += m.energy.cells_j * vectors;
      area += m.area_m2;
      layer_latency[c.layer] = std::max(layer_latency[c.layer], m.latency_s * vectors);
    }
    for (std::size_t l = 0; l < layers.size(); ++l) {
      double layer_macs = 0.0;
      for (const auto& w : layers[l].weights) layer_macs += static_cast<double>(w.size());
      layer_macs *= static_cast<double>(layers[l].vectors_per_sample);
      if (!chip.analog()[l]) energy += layer_macs * s_.technology->digital.mac_energy_j;
      macs += layer_macs;
      latency += layer_latency[l];
    }
    out[0] = energy;
    out[1] = cells;
    out[2] = latency;
    out[3] = energy > 0.0 ? 2.0 * macs / energy / 1e12 : 0.0;
    out[4] = area;
  }

  devices::Device device_;
  WorkloadContext context_;
  Settings s_;
  Loaded d_;
  std::vector<MetricInfo> metrics_;
};

// The network, the samples, the input normalisation and the calibration: once per point.
Loaded load_network_and_data(const ConfigTable& w, const Settings& s) {
  Loaded d;
  try {
    d.network = nn::load_onnx(s.model_path);
  } catch (const IoError& e) {
    w.fail("model", e.what());
  }
  try {
    d.dataset = nn::load_dataset(s.dataset_spec, s.samples);
  } catch (const IoError& e) {
    w.fail("dataset", e.what());
  }
  if (s.samples > d.dataset.count()) {
    w.fail("samples", fmt::format("{} has only {} samples", d.dataset.name, d.dataset.count()));
  }
  d.norm = nn::read_normalization(w, d.network.normalization(), d.dataset.channels);
  const ConfigTable cal = w.table("calibration");
  const std::int64_t samples = s.analog.calibration_samples;
  try {
    const nn::Dataset calibration_set =
        nn::load_dataset(s.analog.calibration_dataset.value_or(s.dataset_spec), samples);
    if (samples > calibration_set.count()) {
      cal.fail("samples", fmt::format("{} has only {} samples", calibration_set.name,
                                      calibration_set.count()));
    }
    d.calibration =
        nn::prepare_calibration(nn::record_layer_inputs(d.network, calibration_set, d.norm, samples,
                                                        s.analog.calibration_vectors),
                                s.analog.options);
  } catch (const IoError& e) {
    cal.fail("dataset", e.what());
  }
  try {
    (void)nn::select_layers(d.network.linear_layers(), s.analog.options.layers);
  } catch (const InvalidArgument& e) {
    w.fail("analog_layers", e.what());
  }
  const nn::FloatExecutor float_products(d.network.linear_layers());
  d.float_top1 =
      nn::evaluate(d.network, d.dataset, float_products, d.norm, s.evaluate).top1_fraction();
  return d;
}

}  // namespace

// A dataset spec at `key` (docs/nn-data.md) with its directory, if it names one, relative to
// the file that names it, like every path in a campaign; "fashion-mnist..." is a name.
std::string dataset_spec_at(const ConfigTable& table, std::string_view key,
                            const std::string& fallback) {
  if (!table.contains(key)) return fallback;
  std::string spec = table.get<std::string>(key);
  if (spec.empty() || spec.starts_with("fashion-mnist")) return spec;
  std::string split;
  if (const auto colon = spec.rfind(':'); colon != std::string::npos) {
    split = spec.substr(colon);
    spec.erase(colon);
  }
  const std::filesystem::path dir(spec);
  if (dir.is_absolute()) return spec + split;
  return (table.path_base(key) / dir).lexically_normal().string() + split;
}

std::unique_ptr<Workload> make_dnn_workload(const Config& config, const WorkloadContext& context) {
  devices::Device device = campaign_device(config, "dnn");
  const ConfigTable w = config.table("workload");
  Settings s;
  s.model_path = w.get_path("model").string();  // relative to the file that names it
  s.dataset_spec = dataset_spec_at(w, "dataset", "fashion-mnist:test");
  s.samples = w.get_or<std::int64_t>("samples", -1);
  if (s.samples == 0 || s.samples < -1) w.fail("samples", "must be >= 1 (or absent for all)");
  s.evaluate.batch = get_count(w, "batch", 128, 1, 65536);
  s.evaluate.limit = s.samples;
  s.analog = nn::read_analog_options(w, *device.model,
                                     static_cast<std::uint32_t>(context.read_times_s.size()));
  if (s.analog.calibration_dataset) {
    s.analog.calibration_dataset = dataset_spec_at(w.table("calibration"), "dataset", "");
  }
  s.technology = read_cost_table(w);
  Loaded d = load_network_and_data(w, s);
  return std::make_unique<DnnWorkload>(std::move(device), context, std::move(s), std::move(d));
}

}  // namespace kirchhoff::workloads
