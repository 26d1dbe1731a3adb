// The optional [workload.cost] table of the array and dnn workloads (docs/cost.md, "In
// campaigns"): technology = a preset name or a technology file, relative to the campaign.
#pragma once

#include <optional>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/cost/technology.hpp"

namespace kirchhoff::workloads {

// The technology of [workload.cost] of `w`, or none without the table. Errors are located at
// the key, or inside the technology file.
[[nodiscard]] std::optional<cost::Technology> read_cost_table(const ConfigTable& w);

}  // namespace kirchhoff::workloads
