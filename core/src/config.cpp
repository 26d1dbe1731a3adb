#include "kirchhoff/core/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "kirchhoff/core/text.hpp"

namespace kirchhoff {

namespace detail {

struct ConfigDocument {
  toml::table root;
  std::string source_name;
  // Full dotted paths of every key the program asked about.
  std::set<std::string> known;
  // For every table path, the names of its known keys in the order they were first asked for.
  std::map<std::string, std::vector<std::string>> known_children;
  // Tables whose whole content is accepted (ConfigTable::accept_any_keys).
  std::set<std::string> open_tables;
  // Values (and the tables created for them) that come from elsewhere than the parsed file:
  // set_override (path -> "--set a.b=value") and overlay (path -> where in the other file).
  std::map<std::string, TextLocation> overrides;
  // For set_override values: the file they count as written in, whose directory their relative
  // paths are relative to ("" for the command line: the current directory). Overlaid values
  // resolve against the file of their location.
  std::map<std::string, std::filesystem::path> path_bases;
};

}  // namespace detail

namespace {

using detail::ConfigDocument;
using Path = std::vector<detail::ConfigPathStep>;

// ---------------------------------------------------------------------------------------------
// Paths and their display

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string quote_key(std::string_view key) {
  if (is_bare_key(key)) return std::string(key);
  std::string out = "\"";
  for (const char c : key) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string join_key(std::string_view parent, std::string_view key) {
  if (parent.empty()) return quote_key(key);
  return fmt::format("{}.{}", parent, quote_key(key));
}

std::string join_index(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::vector<std::string> split_key(std::string_view key) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    const std::string_view segment =
        key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (segment.empty()) {
      throw InvalidArgument(
          fmt::format("invalid configuration key '{}' asked for by the program", key));
    }
    segments.emplace_back(segment);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return segments;
}

// ---------------------------------------------------------------------------------------------
// Describing values

std::string format_float(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eni") == std::string::npos) text += ".0";
  return text;
}

std::string truncated(std::string_view text) {
  constexpr std::size_t limit = 40;
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

// "the integer 3", "the string \"abc\"", "a table", ...
std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return fmt::format("the string \"{}\"", truncated(node.as_string()->get()));
    case toml::node_type::integer:
      return fmt::format("the integer {}", node.as_integer()->get());
    case toml::node_type::floating_point:
      return fmt::format("the float {}", format_float(node.as_floating_point()->get()));
    case toml::node_type::boolean:
      return fmt::format("the boolean {}", node.as_boolean()->get() ? "true" : "false");
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

ConfigType config_type(const toml::node* node) {
  if (node == nullptr) return ConfigType::absent;
  switch (node->type()) {
    case toml::node_type::string:
      return ConfigType::string;
    case toml::node_type::integer:
      return ConfigType::integer;
    case toml::node_type::floating_point:
      return ConfigType::floating;
    case toml::node_type::boolean:
      return ConfigType::boolean;
    case toml::node_type::array:
      return ConfigType::array;
    case toml::node_type::table:
      return ConfigType::table;
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return ConfigType::date_time;
    case toml::node_type::none:
      break;
  }
  return ConfigType::absent;
}

// ---------------------------------------------------------------------------------------------
// Locations

// The override that set `display` or one of the tables containing it, if any.
// The entry of `by_path` for the deepest key at or above `display`, or nullptr.
template <class T>
const T* covering(const std::map<std::string, T>& by_path, std::string_view display) {
  const T* found = nullptr;
  std::size_t found_length = 0;
  for (const auto& [path, value] : by_path) {
    const bool covers =
        display == path || (display.size() > path.size() && display.starts_with(path) &&
                            (display[path.size()] == '.' || display[path.size()] == '['));
    if (covers && (found == nullptr || path.size() > found_length)) {
      found = &value;
      found_length = path.size();
    }
  }
  return found;
}

const TextLocation* override_of(const ConfigDocument& doc, std::string_view display) {
  return covering(doc.overrides, display);
}

TextLocation location_of(const ConfigDocument& doc, std::string_view display,
                         const toml::source_region* source) {
  if (const TextLocation* where = override_of(doc, display)) return *where;
  if (display.empty() || source == nullptr || source->begin.line == 0) {
    return TextLocation{doc.source_name, 0, 0};
  }
  return TextLocation{doc.source_name, source->begin.line, source->begin.column};
}

// ---------------------------------------------------------------------------------------------
// Looking values up

struct Lookup {
  toml::node* node = nullptr;  // the value, nullptr when absent
  Path path;
  std::string display;
  // The deepest node on the way that exists, for locating absent keys.
  const toml::node* last_existing = nullptr;
  std::string last_existing_display;
};

[[noreturn]] void fail_at(const ConfigDocument& doc, const std::string& display,
                          const toml::node* node, const std::string& message) {
  throw ConfigError(location_of(doc, display, node != nullptr ? &node->source() : nullptr), display,
                    message);
}

TextLocation lookup_location(const ConfigDocument& doc, const Lookup& found) {
  if (found.node != nullptr) return location_of(doc, found.display, &found.node->source());
  return location_of(doc, found.last_existing_display,
                     found.last_existing != nullptr ? &found.last_existing->source() : nullptr);
}

// Follows `path` from the root, without recording anything.
Lookup resolve(ConfigDocument& doc, const Path& path, const std::string& display) {
  Lookup result;
  result.node = &doc.root;
  result.last_existing = &doc.root;
  std::string current;
  for (const detail::ConfigPathStep& step : path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      current = join_key(current, *key);
      toml::table* table = result.node != nullptr ? result.node->as_table() : nullptr;
      result.node = table != nullptr ? table->get(*key) : nullptr;
    } else {
      const std::size_t index = std::get<std::size_t>(step);
      current = join_index(current, index);
      toml::array* array = result.node != nullptr ? result.node->as_array() : nullptr;
      result.node = array != nullptr && index < array->size() ? array->get(index) : nullptr;
    }
    if (result.node != nullptr) {
      result.last_existing = result.node;
      result.last_existing_display = current;
    }
  }
  result.path = path;
  result.display = display;
  return result;
}

void record_known(ConfigDocument& doc, const std::string& parent, const std::string& name,
                  const std::string& display) {
  if (!doc.known.insert(display).second) return;
  std::vector<std::string>& children = doc.known_children[parent];
  if (std::find(children.begin(), children.end(), name) == children.end()) {
    children.push_back(name);
  }
}

// Looks `key` (dotted) up below the table at `base`, recording every segment as known. Throws
// ConfigError when the way runs through a value that is not a table.
Lookup find(ConfigDocument& doc, const Path& base, const std::string& base_display,
            std::string_view key) {
  Lookup result = resolve(doc, base, base_display);
  for (const std::string& segment : split_key(key)) {
    const std::string parent_display = result.display;
    result.display = join_key(parent_display, segment);
    result.path.emplace_back(segment);
    record_known(doc, parent_display, segment, result.display);
    if (result.node == nullptr) continue;
    toml::table* table = result.node->as_table();
    if (table == nullptr) {
      fail_at(doc, parent_display, result.node,
              fmt::format("expected a table (to look up '{}' in it), got {}", segment,
                          describe(*result.node)));
    }
    result.node = table->get(segment);
    if (result.node != nullptr) {
      result.last_existing = result.node;
      result.last_existing_display = result.display;
    }
  }
  return result;
}

[[noreturn]] void fail_missing(const ConfigDocument& doc, const Lookup& found,
                               std::string_view expected) {
  std::string message = fmt::format("required key is missing (expected {})", expected);
  // A key of the same table that nobody asked for and is spelled nearly the same is most likely
  // the user's spelling of this one: say so, rather than only "missing".
  const toml::table* parent =
      found.last_existing != nullptr ? found.last_existing->as_table() : nullptr;
  const auto* name = found.path.empty() ? nullptr : std::get_if<std::string>(&found.path.back());
  const bool direct_parent =
      name != nullptr && found.display == join_key(found.last_existing_display, *name);
  if (parent != nullptr && direct_parent) {
    std::vector<std::string> unread;
    for (auto&& [key, node] : *parent) {
      if (!doc.known.contains(join_key(found.last_existing_display, key.str()))) {
        unread.emplace_back(key.str());
      }
    }
    if (auto match = closest_match(*name, unread)) {
      const std::string display = join_key(found.last_existing_display, *match);
      message += fmt::format("; is '{}' ({}) a misspelling of it?", display,
                             location_of(doc, display, &parent->get(*match)->source()).str());
    }
  }
  throw ConfigError(lookup_location(doc, found), found.display, message);
}

// ---------------------------------------------------------------------------------------------
// Converting values

bool to_bool(const ConfigDocument& doc, const std::string& display, const toml::node& node) {
  if (const auto* value = node.as_boolean()) return value->get();
  fail_at(doc, display, &node, fmt::format("expected a boolean, got {}", describe(node)));
}

std::int64_t to_integer(const ConfigDocument& doc, const std::string& display,
                        const toml::node& node, std::int64_t min, std::int64_t max) {
  const auto* value = node.as_integer();
  if (value == nullptr) {
    fail_at(doc, display, &node, fmt::format("expected an integer, got {}", describe(node)));
  }
  const std::int64_t result = value->get();
  if (result < min || result > max) {
    fail_at(doc, display, &node,
            fmt::format("the integer {} is out of range: allowed from {} to {}", result, min, max));
  }
  return result;
}

double to_double(const ConfigDocument& doc, const std::string& display, const toml::node& node) {
  if (const auto* value = node.as_floating_point()) return value->get();
  if (const auto* value = node.as_integer()) return static_cast<double>(value->get());
  fail_at(doc, display, &node, fmt::format("expected a number, got {}", describe(node)));
}

std::string to_string(const ConfigDocument& doc, const std::string& display,
                      const toml::node& node) {
  if (const auto* value = node.as_string()) return value->get();
  fail_at(doc, display, &node, fmt::format("expected a string, got {}", describe(node)));
}

std::string quantity_expectation(Dimension dimension) {
  return fmt::format("a {} such as \"{}\"", dimension_name(dimension),
                     dimension_example(dimension));
}

double to_quantity(const ConfigDocument& doc, const std::string& display, const toml::node& node,
                   Dimension dimension) {
  if (const auto* value = node.as_string()) {
    try {
      return parse_quantity(value->get(), dimension);
    } catch (const InvalidArgument& e) {
      fail_at(doc, display, &node, e.what());
    }
  }
  if (node.is_number()) {
    const std::string number = node.is_integer() ? std::to_string(node.as_integer()->get())
                                                 : format_float(node.as_floating_point()->get());
    fail_at(doc, display, &node,
            fmt::format("expected a {} with its unit such as \"{}\", got the number {} (write "
                        "quantities as strings with a unit)",
                        dimension_name(dimension), dimension_example(dimension), number));
  }
  fail_at(doc, display, &node,
          fmt::format("expected {}, got {}", quantity_expectation(dimension), describe(node)));
}

// Reads a required array, converting each element with `convert(display, node)`.
template <class T, class Convert>
std::vector<T> read_array(ConfigDocument& doc, const Path& base, const std::string& base_display,
                          std::string_view key, std::string_view expected, Convert convert) {
  const Lookup found = find(doc, base, base_display, key);
  if (found.node == nullptr) fail_missing(doc, found, fmt::format("an array of {}", expected));
  const toml::array* array = found.node->as_array();
  if (array == nullptr) {
    fail_at(doc, found.display, found.node,
            fmt::format("expected an array of {}, got {}", expected, describe(*found.node)));
  }
  std::vector<T> result;
  result.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    result.push_back(convert(join_index(found.display, i), *array->get(i)));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Unknown keys

struct UnknownKey {
  std::string display;
  std::string parent;  // display of the table holding it
  std::string name;
  TextLocation where;
};

void collect_unknown(const ConfigDocument& doc, const toml::table& table,
                     const std::string& display, std::vector<UnknownKey>& out) {
  if (doc.open_tables.contains(display)) return;
  for (const auto& [key, node] : table) {
    const std::string child = join_key(display, key.str());
    if (!doc.known.contains(child)) {
      out.push_back(
          {child, display, std::string(key.str()), location_of(doc, child, &key.source())});
      continue;
    }
    if (const toml::table* sub = node.as_table()) {
      collect_unknown(doc, *sub, child, out);
    } else if (const toml::array* array = node.as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        if (const toml::table* element = array->get(i)->as_table()) {
          collect_unknown(doc, *element, join_index(child, i), out);
        }
      }
    }
  }
}

std::vector<UnknownKey> unknown_keys_in_file_order(const ConfigDocument& doc) {
  std::vector<UnknownKey> unknown;
  collect_unknown(doc, doc.root, "", unknown);
  std::stable_sort(unknown.begin(), unknown.end(), [](const UnknownKey& a, const UnknownKey& b) {
    // Keys from the file (line > 0) first, in order of position; overrides after them.
    const bool a_file = a.where.line > 0;
    const bool b_file = b.where.line > 0;
    if (a_file != b_file) return a_file;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
  return unknown;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += fmt::format("'{}'", item);
  }
  return out;
}

std::string unknown_key_message(const ConfigDocument& doc, const UnknownKey& unknown) {
  std::vector<std::string> siblings;
  if (const auto it = doc.known_children.find(unknown.parent); it != doc.known_children.end()) {
    siblings = it->second;
  }
  if (const auto same_table = closest_match(unknown.name, siblings)) {
    return fmt::format("unknown key; did you mean '{}'?", join_key(unknown.parent, *same_table));
  }
  // A known key of another table with a similar name: probably written in the wrong table.
  std::vector<std::string> elsewhere;  // full paths
  std::vector<std::string> names;      // their last segment
  for (const auto& [parent, children] : doc.known_children) {
    if (parent == unknown.parent) continue;
    for (const std::string& child : children) {
      elsewhere.push_back(join_key(parent, child));
      names.push_back(child);
    }
  }
  if (const auto other = closest_match(unknown.name, names)) {
    const auto position = std::find(names.begin(), names.end(), *other) - names.begin();
    return fmt::format("unknown key; did you mean '{}'?",
                       elsewhere[static_cast<std::size_t>(position)]);
  }
  const std::string table =
      unknown.parent.empty() ? "at the top level" : fmt::format("in '{}'", unknown.parent);
  if (siblings.empty()) return fmt::format("unknown key; no keys are read {}", table);
  std::sort(siblings.begin(), siblings.end());
  std::vector<std::string> quoted;
  for (const std::string& sibling : siblings) quoted.push_back(quote_key(sibling));
  return fmt::format("unknown key; keys allowed {}: {}", table, quoted_list(quoted));
}

// ---------------------------------------------------------------------------------------------
// Overrides

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// Well-formed UTF-8 (RFC 3629: no stray continuation bytes, overlong forms, surrogates or code
// points past U+10FFFF), which a TOML document must be.
bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80            ? 1
                               : (lead >> 5U) == 0x6  ? 2
                               : (lead >> 4U) == 0xE  ? 3
                               : (lead >> 3U) == 0x1E ? 4
                                                      : 0;
    if (length == 0 || text.size() - i < length) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0x7FU >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6U) != 0x2) return false;
      code = (code << 6U) | (next & 0x3FU);
    }
    constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

// =============================================================================================
// ConfigTable

ConfigTable::ConfigTable(std::shared_ptr<detail::ConfigDocument> document, Path path,
                         std::string display)
    : document_(std::move(document)), path_(std::move(path)), display_(std::move(display)) {}

bool ConfigTable::exists() const {
  const Lookup found = resolve(*document_, path_, display_);
  return found.node != nullptr && found.node->is_table();
}

bool ConfigTable::contains(std::string_view key) const {
  return find(*document_, path_, display_, key).node != nullptr;
}

ConfigType ConfigTable::type(std::string_view key) const {
  return config_type(find(*document_, path_, display_, key).node);
}

std::vector<std::string> ConfigTable::keys() const {
  const Lookup found = resolve(*document_, path_, display_);
  const toml::table* table = found.node != nullptr ? found.node->as_table() : nullptr;
  if (table == nullptr) return {};
  struct Entry {
    std::string name;
    TextLocation where;
  };
  std::vector<Entry> entries;
  for (const auto& [key, node] : *table) {
    const std::string display = join_key(display_, key.str());
    entries.push_back({std::string(key.str()), location_of(*document_, display, &key.source())});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const bool a_file = a.where.line > 0;
    const bool b_file = b.where.line > 0;
    if (a_file != b_file) return a_file;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (Entry& entry : entries) names.push_back(std::move(entry.name));
  return names;
}

ConfigTable ConfigTable::table(std::string_view key) const {
  Lookup found = find(*document_, path_, display_, key);
  if (found.node != nullptr && !found.node->is_table()) {
    fail_at(*document_, found.display, found.node,
            fmt::format("expected a table, got {}", describe(*found.node)));
  }
  return ConfigTable(document_, std::move(found.path), std::move(found.display));
}

std::vector<ConfigTable> ConfigTable::get_table_array(std::string_view key) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) fail_missing(*document_, found, "an array of tables");
  const toml::array* array = found.node->as_array();
  if (array == nullptr) {
    fail_at(*document_, found.display, found.node,
            fmt::format("expected an array of tables ([[{}]]), got {}", found.display,
                        describe(*found.node)));
  }
  std::vector<ConfigTable> tables;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node* element = array->get(i);
    const std::string element_display = join_index(found.display, i);
    if (!element->is_table()) {
      fail_at(*document_, element_display, element,
              fmt::format("expected a table, got {}", describe(*element)));
    }
    Path element_path = found.path;
    element_path.emplace_back(i);
    tables.push_back(ConfigTable(document_, std::move(element_path), element_display));
  }
  return tables;
}

