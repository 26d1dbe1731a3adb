#include "kirchhoff/montecarlo/engine.hpp"

#include <fmt/format.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "files.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/kernels.hpp"
#include "kirchhoff/montecarlo/stopping.hpp"
#include "results.hpp"
#include "spool.hpp"

namespace kirchhoff::montecarlo {

namespace {

using detail::BlockSource;
using detail::Checkpoint;
using detail::SpoolReader;
using detail::SpoolWriter;
using Clock = std::chrono::steady_clock;

// The blocks of a spool, by (point, block).
class SpoolSource final : public BlockSource {
 public:
  explicit SpoolSource(const SpoolReader& reader) : reader_(reader) {
    for (const auto& entry : reader.entries()) {
      index_[{entry.header.point, entry.header.block}] = &entry;
    }
  }
  bool read(std::uint32_t point, std::uint32_t block, std::span<double> out) const override {
    const auto it = index_.find({point, block});
    if (it == index_.end()) return false;
    if (std::uint64_t{it->second->header.trials} * it->second->header.width != out.size()) {
      throw FormatError(
          fmt::format("spool: block {} of point {} has the wrong size", block, point));
    }
    reader_.read(*it->second, out);
    return true;
  }

 private:
  const SpoolReader& reader_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, const SpoolReader::Entry*> index_;
};

// The output of a run and, beside it, its checkpoint and spool.
struct RunFiles {
  std::filesystem::path output, checkpoint, spool;

  explicit RunFiles(const std::filesystem::path& o)
      : output(o),
        checkpoint(detail::with_suffix(o, ".checkpoint")),
        spool(detail::with_suffix(o, ".spool")) {}
};

// The tasks of a run or shard: position i of its list is global task g = shard.index + i ·
// shard.count, block g / points of point g mod points.
struct TaskList {
  Shard shard;
  std::uint64_t points = 0;
  std::uint64_t count = 0;

