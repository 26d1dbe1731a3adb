#include "kirchhoff/montecarlo/dnn_workload.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <utility>

#include "kirchhoff/core/units.hpp"
#include "kirchhoff/nn/analog.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"
#include "workload_config.hpp"

namespace kirchhoff::montecarlo {

namespace {

using Eigen::Index;

struct Settings {
  std::string model_path;
  std::string dataset_spec;
  std::int64_t samples = -1;
  nn::EvaluateOptions evaluate;
  std::optional<nn::Normalization> normalization;
  std::string calibration_spec;
  std::int64_t calibration_samples = 256;
  std::int64_t calibration_vectors = 4096;
  nn::AnalogOptions analog;
  ArrayResponseSettings response;
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
  }

  std::string kind() const override { return "dnn"; }

  std::string description() const override {
    const auto& layers = d_.network.linear_layers();
    const auto analog = nn::select_layers(layers, s_.analog.layers);
    std::size_t on_tiles = 0;
    for (const bool a : analog) on_tiles += a ? 1 : 0;
    const auto& p = s_.analog.mvm.periphery;
    return fmt::format(
        "{} ({} of {} linear layers analog) on {} ({}), {} samples of {} (float top-1 {:.4f}), "
        "tiles {} x {}, DAC {} bits, ADC {} bits, read noise {}, IR drop {}, drift compensation "
        "{}",
        d_.network.name(), on_tiles, layers.size(), device_.description.name, device_.model->kind(),
        d_.dataset.count(), d_.dataset.name, d_.float_top1, s_.analog.mvm.tile.rows,
        s_.analog.mvm.tile.cols, p.dac.bits, p.adc.bits, s_.analog.mvm.read_noise ? "on" : "off",
        s_.response.name(), compensation_name(s_.analog.compensation));
  }

  const std::vector<MetricInfo>& metrics() const override { return metrics_; }

  void run_trial(std::uint32_t trial, std::span<double> out) const override {
    const devices::CellAddress address{context_.seed, context_.point, trial, 0};
    nn::AnalogNetwork chip(d_.network, s_.analog, *device_.model, address, d_.calibration);
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
    }
  }

  static const char* compensation_name(nn::DriftCompensation c) {
    switch (c) {
      case nn::DriftCompensation::none:
        return "none";
      case nn::DriftCompensation::global:
        return "global";
      case nn::DriftCompensation::per_column:
        return "per column";
    }
    return "none";
  }

 private:
  devices::Device device_;
  WorkloadContext context_;
  Settings s_;
  Loaded d_;
  std::vector<MetricInfo> metrics_;
};

// A path in the campaign: relative to the campaign file's directory.
std::string campaign_relative(const Config& config, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  const std::filesystem::path campaign(config.root().location().file);
  return (campaign.parent_path() / p).lexically_normal().string();
}

std::vector<float> get_floats(const ConfigTable& t, const char* key) {
  std::vector<float> values;
  if (t.type(key) == ConfigType::array) {
    for (const double v : t.get_array<double>(key)) values.push_back(static_cast<float>(v));
  } else {
    values.push_back(static_cast<float>(t.get<double>(key)));
  }
  if (values.empty()) t.fail(key, "needs at least one value");
  return values;
}

std::vector<std::string> get_layer_patterns(const ConfigTable& w) {
  if (!w.contains("analog_layers")) return {"*"};
  if (w.type("analog_layers") == ConfigType::string) {
    const std::string v = w.get<std::string>("analog_layers");
    if (v == "all") return {"*"};
    if (v == "none") return {};
    return {v};
  }
  return w.get_array<std::string>("analog_layers");
}

}  // namespace

