#include "kirchhoff/cost/tile_layout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::cost {

Eigen::Index TileLayout::adcs_per_slice(std::uint32_t columns_per_adc) const noexcept {
  const auto k = static_cast<Eigen::Index>(columns_per_adc);
  return (physical_cols + k - 1) / k;
}

TileLayout tile_layout(const crossbar::MvmOptions& mvm, const Technology& tech, Eigen::Index rows,
                       Eigen::Index cols) {
  if (rows < 1 || rows > mvm.tile.rows || cols < 1 || cols > mvm.tile.cols) {
    throw InvalidArgument(fmt::format("tile_layout: {} x {} used of a {} x {} tile", rows, cols,
                                      mvm.tile.rows, mvm.tile.cols));
  }
  TileLayout layout;
  layout.rows = rows;
  layout.cols = cols;
  layout.reference_column = mvm.mapping.scheme == crossbar::MappingScheme::offset_reference;
  layout.physical_rows = mvm.tile.rows;
  layout.physical_cols = mvm.tile.cols + (layout.reference_column ? 1 : 0);
  layout.polarities = mvm.mapping.polarities();
  layout.weight_slices = mvm.mapping.slices;
  layout.phases = tech.array.read_phases;
  layout.dac = mvm.periphery.dac;
  if (layout.dac.bits == 0) {  // an ideal DAC is costed as the technology's
    layout.dac.bits = tech.dac.bits;
    layout.dac.slice_bits = tech.dac.slice_bits;
  }
  layout.dac.v_read_v = tech.array.v_read_v;
  layout.dac.input_range = 1.0;  // the cost terms take inputs in units of the DAC range
  layout.input_slices = layout.dac.input_slices();
  layout.adc_bits = mvm.periphery.adc.bits == 0 ? tech.adc.bits : mvm.periphery.adc.bits;
  return layout;
}

crossbar::MvmOptions technology_mvm_options(const Technology& tech) {
  crossbar::MvmOptions mvm;
  mvm.tile = {tech.array.rows, tech.array.cols};
  mvm.mapping.g_min_siemens = 0.0;
  mvm.mapping.g_max_siemens = tech.array.g_max_siemens;
  mvm.periphery.dac.bits = std::max<std::uint32_t>(tech.dac.bits, 2);
  mvm.periphery.dac.slice_bits = tech.dac.slice_bits;
  mvm.periphery.dac.v_read_v = tech.array.v_read_v;
  mvm.periphery.adc.bits = std::max<std::uint32_t>(tech.adc.bits, 2);
  mvm.read_noise = false;
  return mvm;
}

}  // namespace kirchhoff::cost
