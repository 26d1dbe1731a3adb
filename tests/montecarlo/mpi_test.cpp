// `mpirun -np K kirchhoff run`: the results file of 1, 2 and 3 ranks has the same datasets, byte
// for byte, as a run in one process; the ranks' shard files are gone afterwards; a rank count
// with an existing output is refused without --force.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "kirchhoff/core/hdf5.hpp"
#include "support/campaign.hpp"
#include "support/hdf5_contents.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::TempDir;

#if defined(KIRCHHOFF_MPIEXEC)
testing::Child start_mpirun(int ranks, const std::vector<std::string>& args,
                            const std::filesystem::path& log) {
  // 3 ranks on a 2-core machine: oversubscribe; CI runs as root.
  std::vector<std::string> argv{KIRCHHOFF_MPIEXEC, "--oversubscribe", "-np", std::to_string(ranks),
                                KIRCHHOFF_PROGRAM};
  argv.insert(argv.end(), args.begin(), args.end());
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return testing::start_process(argv, log);
}

testing::Outcome mpirun(int ranks, const std::vector<std::string>& args,
                        const std::filesystem::path& log) {
  return testing::wait_for(start_mpirun(ranks, args, log));
}

std::string read_if_exists(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t count(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}
#endif

TEST(Mpi, AnyRankCountGivesTheDatasetsOfOneProcess) {
#if !defined(KIRCHHOFF_MPIEXEC)
  GTEST_SKIP() << "built without MPI (KIRCHHOFF_MPI=OFF)";
#else
  TempDir dir("mpi");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const auto single =
      testing::wait_for(testing::start_process({KIRCHHOFF_PROGRAM, "run", (dir / "c.toml").string(),
                                                "-o", (dir / "one.h5").string(), "-q", "-j", "1"},
                                               dir / "one.log"));
  ASSERT_EQ(single.exit_code, 0) << single.output;
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(ranks);
    const auto out = dir / fmt::format("ranks{}.h5", ranks);
    const auto r =
        mpirun(ranks, {"run", (dir / "c.toml").string(), "-o", out.string(), "-q", "-j", "1"},
               dir / "mpi.log");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    testing::expect_same_datasets(dir / "one.h5", out);
    for (int rank = 0; rank < ranks && ranks > 1; ++rank) {
      EXPECT_FALSE(std::filesystem::exists(
          dir / fmt::format("ranks{}.shard-{}-of-{}.h5", ranks, rank, ranks)));
    }
  }
  // An existing output is refused on every rank, before any work, and left as it was.
  const auto again =
      mpirun(2, {"run", (dir / "c.toml").string(), "-o", (dir / "ranks2.h5").string(), "-q"},
             dir / "again.log");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("exists; use --force"), std::string::npos) << again.output;
  testing::expect_same_datasets(dir / "one.h5", dir / "ranks2.h5");
#endif
}

