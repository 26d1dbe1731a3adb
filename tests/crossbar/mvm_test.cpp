// The MVM engine: a hand-made transfer matrix, ADC clipping and ranges against hand-computed
// cases, bit-serial inputs, calibration by percentile, bitwise reproducibility for any thread
// count and batch split, and rejected inputs.
#include "kirchhoff/crossbar/mvm.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "mvm_test_support.hpp"

namespace kirchhoff::crossbar {
namespace {

using namespace testing;

TEST(Mvm, UsesTheSuppliedTransferMatrix) {
  const devices::GenericModel model(ideal_device());
  const Eigen::MatrixXd w = smooth_matrix(20, 12);
  const Eigen::MatrixXd x = smooth_matrix(20, 5, 0.3);
  MvmOptions o = ideal_options(8, 8);
  AnalogMatrix m(w, o, model, address());
  // A hand-made response: 90 % of each current reaches the sense amplifier, plus a coupling
  // from row 0 into every column of 1 % of that column's cell in row 1.
  int calls = 0;
  m.set_read_time({1.0, 0}, [&](const ConductanceMatrix& g) -> Eigen::MatrixXd {
    ++calls;
    Eigen::MatrixXd t = 0.9 * g.transpose();
    t.col(0) += 0.01 * g.row(1).transpose();
    return t;
  });
  EXPECT_EQ(calls, 3 * 2 * 2);  // tiles × polarities
  Eigen::MatrixXd expected = 0.9 * w.transpose() * x;
  for (Eigen::Index r = 0; r < 3; ++r) {  // row 0 of each tile row couples row 1's weights
    for (Eigen::Index b = 0; b < x.cols(); ++b) {
      if (r * 8 + 1 < 20) expected.col(b) += 0.01 * w.row(r * 8 + 1).transpose() * x(r * 8, b);
    }
  }
  EXPECT_LE((m.multiply(x, 0).y - expected).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(Mvm, RejectsResponsesOfTheWrongShape) {
  const devices::GenericModel model(ideal_device());
  AnalogMatrix m(smooth_matrix(6, 4), ideal_options(6, 4), model, address());
  EXPECT_EQ(
      message_of<InvalidArgument>([&] {
        m.set_read_time({1.0, 0}, [](const ConductanceMatrix& g) -> Eigen::MatrixXd { return g; });
      }),
      "array response returned a 6 x 4 matrix for a 6 x 4 array; expected 4 x 6 (columns x "
      "rows)");
}

TEST(Mvm, AdcClipsAndQuantisesHandComputedCurrents) {
  const devices::GenericModel model(ideal_device(10 * uS));
  Eigen::MatrixXd w(2, 1);
  w << 1.0, 1.0;
  MvmOptions o = ideal_options(2, 1);
  o.periphery.dac.v_read_v = 0.2;
  o.periphery.adc.bits = 4;  // levels k·R/7
  o.periphery.adc.range_mode = AdcRangeMode::fixed;
  o.periphery.adc.range_a = 2e-6;
  AnalogMatrix m(w, o, model, address());
  m.set_read_time({1.0, 0});
  Eigen::MatrixXd x(2, 3);
  x << 1.0, 0.25, -0.1, 1.0, 0.0, 0.0;
  // Currents 4 µA (clipped to 2 µA), 0.5 µA (→ 2·2/7 µA), −0.2 µA (→ −1·2/7 µA); one unit of
  // weight·input is ΔG·v_read = 2 µA.
  const MvmResult r = m.multiply(x, 0);
  EXPECT_DOUBLE_EQ(r.y(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(r.y(0, 1), 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(r.y(0, 2), -1.0 / 7.0);
  EXPECT_EQ(r.conversions, 3u);
  EXPECT_EQ(r.clipped, 1u);
  EXPECT_DOUBLE_EQ(r.clipped_fraction(), 1.0 / 3.0);
}

TEST(Mvm, MaxCurrentRangeIsTheLargestCurrentOfATile) {
  const devices::GenericModel model(ideal_device(25 * uS));
  MvmOptions o = ideal_options(64, 32);
  o.periphery.adc.bits = 8;
  o.periphery.dac.v_read_v = 0.3;
  AnalogMatrix differential(smooth_matrix(10, 10), o, model, address());
  EXPECT_DOUBLE_EQ(differential.adc_range(0), 64 * 0.3 * 25 * uS);
  o.mapping.scheme = MappingScheme::offset_digital;
  o.mapping.g_min_siemens = 5 * uS;
  o.mapping.g_max_siemens = 20 * uS;
  o.periphery.adc.range_factor = 0.5;
  AnalogMatrix offset(smooth_matrix(10, 10), o, model, address());
  EXPECT_DOUBLE_EQ(offset.adc_range(0), 0.5 * 64 * 0.3 * 20 * uS);
  // Full-scale inputs on a column of full-scale weights reach exactly the range: no clipping.
  o = ideal_options(4, 1);
  o.periphery.adc.bits = 8;
  AnalogMatrix full(Eigen::MatrixXd::Ones(4, 1), o, model, address());
  full.set_read_time({1.0, 0});
  const MvmResult r = full.multiply(Eigen::MatrixXd::Ones(4, 1), 0);
  EXPECT_EQ(r.clipped, 0u);
  EXPECT_NEAR(r.y(0, 0), 4.0, 1e-14);
}

TEST(Mvm, CalibratedRangeIsThePercentileOfTheColumnCurrents) {
  const devices::GenericModel model(ideal_device(10 * uS));
  const Eigen::MatrixXd w = smooth_matrix(30, 20);
  const Eigen::MatrixXd x = smooth_matrix(30, 50, 1.3);
  MvmOptions o = ideal_options(16, 8);
  o.periphery.adc.bits = 6;
  o.periphery.adc.range_mode = AdcRangeMode::calibrated;
  o.periphery.adc.percentile = 0.9;
  AnalogMatrix m(w, o, model, address());
  m.set_read_time({1.0, 0});
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply(x, 0); }),
            "multiply: ADC range not calibrated: call calibrate_adc first");
  m.calibrate_adc(x);
  const double unit_current = 10 * uS * 0.2 / m.scales()(0);  // per weight·input
  for (Eigen::Index r = 0; r < m.grid().tile_rows(); ++r) {
    for (Eigen::Index c = 0; c < m.grid().tile_cols(); ++c) {
      const Eigen::MatrixXd currents = w.block(m.grid().row_begin(r), m.grid().col_begin(c),
                                               m.grid().row_count(r), m.grid().col_count(c))
                                           .transpose() *
                                       x.middleRows(m.grid().row_begin(r), m.grid().row_count(r)) *
                                       unit_current;
      std::vector<double> magnitudes;
      for (Eigen::Index b = 0; b < currents.cols(); ++b) {
        for (Eigen::Index j = 0; j < currents.rows(); ++j) {
          magnitudes.push_back(std::abs(currents(j, b)));
        }
      }
      const double expected = quantile(magnitudes, 0.9);
      EXPECT_NEAR(m.adc_range(m.group_index(r, c, 0)), expected, 1e-12 * expected);
    }
  }
  const MvmResult result = m.multiply(x, 0);
  EXPECT_GT(result.clipped_fraction(), 0.05);  // about 10 % of the currents exceed the range
  EXPECT_LT(result.clipped_fraction(), 0.15);
}

TEST(Mvm, BitSerialInputsGiveTheProductOfTheQuantisedInputs) {
  const devices::GenericModel model(ideal_device());
  const Eigen::MatrixXd w = smooth_matrix(12, 7);
  const Eigen::MatrixXd x = smooth_matrix(12, 4, 0.9);
  MvmOptions o = ideal_options(5, 4);
  o.periphery.dac.bits = 6;
  o.periphery.dac.slice_bits = 2;  // 5 magnitude bits in slices of 2, 2, 1
  AnalogMatrix m(w, o, model, address());
  m.set_read_time({1.0, 0});
  const Quantizer q = o.periphery.dac.quantizer();
  Eigen::MatrixXd xq = x;
  for (Eigen::Index i = 0; i < x.size(); ++i) xq(i) = q.quantize(x(i));
  const MvmResult r = m.multiply(x, 0);
  EXPECT_LE((r.y - w.transpose() * xq).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_EQ(r.conversions, 7u * 4u * 3u * 3u);  // outputs × vectors × input slices × tile rows
}

MvmOptions noisy_options() {
  MvmOptions o;
  o.tile = {32, 16};
  o.mapping.slices = 2;
  o.periphery.dac.bits = 8;
  o.periphery.adc.bits = 8;
  o.periphery.adc.range_factor = 0.05;
  o.periphery.adc.gain_std = 0.02;
  o.periphery.adc.offset_std = 0.01;
  o.periphery.adc.output_noise_std = 0.005;
  o.batch_block = 16;
  return o;
}

TEST(Mvm, ResultsAreBitwiseIdenticalForAnyThreadCountAndBatchSplit) {
  devices::GenericParameters p = ideal_device();
  p.programming_sigma_siemens = 0.3 * uS;
  p.read_sigma_siemens = 0.2 * uS;
  p.read_sigma_relative = 0.03;
  const devices::GenericModel model(p);
  const Eigen::MatrixXd w = smooth_matrix(70, 40);
  const Eigen::MatrixXd x = smooth_matrix(70, 53, 2.0);
  AnalogMatrix m(w, noisy_options(), model, address());
  m.set_read_time({10.0, 1});
  MvmResult one_thread;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one_thread = m.multiply(x, 5);
  }
  const MvmResult threaded = m.multiply(x, 5);
  EXPECT_TRUE(one_thread.y == threaded.y);
  EXPECT_EQ(one_thread.clipped, threaded.clipped);
  EXPECT_GT(one_thread.clipped, 0u);
  // The same read split into three calls at places that are not block boundaries.
  Eigen::MatrixXd pieces(40, 53);
  pieces.leftCols(7) = m.multiply(x.leftCols(7), 5, 0).y;
  pieces.middleCols(7, 30) = m.multiply(x.middleCols(7, 30), 5, 7).y;
  pieces.rightCols(16) = m.multiply(x.rightCols(16), 5, 37).y;
  EXPECT_TRUE(pieces == threaded.y);
  // Another read id redraws read and output noise; the same id repeats them.
  EXPECT_FALSE(m.multiply(x, 6).y == threaded.y);
  EXPECT_TRUE(m.multiply(x, 5).y == threaded.y);
  // A single-precision batch gives the result of its exact widening.
  const Eigen::MatrixXf x_single = x.cast<float>();
  EXPECT_TRUE(m.multiply_single(x_single, 5).y == m.multiply(x_single.cast<double>(), 5).y);
  // The noise is there: the noisy result differs from the ideal product, by about 0.30 (most of
  // it clipping: the ADC range is 5 % of the largest current; 0.289 ... 0.308 over 20 read ids).
  const Eigen::MatrixXd exact = w.transpose() * x;
  const double error = (threaded.y - exact).norm() / exact.norm();
  EXPECT_GT(error, 0.25);
  EXPECT_LT(error, 0.35);
}

TEST(Mvm, InstanceNumberSeparatesTheAdcMismatchOfMatricesOfOneTrial) {
  const devices::GenericModel model(ideal_device());
  const Eigen::MatrixXd w = smooth_matrix(70, 40);
  MvmOptions options = noisy_options();
  const AnalogMatrix first(w, options, model, address());
  options.instance = 3;
  const AnalogMatrix other(w, options, model, address());
  const AnalogMatrix again(w, options, model, address());
  ASSERT_EQ(first.adc_gain().size(), other.adc_gain().size());
  // Instance 0 keeps the substreams 0 / 1 of a single matrix; another instance draws anew.
  const RandomStream gains = address().stream(StreamId::adc_mismatch, 0);
  std::vector<double> expected(static_cast<std::size_t>(first.adc_gain().size()));
  gains.normal(expected, 1.0, options.periphery.adc.gain_std);
  EXPECT_EQ(first.adc_gain()[0], expected[0]);
  EXPECT_EQ(first.adc_gain()[5], expected[5]);
  const double apart = (first.adc_gain() - other.adc_gain()).cwiseAbs().maxCoeff();
  EXPECT_GT(apart, 1e-3);
  EXPECT_TRUE(other.adc_gain() == again.adc_gain());
  EXPECT_TRUE(other.adc_offset() == again.adc_offset());
  EXPECT_FALSE(first.adc_offset() == other.adc_offset());
  options.instance = 1u << 19;
  EXPECT_THROW(options.validate(), InvalidArgument);
}

TEST(Mvm, SinglePrecisionSignalIsCloseToDoubleAndItselfReproducible) {
  const devices::GenericModel model(ideal_device());
  const Eigen::MatrixXd w = smooth_matrix(300, 70);  // two tile rows
  const Eigen::MatrixXd x = smooth_matrix(300, 90, 1.3);
  MvmOptions options = ideal_options();
  AnalogMatrix exact_path(w, options, model, address());
  options.single_precision_signal = true;
  AnalogMatrix single_path(w, options, model, address());
  exact_path.set_read_time({1.0, 0});
  single_path.set_read_time({1.0, 0});
  const Eigen::MatrixXd y_double = exact_path.multiply(x, 0).y;
  const Eigen::MatrixXd y_single = single_path.multiply(x, 0).y;
  // Ideal devices and converters: the double path is Wᵀx to rounding; the single path to a few
  // float ulps of the largest output (float epsilon 1.2e-7, sums of 300 products).
  const double scale = (w.transpose() * x).cwiseAbs().maxCoeff();
  EXPECT_LT((y_double - w.transpose() * x).cwiseAbs().maxCoeff(), 1e-12 * scale);
  const double single_error = (y_single - y_double).cwiseAbs().maxCoeff();
  EXPECT_GT(single_error, 0.0);  // it really is another path
  EXPECT_LT(single_error, 2e-6 * scale);
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    EXPECT_TRUE(single_path.multiply(x, 0).y == y_single);
  }
}

// The check of the inputs rides on the DAC loop: a NaN or infinity anywhere — in a later tile
// row, past the first block, with bit-serial inputs, in a single-precision batch — is refused.
TEST(Mvm, ANonFiniteInputAnywhereIsRefused) {
  const devices::GenericModel model(ideal_device());
  MvmOptions o = ideal_options(4, 3);
  o.periphery.dac.bits = 8;
  o.batch_block = 2;
  for (const std::uint32_t slice_bits : {0u, 2u}) {
    o.periphery.dac.slice_bits = slice_bits;
    AnalogMatrix m(smooth_matrix(10, 7), o, model, address());  // 3 x 3 tiles
    m.set_read_time({1.0, 0});
    for (const double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
      Eigen::MatrixXd x = Eigen::MatrixXd::Constant(10, 5, 0.25);
      x(9, 4) = -bad;  // last tile row, last (partial) block
      EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply(x, 0); }),
                "multiply: input batch is not finite");
      const Eigen::MatrixXf xf = x.cast<float>();
      EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply_single(xf, 0); }),
                "multiply: input batch is not finite");
      x(9, 4) = 0.25;
      EXPECT_NO_THROW((void)m.multiply(x, 0));
    }
  }
}

