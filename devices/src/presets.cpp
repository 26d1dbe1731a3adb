#include "kirchhoff/devices/presets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "kirchhoff/devices/pcm.hpp"
#include "kirchhoff/devices/pulse.hpp"
#include "kirchhoff/devices/rram.hpp"

namespace kirchhoff::devices {

namespace {

// Every model kind and its factory. A new model adds one line here.
const std::map<std::string, ModelFactory, std::less<>>& registry() {
  static const std::map<std::string, ModelFactory, std::less<>> factories = {
      {"generic", make_generic_model},
      {"pcm-hermes2023", make_pcm_hermes2023_model},
      {"pcm-joshi2020", make_pcm_joshi2020_model},
      {"pulse-nonlinear", make_pulse_nonlinear_model},
      {"rram-hfox-cmo", make_rram_hfox_cmo_model},
      {"rram-milo2021", make_rram_milo2021_model},
      {"rram-wan2022", make_rram_wan2022_model},
  };
  return factories;
}

bool looks_like_path(std::string_view text) {
  return text.find('/') != std::string_view::npos || text.ends_with(".toml");
}

DeviceDescription describe(const ConfigTable& table, const std::filesystem::path& file) {
  DeviceDescription d;
  d.name = table.get_or("name", file.empty() ? std::string() : file.stem().string());
  d.model = table.get_or("model", "");
  d.description = table.get_or("description", "");
  d.source = table.get_or("source", "");
  d.file = file;
  return d;
}

std::string join_paths(const std::vector<std::filesystem::path>& paths,
                       std::string_view separator) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : std::string(separator)) + p.string();
  return out;
}

// Follows `preset = ...` links down to a file that names its model, merging every file's
// [parameters] on the way (the outer file wins). `chain` collects the files visited, outermost
// first, and `descriptions` what each says about itself.
Config resolve_preset_chain(const ConfigTable& table, std::vector<std::filesystem::path>& chain,
                            std::vector<DeviceDescription>& descriptions) {
  const std::string preset = table.get<std::string>("preset");
  std::filesystem::path file;
  if (looks_like_path(preset)) {
    // A device file named in a file is relative to that file (command-line values: the current
    // directory), like every path a campaign names.
    file = table.get_path("preset");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      table.fail("preset", fmt::format("device file '{}' does not exist (looked for '{}', relative "
                                       "to {})",
                                       preset, file.string(), table.describe_path_base("preset")));
    }
  } else {
    try {
      file = resolve_device_file(preset);
    } catch (const Error& e) {
      table.fail("preset", e.what());  // an unknown preset, at the key
    }
  }
  const auto canonical = std::filesystem::weakly_canonical(file);
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
    table.fail("preset", fmt::format("'{}' leads back to itself through {}", preset,
                                     join_paths(chain, " -> ")));
  }
  chain.push_back(canonical);
  Config base = Config::load_file(file);
  const ConfigTable root = base.root();
  descriptions.push_back(describe(root, file));
  if (!root.contains("preset")) return base;
  if (root.contains("model")) {
    root.fail("preset", "a device file names either 'model' or 'preset', not both");
  }
  Config deeper = resolve_preset_chain(root, chain, descriptions);
  deeper.overlay("parameters", root.table("parameters"));
  root.table("parameters").accept_any_keys();  // checked in the merged document instead
  base.check_unknown_keys();                   // this file's other keys
  return deeper;
}

}  // namespace

std::vector<std::filesystem::path> preset_directories() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("KIRCHHOFF_DATA_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(std::filesystem::path(env) / "devices");
  }
  candidates.emplace_back(std::filesystem::path(KIRCHHOFF_DATA_DIR) / "devices");
  candidates.emplace_back(std::filesystem::path(KIRCHHOFF_INSTALL_DATA_DIR) / "devices");
  std::vector<std::filesystem::path> found;
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) found.push_back(dir);
  }
  return found;
}

std::vector<DeviceDescription> list_presets() {
  std::map<std::string, DeviceDescription> by_name;
  for (const auto& dir : preset_directories()) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".toml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const std::string name = file.stem().string();
      if (by_name.contains(name)) continue;
      const Config config = Config::load_file(file);
      by_name.emplace(name, describe(config.root(), file));
    }
  }
  std::vector<DeviceDescription> presets;
  for (auto& [name, d] : by_name) presets.push_back(std::move(d));
  return presets;
}

std::filesystem::path resolve_device_file(std::string_view name_or_path) {
  if (looks_like_path(name_or_path)) {
    std::filesystem::path file(name_or_path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      throw IoError(fmt::format("device file '{}' does not exist", name_or_path));
    }
    return file;
  }
  const auto dirs = preset_directories();
  std::vector<std::string> names;
  for (const auto& dir : dirs) {
    const auto file = dir / (std::string(name_or_path) + ".toml");
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) return file;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
    }
  }
  std::string message = fmt::format("unknown device preset '{}'", name_or_path);
  if (auto match = closest_match(name_or_path, names)) {
    message += fmt::format("; did you mean '{}'?", *match);
  }
  message +=
      fmt::format(" ('kirchhoff device list' shows the presets; searched: {})",
                  dirs.empty() ? std::string("no preset directory found") : join_paths(dirs, ", "));
  throw ConfigError({}, "", message);
}

std::vector<std::string> model_kinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : registry()) kinds.push_back(kind);
  return kinds;
}

Device make_device(const ConfigTable& table) {
  const bool has_model = table.contains("model"), has_preset = table.contains("preset");
  if (has_model == has_preset) {
    table.fail_table(has_model ? "give either 'model' or 'preset', not both"
                               : "needs 'model' (a model kind) or 'preset' (a preset name or a "
                                 "device file)");
  }
  if (has_model) {
    Device device{describe(table, {}), nullptr};
    const auto& factories = registry();
    const auto it = factories.find(device.description.model);
    if (it == factories.end()) {
      const auto kinds = model_kinds();
      std::string message = fmt::format("unknown model '{}'", device.description.model);
      if (auto match = closest_match(device.description.model, kinds)) {
        message += fmt::format("; did you mean '{}'?", *match);
      }
      table.fail("model", message + fmt::format(" (known models: {})", fmt::join(kinds, ", ")));
    }
    device.model = it->second(table.table("parameters"));
    return device;
  }

  std::vector<std::filesystem::path> chain;
  std::vector<DeviceDescription> descriptions{describe(table, {})};
  Config merged = resolve_preset_chain(table, chain, descriptions);
  merged.overlay("parameters", table.table("parameters"));
  // The table's own parameters are checked in the merged document, at their own locations.
  table.table("parameters").accept_any_keys();
  Device device = make_device(merged.root());
  merged.check_unknown_keys();
  // Each field from the outermost description that has it.
  device.description = descriptions.back();
  for (auto it = descriptions.rbegin() + 1; it != descriptions.rend(); ++it) {
    if (!it->name.empty()) device.description.name = it->name;
    if (!it->description.empty()) device.description.description = it->description;
    if (!it->source.empty()) device.description.source = it->source;
  }
  device.description.file = chain.front();
  return device;
}

Device load_device(std::string_view name_or_path) {
  const std::filesystem::path file = resolve_device_file(name_or_path);
  const Config config = Config::load_file(file);
  Device device = make_device(config.root());
  config.check_unknown_keys();
  device.description.file = file;
  if (!config.root().contains("name")) device.description.name = file.stem().string();
  return device;
}

}  // namespace kirchhoff::devices