// A rank's finished shard file does not stop `mpirun … --resume`: it has nothing to do but take
// part in the merge. A rank killed mid-run resumes from its checkpoint. Both give the file of an
// uninterrupted run, whose provenance records the real layout.
TEST(Mpi, ResumeAfterARankDiedFinishesWithTheFileOfAnUninterruptedRun) {
#if !defined(KIRCHHOFF_MPIEXEC)
  GTEST_SKIP() << "built without MPI (KIRCHHOFF_MPI=OFF)";
#else
  TempDir dir("mpi-resume");
  std::string text = testing::small_campaign();
  text.replace(text.find("values = [8, 16]"), 16, "values = [20000, 40000]");
  testing::write_text(dir / "c.toml", text + "\n");
  const std::vector<std::string> common = {"--set", "trials=48", "--set", "block_size=2",
                                           "-q",    "-j",        "1"};
  auto args = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> a = {"run", (dir / "c.toml").string(), "-o", out};
    a.insert(a.end(), common.begin(), common.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto program = [&](std::vector<std::string> a, const char* log) {
    a.insert(a.begin(), KIRCHHOFF_PROGRAM);
    return testing::wait_for(testing::start_process(a, dir / log));
  };
  const auto single = program(args((dir / "one.h5").string(), {}), "one.log");
  ASSERT_EQ(single.exit_code, 0) << single.output;

  // Shard 0 finished earlier (as a rank that completed before another died would have).
  const auto out = (dir / "m.h5").string();
  const auto shard0 = program(args(out, {"--shard", "0/3"}), "shard0.log");
  ASSERT_EQ(shard0.exit_code, 0) << shard0.output;
  ASSERT_TRUE(std::filesystem::exists(dir / "m.shard-0-of-3.h5"));
  const auto resumed = mpirun(3, args(out, {"--resume"}), dir / "resumed.log");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  testing::expect_same_datasets(dir / "one.h5", out);
  {
    const auto file = h5::File::open(out, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
    EXPECT_EQ(file.read_attribute<std::uint32_t>("mpi_ranks"), 3u);
    EXPECT_EQ(file.read_attribute<std::uint32_t>("threads"), 1u);
  }
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_FALSE(std::filesystem::exists(dir / fmt::format("m.shard-{}-of-3.h5", rank)));
  }

  // Rank 1 killed with SIGKILL once it has a checkpoint (its PID is in its shard's lock file).
  const auto killed_out = (dir / "k.h5").string();
  const testing::Child launch = start_mpirun(3, args(killed_out, {}), dir / "killed.log");
  const auto lock = dir / "k.shard-1-of-3.h5.lock";
  const auto checkpoint = dir / "k.shard-1-of-3.h5.checkpoint";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t rank1 = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string holder = read_if_exists(lock);
    if (std::filesystem::exists(checkpoint) && holder.find(' ') != std::string::npos) {
      rank1 = static_cast<pid_t>(std::stol(holder.substr(holder.rfind(' ') + 1)));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (rank1 > 0) ::kill(rank1, SIGKILL);
  const auto killed = testing::wait_for(launch);
  if (killed.exit_code == 0) GTEST_SKIP() << "the run finished before rank 1 was killed";
  EXPECT_FALSE(std::filesystem::exists(killed_out));
  const auto again = mpirun(3, args(killed_out, {"--resume"}), dir / "again.log");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  testing::expect_same_datasets(dir / "one.h5", killed_out);
#endif
}

// SIGTERM to every rank (as a scheduler sends it): each commits its blocks in flight, writes a
// checkpoint, and the launch exits 3 with a resume command that keeps -j and -q; the resume
// gives the file of an uninterrupted run.
TEST(Mpi, SigtermToTheRanksExitsThreeAndResumes) {
#if !defined(KIRCHHOFF_MPIEXEC)
  GTEST_SKIP() << "built without MPI (KIRCHHOFF_MPI=OFF)";
#else
  TempDir dir("mpi-term");
  std::string text = testing::small_campaign();
  text.replace(text.find("values = [8, 16]"), 16, "values = [20000, 40000]");
  testing::write_text(dir / "c.toml", text + "\n");
  const auto out = (dir / "m.h5").string();
  std::vector<std::string> args = {"run",   (dir / "c.toml").string(),
                                   "-o",    out,
                                   "--set", "trials=400",
                                   "--set", "block_size=2",
                                   "-q",    "-j",
                                   "1"};
  const auto single = testing::wait_for(testing::start_process(
      {KIRCHHOFF_PROGRAM, "run", (dir / "c.toml").string(), "-o", (dir / "one.h5").string(),
       "--set", "trials=400", "--set", "block_size=2", "-q", "-j", "2"},
      dir / "one.log"));
  ASSERT_EQ(single.exit_code, 0) << single.output;
  const testing::Child launch = start_mpirun(3, args, dir / "term.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<pid_t> ranks(3, 0);
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const auto lock = dir / fmt::format("m.shard-{}-of-3.h5.lock", r);
    const auto checkpoint = dir / fmt::format("m.shard-{}-of-3.h5.checkpoint", r);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string holder = read_if_exists(lock);
      if (std::filesystem::exists(checkpoint) && holder.find(' ') != std::string::npos) {
        ranks[r] = static_cast<pid_t>(std::stol(holder.substr(holder.rfind(' ') + 1)));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  for (const pid_t pid : ranks) {
    if (pid > 0) ::kill(pid, SIGTERM);
  }
  const auto term = testing::wait_for(launch);
  if (term.exit_code == 0) GTEST_SKIP() << "the run finished before the signal";
  EXPECT_EQ(term.exit_code, 3) << term.output;
  EXPECT_EQ(count(term.output, "continue with `mpirun -np 3 kirchhoff run"), 1u) << term.output;
  EXPECT_NE(term.output.find("--threads 1 --quiet --resume`"), std::string::npos) << term.output;
  args.push_back("--resume");
  const auto resumed = mpirun(3, args, dir / "resumed.log");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  testing::expect_same_datasets(dir / "one.h5", out);
#endif
}

// Under mpirun an error is printed once, by rank 0, not once per rank.
TEST(Mpi, AnErrorIsPrintedOnce) {
#if !defined(KIRCHHOFF_MPIEXEC)
  GTEST_SKIP() << "built without MPI (KIRCHHOFF_MPI=OFF)";
#else
  TempDir dir("mpi-error");
  testing::write_text(dir / "c.toml", testing::small_campaign() + "trails = 3\n");
  const auto r =
      mpirun(3, {"run", (dir / "c.toml").string(), "-o", (dir / "x.h5").string()}, dir / "log");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count(r.output, "kirchhoff: error:"), 1u) << r.output;
  EXPECT_EQ(count(r.output, "unknown key"), 1u) << r.output;
#endif
}

}  // namespace
}  // namespace kirchhoff::montecarlo