  TaskList(const Campaign& c, const Shard& s) : shard(s), points(c.points.size()) {
    const std::uint64_t all = points * c.blocks_per_point();
    count = all > shard.index ? (all - shard.index + shard.count - 1) / shard.count : 0;
  }
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> point_and_block(
      std::uint64_t position) const {
    const std::uint64_t g = shard.index + position * shard.count;
    return {static_cast<std::uint32_t>(g % points), static_cast<std::uint32_t>(g / points)};
  }
};

// Where a checkpoint may be resumed: the same campaign and the same shard.
void check_resumable(const Checkpoint& saved, const Campaign& c, const RunFiles& files,
                     const Shard& shard) {
  if (saved.config_hash != c.config_hash) {
    throw Error(fmt::format(
        "cannot resume: checkpoint '{}' belongs to another campaign (configuration hash {}, "
        "this campaign {}); run without --resume and with --force to start over",
        files.checkpoint.string(), format_hash(saved.config_hash), format_hash(c.config_hash)));
  }
  if (saved.shard_index != shard.index || saved.shard_count != shard.count) {
    throw Error(fmt::format("cannot resume: checkpoint '{}' is of shard {}/{}, not {}/{}",
                            files.checkpoint.string(), saved.shard_index, saved.shard_count,
                            shard.index, shard.count));
  }
  if (const KernelsInUse now = kernels_in_use(); !(saved.kernels == now)) {
    throw Error(fmt::format(
        "cannot resume: the blocks in '{}' were computed with kernels {} and this run has {}; "
        "results are bitwise reproducible on one kernel level only: resume with --kernels {}",
        files.spool.string(), saved.kernels.text(), now.text(), saved.kernels.level));
  }
}

// A checkpoint of this campaign and shard beside a finished output was left by a run killed
// after renaming the output into place and before removing it and the spool: they hold nothing
// the output lacks.
void remove_leftovers_of_finished_run(const Campaign& c, const RunFiles& files,
                                      const TaskList& tasks) {
  if (detail::file_exists(files.checkpoint)) {
    try {
      const Checkpoint saved = detail::read_checkpoint(files.checkpoint);
      if (saved.config_hash != c.config_hash || saved.shard_index != tasks.shard.index ||
          saved.shard_count != tasks.shard.count) {
        return;
      }
    } catch (const Error&) {
      return;  // not ours to judge: refused below or resumed with --force
    }
  }
  detail::remove_quietly(files.checkpoint);
  detail::remove_quietly(files.spool);
}

// Checks every record of the spool up to what the checkpoint says, before anything is
// computed: header, place in the task order, size and checksum. From the first damaged record
// on, the blocks are computed again (the spool is cut there and the checkpoint rewritten); a
// spool is never extended. Returns what was found ("" when the spool is sound).
std::string validate_spool(const Campaign& c, const RunFiles& files, const TaskList& tasks,
                           Checkpoint& state) {
  std::uint64_t next_position = 0;  // the records' tasks are in increasing task order
  auto position_of = [&](const detail::RecordHeader& h) {
    return (std::uint64_t{h.block} * tasks.points + h.point) / tasks.shard.count;
  };
  const auto check = [&](const detail::RecordHeader& h) -> std::string {
    if (h.point >= tasks.points || h.block >= c.blocks_per_point()) {
      return fmt::format("block {} of point {} is not in the campaign", h.block, h.point);
    }
    const std::uint64_t g = std::uint64_t{h.block} * tasks.points + h.point;
    const std::uint64_t position = position_of(h);
    // The engine commits blocks in task order. Without a stopping rule every task is computed,
    // so a gap (a record missing between two others) is damage too; with one, the blocks of a
    // point it ended are skipped.
    const bool gap = !c.stopping.enabled && position != next_position;
    if (g % tasks.shard.count != tasks.shard.index || position < next_position || gap ||
        position >= state.tasks_committed) {
      return fmt::format("block {} of point {} is out of order", h.block, h.point);
    }
    if (h.trials != c.trials_in_block(h.block) || h.width != c.trial_width()) {
      return fmt::format("block {} of point {} has the wrong size", h.block, h.point);
    }
    next_position = position + 1;
    return "";
  };
  detail::SpoolScan scan = detail::scan_spool(files.spool, state.spool_bytes, check);
  if (scan.damage.empty() && !c.stopping.enabled && scan.records.size() != state.tasks_committed) {
    scan.damage = fmt::format("spool '{}' holds {} blocks where checkpoint '{}' counts {}",
                              files.spool.string(), scan.records.size(), files.checkpoint.string(),
                              state.tasks_committed);
  }
  if (scan.damage.empty()) return "";
  const std::uint64_t committed = state.tasks_committed;
  state.spool_bytes = scan.valid_bytes;
  state.tasks_committed = scan.records.empty() ? 0 : position_of(scan.records.back()) + 1;
  detail::write_checkpoint(files.checkpoint, state);
  return fmt::format(
      "{}: computing its blocks again from there ({} of the {} committed blocks kept)", scan.damage,
      scan.records.size(), committed);
}

// Where a run starts: a fresh or resumed state, or nothing to do (--resume of a finished output).
struct StartingPoint {
  Checkpoint state;
  bool finished = false;
  std::string repaired;  // what validate_spool found
};

// The first stage, holding the output's lock: removes what killed runs left, refuses existing
// files that must not be touched, and returns the state to start from, a resumed (validated)
// checkpoint or a fresh one.
StartingPoint prepare_files(const Campaign& c, const RunOptions& options, const RunFiles& files,
                            const TaskList& tasks) {
  detail::remove_stale_temporaries(files.output);
  detail::remove_quietly(detail::with_suffix(files.checkpoint, ".tmp"));
  StartingPoint start{
      {c.config_hash, tasks.shard.index, tasks.shard.count, kernels_in_use(), 0, 0}, false, ""};
  if (detail::file_exists(files.output) && !options.force) {
    if (is_finished_output(c, files.output, options.shard)) {
      remove_leftovers_of_finished_run(c, files, tasks);
      if (options.resume) {
        start.finished = true;
        return start;
      }
    }
    throw IoError(
        fmt::format("output file '{}' exists; use --force to replace it", files.output.string()));
  }
  Checkpoint& state = start.state;
  if (!detail::file_exists(files.checkpoint)) {
    detail::remove_quietly(files.spool);  // a spool without a checkpoint holds nothing committed
  } else if (options.resume) {
    state = detail::read_checkpoint(files.checkpoint);
    check_resumable(state, c, files, tasks.shard);
    if (state.tasks_committed > tasks.count) {
      throw FormatError(fmt::format(
          "checkpoint '{}' counts more blocks than the campaign has; run with --force to start "
          "over",
          files.checkpoint.string()));
    }
    start.repaired = validate_spool(c, files, tasks, state);
  } else if (!options.force) {
    throw IoError(fmt::format(
        "'{}' holds the checkpoint of an interrupted run; use --resume to continue it or "
        "--force to start over",
        files.checkpoint.string()));
  } else {
    detail::remove_quietly(files.checkpoint);
    detail::remove_quietly(files.spool);
  }
  return start;
}

// One block of trials on its way through the pipeline.
struct Work {
  std::uint64_t position = 0;  // in this run's task list
  std::uint32_t point = 0;
  std::uint32_t block = 0;
  std::uint32_t trials = 0;
  std::vector<double> values;
};

// The blocks in flight, owned here rather than by the pipeline: when a trial throws, oneTBB
// cancels the pipeline without destroying the items it holds (LeakSanitizer showed them), so the
// pipeline passes plain pointers into this pool. `tokens` slots suffice: no more are in flight.
class WorkPool {
 public:
  explicit WorkPool(std::size_t tokens) : slots_(tokens) {
    free_.reserve(tokens);
    for (auto& slot : slots_) free_.push_back(&slot);
  }
  Work* acquire() {
    const std::lock_guard lock(mutex_);
    if (free_.empty()) throw std::logic_error("more blocks in flight than the pipeline has tokens");
    Work* work = free_.back();
    free_.pop_back();
    return work;
  }
  void release(Work* work) {
    const std::lock_guard lock(mutex_);
    free_.push_back(work);
  }

