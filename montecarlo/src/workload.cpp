#include "kirchhoff/montecarlo/workload.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"

namespace kirchhoff::montecarlo {

void WorkloadRegistry::add(std::string kind, WorkloadFactory factory) {
  if (kind.empty()) throw InvalidArgument("WorkloadRegistry::add: empty workload kind");
  if (!factory) {
    throw InvalidArgument(fmt::format("WorkloadRegistry::add: no factory for '{}'", kind));
  }
  const std::string name = kind;
  if (!factories_.emplace(std::move(kind), std::move(factory)).second) {
    throw InvalidArgument(
        fmt::format("WorkloadRegistry::add: workload kind '{}' is already registered", name));
  }
}

bool WorkloadRegistry::contains(std::string_view kind) const {
  return factories_.find(kind) != factories_.end();
}

std::vector<std::string> WorkloadRegistry::kinds() const {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : factories_) kinds.push_back(kind);
  return kinds;
}

std::unique_ptr<Workload> WorkloadRegistry::make(const Config& config,
                                                 const WorkloadContext& context) const {
  const ConfigTable table = config.table("workload");
  const std::string kind = table.get<std::string>("kind");
  if (const auto it = factories_.find(kind); it != factories_.end()) {
    return it->second(config, context);
  }
  const auto names = kinds();
  std::string message = fmt::format("unknown workload '{}'", kind);
  if (const auto match = closest_match(kind, names)) {
    message += fmt::format("; did you mean '{}'?", *match);
  }
  if (names.empty()) table.fail("kind", message + " (no workload kinds are registered)");
  table.fail("kind", message + fmt::format(" (available: {})", fmt::join(names, ", ")));
}

}  // namespace kirchhoff::montecarlo
