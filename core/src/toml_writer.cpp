#include "kirchhoff/core/toml_writer.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff {

namespace {

// A single value as toml++ prints it; format_flags::none: always a basic "..." string with
// escapes, never a literal or multi-line string.
template <class T>
std::string printed(T value) {
  std::ostringstream out;
  const toml::value<T> node(std::move(value));
  out << toml::toml_formatter(node, toml::format_flags::none);
  return out.str();
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace

std::string toml_string(std::string_view text) {
  return printed(std::string(text));
}

std::string toml_float(double value) {
  // toml++ 3.3 prints doubles with 17 significant digits (Debian builds it without
  // floating-point to_chars); fmt's shortest round-trip form reads back to the same double.
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0.0 ? "inf" : "-inf";
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string toml_integer(std::int64_t value) {
  return printed(value);
}

std::string toml_bool(bool value) {
  return value ? "true" : "false";
}

std::string toml_floats(std::span<const double> values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ", ";
    text += toml_float(values[i]);
  }
  return text + "]";
}

std::string toml_key(std::string_view key) {
  return is_bare_key(key) ? std::string(key) : toml_string(key);
}

void TomlWriter::comment(std::string_view text) {
  for (;;) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text_ += line.empty() ? "#\n" : fmt::format("# {}\n", line);
    if (eol == std::string_view::npos || eol + 1 == text.size()) break;
    text.remove_prefix(eol + 1);
  }
}

void TomlWriter::blank_line() {
  text_ += '\n';
}

void TomlWriter::table(std::string_view dotted_name) {
  std::string name;
  for (;;) {
    const auto dot = dotted_name.find('.');
    if (!name.empty()) name += '.';
    name += toml_key(dotted_name.substr(0, dot));
    if (dot == std::string_view::npos) break;
    dotted_name.remove_prefix(dot + 1);
  }
  if (!text_.empty() && !text_.ends_with("\n\n")) text_ += '\n';
  text_ += fmt::format("[{}]\n", name);
}

void TomlWriter::key(std::string_view key, std::string_view value, std::string_view comment) {
  text_ += fmt::format("{} = {}", toml_key(key), value);
  if (!comment.empty()) {
    std::string one_line(comment);
    std::replace(one_line.begin(), one_line.end(), '\n', ' ');
    text_ += fmt::format("  # {}", one_line);
  }
  text_ += '\n';
}

std::string TomlWriter::finish() const {
  try {
    static_cast<void>(toml::parse(text_));
  } catch (const toml::parse_error& e) {
    throw InvalidArgument(fmt::format("TOML writer: the document does not parse at line {}: {}",
                                      e.source().begin.line, e.description()));
  }
  return text_;
}

}  // namespace kirchhoff
