// The real program: kill -9 at a random block (a test driver that runs like `kirchhoff run` and
// kills itself there) and SIGTERM, then --resume with the program, give the datasets of an
// uninterrupted run; bad campaign files are refused before any work and leave an existing
// output untouched.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "kirchhoff/core/kernels.hpp"
#include "support/campaign.hpp"
#include "support/expect.hpp"
#include "support/hdf5_contents.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::dataset_bytes;
using testing::TempDir;

using testing::Child;
using testing::expect_same_datasets;
using testing::Outcome;
using testing::wait_for;

// The program with these arguments, output to `log`.
Child start(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> argv{KIRCHHOFF_PROGRAM};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::start_process(argv, log);
}

Outcome run(const std::vector<std::string>& args, const std::filesystem::path& log) {
  return wait_for(start(args, log));
}

// The file's text, "" when it is not there (yet).
std::string read_if_exists(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string this_host() {
  char buffer[256] = {};
  ::gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

// A campaign slow enough for a signal or a second run to land mid-run: 4 points x 32 blocks of
// 2 trials of 20,000 and 40,000 cells.
std::string slow_campaign() {
  std::string text = testing::small_campaign();
  text.replace(text.find("values = [8, 16]"), 16, "values = [20000, 40000]");
  return text + "\n";
}

TEST(Crash, KillNineAtARandomBlockThenResume) {
  TempDir dir("kill9");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const auto full =
      run({"run", (dir / "c.toml").string(), "-o", (dir / "full.h5").string(), "-q", "-j", "2"},
          dir / "full.log");
  ASSERT_EQ(full.exit_code, 0) << full.output;
  std::random_device device;
  std::mt19937 pick(device());
  // The first block, one at random, and the last of the 32 (killed before its checkpoint).
  for (const int k : {1, std::uniform_int_distribution<int>(2, 31)(pick), 32}) {
    SCOPED_TRACE(fmt::format("killed after block {}", k));
    const auto out = (dir / "r.h5").string();
    const auto killed = testing::wait_for(
        testing::start_process({KIRCHHOFF_CRASH_DRIVER, "--kill-after-blocks", std::to_string(k),
                                (dir / "c.toml").string(), "-o", out, "-q", "-j", "2"},
                               dir / "killed.log"));
    ASSERT_EQ(killed.signal, SIGKILL) << killed.output;
    EXPECT_FALSE(std::filesystem::exists(out));
    const auto resumed =
        run({"run", (dir / "c.toml").string(), "-o", out, "-q", "-j", "1", "--resume"},
            dir / "resumed.log");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    expect_same_datasets(dir / "full.h5", out);
    EXPECT_FALSE(std::filesystem::exists(out + ".checkpoint"));
    EXPECT_FALSE(std::filesystem::exists(out + ".spool"));
    std::filesystem::remove(out);
  }
}

// Kills a run of the small campaign into `out` with the crash driver after `blocks` blocks,
// leaving its checkpoint (one per block) and spool.
void kill_after(const TempDir& dir, const std::string& out, int blocks) {
  const auto killed = wait_for(
      testing::start_process({KIRCHHOFF_CRASH_DRIVER, "--kill-after-blocks", std::to_string(blocks),
                              (dir / "c.toml").string(), "-o", out, "-q", "-j", "2"},
                             dir / "killed.log"));
  ASSERT_EQ(killed.signal, SIGKILL) << killed.output;
}

// The names in a directory that start with `prefix`.
std::vector<std::string> files_starting(const std::filesystem::path& dir,
                                        const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Crash, ResumeRecomputesFromTheFirstDamagedRecordOfTheSpool) {
  TempDir dir("damaged-spool");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const auto full = run({"run", (dir / "c.toml").string(), "-o", (dir / "full.h5").string(), "-q"},
                        dir / "full.log");
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const std::vector<std::pair<std::string, std::function<void(const std::filesystem::path&)>>>
      damages = {
          {"truncated",
           [](const auto& spool) {
             std::filesystem::resize_file(spool, std::filesystem::file_size(spool) / 2 + 3);
           }},
          {"emptied", [](const auto& spool) { std::filesystem::resize_file(spool, 0); }},
          {"bit-flipped payload",
           [](const auto& spool) {
             std::fstream f(spool, std::ios::in | std::ios::out | std::ios::binary);
             f.seekg(static_cast<std::streamoff>(std::filesystem::file_size(spool) / 2 + 100));
             char byte = 0;
             f.read(&byte, 1);
             byte = static_cast<char>(byte ^ 0x10);
             f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(spool) / 2 + 100));
             f.write(&byte, 1);
           }},
          {"bit-flipped header",
           [](const auto& spool) {
             std::fstream f(spool, std::ios::in | std::ios::out | std::ios::binary);
             f.seekp(4);  // the point of the first record
             const char point = 5;
             f.write(&point, 1);
           }},
          // The first two records' values (and the checksums beside them) exchanged, their
          // point and block numbers kept: the checksum covers the header too, so each record's
          // values are found to be another block's (the resume fuzz target's first finding).
          {"values of two records exchanged",
           [](const auto& spool) {
             std::string bytes = testing::read_text(spool);
             std::uint32_t trials = 0, width = 0;
             std::memcpy(&trials, bytes.data() + 12, 4);
             std::memcpy(&width, bytes.data() + 16, 4);
             const std::size_t record = 32 + std::size_t{trials} * width * 8;
             const std::string first = bytes.substr(24, record - 24);
             bytes.replace(24, record - 24, bytes.substr(record + 24, record - 24));
             bytes.replace(record + 24, record - 24, first);
             testing::write_bytes(
                 spool,
                 std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
           }},
      };
  for (const auto& [name, damage] : damages) {
    SCOPED_TRACE(name);
    const auto out = (dir / "r.h5").string();
    kill_after(dir, out, 20);
    damage(out + ".spool");
    const auto resumed =
        run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--resume"}, dir / "resumed.log");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("warning: spool '" + out + ".spool' is damaged at byte"),
              std::string::npos)
        << resumed.output;
    expect_same_datasets(dir / "full.h5", out);
    EXPECT_EQ(files_starting(dir.path(), "r.h5"), std::vector<std::string>{"r.h5"});
    std::filesystem::remove(out);
  }
}

