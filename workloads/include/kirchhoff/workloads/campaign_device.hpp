// The device of a campaign point, shared by the workloads that program cells.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace kirchhoff::workloads {

// The device of the point's [device] table (preset or model, with parameter overrides:
// devices::make_device). ConfigError at 'device' naming `workload_kind` when there is no such
// table.
[[nodiscard]] devices::Device campaign_device(const Config& config, std::string_view workload_kind);

// The warnings about a device at a campaign's read times (Workload::warnings): its drift used
// beyond the data it was fitted on.
[[nodiscard]] std::vector<std::string> device_warnings(const devices::Device& device,
                                                       std::span<const double> read_times_s);

}  // namespace kirchhoff::workloads