bool ConfigTable::read_bool(std::string_view key, const bool* fallback) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) {
    if (fallback != nullptr) return *fallback;
    fail_missing(*document_, found, "a boolean");
  }
  return to_bool(*document_, found.display, *found.node);
}

std::int64_t ConfigTable::read_integer(std::string_view key, std::int64_t min, std::int64_t max,
                                       const std::int64_t* fallback) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) {
    if (fallback != nullptr) return *fallback;
    fail_missing(*document_, found, "an integer");
  }
  return to_integer(*document_, found.display, *found.node, min, max);
}

double ConfigTable::read_double(std::string_view key, const double* fallback) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) {
    if (fallback != nullptr) return *fallback;
    fail_missing(*document_, found, "a number");
  }
  return to_double(*document_, found.display, *found.node);
}

std::string ConfigTable::read_string(std::string_view key, const std::string* fallback) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) {
    if (fallback != nullptr) return *fallback;
    fail_missing(*document_, found, "a string");
  }
  return to_string(*document_, found.display, *found.node);
}

std::vector<bool> ConfigTable::read_bool_array(std::string_view key) const {
  const ConfigDocument& doc = *document_;
  return read_array<bool>(*document_, path_, display_, key, "booleans",
                          [&](const std::string& display, const toml::node& node) {
                            return to_bool(doc, display, node);
                          });
}

