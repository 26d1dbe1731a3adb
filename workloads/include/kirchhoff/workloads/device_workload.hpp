// The "device" workload: per trial, program `cells` cells of the campaign's device (optionally
// with write-verify), then at every read time evolve and read them and compare the readings with
// the targets (docs/campaigns.md, "Device workload").
//
//   [workload]
//   kind = "device"
//   cells = 256
//   [workload.targets]
//   distribution = "uniform"     # on [min, max], default [g_min, g_max] of the device
//   min = "2uS"
//   max = "20uS"
//   # distribution = "list"; values = ["5uS", "10uS"]   (cell i gets values[i mod n])
//   [workload.write_verify]      # optional
//   tolerance = "0.5uS"
//   max_iterations = 30
//
// Randomness: targets from StreamId::workload_targets (element = cell); the device's own
// streams for everything else, with CellAddress{seed, point, trial, 0} and read id = time index.
#pragma once

#include <memory>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/montecarlo/workload.hpp"

namespace kirchhoff::workloads {

std::unique_ptr<montecarlo::Workload> make_device_workload(
    const Config& config, const montecarlo::WorkloadContext& context);

}  // namespace kirchhoff::workloads
