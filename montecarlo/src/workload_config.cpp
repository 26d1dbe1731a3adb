#include "workload_config.hpp"

#include <fmt/format.h>

#include <cmath>

#include "kirchhoff/core/units.hpp"

namespace kirchhoff::montecarlo {

namespace {

crossbar::Coding get_coding(const ConfigTable& t) {
  return get_choice(t, "coding", "sign_magnitude", {"sign_magnitude", "unipolar"}) == 0
             ? crossbar::Coding::sign_magnitude
             : crossbar::Coding::unipolar;
}

std::uint32_t get_bits(const ConfigTable& t, crossbar::Coding coding) {
  const auto bits = t.get_or<std::int64_t>("bits", 0);
  const std::int64_t lo = coding == crossbar::Coding::sign_magnitude ? 2 : 1;
  if (bits != 0 && (bits < lo || bits > 24)) {
    t.fail("bits",
           fmt::format("must be 0 (ideal) or in [{}, 24] for {} coding, got {}", lo,
                       coding == crossbar::Coding::sign_magnitude ? "sign_magnitude" : "unipolar",
                       bits));
  }
  return static_cast<std::uint32_t>(bits);
}

}  // namespace

Eigen::Index get_count(const ConfigTable& t, const char* key, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi) {
  const auto v = t.get_or<std::int64_t>(key, fallback);
  if (v < lo || v > hi) t.fail(key, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return static_cast<Eigen::Index>(v);
}

Eigen::Index get_required_count(const ConfigTable& t, const char* key, std::int64_t lo,
                                std::int64_t hi) {
  const auto v = t.get<std::int64_t>(key);
  if (v < lo || v > hi) t.fail(key, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return static_cast<Eigen::Index>(v);
}

std::size_t get_choice(const ConfigTable& t, const char* key, const char* fallback,
                       std::initializer_list<std::string_view> choices) {
  const std::string v = t.get_or(key, fallback);
  std::size_t i = 0;
  for (const std::string_view c : choices) {
    if (v == c) return i;
    ++i;
  }
  t.fail(key, fmt::format("must be one of \"{}\", got \"{}\"", fmt::join(choices, "\", \""), v));
}

double get_finite(const ConfigTable& t, const char* key, double fallback) {
  const double v = t.get_or(key, fallback);
  if (!std::isfinite(v)) t.fail(key, "must be finite");
  return v;
}

double get_nonnegative(const ConfigTable& t, const char* key, double fallback, bool positive) {
  const double v = get_finite(t, key, fallback);
  if (positive ? !(v > 0.0) : !(v >= 0.0)) {
    t.fail(key, fmt::format("must be {} 0, got {}", positive ? ">" : ">=", v));
  }
  return v;
}

void reject_unless(const ConfigTable& t, const char* key, bool allowed, std::string_view why) {
  if (!allowed && t.contains(key)) t.fail(key, fmt::format("only used {}", why));
}

crossbar::MvmOptions read_mvm_options(const ConfigTable& w, const devices::DeviceModel& model,
                                      Eigen::Index* calibration_vectors) {
  crossbar::MvmOptions mvm;
  // Mapping.
  const ConfigTable m = w.table("mapping");
  crossbar::MappingOptions& mapping = mvm.mapping;
  mapping.scheme = static_cast<crossbar::MappingScheme>(get_choice(
      m, "scheme", "differential", {"differential", "offset_digital", "offset_reference"}));
  mapping.scaling = static_cast<crossbar::WeightScaling>(
      get_choice(m, "scaling", "per_layer", {"per_layer", "per_column"}));
  mapping.weight_scale = get_nonnegative(m, "weight_scale", 0.0);
  mapping.slices = static_cast<std::uint32_t>(get_count(m, "slices", 1, 1, 16));
  mapping.quantize = m.get_or("quantize", false);
  reject_unless(m, "base", mapping.slices > 1 || mapping.quantize,
                "with slices > 1 or quantize = true");
  mapping.base = get_finite(m, "base", 2.0);
  if (mapping.base < 2.0 || mapping.base > 65536.0) {
    m.fail("base", fmt::format("must be in [2, 65536], got {}", mapping.base));
  }
  if (mapping.quantize && mapping.base != std::floor(mapping.base)) {
    m.fail("base", "must be an integer with quantize = true (bit slicing)");
  }
  if (m.contains("g_min") || m.contains("g_max")) {
    mapping.g_min_s = m.get_quantity_or("g_min", Dimension::conductance, model.g_min_s());
    mapping.g_max_s = m.get_quantity_or("g_max", Dimension::conductance, model.g_max_s());
    if (mapping.g_max_s > model.g_max_s()) {
      m.fail("g_max", fmt::format("must be <= g_max = {} of the device, got {}",
                                  format_quantity(model.g_max_s(), Dimension::conductance),
                                  format_quantity(mapping.g_max_s, Dimension::conductance)));
    }
    if (!(mapping.g_min_s < mapping.g_max_s)) {
      m.fail(m.contains("g_min") ? "g_min" : "g_max", "needs g_min < g_max");
    }
  }
  check_table(m, [&] {
    crossbar::MappingOptions checked = mapping;
    if (checked.g_max_s == 0.0) {
      checked.g_min_s = model.g_min_s();
      checked.g_max_s = model.g_max_s();
    }
    checked.validate();
  });

  // Tiles.
  const ConfigTable tile = w.table("tile");
  mvm.tile.rows = get_count(tile, "rows", 256, 1, 65536);
  mvm.tile.cols = get_count(tile, "cols", 256, 1, 65536);

  // DAC.
  const ConfigTable dac_table = w.table("dac");
  crossbar::DacOptions& dac = mvm.periphery.dac;
  dac.coding = get_coding(dac_table);
  dac.bits = get_bits(dac_table, dac.coding);
  dac.input_range = get_nonnegative(dac_table, "input_range", 1.0, true);
  dac.v_read_v = dac_table.get_quantity_or("v_read", Dimension::voltage, 0.2);
  if (!(dac.v_read_v > 0.0)) dac_table.fail("v_read", "must be > 0");
  {
    const std::int64_t magnitude_bits =
        dac.bits == 0 ? 0 : dac.bits - (dac.coding == crossbar::Coding::sign_magnitude ? 1 : 0);
    const auto slice_bits = dac_table.get_or<std::int64_t>("slice_bits", 0);
    if (slice_bits != 0 && dac.bits == 0) {
      dac_table.fail("slice_bits", "bit-serial inputs need a quantising DAC (bits > 0)");
    }
    if (slice_bits < 0 || slice_bits > magnitude_bits) {
      dac_table.fail("slice_bits", fmt::format("must be 0 (all bits at once) or in [1, {}] "
                                               "(magnitude bits), got {}",
                                               magnitude_bits, slice_bits));
    }
    dac.slice_bits = static_cast<std::uint32_t>(slice_bits);
  }
  check_table(dac_table, [&] { dac.validate(); });

  // ADC.
  const ConfigTable adc_table = w.table("adc");
  crossbar::AdcOptions& adc = mvm.periphery.adc;
  adc.coding = get_coding(adc_table);
  adc.bits = get_bits(adc_table, adc.coding);
  adc.range_mode = static_cast<crossbar::AdcRangeMode>(
      get_choice(adc_table, "range_mode", "max_current", {"fixed", "max_current", "calibrated"}));
  const bool fixed = adc.range_mode == crossbar::AdcRangeMode::fixed;
  const bool calibrated = adc.range_mode == crossbar::AdcRangeMode::calibrated;
  reject_unless(adc_table, "range", fixed, "with range_mode = \"fixed\"");
  reject_unless(adc_table, "percentile", calibrated, "with range_mode = \"calibrated\"");
  reject_unless(adc_table, "calibration_vectors", calibrated, "with range_mode = \"calibrated\"");
  reject_unless(adc_table, "calibration_vectors", calibration_vectors != nullptr,
                "by the array workload (the dnn workload has [workload.calibration])");
  if (fixed) {
    adc.range_a = adc_table.get_quantity("range", Dimension::current);
    if (!(adc.range_a > 0.0)) adc_table.fail("range", "must be > 0");
  }
  if (calibrated) {
    adc.percentile = get_finite(adc_table, "percentile", 0.999);
    if (!(adc.percentile > 0.0 && adc.percentile <= 1.0)) {
      adc_table.fail("percentile", fmt::format("must be in (0, 1], got {}", adc.percentile));
    }
    if (calibration_vectors != nullptr)
      *calibration_vectors = get_count(adc_table, "calibration_vectors", 256, 1, 65536);
  }
  adc.range_factor = get_nonnegative(adc_table, "range_factor", 1.0, true);
  adc.gain_std = get_nonnegative(adc_table, "gain_std", 0.0);
  adc.offset_std = get_nonnegative(adc_table, "offset_std", 0.0);
  adc.output_noise_std = get_nonnegative(adc_table, "output_noise_std", 0.0);
  check_table(adc_table, [&] { adc.validate(); });
  return mvm;
}

crossbar::ArrayResponse ArrayResponseSettings::response() const {
  const crossbar::WireResistances w = wires;
  switch (ir_drop) {
    case IrDrop::none:
      return crossbar::ideal_response();
    case IrDrop::exact:
      return [w](const crossbar::ConductanceMatrix& g) {
        return crossbar::IrDropSolver(g, w).transfer_matrix();
      };
    case IrDrop::approx:
      return [w](const crossbar::ConductanceMatrix& g) {
        return crossbar::approximate_transfer_matrix(g, w);
      };
  }
  return crossbar::ideal_response();
}

const char* ArrayResponseSettings::name() const noexcept {
  switch (ir_drop) {
    case IrDrop::exact:
      return "exact";
    case IrDrop::approx:
      return "approx";
    case IrDrop::none:
      break;
  }
  return "none";
}

ArrayResponseSettings read_array_response(const ConfigTable& w) {
  ArrayResponseSettings s;
  s.ir_drop = static_cast<ArrayResponseSettings::IrDrop>(
      get_choice(w, "ir_drop", "none", {"none", "exact", "approx"}));
  const ConfigTable wires = w.table("wires");
  s.wires.r_row_ohm = wires.get_quantity_or("r_row", Dimension::resistance, 0.0);
  s.wires.r_col_ohm = wires.get_quantity_or("r_col", Dimension::resistance, 0.0);
  s.wires.r_driver_ohm = wires.get_quantity_or("r_driver", Dimension::resistance, 0.0);
  s.wires.r_sense_ohm = wires.get_quantity_or("r_sense", Dimension::resistance, 0.0);
  return s;
}

}  // namespace kirchhoff::montecarlo