std::vector<std::int64_t> ConfigTable::read_integer_array(std::string_view key, std::int64_t min,
                                                          std::int64_t max) const {
  const ConfigDocument& doc = *document_;
  return read_array<std::int64_t>(*document_, path_, display_, key, "integers",
                                  [&](const std::string& display, const toml::node& node) {
                                    return to_integer(doc, display, node, min, max);
                                  });
}

std::vector<double> ConfigTable::read_double_array(std::string_view key) const {
  const ConfigDocument& doc = *document_;
  return read_array<double>(*document_, path_, display_, key, "numbers",
                            [&](const std::string& display, const toml::node& node) {
                              return to_double(doc, display, node);
                            });
}

std::vector<std::string> ConfigTable::read_string_array(std::string_view key) const {
  const ConfigDocument& doc = *document_;
  return read_array<std::string>(*document_, path_, display_, key, "strings",
                                 [&](const std::string& display, const toml::node& node) {
                                   return to_string(doc, display, node);
                                 });
}

double ConfigTable::get_quantity(std::string_view key, Dimension dimension) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) fail_missing(*document_, found, quantity_expectation(dimension));
  return to_quantity(*document_, found.display, *found.node, dimension);
}

double ConfigTable::get_quantity_or(std::string_view key, Dimension dimension,
                                    double fallback_si) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (found.node == nullptr) return fallback_si;
  return to_quantity(*document_, found.display, *found.node, dimension);
}