 private:
  std::vector<Work> slots_;
  std::vector<Work*> free_;
  std::mutex mutex_;
};

// The second stage: blocks computed on `threads` workers in any order, committed by one writer
// in task order to the spool, with checkpoints every checkpoint_interval.
class BlockRunner {
 public:
  BlockRunner(const Campaign& c, const RunOptions& options, const RunFiles& files,
              const TaskList& tasks, Checkpoint& state, StoppingMonitor& monitor,
              RunResult& result);
  void run();

 private:
  std::uint64_t remaining_trials() const;
  void replay_spool();
  Work* next(tbb::flow_control& control, WorkPool& pool);
  void compute(Work& work) const;
  void commit(const Work& work);
  void save();

  const Campaign& c_;
  const RunOptions& options_;
  const RunFiles& files_;
  const TaskList& tasks_;
  Checkpoint& state_;
  StoppingMonitor& monitor_;
  RunResult& result_;
  SpoolWriter spool_;
  std::optional<Progress> progress_;  // made after the spool is replayed
  std::uint64_t next_;                // input position
  std::uint64_t committed_this_run_ = 0;
  Clock::time_point last_checkpoint_ = Clock::now();
};

BlockRunner::BlockRunner(const Campaign& c, const RunOptions& options, const RunFiles& files,
                         const TaskList& tasks, Checkpoint& state, StoppingMonitor& monitor,
                         RunResult& result)
    : c_(c),
      options_(options),
      files_(files),
      tasks_(tasks),
      state_(state),
      monitor_(monitor),
      result_(result),
      spool_(files.spool, state.spool_bytes),
      next_(state.tasks_committed) {
  replay_spool();
  progress_.emplace(c.name, remaining_trials(), options.progress);
}

std::uint64_t BlockRunner::remaining_trials() const {
  std::uint64_t trials = 0;
  for (std::uint64_t i = state_.tasks_committed; i < tasks_.count; ++i) {
    trials += c_.trials_in_block(tasks_.point_and_block(i).second);
  }
  return trials;
}

// A resumed run learns from its spool which points the stopping rule has already ended.
void BlockRunner::replay_spool() {
  if (!monitor_.enabled() || state_.spool_bytes == 0) return;
  const SpoolReader reader(files_.spool, state_.spool_bytes);
  std::vector<double> buffer;
  for (const auto& entry : reader.entries()) {
    buffer.resize(std::uint64_t{entry.header.trials} * entry.header.width);
    reader.read(entry, buffer);
    monitor_.add_block(entry.header.point, buffer);
  }
}

// The input: the next task, skipping the blocks of points the stopping rule has ended.
Work* BlockRunner::next(tbb::flow_control& control, WorkPool& pool) {
  while (next_ < tasks_.count) {
    if (options_.stop_requested && options_.stop_requested->load()) break;
    const std::uint64_t position = next_++;
    const auto [point, block] = tasks_.point_and_block(position);
    if (monitor_.stopped(point)) continue;
    Work* work = pool.acquire();
    work->position = position;
    work->point = point;
    work->block = block;
    work->trials = static_cast<std::uint32_t>(c_.trials_in_block(block));
    return work;
  }
  control.stop();
  return nullptr;
}

void BlockRunner::compute(Work& work) const {
  const std::size_t width = c_.trial_width();
  work.values.resize(std::size_t{work.trials} * width);
  const std::uint64_t first = std::uint64_t{work.block} * c_.block_size;
  const Workload& workload = *c_.workloads[work.point];
  for (std::uint32_t t = 0; t < work.trials; ++t) {
    workload.run_trial(static_cast<std::uint32_t>(first + t),
                       std::span<double>(work.values).subspan(t * width, width));
  }
}

// The writer, in task order.
void BlockRunner::commit(const Work& work) {
  state_.tasks_committed = work.position + 1;
  if (monitor_.stopped(work.point)) return;  // computed while the point reached its stop
  spool_.append(work.point, work.block, work.trials, static_cast<std::uint32_t>(c_.trial_width()),
                work.values);
  monitor_.add_block(work.point, work.values);
  result_.trials_run += work.trials;
  progress_->advance(work.trials);
  ++committed_this_run_;
  if (options_.observer != nullptr) {
    options_.observer->on_block_committed(
        {work.point, work.block, work.trials, committed_this_run_});
  }
  const auto interval = std::chrono::duration<double>(c_.checkpoint_interval_s);
  if (Clock::now() - last_checkpoint_ >= interval) save();
}

void BlockRunner::save() {
  spool_.sync();
  state_.spool_bytes = spool_.bytes();
  detail::write_checkpoint(files_.checkpoint, state_);
  last_checkpoint_ = Clock::now();
}

void BlockRunner::run() {
  const unsigned threads = result_.threads;
  tbb::task_arena arena(static_cast<int>(threads));
  const std::size_t tokens = 2 * std::size_t{threads} + 2;
  WorkPool pool(tokens);
  arena.execute([&] {
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, Work*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& c) {
          return next(c, pool);
        }) & tbb::make_filter<Work*, Work*>(tbb::filter_mode::parallel, [this](Work* work) {
          compute(*work);
          return work;
        }) & tbb::make_filter<Work*, void>(tbb::filter_mode::serial_in_order, [&](Work* work) {
          commit(*work);
          pool.release(work);
        }));
  });
  // Blocks skipped by the input after the last committed one (points stopped by the stopping
  // rule) need nothing more: when the input ran out, every task is done.
  if (next_ == tasks_.count) state_.tasks_committed = tasks_.count;
  save();
  progress_->finish();
}

