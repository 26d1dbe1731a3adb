// `kirchhoff run | validate | info | merge`: Monte Carlo campaigns (docs/campaigns.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <string_view>

#include "commands.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/montecarlo/mpi.hpp"
#include "kirchhoff/workloads/registry.hpp"

namespace kirchhoff::cli {

namespace {

namespace mc = kirchhoff::montecarlo;

// Exit status of a run stopped by SIGTERM/SIGINT after its final checkpoint.
constexpr int kExitInterrupted = 3;

std::atomic<bool> stop_flag{false};

extern "C" void on_stop_signal(int) {
  stop_flag.store(true);
}

// Installs SIGTERM/SIGINT handlers for the duration of a run, restoring the old ones after.
class StopSignals {
 public:
  StopSignals() {
    stop_flag.store(false);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, &old_term_);
    sigaction(SIGINT, &action, &old_int_);
  }
  ~StopSignals() {
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
};

struct RunCommandOptions {
  std::string file;
  std::string output;
  unsigned threads = 0;
  bool resume = false;
  bool force = false;
  std::string shard;
  std::vector<std::string> overrides;
  bool dry_run = false;
  bool quiet = false;
};

// A word for a POSIX shell: as it is when it holds only safe characters, else single-quoted.
std::string shell_word(const std::string& word) {
  const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("_./=:,+-@%").find(c) != std::string_view::npos;
  });
  if (safe) return word;
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The command that continues an interrupted run: the same file, output, overrides, shard,
// threads, --force (a replaced output still exists until the run ends) and --quiet, plus
// --resume.
std::string resume_command(const RunCommandOptions& o) {
  std::string command = "kirchhoff run";
  if (!o.file.empty()) command += " " + shell_word(o.file);
  if (!o.output.empty()) command += " --output " + shell_word(o.output);
  for (const std::string& assignment : o.overrides) command += " --set " + shell_word(assignment);
  if (!o.shard.empty()) command += " --shard " + shell_word(o.shard);
  if (o.threads > 0) command += fmt::format(" --threads {}", o.threads);
  if (o.force) command += " --force";
  if (o.quiet) command += " --quiet";
  return command + " --resume";
}

// The built-in demo campaign: data/campaigns/demo.toml from $KIRCHHOFF_DATA_DIR, the source
// tree or the installation. IoError when it cannot be found.
std::filesystem::path demo_campaign_file() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("KIRCHHOFF_DATA_DIR"); env != nullptr && *env != '\0') {
    candidates.push_back((std::filesystem::path(env) / "campaigns" / "demo.toml").string());
  }
  candidates.push_back(
      (std::filesystem::path(KIRCHHOFF_DATA_DIR) / "campaigns" / "demo.toml").string());
  candidates.push_back(
      (std::filesystem::path(KIRCHHOFF_INSTALL_DATA_DIR) / "campaigns" / "demo.toml").string());
  for (const auto& file : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) return file;
  }
  throw IoError(
      fmt::format("the demo campaign was not found (looked for {})", fmt::join(candidates, ", ")));
}

mc::Campaign load(const std::string& file, const std::vector<std::string>& overrides) {
  const std::filesystem::path path =
      file.empty() ? demo_campaign_file() : std::filesystem::path(file);
  return mc::load_campaign(path, overrides, workloads::builtin_registry());
}

// What the campaign runs but may not mean (a drift model used beyond its data).
void print_warnings(const mc::Campaign& c, std::ostream& out) {
  for (const std::string& warning : c.warnings) out << "warning: " << warning << "\n";
}

