// Device measurements from CSV files, for fitting (fit.hpp, docs/fitting.md).
//
// Format: lines starting with '#' and blank lines are ignored; the first other line is the header,
// comma-separated column names; every following line one row of numbers (no quoting). A column's
// unit is the suffix after its last '_' when that suffix is a unit of the column's dimension
// ("target_uS", "g_S", "time_s", "time_h"), otherwise it must be given in CsvOptions::units.
// Extra columns are ignored. Columns are found by role:
//
//   programming data, one row per device:
//     target       target conductance g_T      default names: target, g_target, g_T
//     programmed   programmed conductance g_P  default names: programmed, g_programmed, g_P
//   retention (drift) data, one row per device and read time:
//     device       device id (text)            default names: device, device_id, id
//     target       target conductance g_T      default names: target, g_target, g_T
//     time         time since programming      default names: time, t
//     conductance  conductance read at time    default names: conductance, g, G
//
// A header column matches a name when the whole column name or its part before the unit suffix
// equals it. Every error is a FormatError whose message starts with "FILE:LINE:" (or "FILE:" for
// the file as a whole) and names the column: missing columns, wrong field counts, non-numbers,
// negative conductances, non-positive times or (drift) conductances, too few rows, a device whose
// times do not increase down the file or whose target changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::devices {

struct CsvOptions {
  // role -> column name, replacing the default names of that role ("target" -> "Gt").
  std::map<std::string, std::string, std::less<>> columns;
  // role -> unit for a column whose name has no unit suffix ("target" -> "uS", "time" -> "h").
  std::map<std::string, std::string, std::less<>> units;
};

struct ProgrammingData {
  std::string file;  // as named in messages
  std::vector<double> target_s;
  std::vector<double> programmed_s;
  std::vector<std::uint32_t> line;  // file line of each row (1-based)
};

struct DriftData {
  std::string file;
  std::vector<std::string> device;
  std::vector<double> target_s;
  std::vector<double> time_s;
  std::vector<double> conductance_s;
  std::vector<std::uint32_t> line;
};

// The smallest number of rows accepted for programming data, and of read times per device for
// drift data.
inline constexpr std::size_t kMinProgrammingRows = 10;
inline constexpr std::size_t kMinDriftTimes = 2;

// Parse CSV text; `file` names it in messages. Throw FormatError for bad data, InvalidArgument
// for an unknown role or a bad unit in `options`.
ProgrammingData parse_programming_csv(std::string_view text, std::string_view file,
                                      const CsvOptions& options = {});
DriftData parse_drift_csv(std::string_view text, std::string_view file,
                          const CsvOptions& options = {});

// Read a file and parse it; IoError when it cannot be read.
ProgrammingData read_programming_csv(const std::filesystem::path& path,
                                     const CsvOptions& options = {});
DriftData read_drift_csv(const std::filesystem::path& path, const CsvOptions& options = {});

// "target=uS,time=h" style lists (from the command line) -> role map. InvalidArgument naming
// `option` for an item without '='.
std::map<std::string, std::string, std::less<>> parse_role_list(std::string_view option,
                                                                std::string_view list);

}  // namespace kirchhoff::devices