// The last stage: the results (or shard) file from the spool, renamed into place, and the
// spool and checkpoint removed.
void write_output(const Campaign& c, const RunOptions& options, const RunFiles& files,
                  const Checkpoint& state, unsigned threads) {
  const Shard shard = options.shard.value_or(Shard{});
  const SpoolReader reader(files.spool, state.spool_bytes);
  const detail::Provenance provenance{threads, options.mpi_ranks, shard.count, shard.index};
  detail::write_then_rename(files.output, [&](const std::filesystem::path& temporary) {
    if (options.shard) {
      detail::write_shard_file(c, reader, temporary, provenance);
    } else {
      detail::write_results_file(c, SpoolSource(reader), temporary, provenance);
    }
  });
  detail::remove_quietly(files.checkpoint);
  detail::remove_quietly(files.spool);
}

}  // namespace

bool is_finished_output(const Campaign& c, const std::filesystem::path& output,
                        const std::optional<Shard>& shard) {
  if (!detail::file_exists(output)) return false;
  try {
    const auto file = h5::File::open(output, h5::OpenMode::read_only,
                                     shard ? kShardFiletype : kCampaignFiletype, kSchemaMajor);
    if (file.read_attribute<std::string>("config_hash") != format_hash(c.config_hash)) return false;
    return !shard || (file.read_attribute<std::uint32_t>("shard_index") == shard->index &&
                      file.read_attribute<std::uint32_t>("shards") == shard->count);
  } catch (const std::exception&) {
    return false;
  }
}