void print_plan(const mc::Campaign& c, std::ostream& out) {
  std::vector<std::string> times;
  for (double t : c.read_times_s) times.push_back(format_quantity(t, Dimension::time));
  out << fmt::format("campaign '{}' ({}), seed {}, configuration hash {}\n", c.name, c.source,
                     c.seed, mc::format_hash(c.config_hash));
  out << fmt::format("  {} sweep points x {} trials in blocks of {} ({} blocks), read times {}\n",
                     c.points.size(), c.trials, c.block_size,
                     c.points.size() * c.blocks_per_point(), fmt::join(times, ", "));
  // Each point's own workload when the sweep changes what it says (wires, bits, device).
  const std::string first = c.workloads.front()->description();
  const bool same = std::all_of(c.workloads.begin(), c.workloads.end(),
                                [&](const auto& w) { return w->description() == first; });
  out << fmt::format("  workload {}: {}\n", c.workload_kind, same ? first : "per point below");
  std::vector<std::string> metrics;
  for (const auto& m : c.metrics) metrics.push_back(fmt::format("{} [{}]", m.name, m.unit));
  out << fmt::format("  metrics: {}\n", fmt::join(metrics, ", "));
  if (c.stopping.enabled) {
    out << fmt::format("  stopping rule: {} at {} (CI {:g}%), at least {} trials\n",
                       c.stopping.metric,
                       format_quantity(c.read_times_s[c.stopping.time_index], Dimension::time),
                       100 * c.stopping.confidence, c.stopping.min_trials);
  }
  for (std::size_t p = 0; p < c.points.size(); ++p) {
    if (!c.points[p].label.empty()) out << fmt::format("  point {:>3}: {}\n", p, c.points[p].label);
    if (!same) out << fmt::format("             {}\n", c.workloads[p]->description());
  }
  print_warnings(c, out);
}

// An error of a rank other than 0 that rank 0 did not have: printed by the rank that had it.
class RankError : public Error {
 public:
  using Error::Error;
};

// The exit status of a failure, as cli::run gives it.
int exit_status_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const Error&) {
    return kExitUsage;
  } catch (...) {
    return kExitFailure;
  }
}

// What each rank's run ended as, agreed by all: the worst of completed, interrupted, failed.
enum RankOutcome : int { rank_completed = 0, rank_interrupted = 1, rank_failed = 2 };

// Under mpirun with K > 1 ranks: rank r runs shard r/K into its shard file, all ranks agree on
// the outcome (so none waits for a rank that failed), and rank 0 merges the shards into the
// results file, which then holds the same datasets as a run on one process. A rank whose shard
// file is finished has nothing to do on --resume but take part in the merge.
int run_on_ranks(const mc::Campaign& campaign, mc::RunOptions options, const RunCommandOptions& o,
                 const mc::MpiSession& mpi, std::ostream& out) {
  if (options.shard) {
    throw InvalidArgument("--shard cannot be combined with mpirun: the ranks are the shards");
  }
  const std::filesystem::path final_output = options.output;
  const auto ranks = static_cast<std::uint32_t>(mpi.size());
  std::vector<std::filesystem::path> shards;
  for (std::uint32_t r = 0; r < ranks; ++r) {
    shards.push_back(mc::shard_file_name(final_output, {r, ranks}));
  }
  if (std::filesystem::exists(final_output) && !o.force) {
    if (o.resume && mc::is_finished_output(campaign, final_output, std::nullopt)) {
      // Killed after the merge, before the shards were removed: only they are left to do.
      if (mpi.rank() == 0) {
        for (const auto& file : shards) std::filesystem::remove(file);
        out << fmt::format("{} is already complete; nothing to resume\n", final_output.string());
      }
      return kExitOk;
    }
    throw IoError(
        fmt::format("output file '{}' exists; use --force to replace it", final_output.string()));
  }
  const mc::Shard shard{static_cast<std::uint32_t>(mpi.rank()), ranks};
  options.shard = shard;
  options.output = shards[shard.index];
  options.mpi_ranks = ranks;
  if (mpi.rank() != 0) options.progress.mode = ProgressMode::silent;

  StopSignals signals;
  options.stop_requested = &stop_flag;
  mc::RunResult result;
  std::exception_ptr failure;
  try {
    result = mc::run_campaign(campaign, options);
  } catch (...) {
    failure = std::current_exception();
  }
  const int local = failure                                       ? rank_failed
                    : result.status == mc::RunStatus::interrupted ? rank_interrupted
                                                                  : rank_completed;
  const int worst = mpi.max(local);
  const bool root_failed = mpi.max(mpi.rank() == 0 && failure ? 1 : 0) == 1;
  if (failure) {
    if (mpi.rank() == 0) std::rethrow_exception(failure);
    // Rank 0 says what went wrong once (every rank reads the same files, as a rule); an error
    // of this rank alone is printed here, naming the rank.
    if (root_failed) return exit_status_of(failure);
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      throw RankError(fmt::format("rank {}: {}", mpi.rank(), e.what()));
    }
  }
  if (worst != rank_completed) {
    if (mpi.rank() == 0) {
      out << fmt::format("{} on some rank: checkpoints kept; continue with `mpirun -np {} {}`\n",
                         worst == rank_interrupted ? "interrupted" : "failed", mpi.size(),
                         resume_command(o));
    }
    return worst == rank_interrupted ? kExitInterrupted : kExitFailure;
  }
  if (mpi.rank() != 0) return kExitOk;

  mc::merge_shards(final_output, shards, o.force, workloads::builtin_registry(),
                   {result.threads, ranks});
  for (const auto& file : shards) std::filesystem::remove(file);
  out << fmt::format("{} ranks x {} threads; wrote {}\n", mpi.size(), result.threads,
                     final_output.string());
  if (!o.quiet) mc::print_summary_table(final_output, out);
  return kExitOk;
}

