// Campaign configuration: a parsed TOML document with typed access, quantities with units,
// locations for error messages, command-line overrides and detection of unknown keys.
//
//   Config config = Config::load_file("campaign.toml");
//   config.set_override("device.g_max=30uS");          // from --set
//   ConfigTable device = config.table("device");
//   double g_max = device.get_quantity("g_max", Dimension::conductance);
//   auto trials = config.root().get_or<std::int64_t>("trials", 1000);
//   if (trials < 1) config.root().fail("trials", fmt::format("must be >= 1, got {}", trials));
//   config.check_unknown_keys();                         // after everything has been read
//
// Every error is a ConfigError whose message starts with "file:line:column: key 'a.b': ";
// values set with set_override report "--set a.b=value" as their location.
//
// Keys passed to ConfigTable functions may be dotted paths ("device.g_max") relative to the
// table; each segment is a plain TOML key (keys containing '.' cannot be reached this way).
// A malformed key from the program (empty, "a..b") throws InvalidArgument.
//
// Usage tracking: every key the program asks about, through any function below and whether or
// not it is present, is recorded as known; check_unknown_keys() then reports keys in the file that
// the program never asked about (typos), with a "did you mean" suggestion.
//
// A Config and its ConfigTable views are not thread-safe (reading records usage). Views share
// ownership of the document, so they stay valid after the Config is gone, and they look their
// table up again on every access, so they see overrides applied after they were made.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff {

namespace detail {
struct ConfigDocument;  // the TOML tree and usage records, defined in config.cpp
// A step from a table to one of its values: a key, or an index into an array of tables.
using ConfigPathStep = std::variant<std::string, std::size_t>;

template <class T>
concept ConfigInteger = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                        !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                        !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

template <ConfigInteger T>
constexpr std::int64_t config_integer_min() {
  if constexpr (std::is_signed_v<T>) {
    return std::numeric_limits<T>::min();
  } else {
    return 0;
  }
}

template <ConfigInteger T>
constexpr std::int64_t config_integer_max() {
  if constexpr (std::in_range<std::int64_t>(std::numeric_limits<T>::max())) {
    return static_cast<std::int64_t>(std::numeric_limits<T>::max());
  } else {
    return std::numeric_limits<std::int64_t>::max();
  }
}
}  // namespace detail

// The types get<T>() can return: bool, any integer type (TOML integers are 64-bit; narrower types
// are range-checked), double (TOML integers are accepted too) and std::string.
template <class T>
concept ConfigValue = std::same_as<T, bool> || detail::ConfigInteger<T> ||
    std::same_as<T, double> || std::same_as<T, std::string>;

// What a key holds; `absent` when it is not there.
enum class ConfigType { absent, boolean, integer, floating, string, array, table, date_time };

// A view of one table of a Config: the root, a [table], a nested table or one element of an
// [[array of tables]]. A view of a table that does not exist behaves as an empty table.
class ConfigTable {
 public:
  // The dotted path of this table from the root: "" for the root, "device", "sweep[2]".
  [[nodiscard]] const std::string& path() const noexcept { return display_; }
  // Whether the table exists in the document.
  [[nodiscard]] bool exists() const;

  [[nodiscard]] bool contains(std::string_view key) const;
  [[nodiscard]] ConfigType type(std::string_view key) const;
  // The keys present in this table, in file order (keys added by overrides last). Listing keys
  // does not mark them as known.
  [[nodiscard]] std::vector<std::string> keys() const;

  // A sub-table; a view of an empty table when the key is absent (use contains() to tell).
  // Throws ConfigError if the key holds something else than a table.
  [[nodiscard]] ConfigTable table(std::string_view key) const;
  // The tables of an [[array of tables]] (an inline array of inline tables also qualifies).
  // Throws ConfigError if the key is absent or holds anything else; errors about an element
  // name it with its index ("sweep[2]").
  [[nodiscard]] std::vector<ConfigTable> get_table_array(std::string_view key) const;

