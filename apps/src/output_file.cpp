#include "output_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::cli {

void write_output_file(const std::filesystem::path& destination, bool force,
                       const std::function<void(const std::filesystem::path&)>& write) {
  std::error_code ec;
  if (std::filesystem::exists(destination, ec) && !force) {
    throw IoError(
        fmt::format("output file '{}' exists; use --force to replace it", destination.string()));
  }
  auto temporary = destination;
  temporary += fmt::format(".tmp-{}", ::getpid());
  try {
    write(temporary);
    std::filesystem::rename(temporary, destination);
  } catch (const std::filesystem::filesystem_error& e) {
    std::filesystem::remove(temporary, ec);
    throw IoError(fmt::format("cannot write '{}': {}", destination.string(), e.code().message()));
  } catch (...) {
    std::filesystem::remove(temporary, ec);
    throw;
  }
}

}  // namespace kirchhoff::cli
