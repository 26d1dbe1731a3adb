#include "spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo::detail {

namespace {

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
  throw IoError(fmt::format("{} '{}': {}", what, path.string(), std::strerror(errno)));
}

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io("cannot write", path);
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

void read_all(int fd, void* data, std::size_t size, std::uint64_t offset,
              const std::filesystem::path& path) {
  auto* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::pread(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io("cannot read", path);
    }
    if (n == 0) throw FormatError(fmt::format("spool '{}' is truncated", path.string()));
    bytes += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

std::uint64_t payload_checksum(std::span<const double> values) {
  return fnv1a64(
      std::string_view(reinterpret_cast<const char*>(values.data()), values.size_bytes()));
}

}  // namespace

SpoolWriter::SpoolWriter(std::filesystem::path path, std::uint64_t valid_bytes)
    : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_io("cannot open spool", path_);
  if (::ftruncate(fd_, static_cast<off_t>(valid_bytes)) != 0) {
    const int saved = errno;
    ::close(fd_);
    errno = saved;
    fail_io("cannot truncate spool", path_);
  }
  if (::lseek(fd_, static_cast<off_t>(valid_bytes), SEEK_SET) < 0) {
    ::close(fd_);
    fail_io("cannot seek in spool", path_);
  }
  bytes_ = valid_bytes;
}

SpoolWriter::~SpoolWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void SpoolWriter::append(std::uint32_t point, std::uint32_t block, std::uint32_t trials,
                         std::uint32_t width, std::span<const double> values) {
  const RecordHeader header{kRecordMagic, point, block, trials, width, 0, payload_checksum(values)};
  write_all(fd_, &header, sizeof header, path_);
  write_all(fd_, values.data(), values.size_bytes(), path_);
  bytes_ += sizeof header + values.size_bytes();
}

void SpoolWriter::sync() {
  if (::fdatasync(fd_) != 0) fail_io("cannot sync spool", path_);
}

SpoolReader::SpoolReader(std::filesystem::path path, std::uint64_t valid_bytes)
    : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail_io("cannot open spool", path_);
  std::uint64_t offset = 0;
  while (offset < valid_bytes) {
    Entry entry;
    read_all(fd_, &entry.header, sizeof entry.header, offset, path_);
    if (entry.header.magic != kRecordMagic) {
      throw FormatError(fmt::format("spool '{}': no record at byte {}", path_.string(), offset));
    }
    entry.offset = offset + sizeof(RecordHeader);
    offset =
        entry.offset + std::uint64_t{entry.header.trials} * entry.header.width * sizeof(double);
    if (offset > valid_bytes) {
      throw FormatError(fmt::format("spool '{}': record at byte {} runs past the checkpoint",
                                    path_.string(), entry.offset - sizeof(RecordHeader)));
    }
    entries_.push_back(entry);
  }
}

SpoolReader::~SpoolReader() {
  if (fd_ >= 0) ::close(fd_);
}

void SpoolReader::read(const Entry& entry, std::span<double> out) const {
  read_all(fd_, out.data(), out.size_bytes(), entry.offset, path_);
  if (payload_checksum(out) != entry.header.checksum) {
    throw FormatError(fmt::format("spool '{}': checksum mismatch in block {} of point {}",
                                  path_.string(), entry.header.block, entry.header.point));
  }
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& c) {
  auto temporary = path;
  temporary += ".tmp";
  const std::string text = fmt::format(
      "kirchhoff-checkpoint 1\nconfig_hash {}\nshard {}/{}\ntasks_committed {}\nspool_bytes {}\n",
      format_hash(c.config_hash), c.shard_index, c.shard_count, c.tasks_committed, c.spool_bytes);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("cannot write checkpoint", temporary);
  try {
    write_all(fd, text.data(), text.size(), temporary);
    if (::fsync(fd) != 0) fail_io("cannot sync checkpoint", temporary);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    throw IoError(fmt::format("cannot rename checkpoint to '{}': {}", path.string(), ec.message()));
  }
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("cannot read checkpoint '{}'", path.string()));
  Checkpoint c;
  std::string magic, version, key, hash, shard;
  in >> magic >> version;
  if (magic != "kirchhoff-checkpoint" || version != "1") {
    throw FormatError(fmt::format("'{}' is not a Kirchhoff checkpoint (version 1)", path.string()));
  }
  in >> key >> hash;
  if (key != "config_hash")
    throw FormatError(fmt::format("checkpoint '{}': no config_hash", path.string()));
  c.config_hash = std::stoull(hash, nullptr, 16);
  in >> key >> shard;
  if (key != "shard" || std::sscanf(shard.c_str(), "%u/%u", &c.shard_index, &c.shard_count) != 2) {
    throw FormatError(fmt::format("checkpoint '{}': no shard", path.string()));
  }
  in >> key >> c.tasks_committed;
  if (key != "tasks_committed")
    throw FormatError(fmt::format("checkpoint '{}': no tasks_committed", path.string()));
  in >> key >> c.spool_bytes;
  if (key != "spool_bytes" || !in) {
    throw FormatError(fmt::format("checkpoint '{}': malformed", path.string()));
  }
  return c;
}

}  // namespace kirchhoff::montecarlo::detail
