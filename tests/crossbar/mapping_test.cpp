// Weight → conductance mapping: hand-computed conductances of every scheme, the digit rules of
// significance pairs and bit slicing, exact (to rounding) round trips, and rejected options.
#include "kirchhoff/crossbar/mapping.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff::crossbar {
namespace {

constexpr double uS = 1e-6;
constexpr double eps = std::numeric_limits<double>::epsilon();

MappingOptions options(MappingScheme scheme, double g_min = 0.0, double g_max = 10 * uS) {
  MappingOptions o;
  o.scheme = scheme;
  o.g_min_siemens = g_min;
  o.g_max_siemens = g_max;
  return o;
}

using kirchhoff::testing::message_of;

TEST(Mapping, DifferentialPairPutsTheUnusedSideAtGmin) {
  Eigen::MatrixXd w(2, 2);
  w << 0.5, -1.0, 0.25, 0.0;  // inputs x outputs
  const MappedWeights m = map_weights(w, options(MappingScheme::differential, 1 * uS, 11 * uS));
  ASSERT_EQ(m.conductances.size(), 2u);
  EXPECT_DOUBLE_EQ(m.scale(0), 1.0);
  EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 0), 6 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 1)(0, 0), 1 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 1), 1 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 1)(0, 1), 11 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 0)(1, 0), 3.5 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 0)(1, 1), 1 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 1)(1, 1), 1 * uS);
}

TEST(Mapping, OffsetSchemesStoreOneDeviceAroundGmid) {
  Eigen::MatrixXd w(1, 3);
  w << 0.5, -1.0, 0.0;
  for (auto scheme : {MappingScheme::offset_digital, MappingScheme::offset_reference}) {
    const MappedWeights m = map_weights(w, options(scheme, 2 * uS, 10 * uS));
    ASSERT_EQ(m.conductances.size(), 1u);
    EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 0), 8 * uS);
    EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 1), 2 * uS);
    EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 2), 6 * uS);
    EXPECT_DOUBLE_EQ(m.options.unit_conductance_siemens(), 4 * uS);
  }
}

TEST(Mapping, PerColumnScalingUsesEachColumnsLargestMagnitude) {
  Eigen::MatrixXd w(2, 3);
  w << 1.0, -4.0, 0.0, 2.0, 2.0, 0.0;
  MappingOptions o = options(MappingScheme::differential);
  o.scaling = WeightScaling::per_column;
  const MappedWeights m = map_weights(w, o);
  EXPECT_DOUBLE_EQ(m.scale(0), 2.0);
  EXPECT_DOUBLE_EQ(m.scale(1), 4.0);
  EXPECT_DOUBLE_EQ(m.scale(2), 1.0);  // zero column
  EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 0), 5 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 1)(0, 1), 10 * uS);
  EXPECT_DOUBLE_EQ(m.at(0, 0)(1, 1), 5 * uS);
  o.scaling = WeightScaling::per_layer;
  EXPECT_DOUBLE_EQ(map_weights(w, o).at(0, 0)(1, 0), 5 * uS);
  o.weight_scale = 8.0;  // fixed scale
  EXPECT_DOUBLE_EQ(map_weights(w, o).at(0, 0)(1, 0), 2.5 * uS);
}

TEST(Mapping, SignificancePairsCarryNearestDigitAndAnalogResidual) {
  MappingOptions o = options(MappingScheme::differential);
  o.slices = 2;
  o.base = 4.0;  // c1 = 4·3/15 = 0.8, c0 = 3/15 = 0.2
  EXPECT_DOUBLE_EQ(o.slice_coefficient(1), 0.8);
  EXPECT_DOUBLE_EQ(o.slice_coefficient(0), 0.2);
  std::vector<double> u(2);
  weight_digits(0.5, o, u);  // 7.5 = 2·4 − 0.5
  EXPECT_DOUBLE_EQ(u[1], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(u[0], -0.5 / 3.0);
  weight_digits(1.0, o, u);  // 15 = 3·4 + 3
  EXPECT_DOUBLE_EQ(u[1], 1.0);
  EXPECT_DOUBLE_EQ(u[0], 1.0);
  weight_digits(-0.9, o, u);  // −13.5 = −3·4 − 1.5
  EXPECT_DOUBLE_EQ(u[1], -1.0);
  EXPECT_DOUBLE_EQ(u[0], -0.5);
  Eigen::MatrixXd w(1, 1);
  w << 0.5;
  o.weight_scale = 1.0;
  const MappedWeights m = map_weights(w, o);
  EXPECT_NEAR(m.at(1, 0)(0, 0), 10 * uS * 2.0 / 3.0, 1e-20);  // MSB G⁺
  EXPECT_DOUBLE_EQ(m.at(1, 1)(0, 0), 0.0);
  EXPECT_DOUBLE_EQ(m.at(0, 0)(0, 0), 0.0);
  EXPECT_NEAR(m.at(0, 1)(0, 0), 10 * uS / 6.0, 1e-20);  // LSB G⁻ takes the negative residual
}

TEST(Mapping, BitSlicingSplitsTheRoundedMagnitudeIntoBaseDigits) {
  MappingOptions o = options(MappingScheme::differential);
  o.slices = 3;
  o.base = 2.0;  // 3 one-bit slices, q ∈ [0, 7]
  o.quantize = true;
  std::vector<double> u(3);
  weight_digits(0.6, o, u);  // round(4.2) = 4 = 100b
  EXPECT_EQ(u, (std::vector<double>{0.0, 0.0, 1.0}));
  weight_digits(-0.3, o, u);  // round(2.1) = 2 = 010b, negative
  EXPECT_EQ(u, (std::vector<double>{-0.0, -1.0, -0.0}));
  weight_digits(1.0, o, u);
  EXPECT_EQ(u, (std::vector<double>{1.0, 1.0, 1.0}));
  o.slices = 2;
  o.base = 16.0;  // two 4-bit slices, q ∈ [0, 255]
  weight_digits(100.0 / 255.0, o, u = std::vector<double>(2));
  EXPECT_DOUBLE_EQ(u[1], 6.0 / 15.0);  // 100 = 6·16 + 4
  EXPECT_DOUBLE_EQ(u[0], 4.0 / 15.0);
  o.slices = 1;
  o.base = 8.0;  // one slice, 7 levels per sign
  weight_digits(0.5, o, u = std::vector<double>(1));
  EXPECT_DOUBLE_EQ(u[0], 4.0 / 7.0);  // round(3.5) = 4
  Eigen::MatrixXd w(1, 2);
  w << 0.6, -0.3;
  o.slices = 3;
  o.base = 2.0;
  o.weight_scale = 1.0;
  const Eigen::MatrixXd back = unmap_weights(map_weights(w, o));
  EXPECT_NEAR(back(0, 0), 4.0 / 7.0, 4 * eps);
  EXPECT_NEAR(back(0, 1), -2.0 / 7.0, 4 * eps);
}

// A matrix with both signs, a zero, the extremes and a column of very different magnitude.
Eigen::MatrixXd test_matrix() {
  Eigen::MatrixXd w(37, 23);
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      w(i, j) = std::sin(0.37 * static_cast<double>(i * 23 + j) + 0.1) * (j == 5 ? 1e-3 : 1.0);
    }
  }
  w(3, 4) = 0.0;
  return w;
}

