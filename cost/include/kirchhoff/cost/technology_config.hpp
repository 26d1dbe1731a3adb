// Technology files (docs/cost.md, "Technology files"): a TOML file with [array], [dac], [adc]
// and [digital], read with the project's config reader, so a wrong key or value is reported at
// its file, line and key with what is allowed (ConfigError; the command line exits with 2).
// Presets live in data/technology/ ("hermes-pcm-14nm", "rram-1t1r-22nm"); a user's own file in
// the same form is given by its path.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/cost/technology.hpp"

namespace kirchhoff::cost {

// The technology of a parsed file (its root table); every key is checked, unknown ones too.
[[nodiscard]] Technology read_technology(const Config& config);
// A preset name or a path (containing '/' or ending in .toml), with command-line overrides
// ("array.read_phases=4", Config::set_override) applied before it is read. Unknown names:
// ConfigError with the known presets and a "did you mean".
[[nodiscard]] Technology load_technology(std::string_view name_or_path,
                                         const std::vector<std::string>& overrides = {});

// The directories searched for presets: $KIRCHHOFF_DATA_DIR/technology, the source tree's and
// the installed data/technology.
[[nodiscard]] std::vector<std::filesystem::path> technology_directories();
// The preset names found there, sorted.
[[nodiscard]] std::vector<std::string> technology_presets();

}  // namespace kirchhoff::cost
