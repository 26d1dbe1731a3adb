// The reference CNN on PCM chips (pcm-joshi2020, 8-bit converters), over independently
// programmed chips: programming and read noise cost accuracy against the float network right
// after programming; a year of drift costs more; global drift compensation recovers part of it.
// Each claim is a paired comparison over the chips (the same chip with and without
// compensation), asserted beyond a 99.9 % Student-t bound from the chips' spread.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/nn/analog.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"

namespace kirchhoff::nn {
namespace {

constexpr std::uint32_t kChips = 10;
constexpr std::int64_t kSamples = 500;
constexpr double kYear = 365.25 * 86400.0;

// True when the mean of the differences is above zero by more than the one-sided 99.9 %
// Student-t bound of their spread.
void expect_positive(const std::vector<double>& differences, const char* what) {
  RunningStats s;
  for (const double d : differences) s.add(d);
  const double t = student_t_critical_value(differences.size() - 1, 0.998);  // one-sided 99.9 %
  EXPECT_GT(s.mean() - t * s.sem(), 0.0)
      << what << ": mean " << s.mean() << ", sem " << s.sem() << " over " << s.count();
}

TEST(AnalogNetworkStatistics, NoiseAndDriftCostAccuracyAndCompensationRecoversPart) {
  const Network network = load_onnx(std::string(KIRCHHOFF_MODELS_DIR) + "/cnn.onnx");
  const Dataset data = read_idx(
      std::string(KIRCHHOFF_DATASETS_DIR) + "/fashion-mnist/t10k-images-idx3-ubyte.gz",
      std::string(KIRCHHOFF_DATASETS_DIR) + "/fashion-mnist/t10k-labels-idx1-ubyte.gz", kSamples);
  const Normalization& norm = network.normalization();
  const Calibration calibration =
      prepare_calibration(record_layer_inputs(network, data, norm, 128, 2048), AnalogOptions{});
  const FloatExecutor products(network.linear_layers());
  const double float_top1 = evaluate(network, data, products, norm).top1_fraction();

  const devices::Device pcm = devices::load_device("pcm-joshi2020");
  AnalogOptions options;
  options.mvm.periphery.dac.bits = 8;
  options.mvm.periphery.adc.bits = 8;
  options.mvm.periphery.adc.range_mode = crossbar::AdcRangeMode::calibrated;
  options.read_times = 2;  // 1 s and 1 year
  std::vector<double> noise_cost, drift_cost, recovered;
  for (std::uint32_t chip = 0; chip < kChips; ++chip) {
    const devices::CellAddress address{2024, 0, chip, 0};
    double top1[2][2];  // [compensated][time]
    for (const auto mode : {DriftCompensation::none, DriftCompensation::global}) {
      options.compensation = mode;
      AnalogNetwork analog(network, options, *pcm.model, address, calibration);
      for (std::uint32_t k = 0; k < 2; ++k) {
        analog.set_read_time(k == 0 ? 1.0 : kYear, k);
        top1[mode == DriftCompensation::global][k] =
            evaluate(network, data, analog, norm).top1_fraction();
      }
    }
    noise_cost.push_back(float_top1 - top1[0][0]);
    drift_cost.push_back(top1[0][0] - top1[0][1]);
    recovered.push_back(top1[1][1] - top1[0][1]);
  }
  expect_positive(noise_cost, "float - analog at 1 s");
  expect_positive(drift_cost, "analog at 1 s - at 1 year, uncompensated");
  expect_positive(recovered, "compensated - uncompensated at 1 year");
}

}  // namespace
}  // namespace kirchhoff::nn
