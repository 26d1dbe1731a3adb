// The "dnn" workload: per trial (one chip), program the chosen layers of an ONNX network on
// crossbar tiles of the campaign's device (nn::AnalogNetwork), then at every read time classify
// the test samples and record the accuracy (docs/nn-analog.md, docs/campaigns.md).
//
//   [workload]
//   kind = "dnn"
//   model = "../models/cnn.onnx"   # relative to the campaign file (or absolute)
//   dataset = "fashion-mnist:test" # nn::load_dataset spec
//   samples = 1000                 # the first N samples (default: all)
//   batch = 128                    # samples per forward pass
//   analog_layers = ["*"]          # names or glob patterns of the analog layers; [] = none
//   read_noise = true
//   single_precision_signal = true # the signal product T·v in float (crossbar::MvmOptions)
//   compensation = "none"          # drift compensation: "none", "global" or "per_column"
//   reference_time = "20s"         # the reference readout after programming
//   reference_vectors = 256        # inputs of each reference readout
//   [workload.normalization]       # mean, std (per channel or one), pixel_scale: overrides the
//                                  # model's metadata
//   [workload.calibration]         # samples = 256 (the first N of `dataset`, or of
//                                  # calibration.dataset), vectors = 4096 per layer kept,
//                                  # input_percentile = 1.0, dataset = ...
//   ir_drop = "none"               # or "exact" / "approx", with [workload.wires], as for "array"
//   [workload.mapping], [workload.tile], [workload.dac], [workload.adc]  as for "array"; without
//   [workload.dac] input_range the DAC range of each layer is calibrated.
//
// Metrics per read time: top1_accuracy (and top5_accuracy with more than 5 classes), both with
// bernoulli_samples = samples; clipped_fraction of the ADC conversions; float_top1_accuracy
// (the same network in float, the same for every trial).
//
// Randomness: nn::AnalogNetwork's layout with CellAddress{seed, point, trial, 0}; read time k
// is ReadTime index k. The samples are evaluated in their file order (no random subset).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/montecarlo/workload.hpp"

namespace kirchhoff::workloads {

std::unique_ptr<montecarlo::Workload> make_dnn_workload(const Config& config,
                                                        const montecarlo::WorkloadContext& context);

// A dataset spec at `key` of a table (docs/nn-data.md), `fallback` where the key is absent: a
// directory it names is relative to the file that names it, like every path in a campaign;
// "fashion-mnist..." is a name. Shared with `kirchhoff nn cost`, which reads the campaign's.
[[nodiscard]] std::string dataset_spec_at(const ConfigTable& table, std::string_view key,
                                          const std::string& fallback);

}  // namespace kirchhoff::workloads
