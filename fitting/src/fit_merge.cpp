// Merging fitted device files (fit.hpp, merge_device_files; `kirchhoff fit ... --into`).
//
// Both files are read as TOML: the configuration reader for the values the merge checks (model,
// name, g_max) and its messages, toml++ for the keys of [parameters], their values (compared as
// TOML values, not as text) and where each is written (the source lines of its key and value).
// What is kept of the base's text is what a parsed document has lost, its comments: the comment
// lines before the first key (the fit reports) and each [parameters] entry's lines, with the
// comment and blank lines before it and the comment after its value, are copied as they are.
// name, model, description and source are written anew by the TOML writer, so that they are
// escaped whatever they hold; other top-level keys are not carried over (a device file has
// none: load_device refuses unknown keys).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/toml_writer.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/fitting/fit.hpp"

namespace kirchhoff::fitting {
namespace {

// One key of [parameters] with its lines.
struct Entry {
  std::string key;                 // empty: the comment lines after the last key
  std::vector<std::string> lines;  // comment and blank lines before it, then its own line(s)
  std::string value;               // the value as toml++ prints it: equal text, equal value
};

struct Layout {
  std::vector<std::string> header;  // comment and blank lines before the first key
  std::vector<Entry> parameters;    // in file order
};

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    lines.emplace_back(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  return lines;
}

// A value in one canonical text: the same for the same TOML value however it is written
// (floats with 17 significant digits, strings escaped one way, arrays on one line).
std::string canonical(const toml::node& value) {
  std::ostringstream out;
  out << toml::toml_formatter(value, toml::format_flags::none);
  return out.str();
}

// [parameters] as a table of `key = value` lines, or InvalidArgument naming the first thing
// that is not.
const toml::table* parameters_table(const toml::table& root, std::string_view name) {
  const toml::table* parameters = nullptr;
  for (const auto& [key, value] : root) {
    const auto line = value.source().begin.line;
    if (key.str() == "parameters" && value.is_table()) {
      parameters = value.as_table();
    } else if (value.is_table() || value.is_array_of_tables()) {
      throw InvalidArgument(fmt::format(
          "{}:{}: cannot merge: a device file written by kirchhoff fit has one table, "
          "[parameters]; found {}",
          name, line,
          value.is_table() ? fmt::format("[{}]", key.str()) : fmt::format("[[{}]]", key.str())));
    }
  }
  if (parameters == nullptr) return nullptr;
  const auto header_line = parameters->source().begin.line;
  for (const auto& [key, value] : *parameters) {
    const bool plain = !parameters->is_inline() && key.source().begin.line > header_line;
    if (!plain || value.is_table() || value.is_array_of_tables()) {
      throw InvalidArgument(fmt::format(
          "{}:{}: cannot merge: '{}' is not a plain 'key = value' line of a [parameters] table",
          name, key.source().begin.line,
          plain ? key.str() : "parameters." + std::string(key.str())));
    }
  }
  return parameters;
}

// The base's or the addition's lines by what they belong to, located by the TOML parser.
Layout layout_of(std::string_view text, std::string_view name) {
  const toml::table root = toml::parse(text, name);  // Config::parse accepted it already
  const toml::table* parameters = parameters_table(root, name);
  const std::vector<std::string> lines = lines_of(text);
  // The first line of a key or table header, and the last line of a top-level value.
  std::size_t first = lines.size() + 1, last_top = 0;
  for (const auto& [key, value] : root) {
    first = std::min<std::size_t>(
        first, &value == parameters ? value.source().begin.line : key.source().begin.line);
    if (&value != parameters) last_top = std::max<std::size_t>(last_top, value.source().end.line);
  }
  Layout layout;
  for (std::size_t l = 1; l < first && l <= lines.size(); ++l) {
    layout.header.push_back(lines[l - 1]);
  }

  struct Located {
    std::size_t begin, end;
    Entry entry;
  };
  std::vector<Located> entries;
  if (parameters != nullptr) {
    for (const auto& [key, value] : *parameters) {
      entries.push_back({key.source().begin.line,
                         value.source().end.line,
                         {std::string(key.str()), {}, canonical(value)}});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Located& a, const Located& b) { return a.begin < b.begin; });
  // Lines before an entry since the previous one (or the table header) are its comments.
  std::size_t next =
      parameters != nullptr ? std::size_t{parameters->source().begin.line} + 1 : last_top + 1;
  for (auto& e : entries) {
    for (std::size_t l = next; l <= e.end; ++l) e.entry.lines.push_back(lines[l - 1]);
    next = e.end + 1;
    layout.parameters.push_back(std::move(e.entry));
  }
  Entry tail;
  for (std::size_t l = next; l <= lines.size(); ++l) tail.lines.push_back(lines[l - 1]);
  if (!tail.lines.empty()) layout.parameters.push_back(std::move(tail));
  return layout;
}

// The generic model's key families: the keys one fit writes together.
std::string family_of(const std::string& model, const std::string& key) {
  if (model != "generic") return key;
  if (key.starts_with("programming_") || key == "device_to_device_sigma") return "programming";
  if (key == "t0" || key.starts_with("drift_")) return "drift";
  if (key.starts_with("read_") || key == "t_read") return "read noise";
  return key;
}

// The model both files must share, or InvalidArgument.
std::string common_model(const ConfigTable& b, const ConfigTable& a, std::string_view base_name) {
  if (b.contains("preset") || !b.contains("model")) {
    throw InvalidArgument(fmt::format(
        "{}: cannot merge into a device file without 'model' (a preset-based file): --into needs "
        "a file written by kirchhoff fit",
        base_name));
  }
  const std::string model = b.get<std::string>("model");
  const std::string added_model = a.get<std::string>("model");
  if (model != added_model) {
    throw InvalidArgument(fmt::format(
        "{}: cannot merge a {} fit into a {} device file: one device file has one model", base_name,
        added_model, model));
  }
  return model;
}

// g_max normalises the generic model's polynomials: both files must mean the same x.
void check_same_g_max(const ConfigTable& b, const ConfigTable& a, std::string_view base_name) {
  if (!b.table("parameters").contains("g_max") || !a.table("parameters").contains("g_max")) return;
  const double gb = b.table("parameters").get_quantity("g_max", Dimension::conductance);
  const double ga = a.table("parameters").get_quantity("g_max", Dimension::conductance);
  if (std::abs(gb - ga) > 1e-9 * std::max(std::abs(gb), std::abs(ga))) {
    throw InvalidArgument(fmt::format(
        "{}: g_max is {} there but {} in this fit; the polynomials and forms are in x = g/g_max, "
        "so refit with --g-max {}",
        base_name, format_quantity(gb, Dimension::conductance),
        format_quantity(ga, Dimension::conductance), format_quantity(gb, Dimension::conductance)));
  }
}

// What the merge does with the addition's keys: the families (or single keys) of the base that
// they replace, and the entries that go into the result.
struct MergePlan {
  std::set<std::string> conflicting;
  std::vector<const Entry*> new_entries;
};

MergePlan plan_merge(const std::string& model, const Layout& base, const Layout& added) {
  std::map<std::string, const Entry*> base_keys;
  for (const auto& e : base.parameters) {
    if (!e.key.empty()) base_keys[e.key] = &e;
  }
  MergePlan plan;
  for (const auto& e : added.parameters) {
    if (e.key.empty()) continue;
    const std::string family = family_of(model, e.key);
    const auto it = base_keys.find(e.key);
    if (it != base_keys.end() && it->second->value == e.value) continue;  // the same already
    bool clash = it != base_keys.end();
    for (const auto& [key, entry] : base_keys) {
      clash = clash || (family_of(model, key) == family && family != e.key);
    }
    if (clash) plan.conflicting.insert(family);
    plan.new_entries.push_back(&e);
  }
  return plan;
}

}  // namespace

DeviceFileMerge merge_device_files(std::string_view base, std::string_view base_name,
                                   std::string_view addition, bool replace) {
  const Config base_config = Config::parse(base, std::string(base_name));
  const Config addition_config = Config::parse(addition, "the fit's device file");
  const ConfigTable b = base_config.root(), a = addition_config.root();
  const std::string model = common_model(b, a, base_name);
  const Layout base_layout = layout_of(base, base_name);
  const Layout added_layout = layout_of(addition, "the fit's device file");
  if (model == "generic") check_same_g_max(b, a, base_name);

  const MergePlan plan = plan_merge(model, base_layout, added_layout);
  DeviceFileMerge result;
  for (const auto& e : base_layout.parameters) {
    if (!e.key.empty() && plan.conflicting.count(family_of(model, e.key)) > 0) {
      result.replaced.push_back(e.key);  // in file order
    }
  }
  if (!plan.conflicting.empty() && !replace) {
    throw InvalidArgument(fmt::format(
        "{} already has {} keys ({}) with other values than this fit; use --force to replace "
        "them",
        base_name, fmt::join(plan.conflicting, ", "), fmt::join(result.replaced, ", ")));
  }

  std::string t;
  for (const auto& line : base_layout.header) t += line + "\n";
  t += "#\n# ---- merged into this file by `kirchhoff fit --into` ----\n";
  for (const auto& line : added_layout.header) t += line + "\n";
  auto joined = [&](const char* key) {
    const std::string x = b.get_or(key, ""), y = a.get_or(key, "");
    return x.empty() ? y : (y.empty() || x == y ? x : x + "; " + y);
  };
  TomlWriter top;
  top.key("name", toml_string(b.get_or("name", std::string(base_name))));
  top.key("model", toml_string(model));
  top.key("description", toml_string(joined("description")));
  top.key("source", toml_string(joined("source")));
  top.table("parameters");
  t += top.finish();
  for (const auto& e : base_layout.parameters) {
    if (!e.key.empty() && plan.conflicting.count(family_of(model, e.key)) > 0) continue;
    for (const auto& line : e.lines) t += line + "\n";
  }
  std::set<std::string> base_keys;
  for (const auto& e : base_layout.parameters) base_keys.insert(e.key);
  for (const Entry* e : plan.new_entries) {
    for (const auto& line : e->lines) t += line + "\n";
    if (base_keys.count(e->key) == 0) result.added.push_back(e->key);
  }
  // The merged file must load as a device.
  const Config merged = Config::parse(t, std::string(base_name));
  (void)devices::make_device(merged.root());
  result.text = std::move(t);
  return result;
}

}  // namespace kirchhoff::fitting
