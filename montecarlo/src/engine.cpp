#include "kirchhoff/montecarlo/engine.hpp"

#include <fmt/format.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>

#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "results.hpp"
#include "spool.hpp"

namespace kirchhoff::montecarlo {

namespace {

using detail::BlockSource;
using detail::Checkpoint;
using detail::SpoolReader;
using detail::SpoolWriter;

std::filesystem::path with_suffix(const std::filesystem::path& path, std::string_view suffix) {
  auto result = path;
  result += suffix;
  return result;
}

bool file_exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

void remove_quietly(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

// Writes a file through a temporary name in the same directory, renamed into place when done.
template <class Write>
void write_then_rename(const std::filesystem::path& destination, Write&& write) {
  const auto temporary = with_suffix(destination, fmt::format(".tmp-{}", ::getpid()));
  try {
    write(temporary);
    std::filesystem::rename(temporary, destination);
  } catch (const std::filesystem::filesystem_error& e) {
    remove_quietly(temporary);
    throw IoError(fmt::format("cannot write '{}': {}", destination.string(), e.code().message()));
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
}

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

// The blocks of a set of shard files.
class ShardSource final : public BlockSource {
 public:
  struct Location {
    std::size_t file;
    std::uint64_t first_row;
    std::uint64_t trials;
  };
  ShardSource(std::vector<h5::Dataset> values,
              std::map<std::pair<std::uint32_t, std::uint32_t>, Location> index)
      : values_(std::move(values)), index_(std::move(index)) {}
  bool read(std::uint32_t point, std::uint32_t block, std::span<double> out) const override {
    const auto it = index_.find({point, block});
    if (it == index_.end()) return false;
    const auto rows =
        values_[it->second.file].read_rows<double>(it->second.first_row, it->second.trials);
    if (rows.size() != out.size()) {
      throw FormatError(
          fmt::format("shard: block {} of point {} has the wrong size", block, point));
    }
    std::copy(rows.begin(), rows.end(), out.begin());
    return true;
  }

 private:
  std::vector<h5::Dataset> values_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, Location> index_;
};

void write_shard_file(const Campaign& c, const SpoolReader& reader,
                      const std::filesystem::path& path, const detail::Provenance& provenance) {
  auto file = h5::File::create(path, {kShardFiletype, kSchemaMajor, kSchemaMinor},
                               h5::CreateMode::truncate);
  detail::write_provenance(file, c, provenance);
  file.write_attribute("shard_index", provenance.shard_index);
  detail::write_description(file, c);
  const std::size_t width = c.trial_width();
  auto values =
      file.create_extendible<double>("values", {0, width},
                                     {.chunk = {std::max<std::uint64_t>(1, c.block_size), width},
                                      .deflate_level = 4,
                                      .shuffle = true});
  values.write_attribute("description",
                         "per-trial values of this shard's blocks, [row][read_time × metric]; "
                         "rows of a block are consecutive trials");
  std::vector<std::uint64_t> blocks;
  std::uint64_t row = 0;
  std::vector<double> buffer;
  for (const auto& entry : reader.entries()) {
    buffer.resize(std::uint64_t{entry.header.trials} * entry.header.width);
    reader.read(entry, buffer);
    values.append(buffer);
    blocks.insert(blocks.end(), {entry.header.point, entry.header.block, row});
    row += entry.header.trials;
  }
  auto b = file.write_dataset("blocks", h5::Shape{blocks.size() / 3, 3}, blocks);
  b.write_attribute("description",
                    "one row per block: (sweep point, block index, first row in /values)");
  file.close();
}

struct Work {
  std::uint64_t position = 0;  // in this run's task list
  std::uint32_t point = 0;
  std::uint32_t block = 0;
  std::uint32_t trials = 0;
  std::vector<double> values;
};

}  // namespace

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
  const auto start_time = std::chrono::steady_clock::now();
  const Shard shard = options.shard.value_or(Shard{});
  const bool sharded = options.shard.has_value();
  const auto& output = options.output;
  const auto checkpoint_path = with_suffix(output, ".checkpoint");
  const auto spool_path = with_suffix(output, ".spool");

  if (file_exists(output) && !options.force) {
    throw IoError(
        fmt::format("output file '{}' exists; use --force to replace it", output.string()));
  }
  Checkpoint state{c.config_hash, shard.index, shard.count, 0, 0};
  if (file_exists(checkpoint_path)) {
    if (options.resume) {
      const Checkpoint saved = detail::read_checkpoint(checkpoint_path);
      if (saved.config_hash != c.config_hash) {
        throw Error(fmt::format(
            "cannot resume: checkpoint '{}' belongs to another campaign (configuration hash {}, "
            "this campaign {}); run without --resume and with --force to start over",
            checkpoint_path.string(), format_hash(saved.config_hash), format_hash(c.config_hash)));
      }
      if (saved.shard_index != shard.index || saved.shard_count != shard.count) {
        throw Error(fmt::format("cannot resume: checkpoint '{}' is of shard {}/{}, not {}/{}",
                                checkpoint_path.string(), saved.shard_index, saved.shard_count,
                                shard.index, shard.count));
      }
      state = saved;
    } else if (!options.force) {
      throw IoError(fmt::format(
          "'{}' holds the checkpoint of an interrupted run; use --resume to continue it or "
          "--force to start over",
          checkpoint_path.string()));
    } else {
      remove_quietly(checkpoint_path);
      remove_quietly(spool_path);
    }
  } else {
    remove_quietly(spool_path);  // a spool without a checkpoint holds nothing committed
  }

  const std::uint64_t points = c.points.size();
  const std::uint64_t all_tasks = points * c.blocks_per_point();
  const std::uint64_t tasks =
      all_tasks > shard.index ? (all_tasks - shard.index + shard.count - 1) / shard.count : 0;
  if (state.tasks_committed > tasks) {
    throw FormatError(fmt::format("checkpoint '{}' counts more blocks than the campaign has",
                                  checkpoint_path.string()));
  }
  auto task_of = [&](std::uint64_t position) {
    const std::uint64_t g = shard.index + position * shard.count;
    return std::pair{static_cast<std::uint32_t>(g % points),
                     static_cast<std::uint32_t>(g / points)};
  };

  // The stopping rule in a whole run: a point stops after the first block (in block order) at
  // which its fold meets the target. Shards cannot know that and compute every block; the merge
  // applies the rule.
  const bool stopping = c.stopping.enabled && !sharded;
  const std::size_t width = c.trial_width();
  const std::size_t stop_column =
      c.stopping.time_index * c.metrics.size() + c.stopping.metric_index;
  std::vector<RunningStats> stop_totals(points);
  std::unique_ptr<std::atomic<bool>[]> stopped(new std::atomic<bool>[points]);
  for (std::uint64_t p = 0; p < points; ++p) stopped[p] = false;

  RunResult result;
  result.output = output;
  result.tasks_total = tasks;
  result.tasks_resumed = state.tasks_committed;
  result.threads = options.threads == 0 ? 1 : options.threads;

  std::uint64_t remaining_trials = 0;
  for (std::uint64_t i = state.tasks_committed; i < tasks; ++i) {
    remaining_trials += c.trials_in_block(task_of(i).second);
  }

  {
    SpoolWriter spool(spool_path, state.spool_bytes);
    if (stopping && state.spool_bytes > 0) {
      const SpoolReader reader(spool_path, state.spool_bytes);
      std::vector<double> buffer;
      for (const auto& entry : reader.entries()) {
        buffer.resize(std::uint64_t{entry.header.trials} * entry.header.width);
        reader.read(entry, buffer);
        RunningStats s;
        for (std::uint32_t t = 0; t < entry.header.trials; ++t)
          s.add(buffer[t * width + stop_column]);
        stop_totals[entry.header.point].merge(s);
        if (detail::stop_reached(c.stopping, stop_totals[entry.header.point])) {
          stopped[entry.header.point] = true;
        }
      }
    }
    Progress progress(c.name, remaining_trials, options.progress);
    std::uint64_t next = state.tasks_committed;  // input position
    std::uint64_t committed_this_run = 0;
    auto last_checkpoint = std::chrono::steady_clock::now();
    const auto interval = std::chrono::duration<double>(c.checkpoint_interval_s);
    auto save = [&] {
      spool.sync();
      state.spool_bytes = spool.bytes();
      detail::write_checkpoint(checkpoint_path, state);
      last_checkpoint = std::chrono::steady_clock::now();
    };

    const unsigned threads = result.threads;
    tbb::task_arena arena(static_cast<int>(threads));
    const std::size_t tokens = 2 * std::size_t{threads} + 2;
    arena.execute([&] {
      tbb::parallel_pipeline(
          tokens, tbb::make_filter<void, std::shared_ptr<Work>>(
                      tbb::filter_mode::serial_in_order,
                      [&](tbb::flow_control& control) -> std::shared_ptr<Work> {
                        while (next < tasks) {
                          if (options.stop_requested && options.stop_requested->load()) break;
                          const std::uint64_t position = next++;
                          const auto [point, block] = task_of(position);
                          if (stopping && stopped[point].load()) continue;
                          auto work = std::make_shared<Work>();
                          work->position = position;
                          work->point = point;
                          work->block = block;
                          work->trials = static_cast<std::uint32_t>(c.trials_in_block(block));
                          return work;
                        }
                        control.stop();
                        return nullptr;
                      }) &
                      tbb::make_filter<std::shared_ptr<Work>, std::shared_ptr<Work>>(
                          tbb::filter_mode::parallel,
                          [&](std::shared_ptr<Work> work) {
                            work->values.resize(std::size_t{work->trials} * width);
                            const std::uint64_t first = std::uint64_t{work->block} * c.block_size;
                            const Workload& workload = *c.workloads[work->point];
                            for (std::uint32_t t = 0; t < work->trials; ++t) {
                              workload.run_trial(
                                  static_cast<std::uint32_t>(first + t),
                                  std::span<double>(work->values).subspan(t * width, width));
                            }
                            return work;
                          }) &
                      tbb::make_filter<std::shared_ptr<Work>, void>(
                          tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Work> work) {
                            state.tasks_committed = work->position + 1;
                            if (stopping && stopped[work->point].load()) return;  // beyond the stop
                            spool.append(work->point, work->block, work->trials,
                                         static_cast<std::uint32_t>(width), work->values);
                            if (stopping) {
                              RunningStats s;
                              for (std::uint32_t t = 0; t < work->trials; ++t) {
                                s.add(work->values[t * width + stop_column]);
                              }
                              stop_totals[work->point].merge(s);
                              if (detail::stop_reached(c.stopping, stop_totals[work->point])) {
                                stopped[work->point] = true;
                              }
                            }
                            result.trials_run += work->trials;
                            progress.advance(work->trials);
                            ++committed_this_run;
                            if (options.kill_after_blocks != 0 &&
                                committed_this_run == options.kill_after_blocks) {
                              std::raise(SIGKILL);
                            }
                            if (std::chrono::steady_clock::now() - last_checkpoint >= interval)
                              save();
                          }));
    });
    // Blocks skipped by the input after the last committed one (points stopped by the stopping
    // rule) need nothing more: when the input ran out, every task is done.
    if (next == tasks) state.tasks_committed = tasks;
    save();
    progress.finish();
  }
  result.tasks_committed = state.tasks_committed;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  if (state.tasks_committed < tasks) {
    result.status = RunStatus::interrupted;
    return result;
  }

