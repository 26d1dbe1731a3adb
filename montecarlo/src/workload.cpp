#include "kirchhoff/montecarlo/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "kirchhoff/core/text.hpp"
#include "kirchhoff/montecarlo/array_workload.hpp"
#include "kirchhoff/montecarlo/device_workload.hpp"
#include "kirchhoff/montecarlo/dnn_workload.hpp"

namespace kirchhoff::montecarlo {

namespace {

using Factory = std::unique_ptr<Workload> (*)(const Config&, const WorkloadContext&);

// The registry of workload kinds. A new kind is one factory and one line here.
const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> factories = {
      {"array", &make_array_workload},
      {"device", &make_device_workload},
      {"dnn", &make_dnn_workload},
  };
  return factories;
}

}  // namespace

std::vector<std::string> workload_kinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : registry()) kinds.push_back(kind);
  return kinds;
}

devices::Device campaign_device(const Config& config, std::string_view workload_kind) {
  if (!config.root().contains("device")) {
    config.root().fail("device", fmt::format("the {} workload needs a [device] table (preset = "
                                             "\"...\" or model = \"...\")",
                                             workload_kind));
  }
  return devices::make_device(config.table("device"));
}

std::unique_ptr<Workload> make_workload(const Config& config, const WorkloadContext& context) {
  const ConfigTable table = config.table("workload");
  const std::string kind = table.get<std::string>("kind");
  if (const auto it = registry().find(kind); it != registry().end()) {
    return it->second(config, context);
  }
  const auto kinds = workload_kinds();
  std::string message = fmt::format("unknown workload '{}'", kind);
  if (const auto match = closest_match(kind, kinds)) {
    message += fmt::format("; did you mean '{}'?", *match);
  }
  table.fail("kind", message + fmt::format(" (available: {})", fmt::join(kinds, ", ")));
}

}  // namespace kirchhoff::montecarlo
