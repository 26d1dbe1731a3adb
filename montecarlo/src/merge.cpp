// `kirchhoff merge`: shard files of one campaign into one results file.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "files.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/kernels.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "results.hpp"

namespace kirchhoff::montecarlo {

namespace {

using BlockKey = std::pair<std::uint32_t, std::uint32_t>;  // (point, block)

// The blocks of a set of shard files.
class ShardSource final : public detail::BlockSource {
 public:
  struct Location {
    std::size_t file;
    std::uint64_t first_row;
    std::uint64_t trials;
  };
  ShardSource(std::vector<h5::Dataset> values, std::map<BlockKey, Location> index)
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
  std::map<BlockKey, Location> index_;
};

// The shard files, checked to be all n shards of one campaign, each once.
struct ShardSet {
  std::vector<h5::File> files;
  std::string hash;    // of the campaign, as stored
  std::string config;  // the resolved configuration stored in the first shard
  std::uint32_t count = 0;
  KernelsInUse kernels;  // of the first shard, or "mixed" levels with allow_mixed_kernels
};

// The kernels that computed a shard (files of schema 1.1 and older do not say).
KernelsInUse shard_kernels(const h5::File& file) {
  if (!file.has_attribute("kernel_level")) return {"unknown", "unknown"};
  return {file.read_attribute<std::string>("kernel_level"),
          file.read_attribute<std::string>("blas_core")};
}

void check_all_shards_present(const std::map<std::uint32_t, std::size_t>& by_index,
                              std::uint32_t count) {
  if (by_index.size() == count) return;
  std::vector<std::string> missing;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!by_index.contains(i)) missing.push_back(fmt::format("{}/{}", i, count));
  }
  throw FormatError(
      fmt::format("merge needs all {} shards; missing {}", count, fmt::join(missing, ", ")));
}

ShardSet open_shards(const std::vector<std::filesystem::path>& shards, bool allow_mixed_kernels) {
  ShardSet set;
  std::map<std::uint32_t, std::size_t> by_index;
  for (std::size_t f = 0; f < shards.size(); ++f) {
    set.files.push_back(
        h5::File::open(shards[f], h5::OpenMode::read_only, kShardFiletype, kSchemaMajor));
    const auto h = set.files[f].read_attribute<std::string>("config_hash");
    const auto n = set.files[f].read_attribute<std::uint32_t>("shards");
    const auto i = set.files[f].read_attribute<std::uint32_t>("shard_index");
    if (f == 0) {
      set.hash = h;
      set.count = n;
      set.config = set.files[f].read_dataset<std::string>("config");
      set.kernels = shard_kernels(set.files[f]);
    } else if (h != set.hash) {
      throw FormatError(
          fmt::format("'{}' belongs to another campaign (configuration hash {}) "
                      "than '{}' ({})",
                      shards[f].string(), h, shards[0].string(), set.hash));
    } else if (n != set.count) {
      throw FormatError(fmt::format("'{}' is one of {} shards, '{}' one of {}", shards[f].string(),
                                    n, shards[0].string(), set.count));
    }
    if (const KernelsInUse k = shard_kernels(set.files[f]); f > 0 && !(k == set.kernels)) {
      if (!allow_mixed_kernels) {
        throw FormatError(fmt::format(
            "'{}' was computed with kernels {} and '{}' with {}: results are bitwise "
            "reproducible on one kernel level only; run the shards again with the same --kernels, "
            "or merge with --mixed-kernels",
            shards[f].string(), k.text(), shards[0].string(), set.kernels.text()));
      }
      set.kernels = {"mixed", "mixed"};
    }
    if (const auto [it, inserted] = by_index.emplace(i, f); !inserted) {
      throw FormatError(fmt::format("'{}' and '{}' are both shard {}/{}",
                                    shards[it->second].string(), shards[f].string(), i, set.count));
    }
  }
  check_all_shards_present(by_index, set.count);
  return set;
}

