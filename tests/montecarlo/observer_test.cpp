// The run observer in-process: it sees every committed block once, in task order, and none
// beyond a point's stop; an observer can request a stop (the run is interrupted and resumes to
// the same datasets); an exception from it ends the run like a crash, and --resume completes it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "kirchhoff/montecarlo/engine.hpp"
#include "support/campaign.hpp"
#include "support/hdf5_contents.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::expect_same_datasets;
using testing::small_campaign;
using testing::TempDir;

using kirchhoff::testing::options_for;

// Records what it is told; after `stop_after` blocks it sets `stop`, or throws when `fail`.
class Recorder final : public RunObserver {
 public:
  std::vector<CommittedBlock> blocks;
  std::uint64_t stop_after = 0;
  std::atomic<bool> stop{false};
  bool fail = false;

  void on_block_committed(const CommittedBlock& block) override {
    blocks.push_back(block);
    if (blocks.size() == stop_after) {
      if (fail) throw std::runtime_error("observer failed");
      stop = true;
    }
  }
};

TEST(RunObserver, SeesEveryBlockOnceInTaskOrder) {
  const TempDir dir("observer");
  const Campaign c = testing::parse_builtin(small_campaign());
  Recorder recorder;
  auto o = options_for(dir / "r.h5", 3);
  o.observer = &recorder;
  ASSERT_EQ(run_campaign(c, o).status, RunStatus::completed);
  const std::uint64_t points = c.points.size();
  ASSERT_EQ(recorder.blocks.size(), points * c.blocks_per_point());
  for (std::uint64_t g = 0; g < recorder.blocks.size(); ++g) {
    const CommittedBlock& b = recorder.blocks[g];
    EXPECT_EQ(b.point, g % points);
    EXPECT_EQ(b.block, g / points);
    EXPECT_EQ(b.trials, c.trials_in_block(b.block));
    EXPECT_EQ(b.committed_this_run, g + 1);
  }
}

TEST(RunObserver, BlocksBeyondAStopAreNotCommitted) {
  const TempDir dir("observer-stop");
  const Campaign c = testing::parse_builtin(small_campaign(
      "[stopping]\nmetric = \"rms_error\"\nrelative_half_width = 0.1\nmin_trials = 8\n"));
  Recorder recorder;
  auto o = options_for(dir / "r.h5", 2);
  o.observer = &recorder;
  ASSERT_EQ(run_campaign(c, o).status, RunStatus::completed);
  const auto file = h5::File::open(dir / "r.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  const auto done = file.read_dataset<std::vector<std::uint64_t>>("trials_done");
  std::vector<std::uint64_t> trials(c.points.size(), 0);
  for (const CommittedBlock& b : recorder.blocks) trials[b.point] += b.trials;
  EXPECT_EQ(trials, done);
  EXPECT_LT(recorder.blocks.size(), c.points.size() * c.blocks_per_point());
}

TEST(RunObserver, CanStopTheRunWhichResumesToTheSameDatasets) {
  const TempDir dir("observer-resume");
  const Campaign c = testing::parse_builtin(small_campaign());
  ASSERT_EQ(run_campaign(c, options_for(dir / "full.h5", 2)).status, RunStatus::completed);
  Recorder first;
  first.stop_after = 5;
  auto o = options_for(dir / "r.h5", 2);
  o.observer = &first;
  o.stop_requested = &first.stop;
  const RunResult interrupted = run_campaign(c, o);
  ASSERT_EQ(interrupted.status, RunStatus::interrupted);
  // The blocks in flight when the stop came are committed too.
  EXPECT_GE(interrupted.tasks_committed, 5u);
  EXPECT_EQ(first.blocks.size(), interrupted.tasks_committed);
  Recorder second;
  auto again = options_for(dir / "r.h5", 1);
  again.resume = true;
  again.observer = &second;
  ASSERT_EQ(run_campaign(c, again).status, RunStatus::completed);
  EXPECT_EQ(first.blocks.size() + second.blocks.size(), interrupted.tasks_total);
  EXPECT_EQ(second.blocks.front().committed_this_run, 1u);
  expect_same_datasets(dir / "full.h5", dir / "r.h5");
}

TEST(RunObserver, AnExceptionEndsTheRunLikeACrash) {
  const TempDir dir("observer-throw");
  const Campaign c = testing::parse_builtin(small_campaign());
  ASSERT_EQ(run_campaign(c, options_for(dir / "full.h5", 2)).status, RunStatus::completed);
  Recorder failing;
  failing.stop_after = 7;
  failing.fail = true;
  auto o = options_for(dir / "r.h5", 2);
  o.observer = &failing;
  EXPECT_THROW(run_campaign(c, o), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5"));
  EXPECT_TRUE(std::filesystem::exists(dir / "r.h5.checkpoint"));
  auto again = options_for(dir / "r.h5", 1);
  again.resume = true;
  ASSERT_EQ(run_campaign(c, again).status, RunStatus::completed);
  expect_same_datasets(dir / "full.h5", dir / "r.h5");
}

// A run that fails before its first checkpoint (a full disk, here an observer that throws)
// leaves no spool behind: nothing in it could be resumed.
TEST(RunObserver, AFailureBeforeTheFirstCheckpointRemovesTheSpool) {
  const TempDir dir("observer-no-checkpoint");
  const Campaign c = testing::parse_builtin(small_campaign(), "c.toml",
                                            std::vector<std::string>{"checkpoint_interval=\"1h\""});
  Recorder failing;
  failing.stop_after = 3;
  failing.fail = true;
  auto o = options_for(dir / "r.h5", 2);
  o.observer = &failing;
  EXPECT_THROW(run_campaign(c, o), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5.checkpoint"));
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5.spool"));
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5.lock"));
}

}  // namespace
}  // namespace kirchhoff::montecarlo