  // A required value; ConfigError if it is absent or of the wrong type (a float where an integer
  // is expected is wrong, an integer where a double is expected is fine) or out of the range of T.
  template <ConfigValue T>
  [[nodiscard]] T get(std::string_view key) const {
    return read<T>(key, nullptr);
  }
  // An optional value: `fallback` when absent, but still ConfigError when present and wrong.
  // T comes from the fallback unless given: get_or("nu", 0) asks for an integer, write
  // get_or("nu", 0.0) or get_or<double>("nu", 0) for a number.
  template <ConfigValue T>
  [[nodiscard]] T get_or(std::string_view key, const T& fallback) const {
    return read<T>(key, &fallback);
  }
  [[nodiscard]] std::string get_or(std::string_view key, const char* fallback) const {
    return get_or<std::string>(key, std::string(fallback));
  }
  // A required array whose elements all have type T; errors name the element ("times[2]").
  template <ConfigValue T>
  [[nodiscard]] std::vector<T> get_array(std::string_view key) const;

  // A quantity with a unit, written as a string ("25uS"), returned in SI base units (see
  // parse_quantity). A bare number is refused: the unit is required.
  [[nodiscard]] double get_quantity(std::string_view key, Dimension dimension) const;
  [[nodiscard]] double get_quantity_or(std::string_view key, Dimension dimension,
                                       double fallback_si) const;
  [[nodiscard]] std::vector<double> get_quantity_array(std::string_view key,
                                                       Dimension dimension) const;

  // A path written at `key` (a required string). One rule for every path a file names: a
  // relative path is relative to the directory of the file it is written in (the campaign, or
  // the device file that names a preset), a path from the command line (--set) to the current
  // directory. Absolute paths are returned as they are.
  [[nodiscard]] std::filesystem::path get_path(std::string_view key) const;
  // The directory get_path resolves `key` against ("" for the current directory), and how
  // messages name it: "the directory of 'runs/study.toml'" or "the current directory (--set)".
  [[nodiscard]] std::filesystem::path path_base(std::string_view key) const;
  [[nodiscard]] std::string describe_path_base(std::string_view key) const;

  // Where the key's value is written (file, line, column), "--set ..." for overridden values, or
  // where this table is when the key is absent.
  [[nodiscard]] TextLocation location(std::string_view key) const;
  // Where this table is (its [header] or first key); just the file name for the root.
  [[nodiscard]] TextLocation location() const;

  // Reject a value the program found invalid: throws ConfigError at the key's location, naming
  // the full key: "campaign.toml:3:10: key 'trials': must be >= 1, got 0".
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;
  // The same for one element of an array: key 'read_times[2]'.
  [[noreturn]] void fail_element(std::string_view key, std::size_t index,
                                 std::string_view message) const;
  // The same for the table as a whole ("key 'sweep[1]': needs either 'values' or 'range'").
  [[noreturn]] void fail_table(std::string_view message) const;

  // Marks this table and everything below it as known, for free-form tables (notes, metadata)
  // that the program keeps without interpreting.
  void accept_any_keys() const;

 private:
  friend class Config;
  using Path = std::vector<detail::ConfigPathStep>;
  ConfigTable(std::shared_ptr<detail::ConfigDocument> document, Path path, std::string display);

  template <ConfigValue T>
  T read(std::string_view key, const T* fallback) const {
    if constexpr (std::same_as<T, bool>) {
      return read_bool(key, fallback);
    } else if constexpr (std::same_as<T, double>) {
      return read_double(key, fallback);
    } else if constexpr (std::same_as<T, std::string>) {
      return read_string(key, fallback);
    } else {
      const std::int64_t widened = fallback ? static_cast<std::int64_t>(*fallback) : 0;
      return static_cast<T>(read_integer(key, detail::config_integer_min<T>(),
                                         detail::config_integer_max<T>(),
                                         fallback ? &widened : nullptr));
    }
  }

  bool read_bool(std::string_view key, const bool* fallback) const;
  std::int64_t read_integer(std::string_view key, std::int64_t min, std::int64_t max,
                            const std::int64_t* fallback) const;
  double read_double(std::string_view key, const double* fallback) const;
  std::string read_string(std::string_view key, const std::string* fallback) const;
  std::vector<bool> read_bool_array(std::string_view key) const;
  std::vector<std::int64_t> read_integer_array(std::string_view key, std::int64_t min,
                                               std::int64_t max) const;
  std::vector<double> read_double_array(std::string_view key) const;
  std::vector<std::string> read_string_array(std::string_view key) const;

