// The analog-network options of a dnn [workload] table (docs/nn-analog.md): the crossbar
// tables through crossbar::read_mvm_options, ir_drop and [wires], the layers on tiles, read
// noise, drift compensation and [calibration]; and [normalization], which needs the dataset.
// The dnn workload and `kirchhoff nn eval --campaign` both read with these. Every reader fails
// with ConfigError at the key ("file:line:column: key 'workload.compensation': ...").
//
//   const ConfigTable w = config.table("workload");
//   const nn::AnalogSettings analog = nn::read_analog_options(w, *device.model, read_times);
//   ...load the network and the dataset...
//   const nn::Normalization norm =
//       nn::read_normalization(w, network.normalization(), dataset.channels);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/crossbar/options_config.hpp"
#include "kirchhoff/devices/device_model.hpp"
#include "kirchhoff/nn/analog.hpp"
#include "kirchhoff/nn/network.hpp"

namespace kirchhoff::nn {

struct AnalogSettings {
  AnalogOptions options;
  crossbar::ArrayResponseSettings response;  // what options.response was made from
  // [calibration]: the first `calibration_samples` samples of `calibration_dataset` (none: of
  // the evaluated dataset), `calibration_vectors` inputs kept per layer.
  std::optional<std::string> calibration_dataset;
  std::int64_t calibration_samples = 256;
  std::int64_t calibration_vectors = 4096;
};

// The options of chips of `model` evaluated at `read_times` read times. Without [dac]
// input_range the DAC range of each layer is calibrated. The layer patterns are checked
// against a network later (nn::select_layers), when there is one.
[[nodiscard]] AnalogSettings read_analog_options(const ConfigTable& t,
                                                 const devices::DeviceModel& model,
                                                 std::uint32_t read_times);

// The input normalisation: `model_default` (the network's metadata) with the keys of
// [normalization] (mean, std: one value or one per channel; pixel_scale) replacing its own,
// checked against the dataset's `channels`.
[[nodiscard]] Normalization read_normalization(const ConfigTable& t,
                                               const Normalization& model_default,
                                               std::int64_t channels);

// "none", "global", "per column".
[[nodiscard]] const char* compensation_name(DriftCompensation compensation) noexcept;

}  // namespace kirchhoff::nn
