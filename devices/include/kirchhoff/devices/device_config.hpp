// Device models from configuration. A device is described by a TOML table (a preset file in
// data/devices/, a user's device file, or the [device] table of a campaign):
//
//   name = "pcm-joshi2020"                     # presets only
//   model = "pcm"                              # which model implementation
//   description = "..."                        # one line, shown by `kirchhoff device list`
//   source = "Joshi et al., Nat. Commun. 11:2473 (2020)"
//   [parameters]                               # the model's parameters, each with its unit
//   g_max = "25uS"                             # Joshi 2020, Methods
//
// Every model reads the common parameters below from [parameters], plus its own.
#pragma once

#include <memory>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

// Reads the parameters every model shares from a [parameters] table:
//   g_min, g_max (conductances), levels (integer, 0 = continuous), clip (bool),
//   stuck_off_rate, stuck_on_rate (probabilities), drift_measured_until (a time: the latest
//   read of the data a drift was fitted on, written by `kirchhoff fit drift`).
// Absent keys keep the values of `defaults` (a model's published range). Throws ConfigError at
// the offending key for a value outside what is allowed.
CommonParameters read_common_parameters(const ConfigTable& parameters,
                                        const CommonParameters& defaults);

// A model factory: builds a model from its [parameters] table, reading every key it knows
// (unknown keys are reported by Config::check_unknown_keys afterwards).
using ModelFactory = std::unique_ptr<DeviceModel> (*)(const ConfigTable& parameters);

}  // namespace kirchhoff::devices