  std::shared_ptr<detail::ConfigDocument> document_;
  Path path_;
  std::string display_;
};

template <ConfigValue T>
std::vector<T> ConfigTable::get_array(std::string_view key) const {
  if constexpr (std::same_as<T, bool>) {
    return read_bool_array(key);
  } else if constexpr (std::same_as<T, double>) {
    return read_double_array(key);
  } else if constexpr (std::same_as<T, std::string>) {
    return read_string_array(key);
  } else {
    const std::vector<std::int64_t> wide =
        read_integer_array(key, detail::config_integer_min<T>(), detail::config_integer_max<T>());
    std::vector<T> result;
    result.reserve(wide.size());
    for (const std::int64_t value : wide) result.push_back(static_cast<T>(value));
    return result;
  }
}

// Configuration files are read whole: larger ones are refused (a TOML file of 64 MiB is no
// configuration).
inline constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{64} << 20;

// The text of a configuration file (`what` names it in messages: "configuration file",
// "campaign file"). IoError when it cannot be opened, is a directory, or is not a regular file (a
// device or pipe such as /dev/zero would never end); FormatError over kMaxConfigBytes.
[[nodiscard]] std::string read_config_text(const std::filesystem::path& path,
                                           std::string_view what = "configuration file");

// A parsed configuration document. Move-only.
class Config {
 public:
  // Reads and parses a TOML file. IoError naming the path if it cannot be read; ConfigError
  // "file:line:col: TOML syntax error: ..." if it is not valid TOML.
  [[nodiscard]] static Config load_file(const std::filesystem::path& path);
  // Parses TOML text; `source_name` stands for the file in locations and messages.
  [[nodiscard]] static Config parse(std::string_view text, std::string source_name);

  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
  ~Config();

  [[nodiscard]] const std::string& source_name() const noexcept;
  [[nodiscard]] ConfigTable root() const;
  // Shorthand for root().table(dotted_key).
  [[nodiscard]] ConfigTable table(std::string_view dotted_key) const;

  // Applies a command-line override "a.b.c=value". The value is read as a TOML value (3, 2.5,
  // true, "text", [1, 2], {x = 1}); anything else that does not start like a TOML string, array
  // or inline table is taken as a bare string (device=pcm, g_max=25uS). Missing tables on the
  // way are created. Throws ConfigError (located at "--set a.b.c=value") when there is no '=',
  // the key or value is malformed, the path runs through something that is not a table, or the
  // value would replace a whole table by a non-table.
  void set_override(std::string_view assignment);
  // The same for a value written in the file `written_in` (a campaign's [[sweep]] values):
  // errors are located as above, relative paths in it are relative to that file's directory.
  void set_override(std::string_view assignment, const std::filesystem::path& written_in);

  // Merges the table `source` (usually from another file) into the table at `table_key` of
  // this document ("" for the root; created if absent): values of `source` replace values of
  // the same key, sub-tables are merged recursively. Merged values keep the location where
  // they were written in their own file, so errors about them point there. Used for device
  // files that override a preset. Throws ConfigError when a table would replace a value or a
  // value a table.
  void overlay(std::string_view table_key, const ConfigTable& source);

  // Keys in the document the program never asked about, as full dotted paths in file order
  // (overridden keys last). Inside an unknown table only the table itself is listed.
  [[nodiscard]] std::vector<std::string> unknown_keys() const;
  // Throws ConfigError for the first unknown key, located where it is written, with a
  // "did you mean 'device.g_max'?" suggestion when a known key of the same table (or, failing
  // that, of another table) is close to it; otherwise the message lists the keys allowed in
  // that table. Other unknown keys are listed at the end of the message.
  void check_unknown_keys() const;

  // The resolved document (overrides included) as TOML text; parsing it gives an equal document.
  [[nodiscard]] std::string to_toml() const;

  // Same TOML content (source names and usage records are not compared).
  friend bool operator==(const Config& a, const Config& b);

 private:
  explicit Config(std::shared_ptr<detail::ConfigDocument> document);
  std::shared_ptr<detail::ConfigDocument> document_;
};

}  // namespace kirchhoff
