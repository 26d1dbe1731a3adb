// Exact IR drop (crossbar issue): cost per input vector of the exact solver amortised over a
// batch of 1000 vectors on one programmed array (factorisation, transfer matrix T and the 1000
// dense products all included), against ngspice's operating point on the same netlist, run from
// this benchmark in the same run (the baseline). The counter "speedup_vs_ngspice" of
// BM_ExactPerVector/N is ngspice's time for one vector over ours.
// Then the growth of the exact solver with the array size (64..512) for both sparse Cholesky
// back ends: factorisation alone, factorisation + T, nonzeros of the factor and memory.
//
// Then the campaign path (issue 14): the iterative solver (line relaxation + CG,
// ir_drop_lines.hpp) per vector of a 64-vector read against the direct solver on the same array
// (BM_LinePerVector / BM_DirectPerVector64; cell ranges 1-10 uS = 0.1-1 MOhm and 10-100 uS =
// 10-100 kOhm, CrossSim 3.2's figures: 5.5 ms / 122 ms per vector at 128x128, 46 ms at 256x256
// for 0.1-1 MOhm), and a whole array-workload trial as a campaign runs it (new chip, 4 read
// times x 64 vectors) with ir_drop none, exact: BM_CampaignTrial reports the ratio exact / none.
//
//   ./ir_drop_bench                      # everything (ngspice 128x128 takes ~100 s)
//   ./ir_drop_bench --benchmark_filter=Factor
//   ./ir_drop_bench --benchmark_filter='Line|Direct.*64|CampaignTrial'
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/ir_drop_lines.hpp"
#include "kirchhoff/crossbar/spice.hpp"
#include "kirchhoff/montecarlo/workload.hpp"
#include "kirchhoff/workloads/array_workload.hpp"

namespace {

using namespace kirchhoff::crossbar;

constexpr Eigen::Index kBatch = 1000;
const WireResistances kWires{2.5, 2.5, 10.0, 10.0};
std::map<Eigen::Index, double> g_ngspice_seconds;  // baseline per size, measured in this run

ConductanceMatrix conductances(Eigen::Index n, double g_lo = 1e-6, double g_hi = 1e-4) {
  std::mt19937_64 rng(static_cast<unsigned>(n));
  std::uniform_real_distribution<double> u(g_lo, g_hi);
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

// --- campaign path (issue 14) ---
constexpr Eigen::Index kReadVectors = 64;
// range 0: cells of 0.1-1 MOhm (1-10 uS); 1: 10-100 kOhm (10-100 uS).
ConductanceMatrix range_conductances(Eigen::Index n, std::int64_t range) {
  return range == 0 ? conductances(n, 1e-6, 1e-5) : conductances(n, 1e-5, 1e-4);
}

// One array at one read time: solver set-up + 64 vectors, per vector.
void BM_LinePerVector(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const auto g = range_conductances(n, state.range(1));
  const InputBatch v = inputs(kReadVectors, n);
  LineSolverReport report;
  for (auto _ : state) {
    const LineIrDropSolver solver(g, kWires);
    auto currents = solver.solve(v, &report);
    benchmark::DoNotOptimize(currents.data());
  }
  state.SetLabel(state.range(1) == 0 ? "R 0.1-1 MOhm" : "R 10-100 kOhm");
  state.counters["per_vector"] = benchmark::Counter(
      static_cast<double>(kReadVectors),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["cg_iterations"] = static_cast<double>(report.max_iterations_used);
}

// The direct solver on the same array and vectors: factorisation + 64 solves, per vector.
void BM_DirectPerVector64(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const auto g = range_conductances(n, state.range(1));
  const InputBatch v = inputs(kReadVectors, n);
  for (auto _ : state) {
    const IrDropSolver solver(g, kWires);
    auto currents = solver.solve(v);
    benchmark::DoNotOptimize(currents.data());
  }
  state.SetLabel(state.range(1) == 0 ? "R 0.1-1 MOhm" : "R 10-100 kOhm");
  state.counters["per_vector"] = benchmark::Counter(
      static_cast<double>(kReadVectors),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// An array-workload trial as `kirchhoff run` runs it: a new 128x128 or 256x256 differential
// chip of rram-wan2022 (0-40 uS), 4 read times x 64 vectors, 8-bit DAC and ADC, read noise,
// wires 2.5 Ohm (r_driver = r_sense = 10 Ohm); ir_drop none (range(1) = 0) or exact (1).
std::map<Eigen::Index, double> g_ideal_trial_seconds;
void BM_CampaignTrial(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const bool exact = state.range(1) == 1;
  const std::string text = fmt::format(
      "[device]\npreset = \"rram-wan2022\"\n"
      "[workload]\nkind = \"array\"\nrows = {0}\ncols = {0}\nread_noise = true\n"
      "ir_drop = \"{1}\"\n"
      "[workload.wires]\nr_row = \"2.5ohm\"\nr_col = \"2.5ohm\"\nr_driver = \"10ohm\"\n"
      "r_sense = \"10ohm\"\n"
      "[workload.inputs]\ncount = 64\n[workload.tile]\nrows = {0}\ncols = {0}\n"
      "[workload.dac]\nbits = 8\n[workload.adc]\nbits = 8\nrange_mode = \"max_current\"\n",
      n, exact ? "exact" : "none");
  const kirchhoff::Config config = kirchhoff::Config::parse(text, "ir_drop_bench");
  const kirchhoff::montecarlo::WorkloadContext context{1, 0, {1.0, 3600.0, 86400.0, 172800.0}};
  const auto workload = kirchhoff::workloads::make_array_workload(config, context);
  std::vector<double> out(context.read_times_s.size() * workload->metrics().size());
  std::uint32_t trial = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    workload->run_trial(trial++, out);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(out.data());
  }
  const double per_trial = seconds / static_cast<double>(state.iterations());
  state.SetLabel(exact ? "ir_drop exact" : "ir_drop none");
  if (!exact) g_ideal_trial_seconds[n] = per_trial;
  if (const auto it = g_ideal_trial_seconds.find(n); exact && it != g_ideal_trial_seconds.end()) {
    state.counters["ratio_to_ideal_trial"] = per_trial / it->second;
  }
  state.counters["s_per_trial"] = per_trial;
}

}  // namespace

BENCHMARK(BM_LinePerVector)
    ->ArgsProduct({{128, 256}, {0, 1}})
    ->ArgNames({"n", "range"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DirectPerVector64)
    ->ArgsProduct({{128, 256}, {0, 1}})
    ->ArgNames({"n", "range"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_CampaignTrial)
    ->ArgsProduct({{128, 256}, {0, 1}})
    ->ArgNames({"n", "exact"})
    ->Unit(benchmark::kMillisecond);

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
