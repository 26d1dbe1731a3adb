// Writing result files without ever damaging an existing one: the content goes to a temporary
// file in the same directory, which is renamed over the destination only when complete, and
// only when the destination does not exist or replacing it was asked for (--force).
#pragma once

#include <filesystem>
#include <functional>

namespace kirchhoff::cli {

// Refuses (IoError) an existing `destination` unless `force`; calls write(temporary path);
// renames the temporary file to `destination`. On any error the temporary file is removed and
// the destination is untouched.
void write_output_file(const std::filesystem::path& destination, bool force,
                       const std::function<void(const std::filesystem::path&)>& write);

}  // namespace kirchhoff::cli
