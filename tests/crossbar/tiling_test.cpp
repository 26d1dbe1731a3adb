// Tiling: the grid of tiles, a tiled matrix against one large ideal array, and the separation
// of the random streams of the arrays of one instance.
#include "kirchhoff/crossbar/tiling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <span>

#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "mvm_test_support.hpp"

namespace kirchhoff::crossbar {
namespace {

using namespace testing;

TEST(TileGrid, SplitsInputsAndOutputsIntoTilesWithPartialLastTiles) {
  const TileGrid grid(600, 300, {256, 256});
  EXPECT_EQ(grid.tile_rows(), 3);
  EXPECT_EQ(grid.tile_cols(), 2);
  EXPECT_EQ(grid.tiles(), 6);
  EXPECT_EQ(grid.row_begin(2), 512);
  EXPECT_EQ(grid.row_count(2), 88);
  EXPECT_EQ(grid.row_count(1), 256);
  EXPECT_EQ(grid.col_count(1), 44);
  const TileGrid exact(256, 512, {256, 256});
  EXPECT_EQ(exact.tile_rows(), 1);
  EXPECT_EQ(exact.tile_cols(), 2);
  EXPECT_EQ(exact.col_count(1), 256);
  EXPECT_EQ(message_of<InvalidArgument>([] {
              (void)TileGrid(0, 3, {4, 4});
            }),
            "cannot tile an empty 0 x 3 matrix");
  EXPECT_EQ(message_of<InvalidArgument>([] {
              (void)TileGrid(3, 3, {0, 4});
            }),
            "tile shape 0 x 4; allowed: 1 ... 65536 rows and columns");
}

// With ideal devices and converters and no noise, tiles summed digitally give the product of
// one large array, and both give Wᵀx, to summation rounding.
TEST(Tiling, TiledMatrixEqualsOneLargeIdealArrayToSummationRounding) {
  const devices::GenericModel model(ideal_device());
  const Eigen::MatrixXd w = smooth_matrix(150, 70);
  const Eigen::MatrixXd x = smooth_matrix(150, 9, 0.7);
  const Eigen::MatrixXd exact = w.transpose() * x;
  const double tolerance = 1e-13 * exact.cwiseAbs().maxCoeff();
  for (auto scheme : {MappingScheme::differential, MappingScheme::offset_digital,
                      MappingScheme::offset_reference}) {
    for (std::uint32_t slices : {1u, 3u}) {
      MvmOptions big = ideal_options(256, 256);
      big.mapping.scheme = scheme;
      big.mapping.slices = slices;
      big.mapping.base = 4.0;
      MvmOptions tiled = big;
      tiled.tile = {64, 32};
      AnalogMatrix one(w, big, model, address());
      AnalogMatrix many(w, tiled, model, address());
      EXPECT_EQ(one.grid().tiles(), 1);
      EXPECT_EQ(many.grid().tiles(), 9);
      one.set_read_time({1.0, 0});
      many.set_read_time({1.0, 0});
      const MvmResult a = one.multiply(x, 0);
      const MvmResult b = many.multiply(x, 0);
      EXPECT_EQ(a.clipped, 0u);
      ASSERT_EQ(a.y.rows(), 70);
      ASSERT_EQ(a.y.cols(), 9);
      EXPECT_LE((a.y - exact).cwiseAbs().maxCoeff(), tolerance) << static_cast<int>(scheme);
      EXPECT_LE((b.y - exact).cwiseAbs().maxCoeff(), tolerance) << static_cast<int>(scheme);
      EXPECT_LE((a.y - b.y).cwiseAbs().maxCoeff(), tolerance);
      // Round trip through programming (ideal device) and read-back.
      EXPECT_LE((many.read_back_weights() - w).cwiseAbs().maxCoeff(), 1e-15 * slices * 8);
    }
  }
}

// Every physical array draws from its own cell range: programming its targets again at the
// documented offset reproduces it bit for bit, and different arrays have different draws.
TEST(Tiling, ArraysOfAnInstanceNeverShareRandomDraws) {
  devices::GenericParameters p = ideal_device();
  p.programming_sigma_siemens = 0.5 * uS;
  p.common.clip = false;
  const devices::GenericModel model(p);
  const Eigen::MatrixXd w = smooth_matrix(40, 30);
  MvmOptions o = ideal_options(16, 16);
  o.mapping.slices = 2;
  AnalogMatrix m(w, o, model, address());
  const std::size_t arrays = 2 * 3 * 2 * 2;  // slices × tile rows × tile cols × polarities
  EXPECT_EQ(m.cell_count(), arrays * 16 * 16);
  std::vector<std::vector<double>> errors;
  for (std::size_t a = 0; a < arrays; ++a) {
    const devices::ProgrammedCells& cells = m.cells(a);
    EXPECT_EQ(cells.address.first_cell, a * 256);
    const devices::ProgrammedCells again =
        model.program(cells.target_siemens, address().offset(a * m.cells_per_array()));
    EXPECT_EQ(again.programmed_siemens, cells.programmed_siemens);
    std::vector<double> e(cells.size());
    for (std::size_t i = 0; i < e.size(); ++i)
      e[i] = cells.programmed_siemens[i] - cells.target_siemens[i];
    errors.push_back(e);
  }
  for (std::size_t a = 0; a < arrays; ++a) {
    for (std::size_t b = a + 1; b < arrays; ++b) {
      const double dot =
          std::inner_product(errors[a].begin(), errors[a].end(), errors[b].begin(), 0.0);
      const double na =
          std::inner_product(errors[a].begin(), errors[a].end(), errors[a].begin(), 0.0);
      const double nb =
          std::inner_product(errors[b].begin(), errors[b].end(), errors[b].begin(), 0.0);
      // Independent draws: |ρ| ≈ N(0, 1/256); 0.3 is 4.8 standard deviations.
      EXPECT_LT(std::abs(dot / std::sqrt(na * nb)), 0.3) << a << " " << b;
    }
  }
  // Another trial of the same chip design draws differently.
  AnalogMatrix other(w, o, model, address(42, 4));
  EXPECT_NE(other.cells(0).programmed_siemens, m.cells(0).programmed_siemens);
}

}  // namespace
}  // namespace kirchhoff::crossbar
