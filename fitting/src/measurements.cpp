#include "kirchhoff/fitting/measurements.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
#include <unordered_map>

#include "kirchhoff/core/csv.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/text.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::fitting {
namespace {

// An HDF5 column is read whole (the bootstrap resamples its rows): a bound on what is allocated
// for a file whose extents are larger than any measurement (8 bytes per row and column).
constexpr std::uint64_t kMaxMeasurementRows = 100'000'000;

struct Role {
  std::string_view name;
  std::vector<std::string_view> defaults;
  std::optional<Dimension> dimension;  // none: a text or plain-number column
  bool optional = false;
};

// The SI scale of a unit of `dimension` ("uS" -> 1e-6), or nothing when it is not one.
std::optional<double> unit_scale(std::string_view unit, Dimension dimension) {
  if (unit.empty()) return std::nullopt;
  try {
    return parse_quantity(fmt::format("1{}", unit), dimension);
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

// One column of a table, found for a role. A CSV column points into the rows' fields; an HDF5
// column holds the dataset's values (numbers, or texts for a string dataset).
struct Column {
  bool present = false;
  std::size_t index = 0;  // CSV field index
  std::string header;     // CSV column name or HDF5 dataset name
  double scale = 1.0;
  std::string unit;
  bool text = false;  // HDF5: a string dataset
  std::vector<double> numbers;
  std::vector<std::string> texts;
};

// The rows of a measurement file, columns in role order, with what messages need to say where
// a row is.
struct Table {
  std::string file;
  bool hdf5 = false;
  std::vector<Column> columns;
  std::size_t rows = 0;
  std::vector<CsvRecord> records;    // CSV
  std::vector<std::uint32_t> lines;  // CSV line or HDF5 row of each row

  // "p.csv:13" or "p.h5: row [12]".
  [[nodiscard]] std::string where(std::size_t row) const {
    return hdf5 ? fmt::format("{}: row [{}]", file, lines[row])
                : fmt::format("{}:{}", file, lines[row]);
  }
  // "p.csv:13: column 'g_uS'" or "p.h5: dataset 'g' [12]".
  [[nodiscard]] std::string where(std::size_t row, std::size_t role) const {
    return hdf5 ? fmt::format("{}: dataset '{}' [{}]", file, columns[role].header, lines[row])
                : fmt::format("{}:{}: column '{}'", file, lines[row], columns[role].header);
  }
  // How a message refers to another row: "line 4" or "row [3]".
  [[nodiscard]] std::string ref(std::uint32_t line) const {
    return hdf5 ? fmt::format("row [{}]", line) : fmt::format("line {}", line);
  }
};

[[noreturn]] void fail_file(std::string_view file, const std::string& message) {
  throw FormatError(fmt::format("{}: {}", file, message));
}
[[noreturn]] void fail_row(const Table& t, std::size_t row, const std::string& message) {
  throw FormatError(fmt::format("{}: {}", t.where(row), message));
}
[[noreturn]] void fail_cell(const Table& t, std::size_t row, std::size_t role,
                            const std::string& message) {
  throw FormatError(fmt::format("{}: {}", t.where(row, role), message));
}

void check_roles(const std::vector<Role>& roles, const MeasurementOptions& options,
                 std::string_view kind) {
  std::vector<std::string_view> names;
  for (const auto& r : roles) names.push_back(r.name);
  for (const auto* map : {&options.columns, &options.units}) {
    for (const auto& [role, value] : *map) {
      if (std::find(names.begin(), names.end(), role) == names.end()) {
        throw InvalidArgument(fmt::format("unknown column role '{}' for {} data (roles: {})", role,
                                          kind, fmt::join(names, ", ")));
      }
    }
  }
}

// Finds the column of `role` among `names` (CSV header or HDF5 dataset names). A name matches
// when it, or its part before a unit suffix of the role's dimension, is one of the wanted
// names. `stored_unit(i)` is the unit stored with name i (HDF5 attribute), if any; it takes
// precedence over the suffix. `noun` is "header" or "file" for messages.
Column find_column(const std::vector<std::string>& names, const Role& role,
                   const MeasurementOptions& options, std::string_view file,
                   const std::function<std::optional<std::string>(std::size_t)>& stored_unit,
                   std::string_view what_has) {
  std::vector<std::string_view> wanted = role.defaults;
  if (const auto it = options.columns.find(role.name); it != options.columns.end()) {
    wanted = {it->second};
  }
  Column found;
  for (std::size_t c = 0; c < names.size(); ++c) {
    const std::string_view h = names[c];
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
    if (found.present) {
      fail_file(file, fmt::format("columns '{}' and '{}' both name the {} column; choose one "
                                  "with --columns {}=NAME",
                                  found.header, h, role.name, role.name));
    }
    Column column;
    column.present = true;
    column.index = c;
    column.header = std::string(h);
    column.scale = scale.value_or(1.0);
    column.unit = std::string(unit);
    if (role.dimension) {
      if (const auto stored = stored_unit(c)) {
        const auto s = unit_scale(*stored, *role.dimension);
        if (!s) {
          fail_file(file, fmt::format("dataset '{}': unit attribute '{}' is not a unit of {} ({})",
                                      h, *stored, dimension_name(*role.dimension),
                                      dimension_units_allowed(*role.dimension)));
        }
        column.scale = *s;
        column.unit = *stored;
        scale = s;
      }
    }
    if (role.dimension && !scale) {
      const auto it = options.units.find(role.name);
      if (it == options.units.end()) {
        fail_file(file, fmt::format("column '{}' ({}) has no unit: name it e.g. {}_{} or give "
                                    "--units {}={}",
                                    h, role.name, h, dimension_si_unit(*role.dimension), role.name,
                                    dimension_si_unit(*role.dimension)));
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
    found = std::move(column);
  }
  if (!found.present && !role.optional) {
    fail_file(file, fmt::format("no {} column (looked for {}; the {} {}); name it with "
                                "--columns {}=NAME",
                                role.name, fmt::join(wanted, ", "), what_has,
                                fmt::join(names, ", "), role.name));
  }
  return found;
}

// The CSV records (core's reader: header, comments, blank lines, trimmed fields, widths) as a
// table of the roles' columns.
Table csv_table(CsvTable csv, const std::vector<Role>& roles, const MeasurementOptions& options) {
  if (csv.header.empty()) {
    fail_file(csv.source, "no header line (the file is empty or only comments)");
  }
  Table table;
  table.file = csv.source;
  table.rows = csv.records.size();
  for (const auto& record : csv.records) table.lines.push_back(record.line);
  for (const auto& role : roles) {
    table.columns.push_back(find_column(
        csv.header, role, options, csv.source,
        [](std::size_t) { return std::optional<std::string>(); }, "header has"));
  }
  table.records = std::move(csv.records);
  return table;
}

Table read_csv_table(std::string_view text, std::string_view file, const std::vector<Role>& roles,
                     const MeasurementOptions& options, std::string_view kind) {
  check_roles(roles, options, kind);
  return csv_table(parse_csv(text, std::string(file)), roles, options);
}

Table read_csv_table(const std::filesystem::path& path, const std::vector<Role>& roles,
                     const MeasurementOptions& options, std::string_view kind) {
  check_roles(roles, options, kind);
  return csv_table(read_csv_file(path), roles, options);
}

// The values of a 1-D dataset of any numeric type, or its strings.
void read_column_values(const h5::Dataset& dataset, Column& column) {
  // The wrapper reads a dataset only as its exact stored type: try each in turn.
  auto attempt = [&](auto tag) {
    using T = decltype(tag);
    try {
      const auto values = dataset.read<std::vector<T>>();
      column.numbers.assign(values.begin(), values.end());
      return true;
    } catch (const FormatError&) {
      return false;
    }
  };
  if (attempt(double{}) || attempt(float{}) || attempt(std::int64_t{}) || attempt(std::int32_t{}) ||
      attempt(std::uint64_t{}) || attempt(std::uint32_t{}) || attempt(std::uint8_t{})) {
    return;
  }
  try {
    column.texts = dataset.read<std::vector<std::string>>();
    column.text = true;
  } catch (const FormatError&) {
    throw FormatError(
        fmt::format("{}: dataset '{}': neither numbers nor strings (a 1-D dataset "
                    "of floats, integers or strings per column is needed)",
                    dataset.file_path(), column.header));
  }
}

Table read_hdf5_table(const std::filesystem::path& path, const std::vector<Role>& roles,
                      const MeasurementOptions& options, std::string_view kind) {
  check_roles(roles, options, kind);
  const std::string file_name = path.string();
  // Measurements come from a lab's own scripts: the identity attributes are optional, but a file
  // that has them must be a measurement file of a schema this build reads.
  auto file = h5::File::open_foreign(path);
  if (file.has_attribute("filetype") || file.has_attribute("schema_version")) {
    file = h5::File::open(path, h5::OpenMode::read_only, kMeasurementFiletype,
                          kMeasurementSchemaMajor);
  }
  Table table;
  table.file = file_name;
  table.hdf5 = true;
  const std::vector<std::string> names = file.children();
  std::vector<std::optional<std::string>> units(names.size());
  auto stored_unit = [&](std::size_t i) -> std::optional<std::string> {
    if (units[i]) return units[i];
    if (!file.exists(names[i])) return std::nullopt;
    const auto dataset = file.open_dataset(names[i]);
    for (const char* attribute : {"unit", "units"}) {
      if (dataset.has_attribute(attribute)) {
        units[i] = dataset.read_attribute<std::string>(attribute);
        return units[i];
      }
    }
    return std::nullopt;
  };
  std::optional<std::size_t> length;
  std::string first_name;
  for (const auto& role : roles) {
    Column column = find_column(names, role, options, file_name, stored_unit, "file has datasets");
    if (column.present) {
      const auto dataset = file.open_dataset(column.header);
      const auto shape = dataset.shape();
      if (shape.size() != 1) {
        fail_file(file_name, fmt::format("dataset '{}' has {} dimensions; a column is a 1-D "
                                         "dataset",
                                         column.header, shape.size()));
      }
      if (shape[0] > kMaxMeasurementRows) {
        fail_file(file_name, fmt::format("dataset '{}' has {} rows; measurement files of up to {} "
                                         "rows are read (subsample it)",
                                         column.header, shape[0], kMaxMeasurementRows));
      }
      read_column_values(dataset, column);
      const std::size_t n = column.text ? column.texts.size() : column.numbers.size();
      if (length && n != *length) {
        fail_file(file_name, fmt::format("dataset '{}' has {} rows but '{}' has {}; the columns "
                                         "of one file have one length",
                                         column.header, n, first_name, *length));
      }
      if (!length) {
        length = n;
        first_name = column.header;
      }
    }
    table.columns.push_back(std::move(column));
  }
  table.rows = length.value_or(0);
  for (std::size_t r = 0; r < table.rows; ++r) table.lines.push_back(static_cast<std::uint32_t>(r));
  return table;
}

bool present(const Table& table, std::size_t role) {
  return table.columns[role].present;
}

// The text of a cell (device ids): the CSV field, an HDF5 string, or an HDF5 number (integers
// written without a decimal point).
std::string text(const Table& table, std::size_t row, std::size_t role) {
  const Column& column = table.columns[role];
  if (!table.hdf5) return table.records[row].fields[column.index];
  if (column.text) return column.texts[row];
  return fmt::format("{}", column.numbers[row]);
}

double number(const Table& table, std::size_t row, std::size_t role) {
  const Column& column = table.columns[role];
  if (table.hdf5) {
    if (column.text) {
      fail_cell(table, row, role,
                fmt::format("'{}' is not a number (the dataset holds strings)", column.texts[row]));
    }
    const double value = column.numbers[row];
    if (!std::isfinite(value)) fail_cell(table, row, role, fmt::format("{} is not finite", value));
    return value * column.scale;
  }
  const std::string& field = table.records[row].fields[column.index];
  const std::optional<double> parsed = parse_csv_number(field);
  if (!parsed) fail_cell(table, row, role, fmt::format("'{}' is not a number", field));
  return *parsed * column.scale;
}

double conductance(
    const Table& table, std::size_t row, std::size_t role, bool positive,
    std::string_view why = " (the drift fit takes log G: conductances must be > 0)") {
  const double g = number(table, row, role);
  if (g < 0.0 || (positive && g == 0.0)) {
    fail_cell(table, row, role,
              fmt::format("{} conductance {}", g < 0.0 ? "negative" : "zero",
                          format_quantity(g, Dimension::conductance)) +
                  (positive ? std::string(why) : std::string()));
  }
  return g;
}

double time_since_programming(const Table& table, std::size_t row, std::size_t role) {
  const double t = number(table, row, role);
  if (!(t > 0.0)) {
    const std::string shown = table.hdf5 ? fmt::format("{}", t / table.columns[role].scale)
                                         : table.records[row].fields[table.columns[role].index];
    fail_cell(table, row, role, fmt::format("time since programming must be > 0, got {}", shown));
  }
  return t;
}

std::string device_id(const Table& table, std::size_t row, std::size_t role) {
  std::string id = text(table, row, role);
  if (id.empty()) fail_cell(table, row, role, "empty device id");
  return id;
}

// ---------------------------------------------------------------------------------------------
// The kinds of data: roles, then the rows turned into a data struct with its checks.

const std::vector<Role>& programming_roles() {
  static const std::vector<Role> roles{
      {"target", {"target", "g_target", "g_T"}, Dimension::conductance},
      {"programmed", {"programmed", "g_programmed", "g_P"}, Dimension::conductance}};
  return roles;
}

const std::vector<Role>& drift_roles() {
  static const std::vector<Role> roles{
      {"device", {"device", "device_id", "id"}, std::nullopt},
      {"target", {"target", "g_target", "g_T"}, Dimension::conductance},
      {"time", {"time", "t"}, Dimension::time},
      {"conductance", {"conductance", "g", "G"}, Dimension::conductance}};
  return roles;
}

const std::vector<Role>& read_noise_roles() {
  static const std::vector<Role> roles{
      {"device", {"device", "device_id", "id"}, std::nullopt},
      {"time", {"time", "t"}, Dimension::time},
      {"conductance", {"conductance", "g", "G"}, Dimension::conductance},
      {"target", {"target", "g_target", "g_T"}, Dimension::conductance, true}};
  return roles;
}

const std::vector<Role>& pulse_roles() {
  static const std::vector<Role> roles{
      {"device", {"device", "device_id", "id"}, std::nullopt, true},
      {"pulse", {"pulse", "pulse_number", "n"}, std::nullopt},
      {"polarity", {"polarity", "direction"}, std::nullopt},
      {"conductance", {"conductance", "g", "G"}, Dimension::conductance}};
  return roles;
}

ProgrammingData programming_from(const Table& table) {
  ProgrammingData data;
  data.file = table.file;
  for (std::size_t r = 0; r < table.rows; ++r) {
    data.target_siemens.push_back(conductance(table, r, 0, false));
    data.programmed_siemens.push_back(conductance(table, r, 1, false));
    data.line.push_back(table.lines[r]);
  }
  if (data.target_siemens.size() < kMinProgrammingRows) {
    fail_file(table.file, fmt::format("{} data rows; the programming fit needs at least {}",
                                      data.target_siemens.size(), kMinProgrammingRows));
  }
  return data;
}

DriftData drift_from(const Table& table) {
  DriftData data;
  data.file = table.file;
  struct Seen {
    std::size_t last_row;
    std::size_t count;
  };
  std::unordered_map<std::string, Seen> seen;
  std::vector<std::string> order;
  for (std::size_t r = 0; r < table.rows; ++r) {
    std::string id = device_id(table, r, 0);
    const double target = conductance(table, r, 1, false);
    const double t = time_since_programming(table, r, 2);
    const double g = conductance(table, r, 3, true);
    if (const auto it = seen.find(id); it != seen.end()) {
      const std::size_t prev = it->second.last_row;
      if (!(t > data.time_s[prev])) {
        fail_row(table, r,
                 fmt::format("device '{}': time {} is not after its previous time {} ({}); "
                             "times must increase down the file for each device",
                             id, format_quantity(t, Dimension::time),
                             format_quantity(data.time_s[prev], Dimension::time),
                             table.ref(data.line[prev])));
      }
      if (target != data.target_siemens[prev]) {
        fail_row(table, r,
                 fmt::format("device '{}': target {} differs from {} on {}", id,
                             format_quantity(target, Dimension::conductance),
                             format_quantity(data.target_siemens[prev], Dimension::conductance),
                             table.ref(data.line[prev])));
      }
      it->second.last_row = data.time_s.size();
      ++it->second.count;
    } else {
      seen.emplace(id, Seen{data.time_s.size(), 1});
      order.push_back(id);
    }
    data.device.push_back(std::move(id));
    data.target_siemens.push_back(target);
    data.time_s.push_back(t);
    data.conductance_siemens.push_back(g);
    data.line.push_back(table.lines[r]);
  }
  if (order.empty()) fail_file(table.file, "no data rows");
  for (const auto& id : order) {
    const Seen& s = seen.at(id);
    if (s.count < kMinDriftTimes) {
      fail_row(table, s.last_row,
               fmt::format("device '{}' has {} read time; the drift fit needs at least {} per "
                           "device",
                           id, s.count, kMinDriftTimes));
    }
  }
  if (order.size() < 2) {
    fail_file(table.file, fmt::format("{} device; the drift fit needs at least 2", order.size()));
  }
  return data;
}

ReadNoiseData read_noise_from(const Table& table) {
  ReadNoiseData data;
  data.file = table.file;
  const bool has_target = present(table, 3);
  struct Seen {
    std::size_t last_row;
    std::size_t reads;
    std::size_t repeats;  // reads at the time of the previous read
    std::size_t distinct_times;
  };
  std::unordered_map<std::string, Seen> seen;
  std::vector<std::string> order;
  for (std::size_t r = 0; r < table.rows; ++r) {
    std::string id = device_id(table, r, 0);
    const double t = time_since_programming(table, r, 1);
    const double g = conductance(table, r, 2, true,
                                 " (the read-noise fit takes relative deviations: "
                                 "conductances must be > 0)");
    const double target = has_target ? conductance(table, r, 3, false) : 0.0;
    if (const auto it = seen.find(id); it != seen.end()) {
      Seen& s = it->second;
      const std::size_t prev = s.last_row;
      if (t < data.time_s[prev]) {
        fail_row(table, r,
                 fmt::format("device '{}': time {} is before its previous read at {} ({}); "
                             "reads must be in time order for each device",
                             id, format_quantity(t, Dimension::time),
                             format_quantity(data.time_s[prev], Dimension::time),
                             table.ref(data.line[prev])));
      }
      if (has_target && target != data.target_siemens[prev]) {
        fail_row(table, r,
                 fmt::format("device '{}': target {} differs from {} on {}", id,
                             format_quantity(target, Dimension::conductance),
                             format_quantity(data.target_siemens[prev], Dimension::conductance),
                             table.ref(data.line[prev])));
      }
      if (t == data.time_s[prev]) {
        ++s.repeats;
      } else {
        ++s.distinct_times;
      }
      s.last_row = data.time_s.size();
      ++s.reads;
    } else {
      seen.emplace(id, Seen{data.time_s.size(), 1, 0, 1});
      order.push_back(id);
    }
    data.device.push_back(std::move(id));
    data.time_s.push_back(t);
    data.conductance_siemens.push_back(g);
    if (has_target) data.target_siemens.push_back(target);
    data.line.push_back(table.lines[r]);
  }
  if (order.empty()) fail_file(table.file, "no data rows");
  for (const auto& id : order) {
    const Seen& s = seen.at(id);
    // Repeats at one time give a noise estimate around their mean; reads all at different times
    // need a drift trend (2 parameters) and a third read.
    if (s.repeats == 0 && s.reads < 3) {
      fail_row(table, s.last_row,
               fmt::format("device '{}' has {} read{} at different times; the read-noise fit "
                           "needs repeated reads at one time, or at least 3 reads",
                           id, s.reads, s.reads == 1 ? "" : "s"));
    }
  }
  if (order.size() < 2) {
    fail_file(table.file,
              fmt::format("{} device; the read-noise fit needs at least 2", order.size()));
  }
  return data;
}

int polarity(const Table& table, std::size_t row, std::size_t role) {
  const Column& column = table.columns[role];
  std::string word;
  if (table.hdf5 && !column.text) {
    const double v = column.numbers[row];
    if (v == 1.0 || v == -1.0 || v == 0.0) return static_cast<int>(v);
    word = fmt::format("{}", v);
  } else {
    word = text(table, row, role);
    std::string lower;
    for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "1" || lower == "+1" || lower == "+" || lower == "ltp" || lower == "set" ||
        lower == "potentiation") {
      return 1;
    }
    if (lower == "-1" || lower == "-" || lower == "ltd" || lower == "reset" ||
        lower == "depression") {
      return -1;
    }
    if (lower == "0" || lower == "none" || lower == "initial") return 0;
  }
  fail_cell(table, row, role,
            fmt::format("'{}' is not a polarity (+1 or ltp, -1 or ltd, 0 for the read before the "
                        "first pulse)",
                        word));
}

std::uint32_t pulse_number(const Table& table, std::size_t row, std::size_t role) {
  const double v = number(table, row, role);
  if (!(v >= 0.0 && v == std::floor(v) && v < 4294967296.0)) {
    fail_cell(table, row, role, fmt::format("pulse number {} is not an integer >= 0", v));
  }
  return static_cast<std::uint32_t>(v);
}

PulseData pulse_from(const Table& table) {
  PulseData data;
  data.file = table.file;
  const bool has_device = present(table, 0);
  struct Seen {
    std::size_t last_row;
    std::size_t rows;
    std::size_t ltp = 0, ltd = 0;
  };
  std::unordered_map<std::string, Seen> seen;
  std::vector<std::string> order;
  for (std::size_t r = 0; r < table.rows; ++r) {
    std::string id = has_device ? device_id(table, r, 0) : std::string("1");
    const std::uint32_t pulse = pulse_number(table, r, 1);
    const int pol = polarity(table, r, 2);
    const double g = conductance(table, r, 3, false);
    if (const auto it = seen.find(id); it != seen.end()) {
      Seen& s = it->second;
      const std::size_t prev = s.last_row;
      if (pulse != data.pulse[prev] + 1) {
        fail_row(table, r,
                 fmt::format("device '{}': pulse {} does not follow pulse {} ({}); the pulse fit "
                             "needs a read after every pulse, in order",
                             id, pulse, data.pulse[prev], table.ref(data.line[prev])));
      }
      if (pol == 0) {
        fail_cell(table, r, 2,
                  fmt::format("device '{}': polarity 0 after the first read; every later row is "
                              "a read after a pulse of polarity +1 (LTP) or -1 (LTD)",
                              id));
      }
      (pol > 0 ? s.ltp : s.ltd) += 1;
      s.last_row = data.pulse.size();
      ++s.rows;
    } else {
      seen.emplace(id, Seen{data.pulse.size(), 1, 0, 0});
      order.push_back(id);
    }
    data.device.push_back(std::move(id));
    data.pulse.push_back(pulse);
    data.polarity.push_back(pol);
    data.conductance_siemens.push_back(g);
    data.line.push_back(table.lines[r]);
  }
  if (order.empty()) fail_file(table.file, "no data rows");
  for (const auto& id : order) {
    const Seen& s = seen.at(id);
    if (s.rows < kMinPulseRows) {
      fail_row(table, s.last_row,
               fmt::format("device '{}' has {} row{}; the pulse fit needs at least {} per device "
                           "(the first read, then a read after each pulse)",
                           id, s.rows, s.rows == 1 ? "" : "s", kMinPulseRows));
    }
  }
  for (const auto& id : order) {
    const Seen& s = seen.at(id);
    if (s.ltp == 0 || s.ltd == 0) {
      fail_row(table, s.last_row,
               fmt::format("device '{}' has {} LTP and {} LTD pulses; the pulse fit needs both "
                           "polarities for every device (it fits the LTP and the LTD curve)",
                           id, s.ltp, s.ltd));
    }
  }
  return data;
}

bool has_hdf5_signature(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open '{}'", path.string()));
  constexpr std::array<char, 8> signature{'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  // The superblock is at 0 or, after a user block, at 512, 1024, 2048, ... (HDF5 file format).
  for (std::streamoff offset = 0; offset <= (std::streamoff{1} << 20);
       offset = offset == 0 ? 512 : 2 * offset) {
    std::array<char, 8> bytes{};
    in.clear();
    in.seekg(offset);
    if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return false;
    if (bytes == signature) return true;
  }
  return false;
}

template <typename Data, typename Build>
Data read_any(const std::filesystem::path& path, const MeasurementOptions& options,
              const std::vector<Role>& roles, std::string_view kind, Build build) {
  if (measurement_format(path) == MeasurementFormat::hdf5) {
    return build(read_hdf5_table(path, roles, options, kind));
  }
  return build(read_csv_table(path, roles, options, kind));
}

}  // namespace

ProgrammingData parse_programming_csv(std::string_view text, std::string_view file,
                                      const MeasurementOptions& options) {
  return programming_from(read_csv_table(text, file, programming_roles(), options, "programming"));
}

DriftData parse_drift_csv(std::string_view text, std::string_view file,
                          const MeasurementOptions& options) {
  return drift_from(read_csv_table(text, file, drift_roles(), options, "drift"));
}

ReadNoiseData parse_read_noise_csv(std::string_view text, std::string_view file,
                                   const MeasurementOptions& options) {
  return read_noise_from(read_csv_table(text, file, read_noise_roles(), options, "read-noise"));
}

PulseData parse_pulse_csv(std::string_view text, std::string_view file,
                          const MeasurementOptions& options) {
  return pulse_from(read_csv_table(text, file, pulse_roles(), options, "pulse"));
}

ProgrammingData read_programming_csv(const std::filesystem::path& path,
                                     const MeasurementOptions& options) {
  return programming_from(read_csv_table(path, programming_roles(), options, "programming"));
}

DriftData read_drift_csv(const std::filesystem::path& path, const MeasurementOptions& options) {
  return drift_from(read_csv_table(path, drift_roles(), options, "drift"));
}

MeasurementFormat measurement_format(const std::filesystem::path& path) {
  if (has_hdf5_signature(path)) return MeasurementFormat::hdf5;
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".h5" || extension == ".hdf5" ? MeasurementFormat::hdf5
                                                    : MeasurementFormat::csv;
}

ProgrammingData read_programming(const std::filesystem::path& path,
                                 const MeasurementOptions& options) {
  return read_any<ProgrammingData>(path, options, programming_roles(), "programming",
                                   programming_from);
}

DriftData read_drift(const std::filesystem::path& path, const MeasurementOptions& options) {
  return read_any<DriftData>(path, options, drift_roles(), "drift", drift_from);
}

ReadNoiseData read_read_noise(const std::filesystem::path& path,
                              const MeasurementOptions& options) {
  return read_any<ReadNoiseData>(path, options, read_noise_roles(), "read-noise", read_noise_from);
}

PulseData read_pulse(const std::filesystem::path& path, const MeasurementOptions& options) {
  return read_any<PulseData>(path, options, pulse_roles(), "pulse", pulse_from);
}

std::map<std::string, std::string, std::less<>> parse_role_list(std::string_view option,
                                                                std::string_view list) {
  std::map<std::string, std::string, std::less<>> roles;
  if (trim(list).empty()) return roles;
  for (std::string_view rest = list;;) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty() ||
        trim(item.substr(eq + 1)).empty()) {
      throw InvalidArgument(
          fmt::format("option {}: '{}' is not ROLE=VALUE (e.g. target=uS)", option, item));
    }
    roles[std::string(trim(item.substr(0, eq)))] = std::string(trim(item.substr(eq + 1)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return roles;
}

}  // namespace kirchhoff::fitting
