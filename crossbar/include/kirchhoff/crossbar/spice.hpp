// SPICE export of the IR-drop circuit (docs/crossbar.md) and the way back: reading the
// column currents from ngspice's batch output. The netlist is the circuit the exact solver
// solves, element for element; a zero resistance is a merged node, not a small resistor.
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/crossbar/array.hpp"

namespace kirchhoff::crossbar {

struct SpiceNetlistOptions {
  // false: a plain netlist ending in `.op` (ngspice -b prints the operating point with 7
  // digits). true: instead of `.op`, a .control block runs `op` and prints the current of each
  // sense source with 16 digits (what run_ngspice uses).
  bool print_currents = false;
};

// Writes the netlist for one input vector (volts, one per row). Element names: Vin_i (input
// sources), Rd_i (drivers), Rr_i_j (row segment between cells (i, j) and (i, j+1)), Rc_i_j
// (column segment between cells (i, j) and (i+1, j)), Rs_j (sense), Rx_i_j (cells; omitted when
// G_ij = 0), Vs_j (0 V sources into the virtual ground: the column currents are i(Vs_j)).
// Throws InvalidArgument for invalid conductances, resistances or an input of the wrong size.
void write_spice_netlist(std::ostream& out, const ConductanceMatrix& g_siemens,
                         const WireResistances& wires, const Eigen::VectorXd& input_v,
                         const SpiceNetlistOptions& options = {});

// Column currents (A, into the virtual ground) from ngspice's batch output, either the
// `print i(vs_j)` lines of a print_currents netlist or the `vs_j#branch` lines of the plain
// operating-point table (the precise ones win when both are present). Throws FormatError naming
// the first column whose current is missing.
[[nodiscard]] std::vector<double> read_ngspice_currents(std::string_view output, Eigen::Index cols);

// Whether `ngspice` can be run (found on PATH).
[[nodiscard]] bool ngspice_available();

// Writes the netlist (print_currents) into `work_dir`, runs `ngspice -b` on it and reads the
// column currents. Throws IoError when ngspice cannot be run or fails (with its output).
[[nodiscard]] std::vector<double> run_ngspice(const ConductanceMatrix& g_siemens,
                                              const WireResistances& wires,
                                              const Eigen::VectorXd& input_v,
                                              const std::filesystem::path& work_dir);

}  // namespace kirchhoff::crossbar
