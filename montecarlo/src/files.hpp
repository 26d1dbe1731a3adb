// Files of a run, internal to the engine: paths beside the output and writing through a
// temporary file renamed into place.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace kirchhoff::montecarlo::detail {

// `path` with `suffix` appended to its file name ("r.h5" -> "r.h5.spool").
[[nodiscard]] std::filesystem::path with_suffix(const std::filesystem::path& path,
                                                std::string_view suffix);
[[nodiscard]] bool file_exists(const std::filesystem::path& path);
void remove_quietly(const std::filesystem::path& path);

// Writes `destination` through a temporary name in the same directory (<destination>.tmp-PID),
// renamed into place when `write` returns; the temporary is removed when it throws. A failed
// rename is an IoError naming the destination.
void write_then_rename(const std::filesystem::path& destination,
                       const std::function<void(const std::filesystem::path&)>& write);

// Removes what an earlier writer of `destination` killed mid-write left: <destination>.tmp-PID
// of any PID. Only while holding the destination's OutputLock (no live writer has them open).
void remove_stale_temporaries(const std::filesystem::path& destination);

// The name of this host (gethostname), "unknown" when it has none.
[[nodiscard]] std::string host_name();

// An exclusive lock on an output file for the whole of a run or merge: flock(2) on
// <output>.lock, which holds "host PID" of the holder. A second writer of the same output is
// refused at once with an IoError naming the holder. The lock file is removed when the lock is
// released; a process killed with the lock leaves the file, unlocked, for the next to take.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace kirchhoff::montecarlo::detail
