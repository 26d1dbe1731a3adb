#include "files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::montecarlo::detail {

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

void write_then_rename(const std::filesystem::path& destination,
                       const std::function<void(const std::filesystem::path&)>& write) {
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

void remove_stale_temporaries(const std::filesystem::path& destination) {
  const std::string prefix = destination.filename().string() + ".tmp-";
  auto directory = destination.parent_path();
  if (directory.empty()) directory = ".";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view pid = std::string_view(name).substr(prefix.size());
    if (pid.find_first_not_of("0123456789") == std::string_view::npos) {
      remove_quietly(entry.path());
    }
  }
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "unknown";
  return buffer;
}

namespace {

// What the holder of a lock wrote into it ("host PID"), or a note that it wrote nothing yet.
std::string lock_holder(int fd) {
  char buffer[512] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto space = text.rfind(' ');
  if (space == std::string::npos) return "a process that has not yet written its name";
  return fmt::format("host {}, PID {}", text.substr(0, space), text.substr(space + 1));
}

}  // namespace

OutputLock::OutputLock(const std::filesystem::path& output) : path_(with_suffix(output, ".lock")) {
  // Retried when the file taken was unlinked by its releasing holder between open and flock.
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw IoError(
          fmt::format("cannot create lock file '{}': {}", path_.string(), std::strerror(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const std::string holder = error == EWOULDBLOCK ? lock_holder(fd_) : std::string();
      ::close(fd_);
      fd_ = -1;
      if (error == EWOULDBLOCK) {
        throw IoError(fmt::format(
            "output file '{}' is being written by another run ({}; lock '{}'); wait for it to "
            "finish or stop it",
            output.string(), holder, path_.string()));
      }
      throw IoError(fmt::format("cannot lock '{}': {}", path_.string(), std::strerror(error)));
    }
    struct stat held {};
    struct stat named {};
    if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &named) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      break;
    }
    ::close(fd_);
    fd_ = -1;
  }
  const std::string text = fmt::format("{} {}\n", host_name(), ::getpid());
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int error = errno;
    ::unlink(path_.c_str());
    ::close(fd_);
    throw IoError(
        fmt::format("cannot write lock file '{}': {}", path_.string(), std::strerror(error)));
  }
}

OutputLock::~OutputLock() {
  // Unlinked while still locked, so no other process can take the lock on a file that is gone.
  ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace kirchhoff::montecarlo::detail
