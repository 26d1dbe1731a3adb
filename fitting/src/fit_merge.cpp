// Merging fitted device files (fit.hpp, merge_device_files; `kirchhoff fit ... --into`).
//
// The files are merged line by line, not re-serialised from the parsed TOML, so that the fit
// reports (comments) and the comments after each key survive. Both files are parsed first with
// the configuration reader, which also rejects anything that is not TOML; the line structure
// handled here is the one device files have: comments, top-level keys, one [parameters] table
// of `key = value  # comment` entries (arrays may span lines).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/fitting/fit.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace kirchhoff::fitting {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Entry {
  std::string key;                 // empty: comments after the last key
  std::vector<std::string> lines;  // comment lines before it, then its own line(s)
  std::string value;               // the value's text, comments removed
};

struct Layout {
  std::vector<std::string> header;  // comment and blank lines before the first key
  std::vector<Entry> parameters;
};

// The value text of a `key = value  # comment` line: up to a '#' outside a string.
std::string value_text(std::string_view line, int& depth) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (!in_string && c == '#') break;
    if (!in_string && c == '[') ++depth;
    if (!in_string && c == ']') --depth;
    out += c;
  }
  return std::string(trim(out));
}

std::string key_of(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() &&
         (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == '-')) {
    ++i;
  }
  const std::string_view rest = trim(line.substr(i));
  if (i == 0 || rest.empty() || rest.front() != '=') return {};
  return std::string(line.substr(0, i));
}

Layout layout_of(std::string_view text, std::string_view name) {
  Layout layout;
  std::vector<std::string> pending;
  bool seen_key = false, in_parameters = false;
  int depth = 0;
  std::size_t line_number = 0;
  Entry* open = nullptr;  // an entry whose array continues on the next line
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string line(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    const std::string_view t = trim(line);
    if (open != nullptr) {
      open->lines.push_back(line);
      open->value += ' ';
      open->value += value_text(t, depth);
      if (depth <= 0) open = nullptr;
      continue;
    }
    if (t.empty() || t.front() == '#') {
      (seen_key ? pending : layout.header).push_back(line);
      continue;
    }
    seen_key = true;
    if (t.front() == '[') {
      if (t != "[parameters]") {
        throw InvalidArgument(fmt::format(
            "{}:{}: cannot merge: a device file written by kirchhoff fit has one table, "
            "[parameters]; found {}",
            name, line_number, t));
      }
      in_parameters = true;
      pending.clear();
      continue;
    }
    if (!in_parameters) {
      pending.clear();  // top-level keys are rewritten from the parsed values
      continue;
    }
    const std::string key = key_of(t);
    if (key.empty()) {
      throw InvalidArgument(fmt::format(
          "{}:{}: cannot merge: '{}' is not a plain 'key = value' line", name, line_number, t));
    }
    Entry entry;
    entry.key = key;
    entry.lines = std::move(pending);
    pending.clear();
    entry.lines.push_back(line);
    depth = 0;
    entry.value = value_text(trim(t.substr(t.find('=') + 1)), depth);
    layout.parameters.push_back(std::move(entry));
    if (depth > 0) open = &layout.parameters.back();
  }
  if (!pending.empty()) layout.parameters.push_back({"", std::move(pending), ""});
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

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

DeviceFileMerge merge_device_files(std::string_view base, std::string_view base_name,
                                   std::string_view addition, bool replace) {
  const Config base_config = Config::parse(base, std::string(base_name));
  const Config addition_config = Config::parse(addition, "the fit's device file");
  const ConfigTable b = base_config.root(), a = addition_config.root();
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
  const Layout base_layout = layout_of(base, base_name);
  const Layout added_layout = layout_of(addition, "the fit's device file");

  std::map<std::string, const Entry*> base_keys;
  for (const auto& e : base_layout.parameters) {
    if (!e.key.empty()) base_keys[e.key] = &e;
  }
  // g_max normalises the generic model's polynomials: both files must mean the same x.
  if (model == "generic" && b.table("parameters").contains("g_max") &&
      a.table("parameters").contains("g_max")) {
    const double gb = b.table("parameters").get_quantity("g_max", Dimension::conductance);
    const double ga = a.table("parameters").get_quantity("g_max", Dimension::conductance);
    if (std::abs(gb - ga) > 1e-9 * std::max(std::abs(gb), std::abs(ga))) {
      throw InvalidArgument(fmt::format(
          "{}: g_max is {} there but {} in this fit; the polynomials and forms are in x = g/g_max, "
          "so refit with --g-max {}",
          base_name, format_quantity(gb, Dimension::conductance),
          format_quantity(ga, Dimension::conductance),
          format_quantity(gb, Dimension::conductance)));
    }
  }

  DeviceFileMerge result;
  std::set<std::string> conflicting;  // families (or single keys) to replace
  std::vector<const Entry*> new_entries;
  for (const auto& e : added_layout.parameters) {
    if (e.key.empty()) continue;
    const std::string family = family_of(model, e.key);
    const auto it = base_keys.find(e.key);
    if (it != base_keys.end() && it->second->value == e.value) continue;  // the same already
    bool clash = it != base_keys.end();
    for (const auto& [key, entry] : base_keys) {
      clash = clash || (family_of(model, key) == family && family != e.key);
    }
    if (clash) conflicting.insert(family);
    new_entries.push_back(&e);
  }
  std::vector<std::string> clashing_keys;  // in file order
  for (const auto& e : base_layout.parameters) {
    if (!e.key.empty() && conflicting.count(family_of(model, e.key)) > 0) {
      clashing_keys.push_back(e.key);
    }
  }
  if (!conflicting.empty() && !replace) {
    throw InvalidArgument(fmt::format(
        "{} already has {} keys ({}) with other values than this fit; use --force to replace "
        "them",
        base_name, fmt::join(conflicting, ", "), fmt::join(clashing_keys, ", ")));
  }
  result.replaced = clashing_keys;

  std::string t;
  for (const auto& line : base_layout.header) t += line + "\n";
  t += "#\n# ---- merged into this file by `kirchhoff fit --into` ----\n";
  for (const auto& line : added_layout.header) t += line + "\n";
  const std::string name = b.get_or("name", std::string(base_name));
  t += fmt::format("name = {}\n", quoted(name));
  t += fmt::format("model = {}\n", quoted(model));
  auto joined = [&](const char* key) {
    const std::string x = b.get_or(key, ""), y = a.get_or(key, "");
    return x.empty() ? y : (y.empty() || x == y ? x : x + "; " + y);
  };
  t += fmt::format("description = {}\n", quoted(joined("description")));
  t += fmt::format("source = {}\n\n[parameters]\n", quoted(joined("source")));
  for (const auto& e : base_layout.parameters) {
    if (!e.key.empty() && conflicting.count(family_of(model, e.key)) > 0) continue;
    for (const auto& line : e.lines) t += line + "\n";
  }
  for (const Entry* e : new_entries) {
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
