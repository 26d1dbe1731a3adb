// Running a campaign: trials in fixed blocks on a TBB pool, one writer, checkpoint/resume,
// shards, and the results file (docs/campaigns.md, docs/hdf5-schema.md).
//
// Tasks are the blocks of trials of every point, in the global order
//   task g = block b of point p,  g = b · points + p
// A run computes them on `threads` workers (any order), and one writer commits them strictly in
// task order to a spool file next to the output (<output>.spool: raw block records). Every
// `checkpoint_interval` the spool is flushed and <output>.checkpoint is written (to a temporary
// file, then renamed) with the number of committed tasks and spool bytes. At the end the results
// file is built from the spool: per-trial values placed by (point, trial), statistics folded
// block by block in block order (core OrderedReduction), quantiles from the stored values. So
// the results are a pure function of the configuration and seed, whatever the thread count,
// restarts or shards.
//
// run_campaign has three stages: the files already there are checked (an output is replaced
// only with force, a checkpoint resumed only with resume and only of this campaign and shard);
// the pipeline computes and commits the blocks, a StoppingMonitor (stopping.hpp) ending points;
// the results file is written from the spool, point summaries by summarize_point (summary.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "kirchhoff/core/progress.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo {

inline constexpr const char* kCampaignFiletype = "kirchhoff-campaign";
inline constexpr const char* kShardFiletype = "kirchhoff-campaign-shard";
inline constexpr std::int32_t kSchemaMajor = 1;
inline constexpr std::int32_t kSchemaMinor = 2;

// Slice i of n of the tasks: task g belongs to shard g mod n.
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};
// Parses "i/n" (0 <= i < n); InvalidArgument naming --shard otherwise.
Shard parse_shard(std::string_view text);

// The file of slice `shard` of the results file `output`: x.h5 -> x.shard-i-of-n.h5. A name
// that already is that shard's (x.shard-i-of-n.h5) is kept. Every shard file is named by this.
[[nodiscard]] std::filesystem::path shard_file_name(const std::filesystem::path& output,
                                                    const Shard& shard);

// The parallel layout of a run, recorded in its files' provenance.
struct ParallelLayout {
  unsigned threads = 0;         // worker threads (per rank); 0 for a merge by hand
  std::uint32_t mpi_ranks = 1;  // ranks of the MPI launch; 1 outside MPI
};

// What a run reports to its observer after committing a block.
struct CommittedBlock {
  std::uint32_t point = 0;
  std::uint32_t block = 0;
  std::uint32_t trials = 0;
  std::uint64_t committed_this_run = 0;  // blocks this run has committed, this one included
};

// Watches a run from its writer (tests of crash recovery install one that kills the process at
// a chosen block). on_block_committed is called in task order on the writer's thread, right
// after the block was appended to the spool and before the checkpoint that may follow; blocks of
// a point beyond its stop are not committed and not reported. An exception thrown from it ends
// the run as a crash would: the spool and the last checkpoint stay for --resume.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_block_committed(const CommittedBlock& block) = 0;
};

struct RunOptions {
  std::filesystem::path output;  // results (or shard) file; its spool and checkpoint sit beside it
  unsigned threads = 1;
  bool resume = false;  // continue from <output>.checkpoint if there is one
  bool force = false;   // replace an existing output / discard an existing checkpoint
  std::optional<Shard> shard;
  std::uint32_t mpi_ranks = 1;  // recorded in the provenance: the ranks of an MPI launch
  // Set (e.g. by a SIGTERM handler) to stop: no new blocks are started, the blocks in flight
  // are committed, a checkpoint is written and run_campaign returns `interrupted`.
  const std::atomic<bool>* stop_requested = nullptr;
  ProgressOptions progress;
  RunObserver* observer = nullptr;  // not owned; none when null
};

enum class RunStatus { completed, interrupted };

struct RunResult {
  RunStatus status = RunStatus::completed;
  std::filesystem::path output;
  std::uint64_t tasks_total = 0;      // blocks this run (or shard) is responsible for
  std::uint64_t tasks_committed = 0;  // done, including those of earlier runs (resume)
  std::uint64_t tasks_resumed = 0;    // done by earlier runs
  std::uint64_t trials_run = 0;       // trials computed by this process
  double seconds = 0.0;               // the whole run, writing the file included
  double write_seconds = 0.0;         // of which writing the results (or shard) file
  unsigned threads = 1;
  // --resume of an output that was already finished (renamed into place): nothing was done.
  bool already_finished = false;
  // What --resume found damaged in the spool, whose blocks from there were computed again.
  std::string repaired;
};

// Threads to use: `requested` if > 0, else OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else the
// hardware concurrency.
unsigned resolve_thread_count(unsigned requested);

// Whether `file` is a finished results file of campaign `c` (with `shard`: that shard's file):
// a file of the right filetype and configuration hash (outputs are renamed into place only when
// complete). `--resume` of such an output has nothing to do.
[[nodiscard]] bool is_finished_output(const Campaign& c, const std::filesystem::path& file,
                                      const std::optional<Shard>& shard);

// Runs (or resumes) a campaign. Refuses, before any work, an existing output without --force, a
// checkpoint without --resume or --force, and a checkpoint of another campaign (hash mismatch).
RunResult run_campaign(const Campaign& campaign, const RunOptions& options);

// Combines the shard files of one campaign into a results file with the same datasets as a
// single run. Checks that they come from the same campaign and cover every task exactly once.
// The campaign is read again from the configuration stored in the shards, with `registry`.
// Refuses (InvalidArgument) an output that is one of the shards and a shard given twice.
// `layout` is recorded in the provenance (a merge by hand: threads 0, one rank). Shards computed
// with different kernels (level or BLAS core) are refused (FormatError) unless
// allow_mixed_kernels; the merged file then records the level "mixed".
void merge_shards(const std::filesystem::path& output,
                  const std::vector<std::filesystem::path>& shards, bool force,
                  const WorkloadRegistry& registry, const ParallelLayout& layout = {},
                  bool allow_mixed_kernels = false);

// A human-readable description of a results or shard file (`kirchhoff info`).
void describe_results(const std::filesystem::path& file, std::ostream& out);
// The per-point summary table of a results file (printed at the end of `kirchhoff run`).
void print_summary_table(const std::filesystem::path& file, std::ostream& out);

}  // namespace kirchhoff::montecarlo
