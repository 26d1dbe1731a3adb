// Comma-separated values as instruments, lab scripts and spreadsheets write them: fields
// separated by commas and trimmed of white space (so CRLF files read the same), blank lines and
// '#' comment lines skipped, a leading UTF-8 byte-order mark (Excel) ignored, optionally a header
// line naming the columns. Every record must have as many fields as the header (or, without one,
// as the first record); errors name the file and line.
//
//   const CsvTable t = read_csv_file("devices.csv", {.header = true});
//   t.header;               // {"device", "target_uS", "programmed_uS"}
//   t.records[0].line;      // 2 (1-based line number in the file)
//   parse_csv_number(t.records[0].fields[1]);  // 10.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff {

struct CsvOptions {
  bool header = true;  // the first record names the columns
};

struct CsvRecord {
  std::uint32_t line = 0;  // 1-based line number in the source
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string source;               // the file name used in messages
  std::vector<std::string> header;  // empty without a header (or for an empty file)
  std::uint32_t header_line = 0;
  std::vector<CsvRecord> records;
};

// Parses CSV text; `source` names it in messages. Throws FormatError ("file.csv:7: 3 fields, but
// the header (line 1) has 4 columns") for a record of the wrong width. An empty text (or one
// of only blank and comment lines) gives an empty table: callers say what they needed.
[[nodiscard]] CsvTable parse_csv(std::string_view text, std::string source,
                                 const CsvOptions& options = {});
// The largest file read_csv_file reads (it holds the whole text and its fields in memory).
inline constexpr std::uintmax_t kMaxCsvBytes = std::uintmax_t{1} << 30;

// Reads and parses a file; IoError when it cannot be opened or read or is not a regular file,
// FormatError when it is larger than kMaxCsvBytes.
[[nodiscard]] CsvTable read_csv_file(const std::filesystem::path& path,
                                     const CsvOptions& options = {});

// A field that is a whole finite number in C-locale notation ("1e-6", "-0.5"), else nothing.
[[nodiscard]] std::optional<double> parse_csv_number(std::string_view field);

}  // namespace kirchhoff
