// Array trial as a campaign runs it (performance issue, item 3): a new 256 × 256 differential PCM
// chip per trial (pcm-joshi2020, program + drift to 1 h), new uniform weights and 1000 input
// vectors, ADC calibration on 256 vectors, 1000 MVMs with 8-bit DAC and ADC and fresh read noise,
// the ideal product in double and every metric: ArrayWorkload::run_trial, as `kirchhoff run`
// calls it.
//   BM_ArrayTrial/precision   one trial on one thread; counters ms_per_trial and
//                             ratio_to_sgemm (over one sgemm of the signal product, 256 × 256 ×
//                             1000, the faster of OpenBLAS and Eigen, measured in this run);
//                             precision 0 double signal product (the default), 1 single
//   BM_ArrayCampaign/threads  run_campaign of 32 trials; counter speedup_vs_1_thread
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/workloads/registry.hpp"

namespace {

using namespace kirchhoff;
using namespace kirchhoff::montecarlo;

double sgemm_s = 0.0;
double one_thread_campaign_s = 0.0;

std::string campaign_text(std::uint64_t trials, bool single_precision) {
  return "name = \"array-trial\"\nseed = 1\ntrials = " + std::to_string(trials) +
         "\nblock_size = 8\nread_times = [\"1h\"]\n"
         "[device]\npreset = \"pcm-joshi2020\"\n"
         "[workload]\nkind = \"array\"\nrows = 256\ncols = 256\nread_noise = true\n"
         "single_precision_signal = " +
         (single_precision ? "true" : "false") +
         "\n[workload.weights]\ndistribution = \"uniform\"\nmin = -1.0\nmax = 1.0\n"
         "resample = \"trial\"\n"
         "[workload.inputs]\ncount = 1000\ndistribution = \"uniform\"\n"
         "[workload.mapping]\nscheme = \"differential\"\n"
         "[workload.tile]\nrows = 256\ncols = 256\n"
         "[workload.dac]\nbits = 8\ninput_range = 1.0\nv_read = \"0.2V\"\n"
         "[workload.adc]\nbits = 8\nrange_mode = \"calibrated\"\npercentile = 0.999\n"
         "calibration_vectors = 256\n";
}

Campaign campaign(std::uint64_t trials, bool single_precision) {
  return parse_campaign(campaign_text(trials, single_precision), "array-trial.toml", {},
                        workloads::builtin_registry());
}

void BM_Sgemm(benchmark::State& state) {
  bench::ProductBaseline t;
  for (auto _ : state) t = bench::product_baseline<float>(256, 1000, 256);
  sgemm_s = t.best_s();
  state.counters["openblas_ms"] = t.blas_s * 1e3;
  state.counters["eigen_ms"] = t.eigen_s * 1e3;
}

void BM_ArrayTrial(benchmark::State& state) {
  const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  const Campaign c = campaign(16, state.range(0) == 1);
  std::vector<double> out(c.trial_width());
  std::uint32_t trial = 0;
  for (auto _ : state) c.workloads[0]->run_trial(trial++ % 16, out);
  const double s = bench::best_seconds([&] { c.workloads[0]->run_trial(trial++ % 16, out); }, 5);
  state.counters["ms_per_trial"] = s * 1e3;
  if (sgemm_s > 0) state.counters["ratio_to_sgemm"] = s / sgemm_s;
}

void BM_ArrayCampaign(benchmark::State& state) {
  const Campaign c = campaign(32, false);
  RunOptions o;
  o.output = std::filesystem::temp_directory_path() / "kirchhoff-array-trial-bench.h5";
  o.threads = static_cast<unsigned>(state.range(0));
  o.force = true;
  o.progress.mode = ProgressMode::silent;
  double seconds = 1e300;
  for (auto _ : state)
    seconds = std::min(seconds, bench::best_seconds([&] { run_campaign(c, o); }, 1));
  std::filesystem::remove(o.output);
  state.counters["ms_per_trial"] = seconds / 32 * 1e3;
  if (o.threads == 1) {
    one_thread_campaign_s = seconds;
  } else if (one_thread_campaign_s > 0) {
    state.counters["speedup_vs_1_thread"] = one_thread_campaign_s / seconds;
  }
}

}  // namespace

BENCHMARK(BM_Sgemm)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ArrayTrial)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("single_precision")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ArrayCampaign)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
KIRCHHOFF_BENCHMARK_MAIN();
