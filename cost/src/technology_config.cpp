#include "kirchhoff/cost/technology_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>

#include "kirchhoff/core/config_checks.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::cost {

namespace {

constexpr double kSquareMicrometre = 1e-12;  // m²

double energy(const ConfigTable& t, std::string_view key, double fallback) {
  return t.get_quantity_or(key, Dimension::energy, fallback);
}

std::uint32_t count(const ConfigTable& t, std::string_view key, std::uint32_t fallback,
                    std::int64_t lo, std::int64_t hi) {
  return static_cast<std::uint32_t>(get_count(t, key, fallback, lo, hi));
}

void read_array(const ConfigTable& t, ArrayTechnology& a) {
  a.rows = get_count(t, "rows", a.rows, 1, 65536);
  a.cols = get_count(t, "cols", a.cols, 1, 65536);
  a.cell = static_cast<CellType>(
      get_choice(t, "cell", cell_type_name(a.cell), {"cross_point", "1t1r", "2t2r"}));
  a.cell_area_f2 = get_nonnegative(t, "cell_area_f2", a.cell_area_f2);
  a.devices_per_polarity = count(t, "devices_per_polarity", a.devices_per_polarity, 1, 16);
  a.g_max_siemens = t.get_quantity_or("g_max", Dimension::conductance, a.g_max_siemens);
  a.v_read_v = t.get_quantity_or("read_voltage", Dimension::voltage, a.v_read_v);
  a.wire_capacitance_per_cell_f = t.get_quantity_or(
      "wire_capacitance_per_cell", Dimension::capacitance, a.wire_capacitance_per_cell_f);
  a.bitline_swing_v = t.get_quantity_or("bitline_swing", Dimension::voltage, a.bitline_swing_v);
  a.read_phases = count(t, "read_phases", a.read_phases, 1, 16);
}

void read_dac(const ConfigTable& t, DacTechnology& d) {
  d.encoding = get_choice(t, "encoding", input_encoding_name(d.encoding), {"amplitude", "pwm"}) == 0
                   ? InputEncoding::amplitude
                   : InputEncoding::pwm;
  d.bits = count(t, "bits", d.bits, 2, 24);
  d.slice_bits = count(t, "slice_bits", d.slice_bits, 0, 24);
  if (d.slice_bits >= d.bits) t.fail("slice_bits", fmt::format("must be below bits = {}", d.bits));
  d.energy_per_conversion_j = energy(t, "energy_per_conversion", d.energy_per_conversion_j);
  d.settle_time_s = t.get_quantity_or("settle_time", Dimension::time, d.settle_time_s);
  const bool pwm = d.encoding == InputEncoding::pwm;
  reject_unless(t, "pwm_clock", pwm, "with encoding = \"pwm\"");
  reject_unless(t, "integration_time", !pwm, "with encoding = \"amplitude\"");
  d.pwm_clock_hz = t.get_quantity_or("pwm_clock", Dimension::frequency, d.pwm_clock_hz);
  d.integration_time_s =
      t.get_quantity_or("integration_time", Dimension::time, d.integration_time_s);
  d.area_m2 = get_nonnegative(t, "area_um2", d.area_m2 / kSquareMicrometre) * kSquareMicrometre;
}

void read_adc(const ConfigTable& t, AdcTechnology& c, std::int64_t cols) {
  c.architecture = static_cast<AdcArchitecture>(get_choice(
      t, "architecture", adc_architecture_name(c.architecture), {"sar", "flash", "ramp", "cco"}));
  c.bits = count(t, "bits", c.bits, 2, 24);
  c.enob_loss_bits = get_nonnegative(t, "enob_loss_bits", c.enob_loss_bits);
  if (c.enob_loss_bits >= static_cast<double>(c.bits)) {
    t.fail("enob_loss_bits", fmt::format("must be below bits = {}", c.bits));
  }
  c.columns_per_adc = count(t, "columns_per_adc", c.columns_per_adc, 1, cols);
  c.fom_walden_j = energy(t, "fom_walden", c.fom_walden_j);
  c.fom_schreier_db = get_nonnegative(t, "fom_schreier_db", c.fom_schreier_db);
  if (c.fom_schreier_db >= 250.0) t.fail("fom_schreier_db", "must be below 250 dB");
  c.walden_max_bits = count(t, "walden_max_bits", c.walden_max_bits, 1, 24);
  c.energy_per_conversion_j = energy(t, "energy_per_conversion", c.energy_per_conversion_j);
  c.clock_hz = t.get_quantity_or("clock", Dimension::frequency, c.clock_hz);
  c.area_m2 = get_nonnegative(t, "area_um2", c.area_m2 / kSquareMicrometre) * kSquareMicrometre;
}

void read_digital(const ConfigTable& t, DigitalTechnology& g) {
  g.add_energy_j = energy(t, "add_energy", g.add_energy_j);
  g.mac_energy_j = energy(t, "mac_energy", g.mac_energy_j);
  g.sram_energy_per_bit_j = energy(t, "sram_energy_per_bit", g.sram_energy_per_bit_j);
  g.latency_s = t.get_quantity_or("latency", Dimension::time, g.latency_s);
  g.area_m2 = get_nonnegative(t, "area_um2", g.area_m2 / kSquareMicrometre) * kSquareMicrometre;
}

bool looks_like_path(std::string_view text) {
  return text.find('/') != std::string_view::npos || text.ends_with(".toml");
}

}  // namespace

