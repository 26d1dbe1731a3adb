// Shared helpers of the crossbar MVM tests.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "support/expect.hpp"

namespace kirchhoff::crossbar::testing {

constexpr double uS = 1e-6;

inline devices::GenericParameters ideal_device(double g_max = 25 * uS) {
  devices::GenericParameters p;
  p.common.g_min_siemens = 0.0;
  p.common.g_max_siemens = g_max;
  return p;
}

// A deterministic matrix with both signs.
inline Eigen::MatrixXd smooth_matrix(Eigen::Index rows, Eigen::Index cols, double phase = 0.1) {
  Eigen::MatrixXd w(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      w(i, j) = std::sin(0.37 * static_cast<double>(i * cols + j) + phase);
    }
  }
  return w;
}

inline devices::CellAddress address(std::uint64_t seed = 42, std::uint32_t trial = 3) {
  devices::CellAddress a;
  a.seed = seed;
  a.point = 1;
  a.trial = trial;
  return a;
}

inline MvmOptions ideal_options(Eigen::Index tile_rows = 256, Eigen::Index tile_cols = 256) {
  MvmOptions o;
  o.tile = {tile_rows, tile_cols};
  o.periphery.dac.bits = 0;
  o.periphery.adc.bits = 0;
  o.read_noise = false;
  return o;
}

using kirchhoff::testing::message_of;

}  // namespace kirchhoff::crossbar::testing
