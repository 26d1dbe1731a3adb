// Memory is bounded by the block, not by the trials per point (docs/campaigns.md, "Execution"):
// the peak resident size of `kirchhoff run` at 10^6 trials of one point is within 1.2x of that
// at 10^4, and a 10^6-trial point runs under `ulimit -v 500000` (it ended in std::bad_alloc
// when the results writer held a point's whole /trials). Labelled statistical: it takes a while.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::TempDir;

// Under AddressSanitizer the program's memory is the sanitizer's (shadow memory, a quarantine of
// freed blocks, a reserved address space far above 500 MB): nothing to measure there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

struct Measured {
  int exit_code = -1;
  long peak_rss_kib = 0;
  std::string output;
};

// The program run by sh with `limits` before it (e.g. "ulimit -v 500000"), its peak RSS from
// wait4.
Measured run_measured(const std::string& limits, const std::vector<std::string>& args,
                      const std::filesystem::path& log) {
  std::string command = limits.empty() ? "exec" : limits + " && exec";
  command += " '" KIRCHHOFF_PROGRAM "'";
  for (const auto& a : args) command += " '" + a + "'";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::creat(log.c_str(), 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  Measured m;
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  m.peak_rss_kib = usage.ru_maxrss;
  std::ifstream in(log);
  m.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return m;
}

// The demo campaign as one point of `trials` chips of 16 cells in blocks of 1000.
std::vector<std::string> one_point(std::uint64_t trials, const std::filesystem::path& out) {
  return {"run",        "-o",
          out.string(), "-q",
          "-j",         "2",
          "--set",      fmt::format("trials={}", trials),
          "--set",      "workload.cells=16",
          "--set",      "block_size=1000",
          "--set",      "sweep=[]"};
}

TEST(MemoryStatistical, PeakRssDoesNotGrowWithTrialsPerPoint) {
  if (kSanitized) GTEST_SKIP() << "memory is the sanitizer's in this build";
  const TempDir dir("memory");
  const auto small = run_measured("", one_point(10'000, dir / "small.h5"), dir / "small.log");
  ASSERT_EQ(small.exit_code, 0) << small.output;
  const auto large = run_measured("", one_point(1'000'000, dir / "large.h5"), dir / "large.log");
  ASSERT_EQ(large.exit_code, 0) << large.output;
  RecordProperty("peak_rss_kib_1e4", std::to_string(small.peak_rss_kib));
  RecordProperty("peak_rss_kib_1e6", std::to_string(large.peak_rss_kib));
  std::cout << "peak RSS: " << small.peak_rss_kib << " KiB at 10^4 trials, " << large.peak_rss_kib
            << " KiB at 10^6\n"
            << large.output;
  EXPECT_LE(static_cast<double>(large.peak_rss_kib), 1.2 * static_cast<double>(small.peak_rss_kib));
  EXPECT_NE(large.output.find("1000000 trials in"), std::string::npos) << large.output;
  EXPECT_NE(large.output.find("s of it writing the file"), std::string::npos) << large.output;
}

TEST(MemoryStatistical, AMillionTrialPointRunsUnderUlimitV500000) {
  if (kSanitized) GTEST_SKIP() << "memory is the sanitizer's in this build";
  const TempDir dir("ulimit");
  const auto r = run_measured("ulimit -v 500000", one_point(1'000'000, dir / "r.h5"), dir / "log");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("bad_alloc"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "r.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5.spool"));
}

}  // namespace
}  // namespace kirchhoff::montecarlo
