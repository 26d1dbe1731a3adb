// Digital energy, latency, area and the tile cost that sums every term, against closed forms.
#include "kirchhoff/cost/tile_cost.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/cost/adc_energy.hpp"
#include "kirchhoff/cost/digital_energy.hpp"
#include "kirchhoff/cost/latency.hpp"

namespace kirchhoff::cost {
namespace {

// 64 x 32 tile, 48 x 20 used, differential, 2 weight slices, 8-bit inputs in 4-bit slices.
struct Case {
  Technology tech;
  crossbar::MvmOptions mvm;
  Case() {
    mvm.tile = {64, 32};
    mvm.mapping.slices = 2;
    mvm.periphery.dac.bits = 8;
    mvm.periphery.dac.slice_bits = 4;
    mvm.periphery.adc.bits = 6;
    tech.feature_size_m = 20e-9;
    tech.array.cell = CellType::one_t_one_r;
    tech.array.read_phases = 1;
    tech.dac.encoding = InputEncoding::amplitude;
    tech.dac.integration_time_s = 20e-9;
    tech.dac.settle_time_s = 3e-9;
    tech.dac.energy_per_conversion_j = 10e-15;
    tech.dac.area_m2 = 5e-12;
    tech.adc.architecture = AdcArchitecture::sar;
    tech.adc.columns_per_adc = 4;
    tech.adc.clock_hz = 1e9;
    tech.adc.fom_walden_j = 2e-15;
    tech.adc.area_m2 = 500e-12;
    tech.digital = {.add_energy_j = 1e-14,
                    .mac_energy_j = 1e-13,
                    .sram_energy_per_bit_j = 2e-14,
                    .latency_s = 1e-9,
                    .area_m2 = 1e-9};
  }
  [[nodiscard]] TileLayout layout() const { return tile_layout(mvm, tech, 48, 20); }
};

TEST(CostTileLayout, FromTheCrossbarOptions) {
  const Case c;
  const TileLayout l = c.layout();
  EXPECT_EQ(l.arrays(), 4u);
  EXPECT_EQ(l.input_slices, 2u);  // 7 magnitude bits in 4-bit slices
  EXPECT_EQ(l.adc_bits, 6u);
  EXPECT_EQ(l.adcs_per_slice(4), 8);
  EXPECT_DOUBLE_EQ(l.operations(), 2.0 * 48 * 20);
  crossbar::MvmOptions ideal = c.mvm;  // ideal converters are costed at the technology's bits
  ideal.periphery.dac = {};
  ideal.periphery.adc = {};
  const TileLayout t = tile_layout(ideal, c.tech, 48, 20);
  EXPECT_EQ(t.dac.bits, c.tech.dac.bits);
  EXPECT_EQ(t.adc_bits, c.tech.adc.bits);
  ideal.mapping.scheme = crossbar::MappingScheme::offset_reference;
  const TileLayout r = tile_layout(ideal, c.tech, 48, 20);
  EXPECT_EQ(r.polarities, 1u);
  EXPECT_EQ(r.converted_cols(), 21);
  EXPECT_EQ(r.physical_cols, 33);
}

TEST(CostDigital, ShiftAddScalingAndBuffers) {
  const Case c;
  const TileLayout l = c.layout();
  // Conversions: 2 input slices x 2 weight slices x 20 columns.
  EXPECT_EQ(adc_conversions(l), 80u);
  EXPECT_EQ(dac_conversions(l), 2u * 2 * 48);
  const double expected = 80 * 1e-14 + 20 * 1e-13 + (48 * 8 + 20 * 6) * 2e-14;
  EXPECT_NEAR(digital_energy_j(c.tech, l), expected, 1e-12 * expected);
}

TEST(CostLatency, SarConvertsTheMultiplexedColumnsAfterTheWindow) {
  const Case c;
  // 20 used columns over 8 ADCs: 3 conversions each of 7 cycles; 2 input slices.
  const double slice = 3e-9 + 20e-9 + 3 * 7e-9;
  EXPECT_NEAR(tile_latency_s(c.tech, c.layout()), 2 * slice + 1e-9, 1e-20);
}

TEST(CostLatency, CcoNeedsAWindowPerMultiplexedColumn) {
  Case c;
  c.tech.adc.architecture = AdcArchitecture::cco;
  c.tech.array.read_phases = 4;
  const TileLayout l = c.layout();
  const double slice = 3 * (3e-9 + 20e-9 + 1e-9);
  EXPECT_NEAR(tile_latency_s(c.tech, l), 4 * 2 * slice + 1e-9, 1e-20);
}

TEST(CostArea, CellsConvertersDriversDigital) {
  const Case c;
  const AreaBreakdown a = tile_area(c.tech, c.layout());
  EXPECT_NEAR(a.cells_m2, 4.0 * 64 * 32 * 12 * 400e-18, 1e-24);
  EXPECT_NEAR(a.adc_m2, 2.0 * 8 * 500e-12, 1e-20);
  EXPECT_NEAR(a.dac_m2, 2.0 * 64 * 5e-12, 1e-20);
  EXPECT_DOUBLE_EQ(a.digital_m2, 1e-9);
  EXPECT_DOUBLE_EQ(a.total_m2(), a.cells_m2 + a.adc_m2 + a.dac_m2 + a.digital_m2);
  Case x;
  x.tech.array.cell = CellType::cross_point;
  x.tech.array.devices_per_polarity = 2;
  EXPECT_NEAR(tile_area(x.tech, x.layout()).cells_m2, 2 * 4.0 * 64 * 32 * 4 * 400e-18, 1e-24);
}

TEST(CostTile, SumsEveryTerm) {
  const Case c;
  const TileLayout l = c.layout();
  const Eigen::VectorXd s = Eigen::VectorXd::Constant(48, 100e-6);
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(48, 3, 0.5);
  const InputActivity a = input_activity(x, l, c.tech.dac.encoding);
  const TileCost t = tile_cost(c.tech, l, s, a);
  EXPECT_DOUBLE_EQ(t.energy.cells_j, cell_read_energy_j(c.tech, l, s, a));
  EXPECT_DOUBLE_EQ(t.energy.lines_j, line_energy_j(c.tech, l, a));
  EXPECT_DOUBLE_EQ(t.energy.dac_j, 192 * 10e-15);
  EXPECT_DOUBLE_EQ(t.energy.adc_j, 80 * 2e-15 * 64);
  EXPECT_DOUBLE_EQ(t.energy.digital_j, digital_energy_j(c.tech, l));
  EXPECT_DOUBLE_EQ(t.energy.total_j(),
                   t.energy.array_j() + t.energy.dac_j + t.energy.adc_j + t.energy.digital_j);
  EXPECT_DOUBLE_EQ(t.latency_s, tile_latency_s(c.tech, l));
  EXPECT_DOUBLE_EQ(t.tops_per_watt(), 1920.0 / t.energy.total_j() / 1e12);
  EXPECT_DOUBLE_EQ(t.tops(), 1920.0 / t.latency_s / 1e12);
  // More conductance costs more array energy and nothing else.
  const TileCost more = tile_cost(c.tech, l, 2.0 * s, a);
  EXPECT_DOUBLE_EQ(more.energy.cells_j, 2.0 * t.energy.cells_j);
  EXPECT_DOUBLE_EQ(more.energy.adc_j, t.energy.adc_j);
}

TEST(CostTile, EnergyBreakdownAddsAndScales) {
  EnergyBreakdown e{1, 2, 3, 4, 5};
  e += EnergyBreakdown{1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(e.total_j(), 20.0);
  EXPECT_DOUBLE_EQ(e.scaled(0.5).adc_j, 2.5);
  EXPECT_DOUBLE_EQ(e.array_j(), 5.0);
}

}  // namespace
}  // namespace kirchhoff::cost
