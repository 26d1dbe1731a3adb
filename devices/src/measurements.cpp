#include "kirchhoff/devices/measurements.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::devices {
namespace {

struct Role {
  std::string_view name;
  std::vector<std::string_view> defaults;
  std::optional<Dimension> dimension;  // none: a text column
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto comma = line.find(',');
    fields.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

// The SI scale of a unit of `dimension` ("uS" -> 1e-6), or nothing when it is not one.
std::optional<double> unit_scale(std::string_view unit, Dimension dimension) {
  if (unit.empty()) return std::nullopt;
  try {
    return parse_quantity(fmt::format("1{}", unit), dimension);
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

struct Column {
  std::size_t index = 0;
  std::string header;
  double scale = 1.0;
  std::string unit;
};

struct Table {
  std::string file;
  std::vector<Column> columns;  // one per role, in role order
  std::vector<std::vector<std::string_view>> rows;
  std::vector<std::uint32_t> lines;
};

[[noreturn]] void fail_file(std::string_view file, const std::string& message) {
  throw FormatError(fmt::format("{}: {}", file, message));
}
[[noreturn]] void fail_line(std::string_view file, std::uint32_t line, const std::string& message) {
  throw FormatError(fmt::format("{}:{}: {}", file, line, message));
}

Table read_table(std::string_view text, std::string_view file, const std::vector<Role>& roles,
                 const CsvOptions& options, std::string_view kind) {
  auto role_names = [&] {
    std::vector<std::string_view> names;
    for (const auto& r : roles) names.push_back(r.name);
    return fmt::format("{}", fmt::join(names, ", "));
  };
  for (const auto* map : {&options.columns, &options.units}) {
    for (const auto& [role, value] : *map) {
      bool known = false;
      for (const auto& r : roles) known = known || r.name == role;
      if (!known) {
        throw InvalidArgument(fmt::format("unknown column role '{}' for {} data (roles: {})", role,
                                          kind, role_names()));
      }
    }
  }

  Table table;
  table.file = std::string(file);
  std::vector<std::string_view> header;
  std::uint32_t header_line = 0;
  std::uint32_t line_number = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    if (header.empty()) {
      header = split(line);
      header_line = line_number;
      continue;
    }
    auto fields = split(line);
    if (fields.size() != header.size()) {
      fail_line(file, line_number,
                fmt::format("{} fields, but the header (line {}) has {} columns", fields.size(),
                            header_line, header.size()));
    }
    table.rows.push_back(std::move(fields));
    table.lines.push_back(line_number);
  }
  if (header.empty()) fail_file(file, "no header line (the file is empty or only comments)");

  for (const auto& role : roles) {
    std::vector<std::string_view> wanted = role.defaults;
    if (const auto it = options.columns.find(role.name); it != options.columns.end()) {
      wanted = {it->second};
    }
    std::optional<Column> found;
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string_view h = header[c];
      std::string_view base = h, unit;
      std::optional<double> scale;
      if (role.dimension) {
        if (const auto us = h.rfind('_'); us != std::string_view::npos) {
          scale = unit_scale(h.substr(us + 1), *role.dimension);
          if (scale) {
            base = h.substr(0, us);
            unit = h.substr(us + 1);
          }
        }
      }
      bool match = false;
      for (auto w : wanted) match = match || w == h || w == base;
      if (!match) continue;
      if (found) {
        fail_file(file, fmt::format("columns '{}' and '{}' both name the {} column; choose one "
                                    "with --columns {}=NAME",
                                    found->header, h, role.name, role.name));
      }
      Column column{c, std::string(h), scale.value_or(1.0), std::string(unit)};
      if (role.dimension && !scale) {
        const auto it = options.units.find(role.name);
        if (it == options.units.end()) {
          fail_file(file, fmt::format("column '{}' ({}) has no unit: name it e.g. {}_{} or give "
                                      "--units {}={}",
                                      h, role.name, h, dimension_si_unit(*role.dimension),
                                      role.name, dimension_si_unit(*role.dimension)));
        }
        const auto s = unit_scale(it->second, *role.dimension);
        if (!s) {
          throw InvalidArgument(fmt::format("--units {}={}: not a unit of {} ({})", role.name,
                                            it->second, dimension_name(*role.dimension),
                                            dimension_units_allowed(*role.dimension)));
        }
        column.scale = *s;
        column.unit = it->second;
      }
      found = column;
    }
    if (!found) {
      fail_file(file, fmt::format("no {} column (looked for {}; the header has {}); name it with "
                                  "--columns {}=NAME",
                                  role.name, fmt::join(wanted, ", "), fmt::join(header, ", "),
                                  role.name));
    }
    table.columns.push_back(*found);
  }
  return table;
}

double number(const Table& table, std::size_t row, std::size_t role) {
  const Column& column = table.columns[role];
  const std::string_view field = table.rows[row][column.index];
  double value = 0.0;
  const auto* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (field.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    fail_line(table.file, table.lines[row],
              fmt::format("column '{}': '{}' is not a number", column.header, field));
  }
  return value * column.scale;
}

double conductance(const Table& table, std::size_t row, std::size_t role, bool positive) {
  const double g = number(table, row, role);
  if (g < 0.0 || (positive && g == 0.0)) {
    const Column& column = table.columns[role];
    fail_line(
        table.file, table.lines[row],
        fmt::format("column '{}': {} conductance {}", column.header, g < 0.0 ? "negative" : "zero",
                    format_quantity(g, Dimension::conductance)) +
            (positive ? " (the drift fit takes log G: conductances must be > 0)" : ""));
  }
  return g;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open '{}'", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("cannot read '{}'", path.string()));
  return s.str();
}

}  // namespace

ProgrammingData parse_programming_csv(std::string_view text, std::string_view file,
                                      const CsvOptions& options) {
  const std::vector<Role> roles{
      {"target", {"target", "g_target", "g_T"}, Dimension::conductance},
      {"programmed", {"programmed", "g_programmed", "g_P"}, Dimension::conductance}};
  const Table table = read_table(text, file, roles, options, "programming");
  ProgrammingData data;
  data.file = std::string(file);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    data.target_s.push_back(conductance(table, r, 0, false));
    data.programmed_s.push_back(conductance(table, r, 1, false));
    data.line.push_back(table.lines[r]);
  }
  if (data.target_s.size() < kMinProgrammingRows) {
    fail_file(file, fmt::format("{} data rows; the programming fit needs at least {}",
                                data.target_s.size(), kMinProgrammingRows));
  }
  return data;
}