  const SpoolReader reader(spool_path, state.spool_bytes);
  const detail::Provenance provenance{result.threads, shard.count, shard.index};
  write_then_rename(output, [&](const std::filesystem::path& temporary) {
    if (sharded) {
      write_shard_file(c, reader, temporary, provenance);
    } else {
      detail::write_results_file(c, SpoolSource(reader), temporary, provenance);
    }
  });
  remove_quietly(checkpoint_path);
  remove_quietly(spool_path);
  return result;
}

void merge_shards(const std::filesystem::path& output,
                  const std::vector<std::filesystem::path>& shards, bool force,
                  const WorkloadRegistry& registry) {
  if (shards.empty()) throw InvalidArgument("merge: give the shard files to merge");
  if (file_exists(output) && !force) {
    throw IoError(
        fmt::format("output file '{}' exists; use --force to replace it", output.string()));
  }
  std::vector<h5::File> files;
  std::string hash, config;
  std::uint32_t count = 0;
  std::map<std::uint32_t, std::size_t> by_index;
  for (std::size_t f = 0; f < shards.size(); ++f) {
    files.push_back(
        h5::File::open(shards[f], h5::OpenMode::read_only, kShardFiletype, kSchemaMajor));
    const auto h = files[f].read_attribute<std::string>("config_hash");
    const auto n = files[f].read_attribute<std::uint32_t>("shards");
    const auto i = files[f].read_attribute<std::uint32_t>("shard_index");
    if (f == 0) {
      hash = h;
      count = n;
      config = files[f].read_dataset<std::string>("config");
    } else if (h != hash) {
      throw FormatError(
          fmt::format("'{}' belongs to another campaign (configuration hash {}) "
                      "than '{}' ({})",
                      shards[f].string(), h, shards[0].string(), hash));
    } else if (n != count) {
      throw FormatError(fmt::format("'{}' is one of {} shards, '{}' one of {}", shards[f].string(),
                                    n, shards[0].string(), count));
    }
    if (const auto [it, inserted] = by_index.emplace(i, f); !inserted) {
      throw FormatError(fmt::format("'{}' and '{}' are both shard {}/{}",
                                    shards[it->second].string(), shards[f].string(), i, count));
    }
  }
  if (by_index.size() != count) {
    std::vector<std::string> missing;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!by_index.contains(i)) missing.push_back(fmt::format("{}/{}", i, count));
    }
    throw FormatError(
        fmt::format("merge needs all {} shards; missing {}", count, fmt::join(missing, ", ")));
  }
  const Campaign c = parse_campaign(
      config, fmt::format("{} (stored configuration)", shards[0].string()), {}, registry);
  if (format_hash(c.config_hash) != hash) {
    throw FormatError(fmt::format("the configuration stored in '{}' does not match its hash {}",
                                  shards[0].string(), hash));
  }
  const std::uint64_t points = c.points.size();
  std::map<std::pair<std::uint32_t, std::uint32_t>, ShardSource::Location> index;
  std::vector<h5::Dataset> values;
  for (std::size_t f = 0; f < files.size(); ++f) {
    values.push_back(files[f].open_dataset("values"));
    const auto i = files[f].read_attribute<std::uint32_t>("shard_index");
    const auto blocks = files[f].read_dataset<h5::NdArray<std::uint64_t>>("blocks");
    const std::size_t rows = blocks.shape.empty() ? 0 : blocks.shape[0];
    for (std::size_t r = 0; r < rows; ++r) {
      const std::uint64_t p = blocks.data[3 * r], b = blocks.data[3 * r + 1];
      if (p >= points || b >= c.blocks_per_point() || (b * points + p) % count != i) {
        throw FormatError(
            fmt::format("'{}' holds block {} of point {}, which is not part of "
                        "shard {}/{}",
                        shards[f].string(), b, p, i, count));
      }
      const auto key = std::pair{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(b)};
      if (!index
               .emplace(key, ShardSource::Location{f, blocks.data[3 * r + 2], c.trials_in_block(b)})
               .second) {
        throw FormatError(
            fmt::format("block {} of point {} appears twice in '{}'", b, p, shards[f].string()));
      }
    }
  }
  if (index.size() != points * c.blocks_per_point()) {
    throw FormatError(
        fmt::format("the shards hold {} of the campaign's {} blocks; was a shard "
                    "interrupted?",
                    index.size(), points * c.blocks_per_point()));
  }
  const ShardSource source(std::move(values), std::move(index));
  write_then_rename(output, [&](const std::filesystem::path& temporary) {
    detail::write_results_file(c, source, temporary, detail::Provenance{0, count, 0});
  });
}

}  // namespace kirchhoff::montecarlo