// Blocks computed at one kernel level are not resumed at another (their bits could differ);
// the message names the level to resume with, which then works.
TEST(Crash, ResumeAtAnotherKernelLevelIsRefusedNamingTheLevel) {
  TempDir dir("resume-kernels");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const auto out = (dir / "r.h5").string();
  kill_after(dir, out, 5);
  std::string text = read_if_exists(out + ".checkpoint");
  const KernelsInUse now = kernels_in_use();
  const std::string line = "kernel_level " + now.level + "\nblas_core " + now.blas_core + "\n";
  ASSERT_NE(text.find(line), std::string::npos) << text;
  // As if written by a run at the portable level.
  text.replace(
      text.find(line), line.size(),
      fmt::format("kernel_level portable\nblas_core {}\n", blas_core_for(KernelLevel::portable)));
  testing::write_text(out + ".checkpoint", text);
  if (now.level == "portable") GTEST_SKIP() << "this machine runs the portable level already";
  const auto refused =
      run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--resume"}, dir / "r.log");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_CONTAINS(refused.output, "cannot resume: the blocks in '" + out + ".spool'");
  EXPECT_CONTAINS(refused.output, "resume with --kernels portable");
  const auto resumed =
      run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--resume", "--kernels", "portable"},
          dir / "p.log");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
}