DriftData parse_drift_csv(std::string_view text, std::string_view file, const CsvOptions& options) {
  const std::vector<Role> roles{{"device", {"device", "device_id", "id"}, std::nullopt},
                                {"target", {"target", "g_target", "g_T"}, Dimension::conductance},
                                {"time", {"time", "t"}, Dimension::time},
                                {"conductance", {"conductance", "g", "G"}, Dimension::conductance}};
  const Table table = read_table(text, file, roles, options, "drift");
  DriftData data;
  data.file = std::string(file);
  struct Seen {
    std::size_t last_row;
    std::size_t count;
  };
  std::unordered_map<std::string, Seen> seen;
  std::vector<std::string> order;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string_view id = table.rows[r][table.columns[0].index];
    const std::uint32_t line = table.lines[r];
    if (id.empty()) {
      fail_line(file, line, fmt::format("column '{}': empty device id", table.columns[0].header));
    }
    const double target = conductance(table, r, 1, false);
    const double t = number(table, r, 2);
    if (!(t > 0.0)) {
      fail_line(file, line,
                fmt::format("column '{}': time since programming must be > 0, got {}",
                            table.columns[2].header, table.rows[r][table.columns[2].index]));
    }
    const double g = conductance(table, r, 3, true);
    const std::string key(id);
    if (const auto it = seen.find(key); it != seen.end()) {
      const std::size_t prev = it->second.last_row;
      if (!(t > data.time_s[prev])) {
        fail_line(
            file, line,
            fmt::format("device '{}': time {} is not after its previous time {} (line {}); "
                        "times must increase down the file for each device",
                        id, format_quantity(t, Dimension::time),
                        format_quantity(data.time_s[prev], Dimension::time), data.line[prev]));
      }
      if (target != data.target_s[prev]) {
        fail_line(file, line,
                  fmt::format("device '{}': target {} differs from {} on line {}", id,
                              format_quantity(target, Dimension::conductance),
                              format_quantity(data.target_s[prev], Dimension::conductance),
                              data.line[prev]));
      }
      it->second.last_row = data.time_s.size();
      ++it->second.count;
    } else {
      seen.emplace(key, Seen{data.time_s.size(), 1});
      order.push_back(key);
    }
    data.device.push_back(key);
    data.target_s.push_back(target);
    data.time_s.push_back(t);
    data.conductance_s.push_back(g);
    data.line.push_back(line);
  }
  if (order.empty()) fail_file(file, "no data rows");
  for (const auto& id : order) {
    const Seen& s = seen.at(id);
    if (s.count < kMinDriftTimes) {
      fail_line(file, data.line[s.last_row],
                fmt::format("device '{}' has {} read time; the drift fit needs at least {} per "
                            "device",
                            id, s.count, kMinDriftTimes));
    }
  }
  if (order.size() < 2) {
    fail_file(file, fmt::format("{} device; the drift fit needs at least 2", order.size()));
  }
  return data;
}

ProgrammingData read_programming_csv(const std::filesystem::path& path, const CsvOptions& options) {
  return parse_programming_csv(read_text(path), path.string(), options);
}

DriftData read_drift_csv(const std::filesystem::path& path, const CsvOptions& options) {
  return parse_drift_csv(read_text(path), path.string(), options);
}

std::map<std::string, std::string, std::less<>> parse_role_list(std::string_view option,
                                                                std::string_view list) {
  std::map<std::string, std::string, std::less<>> roles;
  if (trim(list).empty()) return roles;
  for (auto item : split(list)) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty() ||
        trim(item.substr(eq + 1)).empty()) {
      throw InvalidArgument(
          fmt::format("option {}: '{}' is not ROLE=VALUE (e.g. target=uS)", option, item));
    }
    roles[std::string(trim(item.substr(0, eq)))] = std::string(trim(item.substr(eq + 1)));
  }
  return roles;
}

}  // namespace kirchhoff::devices