int run_on_this_process(const RunCommandOptions& o, std::ostream& out) {
  const mc::Campaign campaign = load(o.file, o.overrides);
  mc::RunOptions options;
  options.shard = o.shard.empty() ? std::nullopt : std::optional(mc::parse_shard(o.shard));
  std::filesystem::path output =
      o.output.empty() ? std::filesystem::path(campaign.output) : std::filesystem::path(o.output);
  if (options.shard) output = mc::shard_file_name(output, *options.shard);
  options.output = output;
  options.threads = mc::resolve_thread_count(o.threads);
  options.resume = o.resume;
  options.force = o.force;
  options.progress.mode = o.quiet ? ProgressMode::silent : ProgressMode::automatic;
  const mc::MpiSession* mpi = mc::MpiSession::current();
  if (o.dry_run) {
    print_plan(campaign, out);
    out << fmt::format(
        "  would write {} with {} threads{}\n", output.string(), options.threads,
        options.shard ? fmt::format(" (shard {}/{})", options.shard->index, options.shard->count)
                      : "");
    return kExitOk;
  }
  if (mpi == nullptr || mpi->rank() == 0) print_warnings(campaign, out);
  if (mpi != nullptr && mpi->size() > 1) return run_on_ranks(campaign, options, o, *mpi, out);
  StopSignals signals;
  options.stop_requested = &stop_flag;
  const mc::RunResult r = mc::run_campaign(campaign, options);
  if (!r.repaired.empty()) out << "warning: " << r.repaired << "\n";
  if (r.already_finished) {
    out << fmt::format("{} is already complete; nothing to resume\n", r.output.string());
    return kExitOk;
  }
  if (r.status == mc::RunStatus::interrupted) {
    out << fmt::format("interrupted: checkpoint saved after {} of {} blocks; continue with `{}`\n",
                       r.tasks_committed, r.tasks_total, resume_command(o));
    return kExitInterrupted;
  }
  out << fmt::format(
      "{} trials{} in {:.2f} s ({:.2f} s of it writing the file) on {} threads; wrote {}\n",
      r.trials_run,
      r.tasks_resumed ? fmt::format(" (resumed after {} blocks)", r.tasks_resumed) : std::string(),
      r.seconds, r.write_seconds, r.threads, r.output.string());
  if (!options.shard && !o.quiet) mc::print_summary_table(r.output, out);
  return kExitOk;
}

