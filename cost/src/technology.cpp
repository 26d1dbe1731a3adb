#include "kirchhoff/cost/technology.hpp"

#include <fmt/format.h>

#include <cmath>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::cost {

namespace {

void require(bool ok, std::string_view field, std::string_view what) {
  if (!ok) throw InvalidArgument(fmt::format("{} {}", field, what));
}

bool positive(double v) {
  return std::isfinite(v) && v > 0.0;
}

bool nonnegative(double v) {
  return std::isfinite(v) && v >= 0.0;
}

}  // namespace

std::string_view cell_type_name(CellType cell) noexcept {
  switch (cell) {
    case CellType::cross_point:
      return "cross_point";
    case CellType::one_t_one_r:
      return "1t1r";
    case CellType::two_t_two_r:
      return "2t2r";
  }
  return "";
}

std::string_view adc_architecture_name(AdcArchitecture a) noexcept {
  switch (a) {
    case AdcArchitecture::sar:
      return "sar";
    case AdcArchitecture::flash:
      return "flash";
    case AdcArchitecture::ramp:
      return "ramp";
    case AdcArchitecture::cco:
      return "cco";
  }
  return "";
}

std::string_view input_encoding_name(InputEncoding e) noexcept {
  return e == InputEncoding::pwm ? "pwm" : "amplitude";
}

double default_cell_area_f2(CellType cell) noexcept {
  return cell == CellType::cross_point ? 4.0 : 12.0;
}

double Technology::device_area_m2() const noexcept {
  const double f2 =
      array.cell_area_f2 > 0.0 ? array.cell_area_f2 : default_cell_area_f2(array.cell);
  return f2 * feature_size_m * feature_size_m;
}

void Technology::validate() const {
  require(positive(feature_size_m), "node", "must be > 0");
  const ArrayTechnology& a = array;
  require(a.rows >= 1 && a.rows <= 65536, "array.rows", "must be in [1, 65536]");
  require(a.cols >= 1 && a.cols <= 65536, "array.cols", "must be in [1, 65536]");
  require(nonnegative(a.cell_area_f2), "array.cell_area_f2",
          "must be >= 0 (0: the cell's default)");
  require(a.devices_per_polarity >= 1 && a.devices_per_polarity <= 16, "array.devices_per_polarity",
          "must be in [1, 16]");
  require(positive(a.g_max_siemens), "array.g_max", "must be > 0");
  require(positive(a.v_read_v), "array.read_voltage", "must be > 0");
  require(nonnegative(a.wire_capacitance_per_cell_f), "array.wire_capacitance_per_cell",
          "must be >= 0");
  require(nonnegative(a.bitline_swing_v), "array.bitline_swing", "must be >= 0");
  require(a.read_phases >= 1 && a.read_phases <= 16, "array.read_phases", "must be in [1, 16]");
  const DacTechnology& d = dac;
  require(d.bits >= 1 && d.bits <= 24, "dac.bits", "must be in [1, 24]");
  require(d.slice_bits <= d.bits, "dac.slice_bits", "must be <= dac.bits");
  require(nonnegative(d.energy_per_conversion_j), "dac.energy_per_conversion", "must be >= 0");
  require(nonnegative(d.settle_time_s), "dac.settle_time", "must be >= 0");
  require(positive(d.pwm_clock_hz), "dac.pwm_clock", "must be > 0");
  require(positive(d.integration_time_s), "dac.integration_time", "must be > 0");
  require(nonnegative(d.area_m2), "dac.area_um2", "must be >= 0");
  const AdcTechnology& c = adc;
  require(c.bits >= 1 && c.bits <= 24, "adc.bits", "must be in [1, 24]");
  require(std::isfinite(c.enob_loss_bits) && c.enob_loss_bits >= 0.0 &&
              c.enob_loss_bits < static_cast<double>(c.bits),
          "adc.enob_loss_bits", "must be >= 0 and below adc.bits");
  require(c.columns_per_adc >= 1 && static_cast<std::int64_t>(c.columns_per_adc) <= a.cols,
          "adc.columns_per_adc", fmt::format("must be in [1, array.cols = {}]", a.cols));
  require(nonnegative(c.fom_walden_j), "adc.fom_walden", "must be >= 0 (0: the architecture's)");
  require(std::isfinite(c.fom_schreier_db) && c.fom_schreier_db >= 0.0 && c.fom_schreier_db < 250.0,
          "adc.fom_schreier_db", "must be in [0, 250) dB (0: the architecture's)");
  require(c.walden_max_bits >= 1 && c.walden_max_bits <= 24, "adc.walden_max_bits",
          "must be in [1, 24]");
  require(nonnegative(c.energy_per_conversion_j), "adc.energy_per_conversion", "must be >= 0");
  require(positive(c.clock_hz), "adc.clock", "must be > 0");
  require(nonnegative(c.area_m2), "adc.area_um2", "must be >= 0");
  const DigitalTechnology& g = digital;
  require(nonnegative(g.add_energy_j), "digital.add_energy", "must be >= 0");
  require(nonnegative(g.mac_energy_j), "digital.mac_energy", "must be >= 0");
  require(nonnegative(g.sram_energy_per_bit_j), "digital.sram_energy_per_bit", "must be >= 0");
  require(nonnegative(g.latency_s), "digital.latency", "must be >= 0");
  require(nonnegative(g.area_m2), "digital.area_um2", "must be >= 0");
}

}  // namespace kirchhoff::cost
