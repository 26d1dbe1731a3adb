#include "kirchhoff/crossbar/options_config.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

#include "kirchhoff/core/config_checks.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/ir_drop_lines.hpp"

namespace kirchhoff::crossbar {

namespace {

Coding get_coding(const ConfigTable& t) {
  return get_choice(t, "coding", "sign_magnitude", {"sign_magnitude", "unipolar"}) == 0
             ? Coding::sign_magnitude
             : Coding::unipolar;
}

std::uint32_t get_bits(const ConfigTable& t, Coding coding) {
  const auto bits = t.get_or<std::int64_t>("bits", 0);
  const std::int64_t lo = coding == Coding::sign_magnitude ? 2 : 1;
  if (bits != 0 && (bits < lo || bits > 24)) {
    t.fail("bits",
           fmt::format("must be 0 (ideal) or in [{}, 24] for {} coding, got {}", lo,
                       coding == Coding::sign_magnitude ? "sign_magnitude" : "unipolar", bits));
  }
  return static_cast<std::uint32_t>(bits);
}

// The mapping range: only when given, else 0 (the model's range, MvmOptions).
void read_mapping_range(const ConfigTable& m, const devices::DeviceModel& model,
                        MappingOptions& mapping) {
  if (!m.contains("g_min") && !m.contains("g_max")) return;
  mapping.g_min_siemens = m.get_quantity_or("g_min", Dimension::conductance, model.g_min_siemens());
  mapping.g_max_siemens = m.get_quantity_or("g_max", Dimension::conductance, model.g_max_siemens());
  if (mapping.g_max_siemens > model.g_max_siemens()) {
    m.fail("g_max", fmt::format("must be <= g_max = {} of the device, got {}",
                                format_quantity(model.g_max_siemens(), Dimension::conductance),
                                format_quantity(mapping.g_max_siemens, Dimension::conductance)));
  }
  if (!(mapping.g_min_siemens < mapping.g_max_siemens)) {
    m.fail(m.contains("g_min") ? "g_min" : "g_max", "needs g_min < g_max");
  }
}

MappingOptions read_mapping(const ConfigTable& m, const devices::DeviceModel& model) {
  MappingOptions mapping;
  mapping.scheme = static_cast<MappingScheme>(get_choice(
      m, "scheme", "differential", {"differential", "offset_digital", "offset_reference"}));
  mapping.scaling = static_cast<WeightScaling>(
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
  read_mapping_range(m, model, mapping);
  check_table(m, [&] {
    MappingOptions checked = mapping;
    if (checked.g_max_siemens == 0.0) {
      checked.g_min_siemens = model.g_min_siemens();
      checked.g_max_siemens = model.g_max_siemens();
    }
    checked.validate();
  });
  return mapping;
}

DacOptions read_dac(const ConfigTable& t) {
  DacOptions dac;
  dac.coding = get_coding(t);
  dac.bits = get_bits(t, dac.coding);
  dac.input_range = get_nonnegative(t, "input_range", 1.0, true);
  dac.v_read_v = t.get_quantity_or("v_read", Dimension::voltage, 0.2);
  if (!(dac.v_read_v > 0.0)) t.fail("v_read", "must be > 0");
  const std::int64_t magnitude_bits =
      dac.bits == 0 ? 0 : dac.bits - (dac.coding == Coding::sign_magnitude ? 1 : 0);
  const auto slice_bits = t.get_or<std::int64_t>("slice_bits", 0);
  if (slice_bits != 0 && dac.bits == 0) {
    t.fail("slice_bits", "bit-serial inputs need a quantising DAC (bits > 0)");
  }
  if (slice_bits < 0 || slice_bits > magnitude_bits) {
    t.fail("slice_bits", fmt::format("must be 0 (all bits at once) or in [1, {}] (magnitude "
                                     "bits), got {}",
                                     magnitude_bits, slice_bits));
  }
  dac.slice_bits = static_cast<std::uint32_t>(slice_bits);
  check_table(t, [&] { dac.validate(); });
  return dac;
}

AdcOptions read_adc(const ConfigTable& t) {
  AdcOptions adc;
  adc.coding = get_coding(t);
  adc.bits = get_bits(t, adc.coding);
  adc.range_mode = static_cast<AdcRangeMode>(
      get_choice(t, "range_mode", "max_current", {"fixed", "max_current", "calibrated"}));
  const bool fixed = adc.range_mode == AdcRangeMode::fixed;
  const bool calibrated = adc.range_mode == AdcRangeMode::calibrated;
  reject_unless(t, "range", fixed, "with range_mode = \"fixed\"");
  reject_unless(t, "percentile", calibrated, "with range_mode = \"calibrated\"");
  if (fixed) {
    adc.range_a = t.get_quantity("range", Dimension::current);
    if (!(adc.range_a > 0.0)) t.fail("range", "must be > 0");
  }
  if (calibrated) {
    adc.percentile = get_finite(t, "percentile", 0.999);
    if (!(adc.percentile > 0.0 && adc.percentile <= 1.0)) {
      t.fail("percentile", fmt::format("must be in (0, 1], got {}", adc.percentile));
    }
  }
  adc.range_factor = get_nonnegative(t, "range_factor", 1.0, true);
  adc.gain_std = get_nonnegative(t, "gain_std", 0.0);
  adc.offset_std = get_nonnegative(t, "offset_std", 0.0);
  adc.output_noise_std = get_nonnegative(t, "output_noise_std", 0.0);
  check_table(t, [&] { adc.validate(); });
  return adc;
}

}  // namespace

MvmOptions read_mvm_options(const ConfigTable& t, const devices::DeviceModel& model) {
  MvmOptions mvm;
  mvm.mapping = read_mapping(t.table("mapping"), model);
  const ConfigTable tile = t.table("tile");
  mvm.tile.rows = get_count(tile, "rows", 256, 1, 65536);
  mvm.tile.cols = get_count(tile, "cols", 256, 1, 65536);
  mvm.periphery.dac = read_dac(t.table("dac"));
  mvm.periphery.adc = read_adc(t.table("adc"));
  return mvm;
}

ArrayResponse ArrayResponseSettings::response() const {
  const WireResistances w = wires;
  switch (ir_drop) {
    case IrDrop::none:
      return ideal_response();
    case IrDrop::exact:
      // Line relaxation + CG (ir_drop_lines.hpp) where the wires are lines of free nodes: the
      // same solution to ~1e-11, without a factorisation per array and read time.
      if (LineIrDropSolver::supports(w)) {
        return [w](const ConductanceMatrix& g) { return LineIrDropSolver(g, w).transfer_matrix(); };
      }
      return [w](const ConductanceMatrix& g) { return IrDropSolver(g, w).transfer_matrix(); };
    case IrDrop::approx:
      return [w](const ConductanceMatrix& g) { return approximate_transfer_matrix(g, w); };
  }
  return ideal_response();
}

namespace {

// One array at one read time, solved block by block (thread-safe: LineIrDropSolver::solve).
class LineArraySolver final : public ArraySolver {
 public:
  LineArraySolver(const ConductanceMatrix& g, const WireResistances& w) : solver_(g, w) {}
  Eigen::MatrixXd currents(const Eigen::MatrixXd& v) const override {
    const InputBatch inputs = v.transpose();
    return solver_.solve(inputs).transpose();
  }