Technology read_technology(const Config& config) {
  const ConfigTable root = config.root();
  Technology tech;
  tech.name = root.get_or("name", "");
  tech.description = root.get_or("description", "");
  if (root.contains("sources")) tech.sources = root.get_array<std::string>("sources");
  const double node_nm = get_nonnegative(root, "node_nm", tech.feature_size_m * 1e9, true);
  tech.feature_size_m = node_nm * 1e-9;
  read_array(root.table("array"), tech.array);
  read_dac(root.table("dac"), tech.dac);
  read_adc(root.table("adc"), tech.adc, tech.array.cols);
  read_digital(root.table("digital"), tech.digital);
  check_table(root, [&] { tech.validate(); });
  config.check_unknown_keys();
  return tech;
}

std::vector<std::filesystem::path> technology_directories() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("KIRCHHOFF_DATA_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(std::filesystem::path(env) / "technology");
  }
  candidates.emplace_back(std::filesystem::path(KIRCHHOFF_DATA_DIR) / "technology");
  candidates.emplace_back(std::filesystem::path(KIRCHHOFF_INSTALL_DATA_DIR) / "technology");
  std::vector<std::filesystem::path> found;
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) found.push_back(dir);
  }
  return found;
}

std::vector<std::string> technology_presets() {
  std::vector<std::string> names;
  for (const auto& dir : technology_directories()) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Technology load_technology(std::string_view name_or_path,
                           const std::vector<std::string>& overrides) {
  std::filesystem::path file;
  if (looks_like_path(name_or_path)) {
    file = std::filesystem::path(name_or_path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      throw IoError(fmt::format("technology file '{}' does not exist", name_or_path));
    }
  } else {
    for (const auto& dir : technology_directories()) {
      const auto candidate = dir / (std::string(name_or_path) + ".toml");
      std::error_code ec;
      if (std::filesystem::is_regular_file(candidate, ec)) {
        file = candidate;
        break;
      }
    }
    if (file.empty()) {
      const std::vector<std::string> names = technology_presets();
      std::string message = fmt::format("unknown technology '{}'", name_or_path);
      if (auto match = closest_match(name_or_path, names)) {
        message += fmt::format("; did you mean '{}'?", *match);
      }
      message += fmt::format(
          " (presets: {}; or give the path of a technology file)",
          names.empty() ? std::string("none found") : fmt::format("{}", fmt::join(names, ", ")));
      throw ConfigError({}, "", message);
    }
  }
  Config config = Config::load_file(file);
  for (const std::string& assignment : overrides) config.set_override(assignment);
  Technology tech = read_technology(config);
  if (tech.name.empty()) tech.name = file.stem().string();
  return tech;
}

}  // namespace kirchhoff::cost
