#include "kirchhoff/cost/workload.hpp"

#include <vector>

#include "kirchhoff/core/random.hpp"
#include "kirchhoff/crossbar/mapping.hpp"

namespace kirchhoff::cost {

namespace {

Eigen::MatrixXd uniform_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed,
                               StreamId stream) {
  const RandomStream random(seed, {.point = 0, .trial = 0, .stream = stream, .substream = 0});
  std::vector<double> u(static_cast<std::size_t>(rows * cols));
  random.uniform(u);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      m(i, j) = 2.0 * u[static_cast<std::size_t>(i * cols + j)] - 1.0;  // element i·cols + j
    }
  }
  return m;
}

}  // namespace

ArrayWorkload uniform_workload(const crossbar::MvmOptions& mvm, Eigen::Index rows,
                               Eigen::Index cols, Eigen::Index vectors, std::uint64_t seed) {
  crossbar::MappingOptions mapping = mvm.mapping;
  mapping.weight_scale = 1.0;  // full scale = |w| of 1, the range the weights are drawn from
  const crossbar::MappedWeights mapped =
      crossbar::map_weights(uniform_matrix(rows, cols, seed, StreamId::workload_weights), mapping);
  ArrayWorkload w;
  w.arrays = mapped.conductances;
  w.inputs = uniform_matrix(rows, vectors, seed, StreamId::input_vectors);
  return w;
}

}  // namespace kirchhoff::cost