// Under mpirun every rank reads the same campaign and files: an error before the ranks part
// ways is printed by rank 0 alone.
int run_command(const RunCommandOptions& o, std::ostream& out) {
  const mc::MpiSession* mpi = mc::MpiSession::current();
  if (mpi == nullptr || mpi->size() <= 1 || mpi->rank() == 0) return run_on_this_process(o, out);
  try {
    return run_on_this_process(o, out);
  } catch (const RankError&) {
    throw;
  } catch (const Error&) {
    return kExitUsage;
  }
}

}  // namespace

void add_campaign_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto run = std::make_shared<RunCommandOptions>();
  auto* run_cmd = app.add_subcommand(
      "run", "Run a Monte Carlo campaign (without FILE: the built-in demo campaign)");
  run_cmd->add_option("file", run->file, "Campaign file (TOML)");
  run_cmd->add_option("--output,-o", run->output, "Results file (default: the file's 'output')");
  run_cmd->add_option("--threads,-j", run->threads,
                      "Worker threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, or all "
                      "cores)");
  run_cmd->add_flag("--resume", run->resume, "Continue from the checkpoint of an interrupted run");
  run_cmd->add_flag("--force", run->force,
                    "Replace an existing output file, discard an existing checkpoint");
  run_cmd->add_option("--shard", run->shard,
                      "Run slice i of n of the blocks (i/n) and write a shard file");
  run_cmd->add_option("--set", run->overrides, "Override a key: KEY=VALUE (repeatable)");
  run_cmd->add_flag("--dry-run", run->dry_run, "Check the campaign and show the plan; run nothing");
  run_cmd->add_flag("--quiet,-q", run->quiet, "No progress and no summary table");
  run_cmd->callback([&, run] { action = [&, run] { return run_command(*run, out); }; });

  auto validate = std::make_shared<RunCommandOptions>();
  auto* validate_cmd =
      app.add_subcommand("validate", "Check a campaign file (every key of every sweep point)");
  validate_cmd->add_option("file", validate->file, "Campaign file (TOML)")->required();
  validate_cmd->add_option("--set", validate->overrides, "Override a key: KEY=VALUE");
  validate_cmd->callback([&, validate] {
    action = [&, validate] {
      print_plan(load(validate->file, validate->overrides), out);
      out << "ok\n";
      return kExitOk;
    };
  });

  auto info_file = std::make_shared<std::string>();
  auto* info_cmd = app.add_subcommand("info", "Describe a campaign results or shard file");
  info_cmd->add_option("file", *info_file, "Results file (.h5)")->required();
  info_cmd->callback([&, info_file] {
    action = [&, info_file] {
      mc::describe_results(*info_file, out);
      return kExitOk;
    };
  });

  auto merge_out = std::make_shared<std::string>();
  auto merge_inputs = std::make_shared<std::vector<std::string>>();
  auto merge_force = std::make_shared<bool>(false);
  auto merge_mixed = std::make_shared<bool>(false);
  auto* merge_cmd =
      app.add_subcommand("merge", "Merge the shard files of a campaign into one results file");
  merge_cmd->add_option("output", *merge_out, "Results file to write")->required();
  merge_cmd->add_option("shards", *merge_inputs, "Shard files")->required();
  merge_cmd->add_flag("--force", *merge_force, "Replace an existing output file");
  merge_cmd->add_flag("--mixed-kernels", *merge_mixed,
                      "Merge shards computed with different kernel levels (--kernels); the "
                      "result is then not bitwise reproducible");
  merge_cmd->callback([&, merge_out, merge_inputs, merge_force, merge_mixed] {
    action = [&, merge_out, merge_inputs, merge_force, merge_mixed] {
      std::vector<std::filesystem::path> shards(merge_inputs->begin(), merge_inputs->end());
      mc::merge_shards(*merge_out, shards, *merge_force, workloads::builtin_registry(), {},
                       *merge_mixed);
      out << fmt::format("merged {} shards into {}\n", shards.size(), *merge_out);
      return kExitOk;
    };
  });
}

}  // namespace kirchhoff::cli
