// The organisation of one tile that the cost terms need, from the crossbar options
// (crossbar::MvmOptions): used and physical rows and columns, polarities, weight and input
// slices, read phases, converter resolutions. An ideal converter of the simulation (bits = 0)
// is costed at the technology's resolution.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "kirchhoff/cost/technology.hpp"
#include "kirchhoff/crossbar/mvm.hpp"

namespace kirchhoff::cost {

struct TileLayout {
  Eigen::Index rows = 0, cols = 0;                    // used word lines and output columns
  Eigen::Index physical_rows = 0, physical_cols = 0;  // the tile (+ a reference column)
  bool reference_column = false;                      // offset_reference: one more conversion
  std::uint32_t polarities = 1, weight_slices = 1, input_slices = 1, phases = 1;
  crossbar::DacOptions dac;  // bits as costed (never 0), input range 1, the technology's v_read
  std::uint32_t adc_bits = 8;

  // Physical arrays of the tile: weight slices × polarities.
  [[nodiscard]] std::uint32_t arrays() const noexcept { return weight_slices * polarities; }
  // Columns converted per slice of a read: used outputs (+ reference).
  [[nodiscard]] Eigen::Index converted_cols() const noexcept {
    return cols + (reference_column ? 1 : 0);
  }
  // ADCs per weight slice: ⌈physical columns / columns per ADC⌉.
  [[nodiscard]] Eigen::Index adcs_per_slice(std::uint32_t columns_per_adc) const noexcept;
  // 2 · rows · cols: a multiply and an add per weight.
  [[nodiscard]] double operations() const noexcept {
    return 2.0 * static_cast<double>(rows) * static_cast<double>(cols);
  }
};

// The layout of a tile using rows × cols of the tile shape of `mvm`, read with the
// technology's phases.
[[nodiscard]] TileLayout tile_layout(const crossbar::MvmOptions& mvm, const Technology& tech,
                                     Eigen::Index rows, Eigen::Index cols);

// The crossbar options of the technology's own tile and converters (for `kirchhoff xbar cost`):
// its rows × cols, DAC bits and slices, ADC bits, the mapping onto [0, g_max].
[[nodiscard]] crossbar::MvmOptions technology_mvm_options(const Technology& tech);

}  // namespace kirchhoff::cost
