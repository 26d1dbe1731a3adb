// Networks on analog tiles (nn::AnalogNetwork) with the reference models of data/models on the
// shipped Fashion-MNIST subset: ideal devices and converters reproduce the float predictions
// exactly; a deterministic drift is undone exactly by global and per-column compensation;
// results do not depend on the thread count or batch size; layer selection and bad options
// give clear errors.
#include "kirchhoff/nn/analog.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <string>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"

namespace kirchhoff::nn {
namespace {

constexpr double uS = 1e-6;

Network model(const std::string& name) {
  return load_onnx(std::string(KIRCHHOFF_MODELS_DIR) + "/" + name + ".onnx");
}

// The shipped subset (the first 1000 test images), cut to n.
Dataset subset(std::int64_t n) {
  return read_idx(std::string(KIRCHHOFF_DATASETS_DIR) + "/fashion-mnist/t10k-images-idx3-ubyte.gz",
                  std::string(KIRCHHOFF_DATASETS_DIR) + "/fashion-mnist/t10k-labels-idx1-ubyte.gz",
                  n);
}

devices::GenericParameters ideal_device() {
  devices::GenericParameters p;
  p.common.g_min_siemens = 0.0;
  p.common.g_max_siemens = 25 * uS;
  return p;
}

AnalogOptions ideal_options() {
  AnalogOptions o;
  o.mvm.periphery.dac.bits = 0;
  o.mvm.periphery.adc.bits = 0;
  o.mvm.read_noise = false;
  return o;
}

constexpr devices::CellAddress kChip{7, 0, 3, 0};

struct Fixture {
  Network network;
  Dataset data;
  Calibration calibration;  // prepared for the default calibration options
  Accuracy float_accuracy;
};

Fixture fixture(const std::string& name, std::int64_t samples) {
  Fixture f{model(name), subset(samples), {}, {}};
  f.calibration =
      prepare_calibration(record_layer_inputs(f.network, f.data, f.network.normalization(),
                                              std::min<std::int64_t>(samples, 128), 2048),
                          AnalogOptions{});
  const FloatExecutor products(f.network.linear_layers());
  f.float_accuracy = evaluate(f.network, f.data, products, f.network.normalization());
  return f;
}

Accuracy analog_accuracy(const Fixture& f, const AnalogOptions& options,
                         const devices::DeviceModel& device, double time_s,
                         const devices::CellAddress& chip = kChip,
                         const EvaluateOptions& evaluate_options = {}) {
  AnalogNetwork analog(f.network, options, device, chip, f.calibration);
  analog.set_read_time(time_s, 0);
  return evaluate(f.network, f.data, analog, f.network.normalization(), evaluate_options);
}

TEST(AnalogNetwork, IdealDevicesAndConvertersGiveTheFloatPredictions) {
  const devices::GenericModel device(ideal_device());
  for (const std::string name : {"mlp", "cnn"}) {
    const Fixture f = fixture(name, 1000);
    for (const bool single : {false, true}) {
      AnalogOptions options = ideal_options();
      options.mvm.single_precision_signal = single;
      const Accuracy a = analog_accuracy(f, options, device, 1.0);
      EXPECT_EQ(a.top1, f.float_accuracy.top1) << name;
      EXPECT_EQ(a.top5, f.float_accuracy.top5) << name;
      EXPECT_TRUE(a.predictions == f.float_accuracy.predictions) << name << " single " << single;
    }
  }
}

TEST(AnalogNetwork, WithoutAnalogLayersItIsTheFloatNetworkBitForBit) {
  const Fixture f = fixture("cnn", 64);
  const devices::GenericModel device(ideal_device());
  AnalogOptions options = ideal_options();
  options.layers = {};
  AnalogNetwork analog(f.network, options, device, kChip, f.calibration);
  analog.set_read_time(1.0, 0);
  EXPECT_EQ(analog.instance_count(), 0u);
  const Tensor input = f.data.batch(0, 64, f.network.normalization());
  const Tensor a = f.network.forward(input, 0, analog);
  const Tensor b = f.network.forward(input);
  EXPECT_TRUE(a.data == b.data);
}

TEST(AnalogNetwork, LayersAreSelectedByNameOrPattern) {
  const Network network = model("cnn");
  const auto& layers = network.linear_layers();
  ASSERT_GE(layers.size(), 5u);
  const auto all = select_layers(layers, {"*"});
  EXPECT_EQ(std::count(all.begin(), all.end(), true), static_cast<long>(layers.size()));
  const auto first = select_layers(layers, {layers[0].name});
  EXPECT_TRUE(first[0]);
  EXPECT_EQ(std::count(first.begin(), first.end(), true), 1);
  const auto none = select_layers(layers, {});
  EXPECT_TRUE(std::none_of(none.begin(), none.end(), [](bool b) { return b; }));
  try {
    (void)select_layers(layers, {"no_such_layer*"});
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'no_such_layer*' matches none"), std::string::npos) << message;
    EXPECT_NE(message.find(layers[0].name), std::string::npos) << message;
  }
}

TEST(AnalogNetwork, OnlyTheSelectedLayersAreProgrammed) {
  const Fixture f = fixture("cnn", 32);
  const devices::GenericModel device(ideal_device());
  AnalogOptions options = ideal_options();
  const auto& layers = f.network.linear_layers();
  options.layers = {layers[0].name, layers.back().name};
  const AnalogNetwork analog(f.network, options, device, kChip, f.calibration);
  EXPECT_EQ(analog.instance_count(), layers[0].groups() + layers.back().groups());
  EXPECT_TRUE(analog.analog()[0]);
  EXPECT_FALSE(analog.analog()[1]);
  // Every instance has its own cells: the count is the sum of the instances'.
  std::uint64_t cells = 0;
  for (std::size_t i = 0; i < analog.instance_count(); ++i) cells += analog.matrix(i).cell_count();
  EXPECT_EQ(analog.cell_count(), cells);
}

TEST(AnalogNetwork, EveryArrayRespondsThroughTheGivenArrayResponse) {
  const Fixture f = fixture("mlp", 100);
  const devices::GenericModel device(ideal_device());
  AnalogOptions options = ideal_options();
  options.read_times = 2;
  std::size_t calls = 0;
  // A stand-in for an IR-drop solver: every array delivers half its ideal current.
  options.response = [&calls](const crossbar::ConductanceMatrix& g) -> Eigen::MatrixXd {
    ++calls;
    return 0.5 * g.transpose();
  };
  AnalogNetwork analog(f.network, options, device, kChip, f.calibration);
  std::size_t arrays = 0;
  for (std::size_t i = 0; i < analog.instance_count(); ++i) {
    arrays += analog.matrix(i).groups() * options.mvm.mapping.polarities();
  }
  EXPECT_EQ(calls, arrays);  // the readout right after programming
  analog.set_read_time(1.0, 1);
  EXPECT_EQ(calls, 2 * arrays);
  // Halved products with undisturbed biases change the outputs (and so the evidence).
  const Tensor input = f.data.batch(0, 100, f.network.normalization());
  const Tensor halved = f.network.forward(input, 0, analog);
  const Tensor exact = f.network.forward(input);
  double largest = 0.0;
  for (std::size_t i = 0; i < exact.data.size(); ++i) {
    largest = std::max(largest, std::abs(static_cast<double>(halved.data[i] - exact.data[i])));
  }
  EXPECT_GT(largest, 0.1);
}

// A generic device whose conductances all drift by the same factor (t / t₀)^−ν, no noise.
devices::GenericParameters drifting_device(double nu) {
  devices::GenericParameters p = ideal_device();
  p.t0_s = 20.0;  // = the reference readout's time
  p.drift_g_siemens = {10 * uS};
  p.drift_nu_mean = {nu};
  p.drift_nu_std = {0.0};
  return p;
}

TEST(AnalogNetwork, CompensationUndoesAUniformDriftExactly) {
  const Fixture f = fixture("cnn", 1000);
  const devices::GenericModel device(drifting_device(0.1));
  const double year = 365.25 * 86400.0;
  const double expected_factor = std::pow(year / 20.0, 0.1);
  AnalogOptions options = ideal_options();
  const Accuracy drifted = analog_accuracy(f, options, device, year);
  // The digital biases do not drift: a factor of ~4 on the analog products costs accuracy.
  EXPECT_LT(drifted.top1, f.float_accuracy.top1 - 20);
  for (const auto mode : {DriftCompensation::global, DriftCompensation::per_column}) {
    options.compensation = mode;
    AnalogNetwork analog(f.network, options, device, kChip, f.calibration);
    analog.set_read_time(year, 0);
    for (std::size_t l = 0; l < f.network.linear_layers().size(); ++l) {
      const Eigen::VectorXd& factors = analog.compensation(l);
      EXPECT_NEAR(factors.minCoeff(), expected_factor, 1e-9 * expected_factor);
      EXPECT_NEAR(factors.maxCoeff(), expected_factor, 1e-9 * expected_factor);
    }
    const Accuracy a = evaluate(f.network, f.data, analog, f.network.normalization());
    EXPECT_TRUE(a.predictions == f.float_accuracy.predictions);
  }
}

TEST(AnalogNetwork, PcmChipIsTheSameForAnyThreadCountAndBatchSize) {
  const Fixture f = fixture("cnn", 300);
  const devices::Device pcm = devices::load_device("pcm-joshi2020");
  AnalogOptions options;
  options.mvm.periphery.dac.bits = 8;
  options.mvm.periphery.adc.bits = 8;
  options.mvm.periphery.adc.range_mode = crossbar::AdcRangeMode::calibrated;
  options.compensation = DriftCompensation::global;
  Accuracy one_thread;
  {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one_thread = analog_accuracy(f, options, *pcm.model, 86400.0, kChip, {.batch = 128});
  }
  const Accuracy threaded = analog_accuracy(f, options, *pcm.model, 86400.0, kChip, {.batch = 37});
  EXPECT_TRUE(one_thread.predictions == threaded.predictions);
  EXPECT_EQ(one_thread.top1, threaded.top1);
  // Another chip is another draw.
  const Accuracy other = analog_accuracy(f, options, *pcm.model, 86400.0, {7, 0, 4, 0});
  EXPECT_FALSE(other.predictions == threaded.predictions);
}

TEST(AnalogNetwork, RejectsInvalidOptionsAndCalibration) {
  const Fixture f = fixture("mlp", 16);
  const devices::GenericModel device(ideal_device());
  AnalogOptions options = ideal_options();
  options.input_percentile = 0.0;
  EXPECT_THROW(AnalogNetwork(f.network, options, device, kChip, f.calibration), InvalidArgument);
  options = ideal_options();
  EXPECT_THROW(AnalogNetwork(f.network, options, device, kChip, Calibration{}), InvalidArgument);
  AnalogNetwork analog(f.network, options, device, kChip, f.calibration);
  EXPECT_THROW(analog.set_read_time(1.0, 1), InvalidArgument);  // one read time: index 0 only
  EXPECT_THROW((void)record_layer_inputs(f.network, f.data, f.network.normalization(), 17, 10),
               InvalidArgument);
}

}  // namespace
}  // namespace kirchhoff::nn