std::vector<double> ConfigTable::get_quantity_array(std::string_view key,
                                                    Dimension dimension) const {
  const ConfigDocument& doc = *document_;
  const std::string expected = fmt::format("{} values such as \"{}\"", dimension_name(dimension),
                                           dimension_example(dimension));
  return read_array<double>(*document_, path_, display_, key, expected,
                            [&](const std::string& display, const toml::node& node) {
                              return to_quantity(doc, display, node, dimension);
                            });
}

TextLocation ConfigTable::location(std::string_view key) const {
  return lookup_location(*document_, find(*document_, path_, display_, key));
}

TextLocation ConfigTable::location() const {
  const Lookup found = resolve(*document_, path_, display_);
  return lookup_location(*document_, found);
}

std::filesystem::path ConfigTable::path_base(std::string_view key) const {
  const Lookup found = find(*document_, path_, display_, key);
  if (const auto* file = covering(document_->path_bases, found.display)) {
    return file->parent_path();
  }
  return std::filesystem::path(lookup_location(*document_, found).file).parent_path();
}

std::string ConfigTable::describe_path_base(std::string_view key) const {
  const Lookup found = find(*document_, path_, display_, key);
  const auto* file = covering(document_->path_bases, found.display);
  if (file != nullptr && file->empty()) {
    return "the current directory (a path given on the command line)";
  }
  return fmt::format("the directory of '{}'",
                     file != nullptr ? file->string() : lookup_location(*document_, found).file);
}

