// Energy of the array and its lines during the reads of one MVM (docs/cost.md, "Array").
//
// Cells: E = Σ_reads Σ_i Σ_j V_i² G_ij t_i (Joule heating of every cell during its drive),
// with the conductances of the programmed chip at the read time, so a Monte Carlo quantity:
//   E_cells = phases · v_read² · T · Σ_p Σ_i S_i · d_ip,   S_i = Σ_arrays Σ_j G_ij
// (d_ip the mean drive factor of row i in input slice p, input_encoding.hpp).
// Lines: a word line of C_wl = cols · polarities · c_cell is charged to its drive at every
// slice (pwm: to v_read whenever the row is on; amplitude: to a·v_read), E = C V²; bit lines of
// C_bl = rows · c_cell swing by bitline_swing (0 with virtual-ground sensing).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "kirchhoff/cost/tile_layout.hpp"
#include "kirchhoff/crossbar/array.hpp"

namespace kirchhoff::cost {

// How a batch of inputs drives the rows, averaged over its vectors.
struct InputActivity {
  Eigen::MatrixXd drive;   // rows × input slices: mean drive factor d_ip
  Eigen::MatrixXd active;  // rows × input slices: fraction of vectors with the row on
};

// The activity of inputs x (rows × vectors) in units of the DAC range: x ∈ [−1, 1] (unipolar
// [0, 1]) is full scale.
[[nodiscard]] InputActivity input_activity(const Eigen::MatrixXd& x, const TileLayout& layout,
                                           InputEncoding encoding);

// S_i: the conductances of each row summed over every physical array of the tile (each
// rows × columns, siemens; all with the same rows).
[[nodiscard]] Eigen::VectorXd row_conductance_sums(
    const std::vector<crossbar::ConductanceMatrix>& arrays);

// E_cells above (J per MVM).
[[nodiscard]] double cell_read_energy_j(const Technology& tech, const TileLayout& layout,
                                        const Eigen::VectorXd& row_conductance_siemens,
                                        const InputActivity& activity);

// Word-line and bit-line charging (J per MVM).
[[nodiscard]] double line_energy_j(const Technology& tech, const TileLayout& layout,
                                   const InputActivity& activity);

}  // namespace kirchhoff::cost
