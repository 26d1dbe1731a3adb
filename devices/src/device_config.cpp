#include "kirchhoff/devices/device_config.hpp"

#include <fmt/format.h>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::devices {

CommonParameters read_common_parameters(const ConfigTable& parameters,
                                        const CommonParameters& defaults) {
  CommonParameters common = defaults;
  common.g_min_siemens =
      parameters.get_quantity_or("g_min", Dimension::conductance, defaults.g_min_siemens);
  common.g_max_siemens =
      parameters.get_quantity_or("g_max", Dimension::conductance, defaults.g_max_siemens);
  common.levels = parameters.get_or<std::uint32_t>("levels", defaults.levels);
  common.clip = parameters.get_or("clip", defaults.clip);
  common.stuck_off_rate = parameters.get_or("stuck_off_rate", defaults.stuck_off_rate);
  common.stuck_on_rate = parameters.get_or("stuck_on_rate", defaults.stuck_on_rate);
  common.drift_measured_until_s = parameters.get_quantity_or(
      "drift_measured_until", Dimension::time, defaults.drift_measured_until_s);
  if (parameters.contains("drift_measured_until") && !(common.drift_measured_until_s > 0.0)) {
    parameters.fail("drift_measured_until", "must be > 0 s (the latest read of the drift data)");
  }

  if (!(common.g_max_siemens > common.g_min_siemens)) {
    // Blame the key the user wrote: g_max if given, else g_min against the default g_max.
    const auto g_min = format_quantity(common.g_min_siemens, Dimension::conductance);
    const auto g_max = format_quantity(common.g_max_siemens, Dimension::conductance);
    if (parameters.contains("g_max")) {
      parameters.fail("g_max",
                      fmt::format("must be greater than g_min ({}), got {}", g_min, g_max));
    }
    parameters.fail("g_min", fmt::format("must be less than g_max ({}), got {}", g_max, g_min));
  }
  if (common.levels == 1) parameters.fail("levels", "must be 0 (continuous) or at least 2, got 1");
  for (auto [key, rate] : {std::pair{"stuck_off_rate", common.stuck_off_rate},
                           std::pair{"stuck_on_rate", common.stuck_on_rate}}) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      parameters.fail(key, fmt::format("must be a probability in [0, 1], got {}", rate));
    }
  }
  if (common.stuck_off_rate + common.stuck_on_rate > 1.0) {
    parameters.fail("stuck_on_rate", "stuck_off_rate + stuck_on_rate must be at most 1");
  }
  common.validate();  // anything left is a programming error of the caller's defaults
  return common;
}

}  // namespace kirchhoff::devices
