#include "kirchhoff/cost/array_energy.hpp"

#include <fmt/format.h>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/cost/input_encoding.hpp"

namespace kirchhoff::cost {

InputActivity input_activity(const Eigen::MatrixXd& x, const TileLayout& layout,
                             InputEncoding encoding) {
  if (x.rows() != layout.rows || x.cols() < 1) {
    throw InvalidArgument(
        fmt::format("input_activity: inputs of {} rows x {} vectors for a tile "
                    "of {} used rows (at least one vector)",
                    x.rows(), x.cols(), layout.rows));
  }
  const auto slices = static_cast<Eigen::Index>(layout.input_slices);
  InputActivity a{Eigen::MatrixXd::Zero(x.rows(), slices), Eigen::MatrixXd::Zero(x.rows(), slices)};
  for (Eigen::Index v = 0; v < x.cols(); ++v) {
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (Eigen::Index p = 0; p < slices; ++p) {
        const double f = drive_fraction(layout.dac, x(i, v), static_cast<std::uint32_t>(p));
        a.drive(i, p) += drive_factor(encoding, f);
        if (f > 0.0) a.active(i, p) += 1.0;
      }
    }
  }
  const double n = static_cast<double>(x.cols());
  a.drive /= n;
  a.active /= n;
  return a;
}

Eigen::VectorXd row_conductance_sums(const std::vector<crossbar::ConductanceMatrix>& arrays) {
  if (arrays.empty()) throw InvalidArgument("row_conductance_sums: no arrays");
  Eigen::VectorXd s = Eigen::VectorXd::Zero(arrays.front().rows());
  for (const auto& g : arrays) {
    if (g.rows() != s.size()) {
      throw InvalidArgument(fmt::format(
          "row_conductance_sums: arrays of {} and {} rows in one tile", s.size(), g.rows()));
    }
    s += g.rowwise().sum();
  }
  return s;
}

double cell_read_energy_j(const Technology& tech, const TileLayout& layout,
                          const Eigen::VectorXd& row_conductance_siemens,
                          const InputActivity& activity) {
  if (row_conductance_siemens.size() != layout.rows || activity.drive.rows() != layout.rows) {
    throw InvalidArgument(fmt::format(
        "cell_read_energy: {} row conductances and {} rows of activity for {} used rows",
        row_conductance_siemens.size(), activity.drive.rows(), layout.rows));
  }
  const double v = tech.array.v_read_v;
  const double window = integration_window_s(tech.dac, layout.dac);
  // Σ_p Σ_i S_i d_ip, then the constant factors.
  const double weighted = (activity.drive.transpose() * row_conductance_siemens).sum();
  return static_cast<double>(layout.phases) * v * v * window * weighted;
}

double line_energy_j(const Technology& tech, const TileLayout& layout,
                     const InputActivity& activity) {
  const double c = tech.array.wire_capacitance_per_cell_f;
  const double v = tech.array.v_read_v;
  const double phases = static_cast<double>(layout.phases);
  // A word line runs along the used columns of every polarity (G⁺ and G⁻ share the inputs)
  // and, with weight slices, of every slice array.
  const double c_word =
      c * static_cast<double>(layout.physical_cols) * static_cast<double>(layout.arrays());
  const Eigen::MatrixXd& charged =
      tech.dac.encoding == InputEncoding::pwm ? activity.active : activity.drive;
  const double word = phases * c_word * v * v * charged.sum();
  const double swing = tech.array.bitline_swing_v;
  const double c_bit = c * static_cast<double>(layout.physical_rows);
  const double bit = phases * static_cast<double>(layout.input_slices) *
                     static_cast<double>(layout.arrays()) *
                     static_cast<double>(layout.converted_cols()) * c_bit * swing * swing;
  return word + bit;
}

}  // namespace kirchhoff::cost
