// The "array" workload: per trial, map a weight matrix onto crossbar tiles of the campaign's
// device (crossbar::AnalogMatrix), then at every read time multiply a batch of random input
// vectors through the periphery and compare with the ideal product y = Wᵀx of the target
// weights (docs/campaigns.md, "Array workload").
//
//   [workload]
//   kind = "array"
//   rows = 256                   # inputs (word lines) of the weight matrix
//   cols = 256                   # outputs (bit lines)
//   read_noise = true
//   single_precision_signal = false  # the signal product in float (MvmOptions)
//   ir_drop = "none"             # or "exact" (nodal analysis) / "approx" (first order)
//   [workload.wires]             # with exact / approx: r_row, r_col, r_driver, r_sense (ohm)
//   [workload.weights]           # uniform on [min, max] or normal(mean, std)
//   distribution = "uniform"
//   resample = "trial"           # or "point": one matrix for every trial of a point
//   [workload.inputs]            # the batch of input vectors of every read time
//   count = 64
//   distribution = "uniform"     # on [min, max], default the DAC input range
//   [workload.mapping]           # crossbar::MappingOptions
//   [workload.tile]              # crossbar::TileShape
//   [workload.dac]               # crossbar::DacOptions
//   [workload.adc]               # crossbar::AdcOptions (+ calibration_vectors)
//   [workload.cost]              # optional: technology = "hermes-pcm-14nm" (or a file) adds
//                                # energy_per_mvm, cell_energy_per_mvm, adc_energy_per_mvm,
//                                # latency_per_mvm, tops_per_watt, area (docs/cost.md)
//
// Randomness, all with CellAddress{seed, point, trial, 0} unless said otherwise:
//   weights        StreamId::workload_weights, element = i · cols + j (row-major);
//                  resample = "trial": (point, trial), substream 0;
//                  resample = "point": (point, trial 0), substream 1
//   input vectors  StreamId::input_vectors, substream 0, element = n · rows + i
//   calibration    StreamId::input_vectors, substream 1, element = n · rows + i
//   devices, read noise, ADC mismatch and output noise: the MVM engine's layout (mvm.hpp), read
//   id = ReadTime::index = time index.
#pragma once

#include <memory>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/montecarlo/workload.hpp"

namespace kirchhoff::workloads {

std::unique_ptr<montecarlo::Workload> make_array_workload(
    const Config& config, const montecarlo::WorkloadContext& context);

}  // namespace kirchhoff::workloads
