#include "kirchhoff/crossbar/array.hpp"

#include <fmt/format.h>

#include <cmath>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {

void WireResistances::validate() const {
  for (auto [name, r] : {std::pair{"r_row", r_row_ohm}, std::pair{"r_col", r_col_ohm},
                         std::pair{"r_driver", r_driver_ohm}, std::pair{"r_sense", r_sense_ohm}}) {
    if (!(std::isfinite(r) && r >= 0.0)) {
      throw InvalidArgument(
          fmt::format("{} must be a finite resistance >= 0 ohm, got {}", name, r));
    }
  }
}

void validate_conductances(const ConductanceMatrix& g_siemens) {
  if (g_siemens.rows() == 0 || g_siemens.cols() == 0) {
    throw InvalidArgument(
        fmt::format("conductance matrix is empty ({} x {})", g_siemens.rows(), g_siemens.cols()));
  }
  for (Eigen::Index i = 0; i < g_siemens.rows(); ++i) {
    for (Eigen::Index j = 0; j < g_siemens.cols(); ++j) {
      const double g = g_siemens(i, j);
      if (!(std::isfinite(g) && g >= 0.0)) {
        throw InvalidArgument(fmt::format(
            "conductance of cell (row {}, column {}) is {} S; allowed: finite and >= 0", i, j, g));
      }
    }
  }
}

}  // namespace kirchhoff::crossbar
