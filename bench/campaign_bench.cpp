// Campaign engine (issue "Monte Carlo campaigns"): throughput with 1 and 2 threads, engine
// overhead against calling the workload directly, and peak RSS for 100 and 10,000 trials.
//   BM_Direct        the same trials, workload->run_trial in a plain loop (no engine)
//   BM_Engine/1, /2  run_campaign with 1 and 2 threads (spool, checkpoint, results file);
//                    counters: overhead_vs_direct (time / direct − 1), speedup_vs_1_thread
//   BM_PeakRss/100, /10000  a forked child runs the campaign with that many trials; counter
//                    child_maxrss_MiB (ru_maxrss of the child)
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench_support.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/workloads/registry.hpp"

namespace {

using namespace kirchhoff;
using namespace kirchhoff::montecarlo;

// Cells per trial: 1024, or $KIRCHHOFF_BENCH_CELLS (to see the overhead shrink with trial time).
std::uint64_t cells_per_trial() {
  const char* env = std::getenv("KIRCHHOFF_BENCH_CELLS");
  return env ? std::stoull(env) : 1024;
}

std::string campaign_text(std::uint64_t trials) {
  return "name = \"bench\"\nseed = 1\ntrials = " + std::to_string(trials) +
         "\nblock_size = 16\nread_times = [\"1s\", \"1h\", \"1d\", \"1y\"]\n"
         "checkpoint_interval = \"10s\"\n"
         "[device]\npreset = \"pcm-joshi2020\"\n[workload]\nkind = \"device\"\ncells = " +
         std::to_string(cells_per_trial()) + "\n";
}

Campaign bench_campaign(std::uint64_t trials) {
  return parse_campaign(campaign_text(trials), "bench.toml", {}, workloads::builtin_registry());
}

constexpr std::uint64_t kTrials = 1024;
double direct_run_s = 0.0;
double one_thread_run_s = 0.0;

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".h5");
}

void BM_Direct(benchmark::State& state) {
  const Campaign c = bench_campaign(kTrials);
  std::vector<double> out(c.trial_width());
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (std::uint32_t t = 0; t < kTrials; ++t) c.workloads[0]->run_trial(t, out);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    direct_run_s = direct_run_s > 0 ? std::min(direct_run_s, s) : s;  // fastest of the iterations
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTrials));
}

void BM_Engine(benchmark::State& state) {
  const Campaign c = bench_campaign(kTrials);
  RunOptions o;
  o.output = scratch("engine");
  o.threads = static_cast<unsigned>(state.range(0));
  o.force = true;
  o.progress.mode = ProgressMode::silent;
  double seconds = 1e300;  // fastest of the iterations (the machine may be shared)
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    run_campaign(c, o);
    seconds = std::min(
        seconds, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::filesystem::remove(o.output);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTrials));
  if (o.threads == 1) {
    one_thread_run_s = seconds;
    if (direct_run_s > 0) state.counters["overhead_vs_direct"] = seconds / direct_run_s - 1.0;
  } else if (one_thread_run_s > 0) {
    state.counters["speedup_vs_1_thread"] = one_thread_run_s / seconds;
  }
}

void BM_PeakRss(benchmark::State& state) {
  const auto trials = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const Campaign c = bench_campaign(trials);
      RunOptions o;
      o.output = scratch("rss");
      o.threads = 2;
      o.force = true;
      o.progress.mode = ProgressMode::silent;
      run_campaign(c, o);
      std::filesystem::remove(o.output);
      rusage usage{};
      ::getrusage(RUSAGE_SELF, &usage);
      ::_exit(static_cast<int>(std::min<long>(usage.ru_maxrss / 1024, 255)));  // MiB
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    state.counters["child_maxrss_MiB"] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
}

}  // namespace

BENCHMARK(BM_Direct)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Engine)->Arg(1)->Arg(2)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PeakRss)
    ->Arg(100)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
KIRCHHOFF_BENCHMARK_MAIN();
