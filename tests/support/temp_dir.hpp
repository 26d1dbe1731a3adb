// Scratch files for tests: a fresh directory per TempDir, removed with everything in it at the
// end (kept when KIRCHHOFF_KEEP_TEST_FILES is set, to look at what a failing test wrote).
//
//   const TempDir dir("fit-cli");
//   write_text(dir / "data.csv", "target,programmed\n1e-5,1.1e-5\n");
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace kirchhoff::testing {

class TempDir {
 public:
  // A new directory <system temp>/kirchhoff-<name>-XXXXXX (mkdtemp: unique across processes
  // and concurrent ctest jobs).
  explicit TempDir(std::string_view name = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

// Writes (replaces) a file; a test failure when it cannot.
void write_text(const std::filesystem::path& path, std::string_view text);
void write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
// The whole file; "" and a test failure when it cannot be read.
[[nodiscard]] std::string read_text(const std::filesystem::path& path);

}  // namespace kirchhoff::testing
