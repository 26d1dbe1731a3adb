#include "kirchhoff/workloads/registry.hpp"

#include "kirchhoff/workloads/array_workload.hpp"
#include "kirchhoff/workloads/device_workload.hpp"
#include "kirchhoff/workloads/dnn_workload.hpp"

namespace kirchhoff::workloads {

const montecarlo::WorkloadRegistry& builtin_registry() {
  static const montecarlo::WorkloadRegistry registry = [] {
    montecarlo::WorkloadRegistry r;
    r.add("array", &make_array_workload);
    r.add("device", &make_device_workload);
    r.add("dnn", &make_dnn_workload);
    return r;
  }();
  return registry;
}

}  // namespace kirchhoff::workloads
