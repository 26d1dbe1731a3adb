// The physical array as the crossbar module sees it: a conductance matrix and its wires.
#pragma once

#include <Eigen/Core>

namespace kirchhoff::crossbar {

// Conductances in siemens, rows × cols, row-major: row i is input (word) line i, driven by the
// DAC; column j is output (bit) line j, sensed by the ADC. An ideal array computes
// I_j = Σ_i G_ij V_i.
using ConductanceMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Wire and periphery resistances of one array (ohms; any of them may be 0). Row i is driven on
// the column-0 side through r_driver; r_row joins the row-wire nodes of neighbouring cells.
// Column j is sensed on the row-(rows − 1) side through r_sense into a virtual ground; r_col
// joins the column-wire nodes of neighbouring cells. See docs/crossbar.md.
struct WireResistances {
  double r_row_ohm = 0.0;
  double r_col_ohm = 0.0;
  double r_driver_ohm = 0.0;
  double r_sense_ohm = 0.0;

  [[nodiscard]] bool ideal() const noexcept {
    return r_row_ohm == 0.0 && r_col_ohm == 0.0 && r_driver_ohm == 0.0 && r_sense_ohm == 0.0;
  }
  // Throws InvalidArgument naming the resistance that is negative or not finite.
  void validate() const;
};

// Throws InvalidArgument for an empty matrix or a conductance that is negative or not finite
// (naming the cell).
void validate_conductances(const ConductanceMatrix& g_siemens);

}  // namespace kirchhoff::crossbar