TEST(Mapping, RoundTripIsExactToRoundingForEverySchemeAndSlicing) {
  const Eigen::MatrixXd w = test_matrix();
  for (auto scheme : {MappingScheme::differential, MappingScheme::offset_digital,
                      MappingScheme::offset_reference}) {
    for (auto scaling : {WeightScaling::per_layer, WeightScaling::per_column}) {
      for (auto [slices, base] :
           {std::pair{1u, 2.0}, std::pair{2u, 2.0}, std::pair{3u, 4.0}, std::pair{4u, 3.5}}) {
        MappingOptions o = options(scheme, 0.5 * uS, 25 * uS);
        o.scaling = scaling;
        o.slices = slices;
        o.base = base;
        const MappedWeights m = map_weights(w, o);
        const Eigen::MatrixXd back = unmap_weights(m);
        for (Eigen::Index i = 0; i < w.rows(); ++i) {
          for (Eigen::Index j = 0; j < w.cols(); ++j) {
            ASSERT_NEAR(back(i, j), w(i, j), 8.0 * slices * eps * m.scale(j))
                << "scheme " << static_cast<int>(scheme) << " slices " << slices << " at " << i
                << "," << j;
          }
        }
      }
    }
  }
}

TEST(Mapping, QuantisedRoundTripGivesTheQuantisedWeights) {
  const Eigen::MatrixXd w = test_matrix();
  MappingOptions o = options(MappingScheme::offset_digital, 1 * uS, 20 * uS);
  o.scaling = WeightScaling::per_column;
  o.slices = 2;
  o.base = 16.0;
  o.quantize = true;
  const MappedWeights m = map_weights(w, o);
  const Eigen::MatrixXd back = unmap_weights(m);
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      const double expected = std::round(w(i, j) / m.scale(j) * 255.0) / 255.0 * m.scale(j);
      ASSERT_NEAR(back(i, j), expected, 16.0 * eps * m.scale(j));
    }
  }
}

TEST(Mapping, RejectsBadOptionsAndWeightsWithClearMessages) {
  Eigen::MatrixXd w = Eigen::MatrixXd::Ones(2, 2);
  MappingOptions o = options(MappingScheme::differential);
  o.g_max_siemens = -1.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(w, o); }),
            "mapping conductance range [g_min, g_max] = [0, -1] S; allowed: 0 <= g_min < g_max, "
            "finite");
  o = options(MappingScheme::differential);
  o.slices = 0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(w, o); }),
            "mapping slices is 0; allowed: 1 ... 16");
  o.slices = 2;
  o.base = 1.5;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(w, o); }),
            "mapping base is 1.5; allowed: 2 ... 65536 (significance ratio)");
  o.base = 2.5;
  o.quantize = true;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(w, o); }),
            "mapping base is 2.5; bit slicing (quantize = true) needs an integer base");
  o = options(MappingScheme::differential);
  o.weight_scale = -2.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(w, o); }),
            "mapping weight_scale is -2; allowed: 0 (from the matrix) or a finite value > 0");
  o.weight_scale = 0.0;
  w(1, 0) = std::nan("");
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(w, o); }),
            "weight (input 1, output 0) is nan; weights must be finite");
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)map_weights(Eigen::MatrixXd(0, 3), o); }),
            "weight matrix is empty (0 x 3)");
  MappedWeights m = map_weights(Eigen::MatrixXd::Ones(2, 2), o);
  m.conductances.pop_back();
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)unmap_weights(m); }),
            "1 conductance matrices for 1 slices x 2 polarities");
}

}  // namespace
}  // namespace kirchhoff::crossbar
