// Arrays of device cells as the device models see them: where their random numbers come from,
// and their state after programming, as a structure of arrays (one entry per cell).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kirchhoff/core/random.hpp"

namespace kirchhoff::devices {

// Where the cells of one array draw their random numbers. Cell i of the array uses element
// (first_cell + i) of every stream it draws from, so the arrays of one trial (tiles, the G+ and
// G− arrays, the devices of a pair) never share draws as long as their cell ranges do not
// overlap. A model that needs several draws per cell from one noise source uses substreams.
struct CellAddress {
  std::uint64_t seed = 0;
  std::uint32_t point = 0;  // sweep point
  std::uint32_t trial = 0;  // one trial = one independently programmed chip
  std::uint64_t first_cell = 0;

  [[nodiscard]] RandomStream stream(StreamId id, std::uint32_t substream = 0) const {
    return RandomStream(seed, {point, trial, id, substream});
  }
  // The address of the cells [offset, ...) of this array.
  [[nodiscard]] CellAddress offset(std::uint64_t cells) const {
    CellAddress moved = *this;
    moved.first_cell += cells;
    return moved;
  }
};

// A time after programming at which the array is looked at. `index` keys the random state
// that a model redraws at each time (e.g. the relaxation spread of RRAM): the same index gives
// the same state, so two reads at one time see one physical state and differ only by read noise.
// Campaigns number their read times 0, 1, 2, ...
struct ReadTime {
  double t_s = 0.0;
  std::uint32_t index = 0;
};

// What is wrong with a cell, decided once when the array is programmed.
enum class CellFault : std::uint8_t {
  none = 0,
  stuck_off = 1,  // SA0: stuck at G_min whatever is programmed
  stuck_on = 2,   // SA1: stuck at G_max
};

// The state of an array of cells after programming.
struct ProgrammedCells {
  CellAddress address;
  std::vector<double> target_siemens;      // requested conductance (after quantisation to levels)
  std::vector<double> programmed_siemens;  // conductance right after programming
  // Per-cell parameters drawn at programming, used by the model's time evolution; which ones a
  // model fills is its own business (PCM: drift exponent ν; others: nothing).
  std::vector<double> drift_exponent;
  std::vector<CellFault> faults;  // empty when the model has no fault rates

  [[nodiscard]] std::size_t size() const noexcept { return target_siemens.size(); }
};

}  // namespace kirchhoff::devices