TEST(Crash, ADamagedCheckpointIsRefusedNamingItAndForce) {
  TempDir dir("damaged-checkpoint");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const auto out = (dir / "r.h5").string();
  kill_after(dir, out, 5);
  const std::string good = read_if_exists(out + ".checkpoint");
  ASSERT_NE(good.find("config_hash 0x"), std::string::npos) << good;
  const auto hash_at = good.find("config_hash 0x") + 14;
  const std::vector<std::string> bad = {
      std::string(good).insert(hash_at, "fffff"),  // overflows 64 bits
      "garbage\n",
      "",
      std::string(good).replace(good.find("tasks_committed "), 16, "tasks_committed -"),
  };
  for (const std::string& text : bad) {
    SCOPED_TRACE(text);
    testing::write_text(out + ".checkpoint", text);
    const auto r =
        run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--resume"}, dir / "r.log");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("kirchhoff: error: checkpoint '" + out + ".checkpoint' is damaged"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  }
  const auto forced =
      run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--force"}, dir / "f.log");
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
}

TEST(Crash, WhatKilledRunsLeftIsRemovedByTheNextRun) {
  TempDir dir("leftovers");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const auto full = run({"run", (dir / "c.toml").string(), "-o", (dir / "full.h5").string(), "-q"},
                        dir / "full.log");
  ASSERT_EQ(full.exit_code, 0) << full.output;
  EXPECT_EQ(files_starting(dir.path(), "full.h5"), std::vector<std::string>{"full.h5"});

  // Killed during the final write (its temporary), or while writing a checkpoint.
  const auto out = (dir / "r.h5").string();
  kill_after(dir, out, 7);
  testing::write_text(out + ".tmp-999999", "half an HDF5 file");
  testing::write_text(out + ".checkpoint.tmp", "kirchhoff-checkpoint 2\n");
  const auto resumed =
      run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--resume"}, dir / "resumed.log");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  expect_same_datasets(dir / "full.h5", out);
  EXPECT_EQ(files_starting(dir.path(), "r.h5"), std::vector<std::string>{"r.h5"});

  // Killed right after renaming its output into place: its checkpoint and spool are still
  // there. --resume has nothing to do but remove them; the file is left as it is.
  kill_after(dir, (dir / "k.h5").string(), 3);
  std::filesystem::rename(dir / "k.h5.checkpoint", out + ".checkpoint");
  std::filesystem::rename(dir / "k.h5.spool", out + ".spool");
  const auto again =
      run({"run", (dir / "c.toml").string(), "-o", out, "-q", "--resume"}, dir / "again.log");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already complete; nothing to resume"), std::string::npos)
      << again.output;
  EXPECT_EQ(files_starting(dir.path(), "r.h5"), std::vector<std::string>{"r.h5"});
  expect_same_datasets(dir / "full.h5", out);
}

// Waits until the run has written a checkpoint (so it is mid-way), then signals it.
Outcome signal_mid_run(const std::vector<std::string>& args, const std::filesystem::path& out,
                       int signal, const std::filesystem::path& log) {
  const Child child = start(args, log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto checkpoint = out;
  checkpoint += ".checkpoint";
  while (!std::filesystem::exists(checkpoint) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(child.pid, signal);
  return wait_for(child);
}

TEST(Crash, SigtermWritesAFinalCheckpointAndKillNineMidRunResumes) {
  TempDir dir("term");
  testing::write_text(dir / "c.toml", slow_campaign());
  const std::vector<std::string> slow = {"--set", "trials=64", "--set", "block_size=2"};
  auto args = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> a = {"run", (dir / "c.toml").string(), "-o", out, "-q", "-j", "2"};
    a.insert(a.end(), slow.begin(), slow.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const auto full = run(args((dir / "full.h5").string(), {}), dir / "full.log");
  ASSERT_EQ(full.exit_code, 0) << full.output;

  const auto out = (dir / "r.h5").string();
  const auto term = signal_mid_run(args(out, {}), out, SIGTERM, dir / "term.log");
  if (term.exit_code == 0) GTEST_SKIP() << "the run finished before the signal";
  ASSERT_EQ(term.exit_code, 3) << term.output;
  EXPECT_NE(term.output.find("interrupted: checkpoint saved after"), std::string::npos)
      << term.output;
  // The resume command keeps the threads and --quiet as given.
  EXPECT_NE(term.output.find("--threads 2 --quiet --resume`"), std::string::npos) << term.output;
  EXPECT_TRUE(std::filesystem::exists(out + ".checkpoint"));

  // Then kill -9 the resumed run mid-way, and resume again.
  const auto killed = signal_mid_run(args(out, {"--resume"}), out, SIGKILL, dir / "k.log");
  if (killed.exit_code == 0) GTEST_SKIP() << "the resumed run finished before the kill";
  ASSERT_EQ(killed.signal, SIGKILL) << killed.output;
  const auto resumed = run(args(out, {"--resume"}), dir / "resumed.log");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed after"), std::string::npos) << resumed.output;
  expect_same_datasets(dir / "full.h5", out);
}

TEST(Crash, ASecondRunOnTheSameOutputIsRefusedAtOnceNamingTheHolder) {
  TempDir dir("lock");
  testing::write_text(dir / "c.toml", slow_campaign());
  const auto out = (dir / "r.h5").string();
  const std::vector<std::string> args = {"run",         (dir / "c.toml").string(),
                                         "-o",          out,
                                         "-q",          "-j",
                                         "1",           "--set",
                                         "trials=64",   "--set",
                                         "block_size=2"};
  const Child first = start(args, dir / "first.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read_if_exists(out + ".lock").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto started = std::chrono::steady_clock::now();
  auto second_args = args;
  second_args.push_back("--force");  // not even --force takes an output being written
  const auto second = run(second_args, dir / "second.log");
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::kill(first.pid, SIGTERM);
  const auto first_outcome = wait_for(first);
  if (first_outcome.exit_code == 0) GTEST_SKIP() << "the first run finished before the second";
  EXPECT_EQ(first_outcome.exit_code, 3) << first_outcome.output;
  EXPECT_EQ(second.exit_code, 2) << second.output;
  EXPECT_LT(waited, 10.0);
  EXPECT_NE(second.output.find(fmt::format("is being written by another run (host {}, PID {};",
                                           this_host(), first.pid)),
            std::string::npos)
      << second.output;
  // The holder's lock file is gone with it; its checkpoint resumes.
  EXPECT_FALSE(std::filesystem::exists(out + ".lock"));
  EXPECT_TRUE(std::filesystem::exists(out + ".checkpoint"));
}

TEST(Crash, BadCampaignsAreRefusedBeforeAnyWorkAndLeaveTheOutputAlone) {
  TempDir dir("bad");
  const auto out = dir / "r.h5";
  testing::write_text(out, "precious");
  const std::string good = testing::small_campaign();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"name = \"x\"\nseed = = 1\n", "c.toml:2"},
      {good + "trails = 3\n", "c.toml:22:1: key 'sweep[1].trails': unknown key; did you mean"},
      {std::string(good).replace(good.find("seed = 7"), 8, "seed = \"7\""), "key 'seed'"},
      {std::string(good).replace(good.find("trials = 30"), 11, "trials = 0"),
       "must be in [1, 4294967295], got 0"},
      {std::string(good).replace(good.find("[8, 16]"), 7, "[]"), "empty sweep"},
      {std::string(good).replace(good.find("pcm-joshi2020"), 13, "pcm-nonesuch"),
       "unknown device preset 'pcm-nonesuch'"},
  };
  for (const auto& [text, expected] : cases) {
    testing::write_text(dir / "c.toml", text);
    for (const std::string command : {"run", "validate"}) {
      std::vector<std::string> a = {command, (dir / "c.toml").string()};
      if (command == "run") a.insert(a.end(), {"-o", out.string(), "--force"});
      const auto r = run(a, dir / "log");
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_NE(r.output.find("kirchhoff: error: "), std::string::npos) << r.output;
      EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
    }
    std::ifstream in(out);
    std::string content;
    in >> content;
    EXPECT_EQ(content, "precious");
    EXPECT_FALSE(std::filesystem::exists(dir / "r.h5.spool"));
  }
  // A good campaign does not replace it without --force either.
  testing::write_text(dir / "c.toml", good);
  const auto r = run({"run", (dir / "c.toml").string(), "-o", out.string()}, dir / "log");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("exists; use --force"), std::string::npos) << r.output;
}

TEST(Crash, DemoRunsAndInfoDescribesIt) {
  TempDir dir("demo");
  const auto out = (dir / "demo.h5").string();
  const auto r = run({"run", "-o", out, "-j", "2"}, dir / "log");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("relative_rms_error"), std::string::npos) << r.output;
  const auto info = run({"info", out}, dir / "info.log");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("kirchhoff-campaign (schema 1.2)"), std::string::npos);
  EXPECT_NE(info.output.find("config_hash"), std::string::npos);
  const auto dry = run({"run", "--dry-run"}, dir / "dry.log");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("3 sweep points"), std::string::npos) << dry.output;
}

