// Presets and device files. A preset is a TOML file in data/devices/ (format: device_config.hpp)
// loadable by name ("pcm-joshi2020"); a user's device file has the same format, and may start
// from a preset and override any of its parameters:
//
//   preset = "pcm-joshi2020"        # a preset name or the path of another device file
//   [parameters]
//   g_max = "20uS"                  # replaces the preset's value
//
// The [device] table of a campaign file works the same way.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/device_config.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

// What a device file says about itself.
struct DeviceDescription {
  std::string name;         // the preset's name (for a user file without one: the file's stem)
  std::string model;        // model kind
  std::string description;  // one line
  std::string source;       // where the numbers come from
  std::filesystem::path file;
};

struct Device {
  DeviceDescription description;
  std::unique_ptr<DeviceModel> model;
};

// Directories searched for presets, in order: $KIRCHHOFF_DATA_DIR/devices when that variable is
// set, the source tree's data/devices (builds used in place), the installed
// <prefix>/share/kirchhoff/devices. Only existing directories are returned.
std::vector<std::filesystem::path> preset_directories();

// Every preset found, sorted by name; for a name in several directories the first one wins.
std::vector<DeviceDescription> list_presets();

// A preset name or a file path (anything containing '/' or ending in ".toml") to the device
// file. Throws ConfigError for an unknown preset, with a suggestion and where it looked, and
// IoError for a missing file.
std::filesystem::path resolve_device_file(std::string_view name_or_path);

// The model kinds this build knows, sorted.
std::vector<std::string> model_kinds();

// Builds the device a table describes: `model = KIND` with [parameters], or `preset = NAME|PATH`
// with optional [parameters] overrides. Reads only the keys it knows (name, model, preset,
// description, source, parameters), so the caller's Config::check_unknown_keys still reports
// typos elsewhere; unknown parameters are reported here, at their file and line.
Device make_device(const ConfigTable& table);

// Loads a preset by name or a device file by path.
Device load_device(std::string_view name_or_path);

}  // namespace kirchhoff::devices
