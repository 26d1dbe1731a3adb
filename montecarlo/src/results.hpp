// Building results files (docs/hdf5-schema.md); internal to the engine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/kernels.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo::detail {

// Where the per-trial values of committed blocks are found: a spool, or shard files.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // Fills `out` (trials × width) with block b of point p; false if this source lacks it.
  virtual bool read(std::uint32_t point, std::uint32_t block, std::span<double> out) const = 0;
};

struct Provenance {
  unsigned threads = 1;
  std::uint32_t mpi_ranks = 1;
  std::uint32_t shards = 1;
  std::uint32_t shard_index = 0;
  KernelsInUse kernels = kernels_in_use();  // what computed the trials (a merge: the shards')
};

// Root attributes: identity comes from File::create; this writes everything else.
void write_provenance(h5::Group& root, const Campaign& campaign, const Provenance& provenance);
// Datasets shared by results and shard files: /config, /read_times, /metrics, /points.
void write_description(h5::Group& root, const Campaign& campaign);

// Writes the complete results file at `path` (replacing it) from the committed blocks: the
// blocks of each point up to the stopping rule (StoppingMonitor), its summary
// (summarize_point), then the datasets.
void write_results_file(const Campaign& campaign, const BlockSource& source,
                        const std::filesystem::path& path, const Provenance& provenance);

class SpoolReader;
// Writes a shard file at `path` (replacing it): the spool's blocks as they are, in spool order.
void write_shard_file(const Campaign& campaign, const SpoolReader& reader,
                      const std::filesystem::path& path, const Provenance& provenance);

}  // namespace kirchhoff::montecarlo::detail
