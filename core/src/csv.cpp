#include "kirchhoff/core/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"

namespace kirchhoff {

namespace {

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> fields;
  for (;;) {
    const auto comma = line.find(',');
    fields.emplace_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

}  // namespace

CsvTable parse_csv(std::string_view text, std::string source, const CsvOptions& options) {
  CsvTable table;
  table.source = std::move(source);
  // Excel and Windows editors start UTF-8 files with a byte-order mark: not part of the header.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  bool header_pending = options.header;
  std::uint32_t line_number = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields = split_fields(line);
    if (header_pending) {
      table.header = std::move(fields);
      table.header_line = line_number;
      header_pending = false;
      continue;
    }
    if (options.header && fields.size() != table.header.size()) {
      throw FormatError(fmt::format("{}:{}: {} fields, but the header (line {}) has {} columns",
                                    table.source, line_number, fields.size(), table.header_line,
                                    table.header.size()));
    }
    if (!options.header && !table.records.empty() &&
        fields.size() != table.records.front().fields.size()) {
      const CsvRecord& first = table.records.front();
      throw FormatError(
          fmt::format("{}:{}: {} fields, but line {} has {} (every line must have as many)",
                      table.source, line_number, fields.size(), first.line, first.fields.size()));
    }
    table.records.push_back({line_number, std::move(fields)});
  }
  return table;
}

CsvTable read_csv_file(const std::filesystem::path& path, const CsvOptions& options) {
  // The size is known before anything is read: a device (/dev/zero) or a huge file is refused
  // with its name rather than ending in an allocation failure.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw IoError(fmt::format("cannot open '{}': no such file", path.string()));
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw IoError(
        fmt::format("'{}' is not a regular file (a CSV file is read whole)", path.string()));
  }
  const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (!ec && bytes > kMaxCsvBytes) {
    throw FormatError(
        fmt::format("'{}' has {} bytes; CSV files of up to {} bytes (1 GiB) are "
                    "read; split or subsample it",
                    path.string(), bytes, kMaxCsvBytes));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(fmt::format("cannot open '{}'", path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw IoError(fmt::format("cannot read '{}'", path.string()));
  return parse_csv(text.view(), path.string(), options);
}

std::optional<double> parse_csv_number(std::string_view field) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc() || end != field.data() + field.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace kirchhoff
