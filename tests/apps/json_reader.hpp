// Just enough JSON for the CLI tests: what the plotting script writes with --data-json and the
// fit reports of `kirchhoff fit --report` (objects, arrays, numbers, null, true, false, strings
// with backslash escapes of '"' and '\\' only). Numbers in shortest round-trip form read back
// to the same double.
#pragma once

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace kirchhoff::cli::testing {

struct Json {
  std::variant<std::nullptr_t, bool, double, std::string, std::vector<Json>,
               std::map<std::string, Json>>
      value;
  const Json& operator[](const std::string& key) const {
    return std::get<std::map<std::string, Json>>(value).at(key);
  }
  const Json& operator[](std::size_t i) const { return std::get<std::vector<Json>>(value).at(i); }
  [[nodiscard]] std::size_t size() const { return std::get<std::vector<Json>>(value).size(); }
  [[nodiscard]] double number() const {
    return std::holds_alternative<std::nullptr_t>(value) ? std::nan("") : std::get<double>(value);
  }
  [[nodiscard]] const std::string& text() const { return std::get<std::string>(value); }
  [[nodiscard]] std::vector<double> numbers() const {
    std::vector<double> out;
    for (const auto& v : std::get<std::vector<Json>>(value)) out.push_back(v.number());
    return out;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string text) : s_(std::move(text)) {}
  Json parse() {
    skip();
    const char c = s_.at(i_);
    if (c == '{') {
      std::map<std::string, Json> object;
      ++i_;
      skip();
      if (s_.at(i_) == '}') return ++i_, Json{object};
      for (;;) {
        skip();
        std::string key = string();
        skip();
        expect(':');
        object[key] = parse();
        skip();
        if (s_.at(i_++) == '}') return Json{object};
      }
    }
    if (c == '[') {
      std::vector<Json> array;
      ++i_;
      skip();
      if (s_.at(i_) == ']') return ++i_, Json{array};
      for (;;) {
        array.push_back(parse());
        skip();
        if (s_.at(i_++) == ']') return Json{array};
      }
    }
    if (c == '"') return Json{string()};
    if (s_.compare(i_, 4, "null") == 0) return i_ += 4, Json{nullptr};
    if (s_.compare(i_, 4, "true") == 0) return i_ += 4, Json{true};
    if (s_.compare(i_, 5, "false") == 0) return i_ += 5, Json{false};
    std::size_t used = 0;
    const double x = std::stod(s_.substr(i_, 40), &used);  // shortest round-trip repr: exact
    i_ += used;
    return Json{x};
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    if (s_.at(i_++) != c) throw std::runtime_error("bad JSON");
  }
  std::string string() {  // no escapes other than \" and \\ are written for our labels
    expect('"');
    std::string out;
    while (s_.at(i_) != '"') {
      if (s_[i_] == '\\') ++i_;
      out += s_.at(i_++);
    }
    ++i_;
    return out;
  }
  std::string s_;
  std::size_t i_ = 0;
};

inline Json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return JsonParser(text.str()).parse();
}

}  // namespace kirchhoff::cli::testing
