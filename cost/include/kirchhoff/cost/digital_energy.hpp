// Digital periphery per tile MVM (docs/cost.md, "Digital"): every ADC result is shifted and
// added into its output's accumulator (input slices, weight slices, read phases, the tile rows
// of a layer are combined this way), each output is scaled once (an affine multiply-accumulate),
// and the inputs and outputs pass through an SRAM buffer:
//   E = conversions · e_add + cols · e_mac + (rows · b_in + cols · b_out) · e_bit
// Constants per technology node (Horowitz, ISSCC 2014, 45 nm: 8-bit add 0.03 pJ, 8-bit
// multiply 0.2 pJ, 32-bit add 0.1 pJ, 64-bit read of an 8 KB SRAM 10 pJ; other nodes scaled,
// as the presets say).
#pragma once

#include <cstdint>

#include "kirchhoff/cost/tile_layout.hpp"

namespace kirchhoff::cost {

// ADC conversions of one MVM: phases · input slices · weight slices · converted columns.
[[nodiscard]] std::uint64_t adc_conversions(const TileLayout& layout) noexcept;
// DAC conversions of one MVM: phases · input slices · weight slices · rows.
[[nodiscard]] std::uint64_t dac_conversions(const TileLayout& layout) noexcept;

[[nodiscard]] double digital_energy_j(const Technology& tech, const TileLayout& layout);

}  // namespace kirchhoff::cost
