#include "kirchhoff/core/error.hpp"

#include <fmt/format.h>

namespace kirchhoff {

std::string TextLocation::str() const {
  if (line == 0) return file;
  if (column == 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string config_message(const TextLocation& where, const std::string& key,
                           const std::string& what) {
  std::string prefix = where.str();
  if (!prefix.empty()) prefix += ": ";
  if (!key.empty()) prefix += fmt::format("key '{}': ", key);
  return prefix + what;
}
}  // namespace

ConfigError::ConfigError(TextLocation where, std::string key, const std::string& what)
    : Error(config_message(where, key, what)), where_(std::move(where)), key_(std::move(key)) {}

}  // namespace kirchhoff