std::filesystem::path ConfigTable::get_path(std::string_view key) const {
  const std::filesystem::path path(get<std::string>(key));
  if (path.is_absolute()) return path;
  return (path_base(key) / path).lexically_normal();
}

void ConfigTable::fail(std::string_view key, std::string_view message) const {
  const Lookup found = find(*document_, path_, display_, key);
  throw ConfigError(lookup_location(*document_, found), found.display, std::string(message));
}

void ConfigTable::fail_element(std::string_view key, std::size_t index,
                               std::string_view message) const {
  const Lookup found = find(*document_, path_, display_, key);
  const std::string display = join_index(found.display, index);
  const toml::array* array = found.node != nullptr ? found.node->as_array() : nullptr;
  if (array != nullptr && index < array->size()) {
    fail_at(*document_, display, array->get(index), std::string(message));
  }
  throw ConfigError(lookup_location(*document_, found), display, std::string(message));
}

void ConfigTable::fail_table(std::string_view message) const {
  throw ConfigError(location(), display_, std::string(message));
}

void ConfigTable::accept_any_keys() const {
  document_->open_tables.insert(display_);
}

// =============================================================================================
// Config

Config::Config(std::shared_ptr<detail::ConfigDocument> document) : document_(std::move(document)) {}
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;
Config::~Config() = default;

