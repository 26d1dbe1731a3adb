#include "spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

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

// FNV-1a over the record's header (all of it but the checksum) and its payload: a flipped bit in
// the point or block number is damage like one in the values, found before the values are used
// as another block's.
std::uint64_t record_checksum(const RecordHeader& header, std::span<const double> values) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  const auto add = [&hash](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      hash ^= bytes[i];
      hash *= 0x100000001b3ull;
    }
  };
  add(&header, offsetof(RecordHeader, checksum));
  add(values.data(), values.size_bytes());
  return hash;
}

}  // namespace

SpoolWriter::SpoolWriter(std::filesystem::path path, std::uint64_t valid_bytes)
    : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_io("cannot open spool", path_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < valid_bytes) {
    // Extending would pad with zeros that no record holds: the caller validates first.
    ::close(fd_);
    throw FormatError(
        fmt::format("spool '{}' is shorter than its {} valid bytes", path_.string(), valid_bytes));
  }
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
  RecordHeader header{kRecordMagic, point, block, trials, width, 0, 0};
  header.checksum = record_checksum(header, values);
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
  if (record_checksum(entry.header, out) != entry.header.checksum) {
    throw FormatError(fmt::format("spool '{}': checksum mismatch in block {} of point {}",
                                  path_.string(), entry.header.block, entry.header.point));
  }
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& c) {
  auto temporary = path;
  temporary += ".tmp";
  const std::string text = fmt::format(
      "kirchhoff-checkpoint 2\nconfig_hash {}\nshard {}/{}\nkernel_level {}\nblas_core {}\n"
      "tasks_committed {}\nspool_bytes {}\n",
      format_hash(c.config_hash), c.shard_index, c.shard_count, c.kernels.level,
      c.kernels.blas_core, c.tasks_committed, c.spool_bytes);
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

namespace {

// A damaged checkpoint: a FormatError naming the file and the way out.
[[noreturn]] void damaged_checkpoint(const std::filesystem::path& path, std::string_view what) {
  throw FormatError(fmt::format(
      "checkpoint '{}' is damaged ({}); run with --force to start over (it and the spool "
      "beside it are then discarded)",
      path.string(), what));
}

// "key value" on one line; the value as text.
std::string_view field(std::string_view& rest, std::string_view key,
                       const std::filesystem::path& path) {
  const auto newline = rest.find('\n');
  if (newline == std::string_view::npos) {
    damaged_checkpoint(path, fmt::format("no line '{} …'", key));
  }
  const std::string_view line = rest.substr(0, newline);
  rest.remove_prefix(newline + 1);
  if (line.size() <= key.size() + 1 || line.substr(0, key.size()) != key ||
      line[key.size()] != ' ') {
    damaged_checkpoint(path, fmt::format("expected '{} …', found '{}'", key, line.substr(0, 60)));
  }
  return line.substr(key.size() + 1);
}

template <typename T>
T number(std::string_view text, int base, std::string_view key, const std::filesystem::path& path) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    damaged_checkpoint(path, fmt::format("{} '{}' is not a number in range", key, text));
  }
  return value;
}

}  // namespace

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot read checkpoint '{}'", path.string()));
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  std::string_view rest(text);
  if (field(rest, "kirchhoff-checkpoint", path) != "2") {
    damaged_checkpoint(path, "not a Kirchhoff checkpoint of version 2");
  }
  Checkpoint c;
  std::string_view hash = field(rest, "config_hash", path);
  if (hash.substr(0, 2) == "0x") hash.remove_prefix(2);
  c.config_hash = number<std::uint64_t>(hash, 16, "config_hash", path);
  const std::string_view shard = field(rest, "shard", path);
  const auto slash = shard.find('/');
  if (slash == std::string_view::npos) damaged_checkpoint(path, "shard is not i/n");
  c.shard_index = number<std::uint32_t>(shard.substr(0, slash), 10, "shard", path);
  c.shard_count = number<std::uint32_t>(shard.substr(slash + 1), 10, "shard", path);
  if (c.shard_count == 0 || c.shard_index >= c.shard_count) {
    damaged_checkpoint(path, "shard is not i/n with i < n");
  }
  c.kernels.level = field(rest, "kernel_level", path);
  c.kernels.blas_core = field(rest, "blas_core", path);
  c.tasks_committed =
      number<std::uint64_t>(field(rest, "tasks_committed", path), 10, "tasks_committed", path);
  c.spool_bytes = number<std::uint64_t>(field(rest, "spool_bytes", path), 10, "spool_bytes", path);
  if (!rest.empty()) damaged_checkpoint(path, "text after spool_bytes");
  return c;
}

SpoolScan scan_spool(const std::filesystem::path& path, std::uint64_t limit_bytes,
                     const std::function<std::string(const RecordHeader&)>& check) {
  SpoolScan scan;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) fail_io("cannot open spool", path);
    if (limit_bytes > 0) scan.damage = fmt::format("spool '{}' is missing", path.string());
    return scan;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_io("cannot read", path);
  const std::uint64_t size =
      std::min<std::uint64_t>(limit_bytes, static_cast<std::uint64_t>(st.st_size));
  std::vector<double> payload;
  std::uint64_t offset = 0;
  while (offset < limit_bytes) {
    RecordHeader header;
    std::string damage;
    if (offset + sizeof header > size) {
      damage = "ends inside a record header";
    } else {
      read_all(fd, &header, sizeof header, offset, path);
      const std::uint64_t bytes = std::uint64_t{header.trials} * header.width * sizeof(double);
      if (header.magic != kRecordMagic || header.zero != 0) {
        damage = "no record header";
      } else if (std::string problem = check(header); !problem.empty()) {
        damage = problem;
      } else if (offset + sizeof header + bytes > size) {
        damage = "ends inside the record";
      } else {
        payload.resize(std::uint64_t{header.trials} * header.width);
        read_all(fd, payload.data(), bytes, offset + sizeof header, path);
        if (record_checksum(header, payload) != header.checksum) damage = "checksum mismatch";
      }
    }
    if (!damage.empty()) {
      scan.damage =
          fmt::format("spool '{}' is damaged at byte {} ({})", path.string(), offset, damage);
      break;
    }
    scan.records.push_back(header);
    offset += sizeof header + std::uint64_t{header.trials} * header.width * sizeof(double);
  }
  scan.valid_bytes = offset;
  return scan;
}

}  // namespace kirchhoff::montecarlo::detail
