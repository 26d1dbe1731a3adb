#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp (POSIX)

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace kirchhoff::testing {

TempDir::TempDir(std::string_view name) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("kirchhoff-" + std::string(name) + "-XXXXXX"))
          .string();
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "cannot create a temporary directory " << pattern;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (std::getenv("KIRCHHOFF_KEEP_TEST_FILES") != nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

void write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace kirchhoff::testing
