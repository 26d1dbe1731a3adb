// The cell read energy is a property of each programmed chip: computed from the conductances of
// crossbar::AnalogMatrix at a read time, it differs between chips (programming error), falls as
// PCM drifts, and averages close to the energy of the target conductances.
#include <gtest/gtest.h>

#include <cmath>

#include "kirchhoff/cost/technology_config.hpp"
#include "kirchhoff/cost/tile_cost.hpp"
#include "kirchhoff/cost/workload.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace kirchhoff::cost {
namespace {

struct Chip {
  const devices::Device device = devices::load_device("pcm-hermes2023");
  const Technology tech = load_technology("hermes-pcm-14nm");
  const crossbar::MvmOptions mvm = technology_mvm_options(tech);
  static constexpr Eigen::Index kRows = 64, kCols = 48;
  const ArrayWorkload targets = uniform_workload(mvm, kRows, kCols, 16, 7);
  const TileLayout layout = tile_layout(mvm, tech, kRows, kCols);
  const InputActivity activity = input_activity(targets.inputs, layout, tech.dac.encoding);

  // The cell energy of chip `trial` at time t: the same weights, programmed anew.
  double cell_energy_j(std::uint32_t trial, double t_s) const {
    crossbar::MvmOptions o = mvm;
    o.tile = {kRows, kCols};
    o.mapping.weight_scale = 1.0;
    const Eigen::MatrixXd w = weights();
    crossbar::AnalogMatrix m(w, o, *device.model, {.seed = 3, .point = 0, .trial = trial});
    m.set_read_time({t_s, 0});
    std::vector<crossbar::ConductanceMatrix> arrays;
    for (std::size_t a = 0; a < 2; ++a) arrays.push_back(m.conductances(a));
    return cell_read_energy_j(tech, layout, row_conductance_sums(arrays), activity);
  }

  // The weights the target workload was mapped from: inverted from G⁺ − G⁻.
  Eigen::MatrixXd weights() const {
    return (targets.arrays[0] - targets.arrays[1]) / mvm.mapping.g_max_siemens;
  }
};

TEST(CostProgrammedChip, CellEnergyVariesByChipAndFallsWithDrift) {
  const Chip chip;
  const double target = cell_read_energy_j(
      chip.tech, chip.layout, row_conductance_sums(chip.targets.arrays), chip.activity);
  const double t0 = 20.0;
  double mean = 0.0;
  const int chips = 8;
  std::vector<double> e;
  for (std::uint32_t trial = 0; trial < chips; ++trial) {
    e.push_back(chip.cell_energy_j(trial, t0));
    mean += e.back() / chips;
  }
  EXPECT_NE(e[0], e[1]);  // programming error differs from chip to chip
  // Programming noise is symmetric around the target (clipped at 0 for low targets, which
  // raises the mean a little): within 10 % of the target-conductance energy.
  EXPECT_NEAR(mean, target, 0.1 * target);
  // A year of drift lowers every conductance, and the energy with them.
  EXPECT_LT(chip.cell_energy_j(0, 3.15576e7), 0.9 * e[0]);
}

}  // namespace
}  // namespace kirchhoff::cost