Config Config::parse(std::string_view text, std::string source_name) {
  auto document = std::make_shared<detail::ConfigDocument>();
  document->source_name = std::move(source_name);
  try {
    document->root = toml::parse(text, std::string_view(document->source_name));
  } catch (const toml::parse_error& e) {
    const toml::source_position begin = e.source().begin;
    throw ConfigError(TextLocation{document->source_name, begin.line, begin.column}, "",
                      fmt::format("TOML syntax error: {}", e.description()));
  }
  return Config(std::move(document));
}

std::string read_config_text(const std::filesystem::path& path, std::string_view what) {
  const std::string name = path.string();
  std::error_code status_error;
  if (std::filesystem::is_directory(path, status_error)) {
    throw IoError(fmt::format("cannot read {} '{}': it is a directory", what, name));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw IoError(fmt::format(
        "cannot open {} '{}': {}", what, name,
        error != 0 ? std::generic_category().message(error) : std::string("unknown error")));
  }
  if (!std::filesystem::is_regular_file(path, status_error)) {
    throw IoError(
        fmt::format("cannot read {} '{}': not a regular file (it is read whole)", what, name));
  }
  if (const auto bytes = std::filesystem::file_size(path, status_error);
      !status_error && bytes > kMaxConfigBytes) {
    throw FormatError(fmt::format("{} '{}' has {} bytes; at most {} (64 MiB) are read", what, name,
                                  bytes, kMaxConfigBytes));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("cannot read {} '{}'", what, name));
  return std::move(content).str();
}

Config Config::load_file(const std::filesystem::path& path) {
  return parse(read_config_text(path), path.string());
}

const std::string& Config::source_name() const noexcept {
  return document_->source_name;
}

ConfigTable Config::root() const {
  return ConfigTable(document_, {}, "");
}

