#include "kirchhoff/nn/analog_config.hpp"

#include <fmt/format.h>

#include <vector>

#include "kirchhoff/core/config_checks.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::nn {

namespace {

std::vector<std::string> get_layer_patterns(const ConfigTable& t) {
  if (!t.contains("analog_layers")) return {"*"};
  if (t.type("analog_layers") == ConfigType::string) {
    const std::string v = t.get<std::string>("analog_layers");
    if (v == "all") return {"*"};
    if (v == "none") return {};
    return {v};
  }
  return t.get_array<std::string>("analog_layers");
}

// compensation, reference_time, reference_vectors.
void read_compensation(const ConfigTable& t, AnalogOptions& options) {
  options.compensation = static_cast<DriftCompensation>(
      get_choice(t, "compensation", "none", {"none", "global", "per_column"}));
  const bool compensated = options.compensation != DriftCompensation::none;
  reject_unless(t, "reference_time", compensated,
                "with compensation = \"global\" or \"per_column\"");
  reject_unless(t, "reference_vectors", compensated,
                "with compensation = \"global\" or \"per_column\"");
  options.reference_time_s = t.get_quantity_or("reference_time", Dimension::time, 20.0);
  if (!(options.reference_time_s > 0.0)) t.fail("reference_time", "must be > 0 s");
  options.reference_vectors = get_count(t, "reference_vectors", 256, 1, 65536);
}

void read_calibration(const ConfigTable& cal, AnalogSettings& s) {
  if (cal.contains("dataset")) s.calibration_dataset = cal.get<std::string>("dataset");
  s.calibration_samples = get_count(cal, "samples", 256, 1, 1 << 20);
  s.calibration_vectors = get_count(cal, "vectors", 4096, 1, 1 << 20);
  s.options.input_percentile = get_finite(cal, "input_percentile", 1.0);
  if (!(s.options.input_percentile > 0.0 && s.options.input_percentile <= 1.0)) {
    cal.fail("input_percentile", "must be in (0, 1]");
  }
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

}  // namespace

AnalogSettings read_analog_options(const ConfigTable& t, const devices::DeviceModel& model,
                                   std::uint32_t read_times) {
  AnalogSettings s;
  AnalogOptions& options = s.options;
  options.mvm = crossbar::read_mvm_options(t, model);
  // The calibration inputs of a network come from its dataset ([calibration]), not from a
  // random batch as in the array workload.
  const ConfigTable adc = t.table("adc");
  reject_unless(adc, "calibration_vectors",
                options.mvm.periphery.adc.range_mode == crossbar::AdcRangeMode::calibrated,
                "with range_mode = \"calibrated\"");
  reject_unless(adc, "calibration_vectors", false,
                "by the array workload (the dnn workload has [workload.calibration])");
  options.mvm.read_noise = t.get_or("read_noise", true);
  // The network's activations are single precision anyway; the signal product in float is about
  // twice as fast and adds a relative error of ~1e-7 (crossbar::MvmOptions).
  options.mvm.single_precision_signal = t.get_or("single_precision_signal", true);
  options.calibrate_inputs = !t.table("dac").contains("input_range");
  s.response = crossbar::read_array_response(t);
  options.response = s.response.response();
  options.layers = get_layer_patterns(t);
  read_compensation(t, options);
  options.read_times = read_times;
  read_calibration(t.table("calibration"), s);
  check_table(t, [&] { options.validate(); });
  return s;
}

Normalization read_normalization(const ConfigTable& t, const Normalization& model_default,
                                 std::int64_t channels) {
  Normalization norm = model_default;
  const ConfigTable table = t.table("normalization");
  if (table.contains("mean")) norm.mean = get_floats(table, "mean");
  if (table.contains("std")) norm.std = get_floats(table, "std");
  norm.pixel_scale = static_cast<float>(get_finite(table, "pixel_scale", norm.pixel_scale));
  for (const float v : norm.std) {
    if (!(v > 0.0F)) table.fail("std", "must be > 0");
  }
  const auto count = static_cast<std::size_t>(channels);
  if (norm.mean.size() != 1 && norm.mean.size() != count) {
    table.fail("mean", fmt::format("needs 1 or {} values (channels)", count));
  }
  if (norm.std.size() != 1 && norm.std.size() != count) {
    table.fail("std", fmt::format("needs 1 or {} values (channels)", count));
  }
  return norm;
}

const char* compensation_name(DriftCompensation compensation) noexcept {
  switch (compensation) {
    case DriftCompensation::none:
      return "none";
    case DriftCompensation::global:
      return "global";
    case DriftCompensation::per_column:
      return "per column";
  }
  return "none";
}

}  // namespace kirchhoff::nn
