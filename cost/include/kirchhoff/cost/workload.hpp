// A synthetic workload for the cost of one array when no programmed chip is given (`kirchhoff
// xbar cost`, the HERMES check): weights and inputs uniform in [−1, 1], drawn from the
// project's streams (StreamId::workload_weights, StreamId::input_vectors; point 0, trial 0),
// the weights mapped to target conductances by the crossbar's own mapping (no programming
// error: the conductances the chip aims at).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "kirchhoff/crossbar/array.hpp"
#include "kirchhoff/crossbar/mvm.hpp"

namespace kirchhoff::cost {

struct ArrayWorkload {
  std::vector<crossbar::ConductanceMatrix> arrays;  // every physical array (slices, polarities)
  Eigen::MatrixXd inputs;                           // rows × vectors, DAC input units
};

// rows × cols weights on one tile of `mvm` (rows, cols ≤ the tile), `vectors` input vectors.
[[nodiscard]] ArrayWorkload uniform_workload(const crossbar::MvmOptions& mvm, Eigen::Index rows,
                                             Eigen::Index cols, Eigen::Index vectors,
                                             std::uint64_t seed);

}  // namespace kirchhoff::cost
