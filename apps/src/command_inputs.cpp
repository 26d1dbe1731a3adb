#include "command_inputs.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "kirchhoff/core/csv.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff::cli {

NumbersTable read_numbers_csv(const std::string& path, const char* what) {
  CsvTable csv;
  try {
    csv = read_csv_file(path, {.header = false});
  } catch (const FormatError&) {
    throw;
  } catch (const IoError&) {
    throw IoError(fmt::format("cannot open {} file '{}'", what, path));
  }
  if (csv.records.empty()) throw FormatError(fmt::format("{} file '{}' is empty", what, path));
  NumbersTable table;
  for (const CsvRecord& record : csv.records) {
    std::vector<double> values;
    for (std::size_t column = 0; column < record.fields.size(); ++column) {
      const std::string& field = record.fields[column];
      const auto value = parse_csv_number(field);
      if (!value) {
        throw FormatError(fmt::format(
            "{} file '{}', line {}, column {}: {} is not a finite number", what, path, record.line,
            column + 1,
            field.empty() ? std::string("an empty value") : fmt::format("'{}'", field)));
      }
      values.push_back(*value);
    }
    table.push_back({record.line, std::move(values)});
  }
  return table;
}

std::string toml_path(const std::string& path) {
  std::string text = std::filesystem::absolute(path).lexically_normal().string();
  std::string escaped;
  for (const char c : text) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "\"" + escaped + "\"";
}

}  // namespace kirchhoff::cli