TEST(Mvm, RejectsBadInputsWithClearMessages) {
  const devices::GenericModel model(ideal_device(1e-5));
  const Eigen::MatrixXd w = smooth_matrix(6, 4);
  MvmOptions o = ideal_options(4, 4);
  AnalogMatrix m(w, o, model, address());
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply(Eigen::MatrixXd::Ones(6, 2), 0); }),
            "multiply: no read time set: call set_read_time first");
  m.set_read_time({1.0, 0});
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply(Eigen::MatrixXd::Ones(5, 2), 0); }),
            "multiply: input batch has 5 rows; the matrix has 6 inputs");
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply(Eigen::MatrixXd(6, 0), 0); }),
            "multiply: empty input batch");
  Eigen::MatrixXd bad = Eigen::MatrixXd::Ones(6, 2);
  bad(2, 1) = std::nan("");
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)m.multiply(bad, 0); }),
            "multiply: input batch is not finite");
  EXPECT_EQ(message_of<InvalidArgument>([&] { m.calibrate_adc(Eigen::MatrixXd::Ones(6, 2)); }),
            "calibrate_adc: the ADC range mode is not 'calibrated'");
  o.mapping.g_max_siemens = 2e-5;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)AnalogMatrix(w, o, model, address()); }),
            "mapping range [0, 2e-05] S lies outside the device range [0, 1e-05] S");
  o = ideal_options(4, 4);
  o.batch_block = 0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)AnalogMatrix(w, o, model, address()); }),
            "MVM batch_block is 0; allowed: 1 ... 65536 vectors");
  o = ideal_options(4, 4);
  o.periphery.adc.bits = 40;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)AnalogMatrix(w, o, model, address()); }),
            "ADC bits is 40; allowed: 0 (ideal) or 2 ... 24");
  o = ideal_options(4, 4);
  o.periphery.dac.input_range = -1.0;
  EXPECT_EQ(message_of<InvalidArgument>([&] { (void)AnalogMatrix(w, o, model, address()); }),
            "DAC range is -1; allowed: a finite value > 0");
  o = ideal_options(4, 4);
  o.periphery.adc.range_mode = AdcRangeMode::calibrated;
  AnalogMatrix c(w, o, model, address());
  c.set_read_time({1.0, 0});
  EXPECT_EQ(message_of<InvalidArgument>([&] { c.calibrate_adc(Eigen::MatrixXd::Zero(6, 3)); }),
            "calibrate_adc: the calibration inputs give no current on tile (0, 0) slice 0");
}

}  // namespace
}  // namespace kirchhoff::crossbar