ConfigTable Config::table(std::string_view dotted_key) const {
  return root().table(dotted_key);
}

namespace {

// Drops the recorded origins of values below `display` (they are being replaced).
void forget_overrides_below(ConfigDocument& doc, const std::string& display) {
  auto forget = [&](auto& by_path) {
    for (auto it = by_path.begin(); it != by_path.end();) {
      const std::string& path = it->first;
      const bool below = path.size() > display.size() && path.starts_with(display) &&
                         (path[display.size()] == '.' || path[display.size()] == '[');
      it = below ? by_path.erase(it) : std::next(it);
    }
  };
  forget(doc.overrides);
  forget(doc.path_bases);
}

}  // namespace

void Config::set_override(std::string_view assignment) {
  set_override(assignment, std::filesystem::path());
}

void Config::set_override(std::string_view assignment, const std::filesystem::path& written_in) {
  ConfigDocument& doc = *document_;
  const std::string where = fmt::format("--set {}", assignment);
  const TextLocation location{where, 0, 0};
  const std::size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    throw ConfigError(location, "", "expected key=value, e.g. --set device.g_max=25uS");
  }
  const std::string_view key_text = trim(assignment.substr(0, equals));
  const std::string_view value_text = trim(assignment.substr(equals + 1));
  if (key_text.empty()) throw ConfigError(location, "", "missing key before '='");
  if (has_control_character(key_text)) {
    throw ConfigError(location, "", "the key contains control characters");
  }

  // The key, read with TOML's own grammar (bare, quoted and dotted keys).
  std::vector<std::string> segments;
  try {
    const toml::table parsed = toml::parse(fmt::format("{} = 0\n", key_text), where);
    const toml::node* node = &parsed;
    while (const toml::table* table = node->as_table()) {
      if (table->size() != 1) break;
      segments.emplace_back(table->begin()->first.str());
      node = &table->begin()->second;
    }
  } catch (const toml::parse_error&) {
    segments.clear();
  }
  if (segments.empty()) {
    throw ConfigError(location, "",
                      fmt::format("'{}' is not a valid key; expected a dotted key such as "
                                  "device.g_max",
                                  key_text));
  }
  std::string display;
  for (const std::string& segment : segments) display = join_key(display, segment);

  // The value: a TOML value, or else a bare word taken as a string.
  if (value_text.empty()) {
    throw ConfigError(
        location, display,
        fmt::format("missing value after '='; write {}=\"\" for an empty string", key_text));
  }
  toml::table value_holder;
  bool parsed_value = false;
  std::string value_error;
  try {
    value_holder = toml::parse(fmt::format("value = {}\n", value_text), where);
    parsed_value = value_holder.size() == 1 && value_holder.contains("value");
    if (!parsed_value) value_error = "more than one value";
  } catch (const toml::parse_error& e) {
    value_error = std::string(e.description());
  }
  if (!parsed_value) {
    if (value_text.find_first_of("[{\"'") == 0) {
      throw ConfigError(location, display,
                        fmt::format("'{}' is not a valid TOML value: {}", value_text, value_error));
    }
    if (has_control_character(value_text)) {
      throw ConfigError(location, display, "the value contains control characters");
    }
    if (!is_utf8(value_text)) {
      throw ConfigError(location, display, "the value is not valid UTF-8");
    }
    value_holder.clear();
    value_holder.insert("value", std::string(value_text));
  }
  toml::node& value = *value_holder.get("value");

  // Walk down, creating missing tables.
  toml::table* table = &doc.root;
  std::string current;
  std::vector<std::string> created;
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    current = join_key(current, segments[i]);
    toml::node* node = table->get(segments[i]);
    if (node == nullptr) {
      table = table->insert(segments[i], toml::table{}).first->second.as_table();
      created.push_back(current);
    } else if (toml::table* sub = node->as_table()) {
      table = sub;
    } else {
      throw ConfigError(
          location, display,
          fmt::format("cannot set it: '{}' is {} ({}), not a table", current, describe(*node),
                      location_of(doc, current, &node->source()).str()));
    }
  }
  const std::string& last = segments.back();
  if (const toml::node* existing = table->get(last);
      existing != nullptr && existing->is_table() && !value.is_table()) {
    throw ConfigError(
        location, display,
        fmt::format("cannot replace the table '{}' ({}) by {}", display,
                    location_of(doc, display, &existing->source()).str(), describe(value)));
  }
  table->insert_or_assign(last, std::move(value));

  // Record where the new values come from; an earlier override below this key is replaced.
  forget_overrides_below(doc, display);
  for (const std::string& path : created) doc.overrides[path] = location;
  doc.overrides[display] = location;
  doc.path_bases[display] = written_in;
}

