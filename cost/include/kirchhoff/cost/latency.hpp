// Latency of one tile MVM (docs/cost.md, "Latency"). Weight slices and the tiles of a layer
// are read in parallel; input slices and read phases one after another:
//   t = phases · input slices · t_slice + t_digital
//   t_slice = t_settle + T + k · t_conv           (SAR, flash, ramp: sample, then convert the
//                                                  k columns that share an ADC one by one)
//   t_slice = k · (t_settle + T + t_conv)         (CCO: converts while integrating, so each of
//                                                  the k multiplexed columns needs a window)
// with T the integration window (input_encoding.hpp) and k = ⌈used columns / ADCs⌉.
#pragma once

#include "kirchhoff/cost/tile_layout.hpp"

namespace kirchhoff::cost {

[[nodiscard]] double tile_latency_s(const Technology& tech, const TileLayout& layout);

}  // namespace kirchhoff::cost
