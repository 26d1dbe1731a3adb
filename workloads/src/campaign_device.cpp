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

std::vector<std::string> device_warnings(const devices::Device& device,
                                         std::span<const double> read_times_s) {
  std::vector<std::string> warnings;
  if (auto extrapolation = devices::drift_extrapolation(device.model->common(), read_times_s)) {
    const auto& d = device.description;
    warnings.push_back(fmt::format("device '{}'{}: {}", d.name,
                                   d.file.empty() ? "" : fmt::format(" ({})", d.file.string()),
                                   *extrapolation));
  }
  return warnings;
}

}  // namespace kirchhoff::workloads
