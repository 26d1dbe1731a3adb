// The one exception hierarchy of Kirchhoff. Every error the library reports derives from
// kirchhoff::Error (itself a std::runtime_error); messages say what was wrong, where (file,
// line, key) and what is allowed. The library never calls exit(): the program catches Error,
// prints what() and exits non-zero. Broken internal invariants are assertions, not exceptions.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace kirchhoff {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where in a text file something was found; line and column are 1-based, 0 when unknown.
struct TextLocation {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  // "file:line:column", omitting the parts that are unknown.
  [[nodiscard]] std::string str() const;
};

// A configuration value or structure is invalid (wrong type, unknown key, bad unit, out of range).
class ConfigError : public Error {
 public:
  ConfigError(TextLocation where, std::string key, const std::string& what);
  [[nodiscard]] const TextLocation& where() const noexcept { return where_; }
  [[nodiscard]] const std::string& key() const noexcept { return key_; }

 private:
  TextLocation where_;
  std::string key_;
};

// A value given to the library through its API is outside what is allowed.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// Reading or writing a file failed (missing file, permission, HDF5 library error).
class IoError : public Error {
 public:
  using Error::Error;
};

// A file exists and is readable but is not what was expected: another filetype, an unknown
// schema major version, a malformed record.
class FormatError : public IoError {
 public:
  using IoError::IoError;
};

// A numerical procedure did not reach its goal (no convergence, singular system).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace kirchhoff
