// Network inference (DNN issue): the reference CNN (data/models/cnn.onnx, LeNet-5 style) over
// the 10,000 Fashion-MNIST test images.
//   FloatInference/threads:n   our float engine; counter ratio_to_pytorch = our time over
//                              PyTorch's on the same model, data and thread count, measured in
//                              this run by bench/nn_torch_reference.py (python3-torch).
//   AnalogTrial/threads:n      one analog trial: program every layer on PCM tiles
//                              (pcm-joshi2020, 8-bit DAC and ADC, read noise), calibrate, and
//                              evaluate the 10,000 images at one read time; counter
//                              ratio_to_float = its time over FloatInference's (same threads).
// Without the Debian dataset package the shipped 1000-image subset is used (said in the label).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <tbb/global_control.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "bench_support.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/nn/analog.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"

namespace {

using namespace kirchhoff;

const std::string kModel = std::string(KIRCHHOFF_SOURCE_DIR) + "/data/models/cnn.onnx";
std::map<int, double> float_baseline_s;  // threads → seconds

struct Fixture {
  nn::Network network = nn::load_onnx(kModel);
  nn::Dataset dataset = nn::load_dataset("fashion-mnist:test");
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// PyTorch's time for the same inference, or a negative number when it cannot be measured.
double pytorch_seconds(int threads) {
  const std::string command = fmt::format(
      "{} {}/bench/nn_torch_reference.py --model cnn --threads {} --batch 128 --repeats 5",
      KIRCHHOFF_PYTHON, KIRCHHOFF_SOURCE_DIR, threads);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return -1.0;
  std::string output;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) {
    output += buffer.data();
  }
  const auto at = output.find("\"seconds\":");
  if (at == std::string::npos) return -1.0;
  return std::stod(output.substr(at + 10));
}

void BM_FloatInference(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  const Fixture& f = fixture();
  const nn::FloatExecutor products(f.network.linear_layers());
  nn::Accuracy accuracy;
  const auto run = [&] {
    accuracy = nn::evaluate(f.network, f.dataset, products, f.network.normalization());
  };
  for (auto _ : state) run();
  const double ours = bench::best_seconds(run, 5);
  float_baseline_s[threads] = ours;
  const double torch = pytorch_seconds(threads);
  state.counters["seconds"] = ours;
  state.counters["top1"] = accuracy.top1_fraction();
  state.counters["pytorch_seconds"] = torch;
  if (torch > 0.0) state.counters["ratio_to_pytorch"] = ours / torch;
  state.SetLabel(torch > 0.0 ? f.dataset.name : f.dataset.name + "; PyTorch not available");
}

void BM_AnalogTrial(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  const Fixture& f = fixture();
  const devices::Device device = devices::load_device("pcm-joshi2020");
  nn::AnalogOptions options;
  options.mvm.periphery.dac.bits = 8;
  options.mvm.periphery.adc.bits = 8;
  options.mvm.periphery.adc.range_mode = crossbar::AdcRangeMode::calibrated;
  options.mvm.single_precision_signal = true;  // as the dnn workload
  const nn::Calibration calibration = nn::prepare_calibration(
      nn::record_layer_inputs(f.network, f.dataset, f.network.normalization(), 256, 4096), options);
  nn::Accuracy accuracy;
  std::uint32_t trial = 0;
  const auto run = [&] {
    nn::AnalogNetwork chip(f.network, options, *device.model, {1, 0, trial++, 0}, calibration);
    chip.set_read_time(3600.0, 0);
    accuracy = nn::evaluate(f.network, f.dataset, chip, f.network.normalization());
  };
  for (auto _ : state) run();
  const double analog = bench::best_seconds(run, 3);
  state.counters["seconds"] = analog;
  state.counters["top1"] = accuracy.top1_fraction();
  if (const auto it = float_baseline_s.find(threads); it != float_baseline_s.end()) {
    state.counters["ratio_to_float"] = analog / it->second;
  }
  state.SetLabel(f.dataset.name);
}

}  // namespace

BENCHMARK(BM_FloatInference)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnalogTrial)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);

KIRCHHOFF_BENCHMARK_MAIN();
