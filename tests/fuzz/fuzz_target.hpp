// Shared by the fuzz targets of tests/fuzz (docs/development.md, "Fuzzing"). Each target is one
// LLVMFuzzerTestOneInput that hands its input to a real parser of outside input. A
// kirchhoff::Error is the documented answer to bad input (the program prints it and exits 2);
// anything else escapes the target: another exception (std::bad_alloc, std::out_of_range, ...)
// terminates the process, and libFuzzer, the sanitizers or the replay test report it.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::fuzz {

// Runs one parse; swallows only the project's own errors.
template <typename F>
void expect_only_documented_errors(F&& parse) {
  try {
    parse();
  } catch (const kirchhoff::Error&) {
  }
}

// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property of the parser's result that must hold for every input it accepts; a violation is a
// finding like a crash.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz target: %s\n", what);
    std::abort();
  }
}

// A file in a private scratch directory, for the parsers that read paths (HDF5, IDX); removed
// with the process's directory at exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name) : path_(directory() / name) {}
  // Replaces the file's content.
  void write(std::string_view bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    require(out.good(), "cannot write the scratch file");
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  static const std::filesystem::path& directory() {
    static const Directory dir;
    return dir.path;
  }
  struct Directory {
    std::filesystem::path path;
    Directory() {
      const char* tmp = std::getenv("TMPDIR");
      path = std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
             ("kirchhoff-fuzz-" + std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Directory() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
    Directory(const Directory&) = delete;
    Directory& operator=(const Directory&) = delete;
  };
  std::filesystem::path path_;
};

}  // namespace kirchhoff::fuzz
