// kirchhoff_crash_driver: runs a campaign like `kirchhoff run` and raises SIGKILL right after
// the N-th block it commits (before the checkpoint that may follow), for the crash tests. A
// test-only program: the engine's RunObserver is the hook, the program has no such option.
//
//   kirchhoff_crash_driver --kill-after-blocks N FILE [-o OUT] [-j THREADS] [--set K=V]...
//                          [--resume] [--force] [-q]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/workloads/registry.hpp"

namespace {

namespace mc = kirchhoff::montecarlo;

class KillAfterBlocks final : public mc::RunObserver {
 public:
  explicit KillAfterBlocks(std::uint64_t blocks) : blocks_(blocks) {}
  void on_block_committed(const mc::CommittedBlock& block) override {
    if (block.committed_this_run == blocks_) std::raise(SIGKILL);
  }

 private:
  std::uint64_t blocks_;
};

struct DriverOptions {
  std::uint64_t kill_after_blocks = 0;
  std::string file, output;
  unsigned threads = 0;
  std::vector<std::string> overrides;
  bool resume = false, force = false, quiet = false;
};

int run(const DriverOptions& o) {
  const mc::Campaign c =
      mc::load_campaign(o.file, o.overrides, kirchhoff::workloads::builtin_registry());
  KillAfterBlocks observer(o.kill_after_blocks);
  mc::RunOptions options;
  options.output = o.output.empty() ? c.output : o.output;
  options.threads = mc::resolve_thread_count(o.threads);
  options.resume = o.resume;
  options.force = o.force;
  options.progress.mode =
      o.quiet ? kirchhoff::ProgressMode::silent : kirchhoff::ProgressMode::automatic;
  options.observer = &observer;
  const mc::RunResult r = mc::run_campaign(c, options);
  std::cout << fmt::format("{} trials; wrote {}\n", r.trials_run, r.output.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Runs a campaign and kills itself after N committed blocks", "crash_driver");
  DriverOptions o;
  app.add_option("--kill-after-blocks", o.kill_after_blocks, "SIGKILL after this many blocks")
      ->required();
  app.add_option("file", o.file, "Campaign file")->required();
  app.add_option("--output,-o", o.output, "Results file");
  app.add_option("--threads,-j", o.threads, "Worker threads");
  app.add_option("--set", o.overrides, "KEY=VALUE");
  app.add_flag("--resume", o.resume, "Continue from a checkpoint");
  app.add_flag("--force", o.force, "Replace an existing output or checkpoint");
  app.add_flag("--quiet,-q", o.quiet, "No progress");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const kirchhoff::Error& e) {
    std::cerr << "crash_driver: error: " << e.what() << "\n";
    return 2;
  }
}