std::unique_ptr<Workload> make_dnn_workload(const Config& config, const WorkloadContext& context) {
  devices::Device device = campaign_device(config, "dnn");
  const ConfigTable w = config.table("workload");
  Settings s;
  s.model_path = campaign_relative(config, w.get<std::string>("model"));
  s.dataset_spec = w.get_or("dataset", "fashion-mnist:test");
  s.samples = w.get_or<std::int64_t>("samples", -1);
  if (s.samples == 0 || s.samples < -1) w.fail("samples", "must be >= 1 (or absent for all)");
  s.evaluate.batch = get_count(w, "batch", 128, 1, 65536);
  s.evaluate.limit = s.samples;

  s.analog.mvm = read_mvm_options(w, *device.model, nullptr);
  s.analog.mvm.read_noise = w.get_or("read_noise", true);
  // The network's activations are single precision anyway; the signal product in float is about
  // twice as fast and adds a relative error of ~1e-7 (crossbar::MvmOptions).
  s.analog.mvm.single_precision_signal = w.get_or("single_precision_signal", true);
  s.analog.calibrate_inputs = !w.table("dac").contains("input_range");
  s.response = read_array_response(w);
  s.analog.response = s.response.response();
  s.analog.layers = get_layer_patterns(w);
  s.analog.compensation = static_cast<nn::DriftCompensation>(
      get_choice(w, "compensation", "none", {"none", "global", "per_column"}));
  const bool compensated = s.analog.compensation != nn::DriftCompensation::none;
  reject_unless(w, "reference_time", compensated,
                "with compensation = \"global\" or \"per_column\"");
  reject_unless(w, "reference_vectors", compensated,
                "with compensation = \"global\" or \"per_column\"");
  s.analog.reference_time_s = w.get_quantity_or("reference_time", Dimension::time, 20.0);
  if (!(s.analog.reference_time_s > 0.0)) w.fail("reference_time", "must be > 0 s");
  s.analog.reference_vectors = get_count(w, "reference_vectors", 256, 1, 65536);
  s.analog.read_times = static_cast<std::uint32_t>(context.read_times_s.size());

  const ConfigTable cal = w.table("calibration");
  s.calibration_spec = cal.get_or("dataset", s.dataset_spec.c_str());
  s.calibration_samples = get_count(cal, "samples", 256, 1, 1 << 20);
  s.calibration_vectors = get_count(cal, "vectors", 4096, 1, 1 << 20);
  s.analog.input_percentile = get_finite(cal, "input_percentile", 1.0);
  if (!(s.analog.input_percentile > 0.0 && s.analog.input_percentile <= 1.0)) {
    cal.fail("input_percentile", "must be in (0, 1]");
  }
  check_table(w, [&] { s.analog.validate(); });

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
  d.norm = d.network.normalization();
  const ConfigTable norm = w.table("normalization");
  if (norm.contains("mean")) d.norm.mean = get_floats(norm, "mean");
  if (norm.contains("std")) d.norm.std = get_floats(norm, "std");
  d.norm.pixel_scale = static_cast<float>(get_finite(norm, "pixel_scale", d.norm.pixel_scale));
  for (const float v : d.norm.std) {
    if (!(v > 0.0F)) norm.fail("std", "must be > 0");
  }
  const auto channels = static_cast<std::size_t>(d.dataset.channels);
  if (d.norm.mean.size() != 1 && d.norm.mean.size() != channels) {
    norm.fail("mean", fmt::format("needs 1 or {} values (channels)", channels));
  }
  if (d.norm.std.size() != 1 && d.norm.std.size() != channels) {
    norm.fail("std", fmt::format("needs 1 or {} values (channels)", channels));
  }
  try {
    const nn::Dataset calibration_set = nn::load_dataset(s.calibration_spec, s.calibration_samples);
    if (s.calibration_samples > calibration_set.count()) {
      cal.fail("samples", fmt::format("{} has only {} samples", calibration_set.name,
                                      calibration_set.count()));
    }
    d.calibration = nn::prepare_calibration(
        nn::record_layer_inputs(d.network, calibration_set, d.norm, s.calibration_samples,
                                s.calibration_vectors),
        s.analog);
  } catch (const IoError& e) {
    cal.fail("dataset", e.what());
  }
  try {
    (void)nn::select_layers(d.network.linear_layers(), s.analog.layers);
  } catch (const InvalidArgument& e) {
    w.fail("analog_layers", e.what());
  }
  const nn::FloatExecutor float_products(d.network.linear_layers());
  d.float_top1 =
      nn::evaluate(d.network, d.dataset, float_products, d.norm, s.evaluate).top1_fraction();
  return std::make_unique<DnnWorkload>(std::move(device), context, std::move(s), std::move(d));
}

}  // namespace kirchhoff::montecarlo
