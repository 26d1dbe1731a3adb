// Throughput of the random streams, with the raw Philox4x32-10 block rate of the same run as
// the baseline: "ratio_to_philox" is the cost of a transform relative to the bits it consumes.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_support.hpp"
#include "kirchhoff/core/random.hpp"

namespace {

using kirchhoff::RandomStream;
using kirchhoff::StreamId;

const RandomStream kStream(12345, {0, 0, StreamId::testing, 0});

void BM_PhiloxWords(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::uint32_t> out(n);
  for (auto _ : state) {
    for (std::uint32_t b = 0; b < n / 4; ++b) {
      const auto words = kStream.block(b);
      for (std::size_t i = 0; i < 4; ++i) out[4 * b + i] = words[i];
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

template <class Fill>
void run_transform(benchmark::State& state, Fill fill) {
  std::vector<double> out(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    fill(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Uniform(benchmark::State& s) {
  run_transform(s, [](auto& v) { kStream.uniform(v); });
}
void BM_Normal(benchmark::State& s) {
  run_transform(s, [](auto& v) { kStream.normal(v); });
}
void BM_Lognormal(benchmark::State& s) {
  run_transform(s, [](auto& v) { kStream.lognormal(v, 0.0, 0.5); });
}
void BM_TruncatedNormal(benchmark::State& s) {
  run_transform(s, [](auto& v) { kStream.truncated_normal(v, 0.0, 1.0, -2.0, 3.0); });
}

BENCHMARK(BM_PhiloxWords)->Arg(1 << 16);
BENCHMARK(BM_Uniform)->Arg(1 << 16);
BENCHMARK(BM_Normal)->Arg(1 << 10)->Arg(1 << 16);
BENCHMARK(BM_Lognormal)->Arg(1 << 16);
BENCHMARK(BM_TruncatedNormal)->Arg(1 << 16);

}  // namespace

KIRCHHOFF_BENCHMARK_MAIN();
