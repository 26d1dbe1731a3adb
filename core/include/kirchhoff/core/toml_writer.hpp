// Writing TOML files for people to read and edit (device files from fits, configurations):
// keys in the order given, each with an optional trailing comment, comment blocks and tables.
// Strings and keys are quoted and escaped by toml++; floats are written in the shortest form
// that reads back to the same double; the finished text is parsed again by toml++ before it is
// returned, so the writer never hands out a file that does not read back.
//
//   TomlWriter w;
//   w.comment("Device file written by `kirchhoff fit programming`.");
//   w.key("name", toml_string("my device"));
//   w.table("parameters");
//   w.key("g_max", toml_string("25uS"), "normalisation of x = g_T/g_max");
//   w.key("programming_sigma_polynomial", toml_floats(coefficients));
//   const std::string text = w.finish();
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kirchhoff {

// TOML value texts.
[[nodiscard]] std::string toml_string(std::string_view text);  // "a \"quoted\"\nline"
[[nodiscard]] std::string toml_float(double value);  // 0.5, 3.0, 1e-06, inf, nan (always a float)
[[nodiscard]] std::string toml_integer(std::int64_t value);
[[nodiscard]] std::string toml_bool(bool value);
[[nodiscard]] std::string toml_floats(std::span<const double> values);  // [0.5, 2.0]
// A key, bare when it may be ("g_max"), else quoted ("\"a key\"").
[[nodiscard]] std::string toml_key(std::string_view key);

class TomlWriter {
 public:
  // One "# " line per line of `text` ("#" for an empty line).
  void comment(std::string_view text);
  void blank_line();
  // "[name]" (each dotted part a key: table("workload.weights")), after a blank line.
  void table(std::string_view dotted_name);
  // "key = value" with `value` a TOML value text (toml_string, toml_float, ...) and an optional
  // comment after it on the same line (line breaks in it become spaces).
  void key(std::string_view key, std::string_view value, std::string_view comment = {});
  // The document, checked by parsing it with toml++; InvalidArgument if it does not parse (a
  // value text that is not a TOML value) or a key is written twice.
  [[nodiscard]] std::string finish() const;

 private:
  std::string text_;
};

}  // namespace kirchhoff
