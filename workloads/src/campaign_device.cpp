#include "kirchhoff/workloads/campaign_device.hpp"

#include <fmt/format.h>

namespace kirchhoff::workloads {

devices::Device campaign_device(const Config& config, std::string_view workload_kind) {
  if (!config.root().contains("device")) {
    config.root().fail("device", fmt::format("the {} workload needs a [device] table (preset = "
                                             "\"...\" or model = \"...\")",
                                             workload_kind));
  }
  return devices::make_device(config.table("device"));
}

}  // namespace kirchhoff::workloads
