// The cost of a programmed matrix on several tiles (cost::MatrixCostModel) against closed forms:
// 70 x 50 weights on 32 x 32 tiles (3 x 2 tiles, partly used) of an ideal device, so the
// conductances are the mapping's targets.
#include "kirchhoff/cost/matrix_cost.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/cost/adc_energy.hpp"
#include "kirchhoff/cost/input_encoding.hpp"
#include "kirchhoff/cost/latency.hpp"
#include "kirchhoff/cost/technology_config.hpp"
#include "kirchhoff/cost/workload.hpp"
#include "kirchhoff/crossbar/mapping.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace kirchhoff::cost {
namespace {

TEST(CostMatrix, EveryTileOnceInClosedForm) {
  const devices::Device device = devices::load_device("generic-ideal");
  const Technology tech = load_technology("hermes-pcm-14nm");
  crossbar::MvmOptions mvm = technology_mvm_options(tech);
  mvm.tile = {32, 32};
  mvm.mapping.g_max_siemens = device.model->g_max_siemens();
  mvm.mapping.weight_scale = 1.0;
  const ArrayWorkload w = uniform_workload(mvm, 70, 50, 5, 9);  // inputs: 70 x 5
  const Eigen::MatrixXd weights =
      (w.arrays[0] - w.arrays[1]) / mvm.mapping.g_max_siemens;  // the mapped weights back
  crossbar::AnalogMatrix matrix(weights, mvm, *device.model, {.seed = 1});
  const MatrixCostModel model(tech, matrix, w.inputs);
  matrix.set_read_time({1.0, 0});
  const MatrixCost c = model.at_read_time(matrix);

  // ADC: each of the 3 tile rows converts the 50 outputs once; DAC: each of the 2 tile columns
  // drives the 70 inputs once.
  EXPECT_NEAR(c.energy.adc_j, 3 * 50 * adc_energy_per_conversion_j(tech.adc), 1e-20);
  EXPECT_NEAR(c.energy.dac_j, 2 * 70 * tech.dac.energy_per_conversion_j, 1e-24);
  // Cells: Σ_i S_i · mean |x_i| · v² · T over the whole matrix (tiles partition rows and
  // columns; the unused cells sit at G_min = 0).
  const Eigen::VectorXd s =
      row_conductance_sums(crossbar::map_weights(weights, mvm.mapping).conductances);
  crossbar::DacOptions dac = mvm.periphery.dac;
  double expected = 0.0;
  for (Eigen::Index i = 0; i < 70; ++i) {
    double d = 0.0;
    for (Eigen::Index n = 0; n < 5; ++n) d += drive_fraction(dac, w.inputs(i, n), 0) / 5.0;
    expected += s(i) * d;
  }
  expected *= tech.array.v_read_v * tech.array.v_read_v * integration_window_s(tech.dac, dac);
  EXPECT_NEAR(c.energy.cells_j, expected, 1e-12 * expected);
  // Tiles in parallel: the latency of one tile; area: six tiles.
  const TileLayout one = tile_layout(mvm, tech, 32, 32);
  EXPECT_DOUBLE_EQ(c.latency_s, tile_latency_s(tech, one));
  EXPECT_NEAR(c.area_m2, 6 * tile_area(tech, one).total_m2(), 1e-18);
  EXPECT_DOUBLE_EQ(c.operations, 2.0 * 70 * 50);
  EXPECT_DOUBLE_EQ(c.tops_per_watt(), 7000.0 / c.energy.total_j() / 1e12);
}

}  // namespace
}  // namespace kirchhoff::cost
