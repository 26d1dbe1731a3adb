// Files of a run, internal to the engine: paths beside the output and writing through a
// temporary file renamed into place.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace kirchhoff::montecarlo::detail {

// `path` with `suffix` appended to its file name ("r.h5" -> "r.h5.spool").
[[nodiscard]] std::filesystem::path with_suffix(const std::filesystem::path& path,
                                                std::string_view suffix);
[[nodiscard]] bool file_exists(const std::filesystem::path& path);
void remove_quietly(const std::filesystem::path& path);

// Writes `destination` through a temporary name in the same directory (<destination>.tmp-PID),
// renamed into place when `write` returns; the temporary is removed when it throws. A failed
// rename is an IoError naming the destination.
void write_then_rename(const std::filesystem::path& destination,
                       const std::function<void(const std::filesystem::path&)>& write);

}  // namespace kirchhoff::montecarlo::detail
