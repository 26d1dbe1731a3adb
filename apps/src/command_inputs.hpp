// Inputs several commands read the same way: CSV files of numbers (xbar solve/spice/cost) and
// paths written into campaign overrides (nn eval/cost).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kirchhoff::cli {

// The numbers of each line of a CSV file, with the line's number in the file.
struct NumbersLine {
  std::uint32_t line = 0;
  std::vector<double> values;
};
using NumbersTable = std::vector<NumbersLine>;

// A CSV of numbers without header (core/csv.hpp: blank and '#' lines skipped, every line as
// wide as the first). Errors name the file (as a `what` file), the line and the column (value
// number), 1-based.
[[nodiscard]] NumbersTable read_numbers_csv(const std::string& path, const char* what);

// A path for a TOML string: absolute (the campaign resolves relative paths against its own
// directory, the command line against the working directory), quotes and backslashes escaped.
[[nodiscard]] std::string toml_path(const std::string& path);

}  // namespace kirchhoff::cli
