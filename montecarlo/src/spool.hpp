// The spool: committed blocks of per-trial values, appended as raw records to a file beside the
// output while a campaign runs, and the checkpoint that says how much of it is valid.
// Internal to the engine (not installed); the format is native-endian and not meant to be kept.
//
// Record: u32 magic "KBLK", u32 point, u32 block, u32 trials, u32 width, u32 zero,
//         u64 FNV-1a of the header's first 24 bytes and the payload, then trials × width doubles
//         (row-major [trial][value]).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kirchhoff/core/kernels.hpp"

namespace kirchhoff::montecarlo::detail {

struct RecordHeader {
  std::uint32_t magic = 0;
  std::uint32_t point = 0;
  std::uint32_t block = 0;
  std::uint32_t trials = 0;
  std::uint32_t width = 0;
  std::uint32_t zero = 0;
  std::uint64_t checksum = 0;
};
static_assert(sizeof(RecordHeader) == 32);
inline constexpr std::uint32_t kRecordMagic = 0x4b4c424bu;  // "KBLK" little-endian

// Appends records; move-only owner of a file descriptor.
class SpoolWriter {
 public:
  // Opens (creating if needed) and truncates the file to `valid_bytes`; a FormatError when the
  // file is shorter (it is never extended).
  SpoolWriter(std::filesystem::path path, std::uint64_t valid_bytes);
  ~SpoolWriter();
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  void append(std::uint32_t point, std::uint32_t block, std::uint32_t trials, std::uint32_t width,
              std::span<const double> values);
  // Makes everything appended so far durable (fdatasync).
  void sync();
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
};

// Reads the records of a spool up to `valid_bytes`, checking each.
class SpoolReader {
 public:
  SpoolReader(std::filesystem::path path, std::uint64_t valid_bytes);
  ~SpoolReader();
  SpoolReader(const SpoolReader&) = delete;
  SpoolReader& operator=(const SpoolReader&) = delete;

  struct Entry {
    RecordHeader header;
    std::uint64_t offset = 0;  // of the payload
  };
  // Records in file order.
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  // Payload of an entry, checksum verified.
  void read(const Entry& entry, std::span<double> out) const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<Entry> entries_;
};

struct Checkpoint {
  std::uint64_t config_hash = 0;
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  KernelsInUse kernels;               // that computed the spooled blocks
  std::uint64_t tasks_committed = 0;  // position in the run's task list
  std::uint64_t spool_bytes = 0;
};

// Writes to <path>.tmp, syncs, renames over <path>.
void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
// A FormatError naming the file and --force for a damaged one (bad text, numbers out of range).
Checkpoint read_checkpoint(const std::filesystem::path& path);

// The records of a spool that are sound, from the start up to `limit_bytes` (what a checkpoint
// says is valid): each header (magic, then `check`, which returns "" or what is wrong with the
// record where it stands, e.g. out of order), its payload within the file and its checksum. The
// scan stops at the first damaged record; `damage` then says where and why. A missing spool is
// empty. Memory: one record.
struct SpoolScan {
  std::vector<RecordHeader> records;
  std::uint64_t valid_bytes = 0;
  std::string damage;  // "" when all of [0, limit_bytes) is sound
};
SpoolScan scan_spool(const std::filesystem::path& path, std::uint64_t limit_bytes,
                     const std::function<std::string(const RecordHeader&)>& check);

}  // namespace kirchhoff::montecarlo::detail