namespace {

// Copies every value of `from` into `target`, recursively merging tables, and records where
// each copied value was written in its own document.
void overlay_table(ConfigDocument& doc, toml::table& target, const std::string& target_display,
                   const ConfigDocument& from_doc, const toml::table& from,
                   const std::string& from_display) {
  for (auto&& [key, node] : from) {
    const std::string display = join_key(target_display, key.str());
    const std::string source_display = join_key(from_display, key.str());
    const TextLocation where = location_of(from_doc, source_display, &node.source());
    toml::node* existing = target.get(key.str());
    if (const toml::table* sub = node.as_table()) {
      if (existing == nullptr) {
        existing = target.insert(key, toml::table{}).first->second.as_table();
        doc.overrides[display] = where;
      } else if (!existing->is_table()) {
        throw ConfigError(
            where, display,
            fmt::format("cannot merge a table into '{}', which is {} ({})", display,
                        describe(*existing), location_of(doc, display, &existing->source()).str()));
      }
      overlay_table(doc, *existing->as_table(), display, from_doc, *sub, source_display);
      continue;
    }
    if (existing != nullptr && existing->is_table()) {
      throw ConfigError(
          where, display,
          fmt::format("cannot replace the table '{}' ({}) by {}", display,
                      location_of(doc, display, &existing->source()).str(), describe(node)));
    }
    // A named copy of the binding: clang 14 cannot capture structured bindings (C++20 allows it).
    const auto& name = key;
    node.visit([&](const auto& value) { target.insert_or_assign(name, value); });
    forget_overrides_below(doc, display);
    doc.overrides[display] = where;
  }
}

}  // namespace

void Config::overlay(std::string_view table_key, const ConfigTable& source) {
  ConfigDocument& doc = *document_;
  const Lookup from = resolve(*source.document_, source.path_, source.display_);
  if (from.node == nullptr) return;  // an absent table overlays nothing
  const toml::table* from_table = from.node->as_table();
  if (from_table == nullptr) source.fail_table("expected a table");

  // The target table, created (empty) where it does not exist yet.
  toml::table* target = &doc.root;
  std::string display;
  for (const std::string& segment : split_key(table_key)) {
    display = join_key(display, segment);
    toml::node* node = target->get(segment);
    if (node == nullptr) {
      node = &target->insert(segment, toml::table{}).first->second;
      doc.overrides[display] = source.location();
    }
    target = node->as_table();
    if (target == nullptr) {
      throw ConfigError(location_of(doc, display, &node->source()), display,
                        fmt::format("cannot merge '{}' into it: it is {}, not a table",
                                    source.location().str(), describe(*node)));
    }
  }
  overlay_table(doc, *target, display, *source.document_, *from_table, source.display_);
}

std::vector<std::string> Config::unknown_keys() const {
  std::vector<std::string> keys;
  for (UnknownKey& unknown : unknown_keys_in_file_order(*document_)) {
    keys.push_back(std::move(unknown.display));
  }
  return keys;
}

void Config::check_unknown_keys() const {
  const std::vector<UnknownKey> unknown = unknown_keys_in_file_order(*document_);
  if (unknown.empty()) return;
  std::string message = unknown_key_message(*document_, unknown.front());
  if (unknown.size() > 1) {
    std::vector<std::string> others;
    for (std::size_t i = 1; i < unknown.size(); ++i) others.push_back(unknown[i].display);
    message += fmt::format(" (also unknown: {})", quoted_list(others));
  }
  throw ConfigError(unknown.front().where, unknown.front().display, message);
}

std::string Config::to_toml() const {
  std::ostringstream out;
  out << toml::toml_formatter(document_->root);
  out << '\n';
  return out.str();
}

bool operator==(const Config& a, const Config& b) {
  return a.document_->root == b.document_->root;
}

}  // namespace kirchhoff
