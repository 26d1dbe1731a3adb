// Helpers shared by the montecarlo tests: temporary directories, campaign text, and the
// contents of every dataset of an HDF5 file (to compare runs byte for byte).
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo::testing {

// A fresh directory under the system temporary directory, removed at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("kirchhoff-mc-{}-{}", name, ::getpid());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

// The position of a metric in a campaign's metric list (a test failure when there is none).
inline std::size_t metric_index(const Campaign& c, const std::string& name) {
  for (std::size_t i = 0; i < c.metrics.size(); ++i) {
    if (c.metrics[i].name == name) return i;
  }
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

// Metrics of one trial of a point: [read time][metric].
inline std::vector<double> run_trial(const Campaign& c, std::uint32_t trial,
                                     std::uint32_t point = 0) {
  std::vector<double> out(c.trial_width());
  c.workloads.at(point)->run_trial(trial, out);
  return out;
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A small, fast device campaign; `extra` is appended (more keys, sweeps, a stopping rule).
inline std::string small_campaign(const std::string& extra = "") {
  return R"(name = "small"
seed = 7
trials = 30
block_size = 4
read_times = ["1s", "1d"]
checkpoint_interval = "0s"

[device]
preset = "pcm-joshi2020"

[workload]
kind = "device"
cells = 16

[[sweep]]
key = "device.parameters.g_max"
values = ["20uS", "25uS"]

[[sweep]]
key = "workload.cells"
values = [8, 16]
)" + extra;
}

// Every dataset of a file as raw bytes, by path: numbers as their native bytes, strings joined
// with NUL. Attributes are not included (they hold the date, host and thread count).
inline void collect_datasets(const h5::Group& group, const std::string& prefix,
                             std::map<std::string, std::string>& out) {
  for (const std::string& name : group.children()) {
    const std::string path = prefix + "/" + name;
    if (group.exists(name) && [&] {
          try {
            static_cast<void>(group.open_group(name));
            return true;
          } catch (const FormatError&) {
            return false;
          }
        }()) {
      collect_datasets(group.open_group(name), path, out);
      continue;
    }
    const h5::Dataset d = group.open_dataset(name);
    std::string bytes = fmt::format("shape {};", fmt::join(d.shape(), "x"));
    auto numbers = [&]<class T>(T) {
      try {
        const auto a = d.read<h5::NdArray<T>>();
        bytes.append(reinterpret_cast<const char*>(a.data.data()), a.data.size() * sizeof(T));
        return true;
      } catch (const FormatError&) {
        return false;
      }
    };
    if (numbers(double{}) || numbers(std::uint64_t{}) || numbers(std::uint32_t{})) {
    } else {
      try {
        bytes += d.read<std::string>();
      } catch (const FormatError&) {
        for (const auto& s : d.read<std::vector<std::string>>()) bytes += s + '\0';
      }
    }
    out[path] = bytes;
  }
}

inline std::map<std::string, std::string> dataset_bytes(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  const auto f = h5::File::open(file, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
  collect_datasets(f, "", out);
  return out;
}

// A child process running argv[0] (looked up in PATH) with argv, its stdout and stderr in `log`.
struct Child {
  pid_t pid = -1;
  std::filesystem::path log;
};

inline Child start_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  Child child{::fork(), log};
  if (child.pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<std::string> copy = argv;
    std::vector<char*> pointers;
    for (auto& a : copy) pointers.push_back(a.data());
    pointers.push_back(nullptr);
    ::execvp(pointers[0], pointers.data());
    ::_exit(127);
  }
  return child;
}

struct Outcome {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  std::string output;
};

inline Outcome wait_for(const Child& child) {
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  Outcome o;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  std::ifstream in(child.log);
  o.output.assign(std::istreambuf_iterator<char>(in), {});
  return o;
}

inline void expect_same_datasets(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto da = dataset_bytes(a), db = dataset_bytes(b);
  ASSERT_EQ(da.size(), db.size());
  for (const auto& [name, bytes] : da) EXPECT_TRUE(bytes == db.at(name)) << name;
}

}  // namespace kirchhoff::montecarlo::testing
