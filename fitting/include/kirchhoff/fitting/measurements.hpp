// Device measurements from CSV or HDF5 files, for fitting (fit.hpp, docs/fitting.md).
//
// CSV (read by core's csv.hpp): lines starting with '#' and blank lines are ignored; the first
// other line is the header, comma-separated column names; every following line one row (no
// quoting, fields trimmed of white space). A column's unit is
// the suffix after its last '_' when that suffix is a unit of the column's dimension
// ("target_uS", "g_S", "time_s", "time_h"), otherwise it must be given in
// MeasurementOptions::units. Extra columns are ignored.
//
// HDF5: root attributes filetype = "kirchhoff-measurements" and schema_version = [1, 0]; one
// 1-D dataset per column at the root, all of one length, named like the CSV columns; a column's
// unit is the dataset's string attribute `unit` (or `units`), else its name's suffix, else
// MeasurementOptions::units. Numbers may be stored as any float or integer type; device ids as
// strings or integers. Extra datasets are ignored.
//
// Columns are found by role (the same names in both formats):
//
//   programming data, one row per device:
//     target       target conductance g_T      default names: target, g_target, g_T
//     programmed   programmed conductance g_P  default names: programmed, g_programmed, g_P
//   retention (drift) data, one row per device and read time:
//     device       device id (text)            default names: device, device_id, id
//     target       target conductance g_T      default names: target, g_target, g_T
//     time         time since programming      default names: time, t
//     conductance  conductance read at time    default names: conductance, g, G
//   read-noise data, one row per read (repeated reads of each device):
//     device, time, conductance as for drift; target optional (then the device's mean
//     conductance stands for it)
//   pulse-response data, one row per read, in pulse order for each device:
//     device       device id (optional: absent = one device)
//     pulse        pulse number (integer)      default names: pulse, pulse_number, n
//     polarity     +1 / ltp, −1 / ltd, 0 (the initial read before the first pulse)
//                                              default names: polarity, direction
//     conductance  conductance after the pulse default names: conductance, g, G
//
// A column matches a name when the whole column name or its part before the unit suffix equals
// it. Every error is a FormatError whose message starts with "FILE:LINE:" for CSV or
// "FILE: dataset 'NAME' [ROW]:" / "FILE: row [ROW]:" for HDF5 (ROW 0-based, as h5py indexes), or
// "FILE:" for the file as a whole, and names the column: missing columns, wrong field counts,
// non-numbers, negative conductances, non-positive times or conductances, too few rows, a device
// whose times do not increase down the file or whose target changes, pulses out of order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::fitting {

struct MeasurementOptions {
  // role -> column name, replacing the default names of that role ("target" -> "Gt").
  std::map<std::string, std::string, std::less<>> columns;
  // role -> unit for a column whose name has no unit ("target" -> "uS", "time" -> "h").
  std::map<std::string, std::string, std::less<>> units;
};

// `line` of each data struct: the CSV file line (1-based) or the HDF5 row (0-based) of each row.
struct ProgrammingData {
  std::string file;  // as named in messages
  std::vector<double> target_siemens;
  std::vector<double> programmed_siemens;
  std::vector<std::uint32_t> line;
};

struct DriftData {
  std::string file;
  std::vector<std::string> device;
  std::vector<double> target_siemens;
  std::vector<double> time_s;
  std::vector<double> conductance_siemens;
  std::vector<std::uint32_t> line;
};

struct ReadNoiseData {
  std::string file;
  std::vector<std::string> device;
  std::vector<double> time_s;
  std::vector<double> conductance_siemens;
  std::vector<double> target_siemens;  // empty when the data has no target column
  std::vector<std::uint32_t> line;
};

struct PulseData {
  std::string file;
  std::vector<std::string> device;  // "1" for every row when the data has no device column
  std::vector<std::uint32_t> pulse;
  std::vector<int> polarity;  // +1 LTP, −1 LTD, 0 initial read
  std::vector<double> conductance_siemens;
  std::vector<std::uint32_t> line;
};

// The smallest number of rows accepted for programming data, of read times per device for
// drift data, and of rows per device for pulse data.
inline constexpr std::size_t kMinProgrammingRows = 10;
inline constexpr std::size_t kMinDriftTimes = 2;
inline constexpr std::size_t kMinPulseRows = 6;  // 4 curve parameters per device

// Parse CSV text; `file` names it in messages. Throw FormatError for bad data, InvalidArgument
// for an unknown role or a bad unit in `options`.
ProgrammingData parse_programming_csv(std::string_view text, std::string_view file,
                                      const MeasurementOptions& options = {});
DriftData parse_drift_csv(std::string_view text, std::string_view file,
                          const MeasurementOptions& options = {});
ReadNoiseData parse_read_noise_csv(std::string_view text, std::string_view file,
                                   const MeasurementOptions& options = {});
PulseData parse_pulse_csv(std::string_view text, std::string_view file,
                          const MeasurementOptions& options = {});

// Read a CSV file and parse it; IoError when it cannot be read.
ProgrammingData read_programming_csv(const std::filesystem::path& path,
                                     const MeasurementOptions& options = {});
DriftData read_drift_csv(const std::filesystem::path& path, const MeasurementOptions& options = {});

enum class MeasurementFormat { csv, hdf5 };
// HDF5 when the file starts with the HDF5 signature (at byte 0, 512, 1024, ...: a user block may
// precede it) or its extension is .h5 or .hdf5; CSV otherwise. IoError when it cannot be read.
MeasurementFormat measurement_format(const std::filesystem::path& path);

// Read a measurement file of either format (measurement_format).
ProgrammingData read_programming(const std::filesystem::path& path,
                                 const MeasurementOptions& options = {});
DriftData read_drift(const std::filesystem::path& path, const MeasurementOptions& options = {});
ReadNoiseData read_read_noise(const std::filesystem::path& path,
                              const MeasurementOptions& options = {});
PulseData read_pulse(const std::filesystem::path& path, const MeasurementOptions& options = {});

// The filetype and schema major version of HDF5 measurement files.
inline constexpr std::string_view kMeasurementFiletype = "kirchhoff-measurements";
inline constexpr std::int32_t kMeasurementSchemaMajor = 1;

// "target=uS,time=h" style lists (from the command line) -> role map. InvalidArgument naming
// `option` for an item without '='.
std::map<std::string, std::string, std::less<>> parse_role_list(std::string_view option,
                                                                std::string_view list);

}  // namespace kirchhoff::fitting