std::filesystem::path shard_file_name(const std::filesystem::path& output, const Shard& shard) {
  const std::string suffix = fmt::format(".shard-{}-of-{}.h5", shard.index, shard.count);
  const std::string name = output.filename().string();
  if (name.size() > suffix.size() && name.ends_with(suffix)) return output;
  auto path = output;
  path.replace_extension();
  path += suffix;
  return path;
}

Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  Shard shard;
  auto parse = [&](std::string_view part, std::uint32_t& value) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    return ec == std::errc() && end == part.data() + part.size() && !part.empty();
  };
  if (slash == std::string_view::npos || !parse(text.substr(0, slash), shard.index) ||
      !parse(text.substr(slash + 1), shard.count) || shard.count == 0 ||
      shard.index >= shard.count) {
    throw InvalidArgument(fmt::format(
        "option --shard: '{}' must be i/n with 0 <= i < n (e.g. 0/4 for the first of 4 shards)",
        text));
  }
  return shard;
}

unsigned resolve_thread_count(unsigned requested) {
  if (requested > 0) return requested;
  for (const char* name : {"OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
      unsigned n = 0;
      const std::string_view text(value);
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc() && n > 0) return n;
    }
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

RunResult run_campaign(const Campaign& c, const RunOptions& options) {
  const auto start_time = Clock::now();
  const RunFiles files(options.output);
  const TaskList tasks(c, options.shard.value_or(Shard{}));
  const detail::OutputLock lock(files.output);  // held until the output is in place
  StartingPoint start = prepare_files(c, options, files, tasks);
  Checkpoint& state = start.state;

  RunResult result;
  result.output = files.output;
  result.tasks_total = tasks.count;
  result.threads = options.threads == 0 ? 1 : options.threads;
  result.repaired = start.repaired;
  if (start.finished) {
    result.tasks_committed = result.tasks_resumed = tasks.count;
    result.already_finished = true;
    return result;
  }
  result.tasks_resumed = state.tasks_committed;
  // A shard cannot know when a point stops and computes every block; the merge applies the rule.
  StoppingMonitor monitor(options.shard ? StoppingRule{} : c.stopping, c);
  try {
    BlockRunner(c, options, files, tasks, state, monitor, result).run();
  } catch (...) {
    // Without a checkpoint the spool holds nothing a resume could use (e.g. the disk filled
    // before the first one): it goes, so that it does not keep the space it filled.
    if (!detail::file_exists(files.checkpoint)) detail::remove_quietly(files.spool);
    throw;
  }

  result.tasks_committed = state.tasks_committed;
  result.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
  if (state.tasks_committed < tasks.count) {
    result.status = RunStatus::interrupted;
    return result;
  }
  const auto write_start = Clock::now();
  write_output(c, options, files, state, result.threads);
  result.write_seconds = std::chrono::duration<double>(Clock::now() - write_start).count();
  result.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
  return result;
}

}  // namespace kirchhoff::montecarlo
