// Exact IR drop (crossbar issue): cost per input vector of the exact solver amortised over a
// batch of 1000 vectors on one programmed array (factorisation, transfer matrix T and the 1000
// dense products all included), against ngspice's operating point on the same netlist, run from
// this benchmark in the same run (the baseline). The counter "speedup_vs_ngspice" of
// BM_ExactPerVector/N is ngspice's time for one vector over ours.
// Then the growth of the exact solver with the array size (64..512) for both sparse Cholesky
// back ends: factorisation alone, factorisation + T, nonzeros of the factor and memory.
//
//   ./ir_drop_bench                      # everything (ngspice 128x128 takes ~100 s)
//   ./ir_drop_bench --benchmark_filter=Factor
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/spice.hpp"

namespace {

using namespace kirchhoff::crossbar;

constexpr Eigen::Index kBatch = 1000;
const WireResistances kWires{2.5, 2.5, 10.0, 10.0};
std::map<Eigen::Index, double> g_ngspice_seconds;  // baseline per size, measured in this run

ConductanceMatrix conductances(Eigen::Index n) {
  std::mt19937_64 rng(static_cast<unsigned>(n));
  std::uniform_real_distribution<double> u(1e-6, 1e-4);
  ConductanceMatrix g(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) g(i, j) = u(rng);
  }
  return g;
}

InputBatch inputs(Eigen::Index batch, Eigen::Index n) {
  std::mt19937_64 rng(static_cast<unsigned>(7 * n + 1));
  std::uniform_real_distribution<double> u(0.0, 0.3);
  InputBatch v(batch, n);
  for (Eigen::Index k = 0; k < batch; ++k) {
    for (Eigen::Index i = 0; i < n; ++i) v(k, i) = u(rng);
  }
  return v;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Baseline: ngspice -b on the netlist of one input vector (writing, running and reading back).
void BM_NgspiceOperatingPoint(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  if (!ngspice_available()) {
    state.SkipWithError("ngspice not found on PATH");
    return;
  }
  const auto g = conductances(n);
  const Eigen::VectorXd v = inputs(1, n).row(0).transpose();
  const auto dir = std::filesystem::temp_directory_path();
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto currents = run_ngspice(g, kWires, v, dir);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(currents.data());
  }
  g_ngspice_seconds[n] = seconds / static_cast<double>(state.iterations());
  state.counters["s_per_vector"] = g_ngspice_seconds[n];
}

// Exact: factor once, T once, then one dense product per vector; per-vector time = total / 1000.
void BM_ExactPerVector(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const auto g = conductances(n);
  const InputBatch v = inputs(kBatch, n);
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const IrDropSolver solver(g, kWires);
    const Eigen::MatrixXd t = solver.transfer_matrix();
    CurrentBatch currents(kBatch, n);
    for (Eigen::Index k = 0; k < kBatch; ++k)
      currents.row(k) = (t * v.row(k).transpose()).transpose();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(currents.data());
  }
  const double per_vector = seconds / static_cast<double>(state.iterations()) / kBatch;
  state.counters["s_per_vector"] = per_vector;
  if (const auto it = g_ngspice_seconds.find(n); it != g_ngspice_seconds.end()) {
    state.counters["speedup_vs_ngspice"] = it->second / per_vector;
  }
}

// Growth with size: assembly + factorisation (+ T when range(2) is 1), per back end.
void BM_ExactScaling(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const auto backend = state.range(1) == 0 ? SparseBackend::cholmod : SparseBackend::simplicial_llt;
  const bool with_t = state.range(2) != 0;
  const auto g = conductances(n);
  std::int64_t nnz = 0, unknowns = 0;
  for (auto _ : state) {
    const IrDropSolver solver(g, kWires, {backend});
    nnz = solver.factor_nonzeros();
    unknowns = solver.unknowns();
    if (with_t) {
      const Eigen::MatrixXd t = solver.transfer_matrix();
      benchmark::DoNotOptimize(t.data());
    }
  }
  state.SetLabel(backend == SparseBackend::cholmod ? "cholmod-supernodal" : "eigen-simplicial-llt");
  state.counters["unknowns"] = static_cast<double>(unknowns);
  state.counters["factor_nnz"] = static_cast<double>(nnz);
  // Factor (value + row index) and T; the peak resident set of the process so far.
  state.counters["factor_T_MB"] =
      (12.0 * static_cast<double>(nnz) + 8.0 * static_cast<double>(n * n)) / (1024.0 * 1024.0);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

}  // namespace

BENCHMARK(BM_NgspiceOperatingPoint)->Arg(64)->Arg(128)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_ExactPerVector)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond)->MinTime(1.0);
// factorisation only, both back ends
BENCHMARK(BM_ExactScaling)
    ->ArgsProduct({{64, 128, 256, 512}, {0, 1}, {0}})
    ->ArgNames({"n", "simplicial", "T"})
    ->Unit(benchmark::kMillisecond);
// factorisation + transfer matrix, both back ends
BENCHMARK(BM_ExactScaling)
    ->ArgsProduct({{64, 128, 256, 512}, {0, 1}, {1}})
    ->ArgNames({"n", "simplicial", "T"})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
