#include "files.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::montecarlo::detail {

std::filesystem::path with_suffix(const std::filesystem::path& path, std::string_view suffix) {
  auto result = path;
  result += suffix;
  return result;
}

bool file_exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

void remove_quietly(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

void write_then_rename(const std::filesystem::path& destination,
                       const std::function<void(const std::filesystem::path&)>& write) {
  const auto temporary = with_suffix(destination, fmt::format(".tmp-{}", ::getpid()));
  try {
    write(temporary);
    std::filesystem::rename(temporary, destination);
  } catch (const std::filesystem::filesystem_error& e) {
    remove_quietly(temporary);
    throw IoError(fmt::format("cannot write '{}': {}", destination.string(), e.code().message()));
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
}

}  // namespace kirchhoff::montecarlo::detail