 private:
  LineIrDropSolver solver_;
};

}  // namespace

std::optional<ArrayBatchResponse> ArrayResponseSettings::batch_response() const {
  if (ir_drop != IrDrop::exact || !LineIrDropSolver::supports(wires)) return std::nullopt;
  const WireResistances w = wires;
  return ArrayBatchResponse([w](const ConductanceMatrix& g) -> std::shared_ptr<const ArraySolver> {
    return std::make_shared<LineArraySolver>(g, w);
  });
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

std::string ArrayResponseSettings::describe() const {
  if (ir_drop == IrDrop::none) return "IR drop none";
  const auto ohm = [](double r) { return format_quantity(r, Dimension::resistance); };
  return fmt::format("IR drop {} (wires r_row {}, r_col {}, r_driver {}, r_sense {})", name(),
                     ohm(wires.r_row_ohm), ohm(wires.r_col_ohm), ohm(wires.r_driver_ohm),
                     ohm(wires.r_sense_ohm));
}

std::optional<std::string> ArrayResponseSettings::approximation_warning(Eigen::Index rows,
                                                                        Eigen::Index cols,
                                                                        double g_min,
                                                                        double g_max) const {
  if (ir_drop != IrDrop::approx) return std::nullopt;
  const double g = 0.5 * (g_min + g_max);
  const ApproximationEstimate e = estimate_approximation_error(rows, cols, g, wires);
  if (!(e.relative_error > kApproximationWarningError)) return std::nullopt;
  return fmt::format(
      "ir_drop = \"approx\": its estimated error is {:.2g} % of the column currents (first-order "
      "IR drop {:.2g} % at the far cell of a {} x {} tile of {} cells, error ~ its square), above "
      "{:g} %; use ir_drop = \"exact\" (docs/crossbar.md, \"Approximate model\")",
      100 * e.relative_error, 100 * e.first_order_drop, rows, cols,
      format_quantity(g, Dimension::conductance), 100 * kApproximationWarningError);
}

std::optional<std::string> ArrayResponseSettings::approximation_warning(
    const MvmOptions& mvm, const devices::DeviceModel& model) const {
  const MappingOptions& m = mvm.mapping;
  const bool model_range = m.g_min_siemens == 0.0 && m.g_max_siemens == 0.0;
  return approximation_warning(mvm.tile.rows, mvm.tile.cols,
                               model_range ? model.g_min_siemens() : m.g_min_siemens,
                               model_range ? model.g_max_siemens() : m.g_max_siemens);
}

ArrayResponseSettings read_array_response(const ConfigTable& t) {
  ArrayResponseSettings s;
  s.ir_drop = static_cast<ArrayResponseSettings::IrDrop>(
      get_choice(t, "ir_drop", "none", {"none", "exact", "approx"}));
  const ConfigTable wires = t.table("wires");
  s.wires.r_row_ohm = wires.get_quantity_or("r_row", Dimension::resistance, 0.0);
  s.wires.r_col_ohm = wires.get_quantity_or("r_col", Dimension::resistance, 0.0);
  s.wires.r_driver_ohm = wires.get_quantity_or("r_driver", Dimension::resistance, 0.0);
  s.wires.r_sense_ohm = wires.get_quantity_or("r_sense", Dimension::resistance, 0.0);
  return s;
}

}  // namespace kirchhoff::crossbar