TEST(Crash, ShardsAndMergeThroughTheProgram) {
  TempDir dir("cli-shards");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  ASSERT_EQ(
      run({"run", (dir / "c.toml").string(), "-o", (dir / "one.h5").string(), "-q"}, dir / "log")
          .exit_code,
      0);
  // A shard's file always has the shard name, also with --output (which names the results).
  std::vector<std::string> merge = {"merge", (dir / "merged.h5").string()};
  for (int i = 0; i < 3; ++i) {
    const auto r = run({"run", (dir / "c.toml").string(), "-o", (dir / "s.h5").string(), "--shard",
                        fmt::format("{}/3", i), "-q"},
                       dir / "log");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto shard = dir / fmt::format("s.shard-{}-of-3.h5", i);
    EXPECT_NE(r.output.find("wrote " + shard.string()), std::string::npos) << r.output;
    merge.push_back(shard.string());
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "s.h5"));
  // A shard name given as the output is kept as it is.
  const auto named = run({"run", (dir / "c.toml").string(), "-o",
                          (dir / "t.shard-1-of-3.h5").string(), "--shard", "1/3", "-q"},
                         dir / "log");
  ASSERT_EQ(named.exit_code, 0) << named.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "t.shard-1-of-3.h5"));

  // The output among the inputs, or an input twice, is refused and the shards are left alone.
  const std::string before = read_if_exists(merge[2]);
  for (const auto& bad :
       {std::vector<std::string>{"merge", merge[2], merge[2], merge[3], merge[4], "--force"},
        std::vector<std::string>{"merge", (dir / "m2.h5").string(), merge[2], merge[2], merge[3],
                                 merge[4]}}) {
    const auto r = run(bad, dir / "bad.log");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(bad[1] == merge[2] ? "is one of the shards to merge"
                                               : "are the same shard file"),
              std::string::npos)
        << r.output;
  }
  EXPECT_EQ(read_if_exists(merge[2]), before);
  EXPECT_FALSE(std::filesystem::exists(dir / "m2.h5"));

  const auto m = run(merge, dir / "merge.log");
  ASSERT_EQ(m.exit_code, 0) << m.output;
  expect_same_datasets(dir / "one.h5", dir / "merged.h5");
}

}  // namespace
}  // namespace kirchhoff::montecarlo
