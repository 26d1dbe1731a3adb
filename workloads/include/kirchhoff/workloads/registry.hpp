// The workload kinds of the toolkit, for the campaign engine: "array" (crossbar MVM errors,
// array_workload.hpp), "device" (cell conductance errors, device_workload.hpp) and "dnn"
// (network accuracy, dnn_workload.hpp). A new kind is one factory and one line in registry.cpp.
//
//   const Campaign c = montecarlo::load_campaign(file, overrides, workloads::builtin_registry());
#pragma once

#include "kirchhoff/montecarlo/workload.hpp"

namespace kirchhoff::workloads {

[[nodiscard]] const montecarlo::WorkloadRegistry& builtin_registry();

}  // namespace kirchhoff::workloads
