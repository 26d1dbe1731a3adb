// Batched MVM (crossbar issue): 1000 input vectors through one programmed 256 × 256 tile
// (differential pairs, 8-bit DAC and ADC, read noise by the variance shortcut, ADC mismatch)
// against the plain product of the same shape, W^T (256 × 256) · X (256 × 1000), measured in the
// same run: the faster of OpenBLAS and Eigen (bench_support.hpp), in float and double. Counters
// "ratio_to_sgemm" and "ratio_to_dgemm": engine time over those baselines'. Baselines and the
// engine run on one thread (tbb::global_control), the engine again on all.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <memory>

#include "bench_support.hpp"
#include "kirchhoff/crossbar/mvm.hpp"
#include "kirchhoff/devices/generic.hpp"

namespace {

using namespace kirchhoff;
using namespace kirchhoff::crossbar;

constexpr Eigen::Index kRows = 256, kCols = 256, kBatch = 1000;
double float_baseline_s = 0.0, double_baseline_s = 0.0;

Eigen::MatrixXd matrix(Eigen::Index rows, Eigen::Index cols, double phase) {
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      m(i, j) = std::sin(0.37 * static_cast<double>(i * cols + j) + phase);
    }
  }
  return m;
}

template <class Scalar>
void plain_product(benchmark::State& state, double& baseline_s) {
  bench::ProductBaseline t;
  for (auto _ : state) t = bench::product_baseline<Scalar>(kCols, kBatch, kRows);
  baseline_s = t.best_s();
  state.counters["openblas_ms"] = t.blas_s * 1e3;
  state.counters["eigen_ms"] = t.eigen_s * 1e3;
}

void BM_PlainProductFloat(benchmark::State& state) {
  plain_product<float>(state, float_baseline_s);
}
void BM_PlainProductDouble(benchmark::State& state) {
  plain_product<double>(state, double_baseline_s);
}

void BM_AnalogMvm(benchmark::State& state) {
  const bool one_thread = state.range(0) == 1;
  const bool single_precision = state.range(1) == 1;
  std::unique_ptr<tbb::global_control> limit;
  if (one_thread) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, 1);
  }
  devices::GenericParameters p;
  p.common.g_max_siemens = 25e-6;
  p.programming_sigma_siemens = 0.5e-6;
  p.read_sigma_siemens = 0.2e-6;
  p.read_sigma_relative = 0.03;
  const devices::GenericModel model(p);
  MvmOptions o;
  o.tile = {kRows, kCols};
  o.periphery.dac.bits = 8;
  o.periphery.adc.bits = 8;
  o.periphery.adc.range_factor = 0.25;
  o.periphery.adc.gain_std = 0.01;
  o.periphery.adc.offset_std = 0.002;
  o.single_precision_signal = single_precision;
  AnalogMatrix m(matrix(kRows, kCols, 0.1), o, model, devices::CellAddress{1, 0, 0, 0});
  m.set_read_time({3600.0, 0});
  const Eigen::MatrixXd x = matrix(kRows, kBatch, 0.7);
  std::uint32_t read = 0;
  double clipped = 0.0;
  for (auto _ : state) {
    const MvmResult r = m.multiply(x, read++);
    clipped = r.clipped_fraction();
    benchmark::DoNotOptimize(r.y.data());
  }
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < 10; ++r) benchmark::DoNotOptimize(m.multiply(x, read++).y.data());
  const double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 10.0;
  state.counters["ratio_to_sgemm"] = t / float_baseline_s;
  state.counters["ratio_to_dgemm"] = t / double_baseline_s;
  state.counters["clipped"] = clipped;
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace

BENCHMARK(BM_PlainProductFloat)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_PlainProductDouble)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_AnalogMvm)
    ->ArgsProduct({{1, 0}, {0, 1}})
    ->ArgNames({"one_thread", "single_precision"})
    ->Unit(benchmark::kMillisecond);
KIRCHHOFF_BENCHMARK_MAIN();