// Where every block of the campaign is, checking that each shard holds only its own blocks
// and every block is there exactly once.
ShardSource index_blocks(const Campaign& c, const ShardSet& set,
                         const std::vector<std::filesystem::path>& shards) {
  const std::uint64_t points = c.points.size();
  std::map<BlockKey, ShardSource::Location> index;
  std::vector<h5::Dataset> values;
  for (std::size_t f = 0; f < set.files.size(); ++f) {
    values.push_back(set.files[f].open_dataset("values"));
    const auto i = set.files[f].read_attribute<std::uint32_t>("shard_index");
    const auto blocks = set.files[f].read_dataset<h5::NdArray<std::uint64_t>>("blocks");
    const std::size_t rows = blocks.shape.empty() ? 0 : blocks.shape[0];
    for (std::size_t r = 0; r < rows; ++r) {
      const std::uint64_t p = blocks.data[3 * r], b = blocks.data[3 * r + 1];
      if (p >= points || b >= c.blocks_per_point() || (b * points + p) % set.count != i) {
        throw FormatError(
            fmt::format("'{}' holds block {} of point {}, which is not part of shard {}/{}",
                        shards[f].string(), b, p, i, set.count));
      }
      const BlockKey key{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(b)};
      const ShardSource::Location location{f, blocks.data[3 * r + 2], c.trials_in_block(b)};
      if (!index.emplace(key, location).second) {
        throw FormatError(
            fmt::format("block {} of point {} appears twice in '{}'", b, p, shards[f].string()));
      }
    }
  }
  if (index.size() != points * c.blocks_per_point()) {
    throw FormatError(
        fmt::format("the shards hold {} of the campaign's {} blocks; was a shard interrupted?",
                    index.size(), points * c.blocks_per_point()));
  }
  return ShardSource(std::move(values), std::move(index));
}

// Whether two names are one file (both exist and std::filesystem::equivalent says so).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec) && !ec;
}

// An output that is one of the inputs would be replaced by the merge (with --force); an input
// given twice is a mistake of the command line.
void refuse_overlapping_files(const std::filesystem::path& output,
                              const std::vector<std::filesystem::path>& shards) {
  for (std::size_t i = 0; i < shards.size(); ++i) {
    if (same_file(output, shards[i])) {
      throw InvalidArgument(fmt::format(
          "merge: the output '{}' is one of the shards to merge ('{}'); name a new results file",
          output.string(), shards[i].string()));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (same_file(shards[j], shards[i])) {
        throw InvalidArgument(fmt::format("merge: '{}' and '{}' are the same shard file",
                                          shards[j].string(), shards[i].string()));
      }
    }
  }
}

}  // namespace

void merge_shards(const std::filesystem::path& output,
                  const std::vector<std::filesystem::path>& shards, bool force,
                  const WorkloadRegistry& registry, const ParallelLayout& layout,
                  bool allow_mixed_kernels) {
  if (shards.empty()) throw InvalidArgument("merge: give the shard files to merge");
  refuse_overlapping_files(output, shards);
  const detail::OutputLock lock(output);
  if (detail::file_exists(output) && !force) {
    throw IoError(
        fmt::format("output file '{}' exists; use --force to replace it", output.string()));
  }
  const ShardSet set = open_shards(shards, allow_mixed_kernels);
  const Campaign c = parse_campaign(
      set.config, fmt::format("{} (stored configuration)", shards[0].string()), {}, registry);
  if (format_hash(c.config_hash) != set.hash) {
    throw FormatError(fmt::format("the configuration stored in '{}' does not match its hash {}",
                                  shards[0].string(), set.hash));
  }
  const ShardSource source = index_blocks(c, set, shards);
  detail::write_then_rename(output, [&](const std::filesystem::path& temporary) {
    detail::write_results_file(
        c, source, temporary,
        detail::Provenance{layout.threads, layout.mpi_ranks, set.count, 0, set.kernels});
  });
}

}  // namespace kirchhoff::montecarlo
