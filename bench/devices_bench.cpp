// Device-model throughput (issue 3): programming + drift + read of a 1,000,000-cell array, in
// cells per second on one core, against the baseline of the same run that only draws the
// normals the model consumes (three per cell: programming error, drift exponent, read noise).
// The counter "ratio_to_normals" of each model benchmark is its time over that baseline's.
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "bench_support.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace {

using namespace kirchhoff;
using namespace kirchhoff::devices;

constexpr std::size_t kCells = 1'000'000;
double g_baseline_ns_per_cell = 0.0;

// Targets spread evenly over the model's range.
std::vector<double> targets(const DeviceModel& model) {
  std::vector<double> t(kCells);
  for (std::size_t i = 0; i < kCells; ++i) {
    t[i] = model.g_min_siemens() +
           (model.g_max_siemens() - model.g_min_siemens()) * static_cast<double>(i % 1000) / 999.0;
  }
  return t;
}

void BM_ThreeNormalsPerCell(benchmark::State& state) {
  std::vector<double> z(kCells);
  std::uint32_t trial = 0;
  for (auto _ : state) {
    const CellAddress address{1, 0, trial++, 0};
    address.stream(StreamId::programming_error).normal(z, 0);
    address.stream(StreamId::drift_exponent).normal(z, 0);
    address.stream(StreamId::read_noise).normal(z, 0);
    benchmark::DoNotOptimize(z.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCells));
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < 5; ++r) {
    const CellAddress address{2, 0, static_cast<std::uint32_t>(r), 0};
    address.stream(StreamId::programming_error).normal(z, 0);
    address.stream(StreamId::drift_exponent).normal(z, 0);
    address.stream(StreamId::read_noise).normal(z, 0);
  }
  g_baseline_ns_per_cell =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      (5.0 * kCells);
}

void BM_ProgramDriftRead(benchmark::State& state, const char* preset) {
  const Device device = load_device(preset);
  const auto t = targets(*device.model);
  std::vector<double> g(kCells);
  std::uint32_t trial = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const auto cells = device.model->program(t, {1, 0, trial++, 0});
    device.model->read(cells, {3600.0, 0}, 0, g);
    benchmark::DoNotOptimize(g.data());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCells));
  const double ns_per_cell = 1e9 * seconds / (static_cast<double>(state.iterations()) * kCells);
  if (g_baseline_ns_per_cell > 0.0) {
    state.counters["ratio_to_normals"] = ns_per_cell / g_baseline_ns_per_cell;
  }
}

BENCHMARK(BM_ThreeNormalsPerCell)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ProgramDriftRead, pcm_joshi2020, "pcm-joshi2020")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ProgramDriftRead, pcm_hermes2023, "pcm-hermes2023")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ProgramDriftRead, rram_wan2022, "rram-wan2022")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ProgramDriftRead, generic_ideal, "generic-ideal")
    ->Unit(benchmark::kMillisecond);

}  // namespace

KIRCHHOFF_BENCHMARK_MAIN();
