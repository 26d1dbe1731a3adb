// The engine in-process: identical datasets for any thread count and for shards merged,
// statistics equal to a recomputation from the stored trials, the stopping rule, interruption
// and resume, and the refusals that protect existing files.
#include "kirchhoff/montecarlo/engine.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>

#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/workloads/registry.hpp"
#include "support/campaign.hpp"
#include "support/hdf5_contents.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::dataset_bytes;
using testing::expect_same_datasets;
using testing::small_campaign;
using testing::TempDir;

Campaign parse(const std::string& text) {
  return testing::parse_builtin(text);
}

// merge_shards without --force, with the toolkit's workloads.
void merge(const std::filesystem::path& output, const std::vector<std::filesystem::path>& shards) {
  merge_shards(output, shards, false, workloads::builtin_registry());
}

using kirchhoff::testing::options_for;

TEST(Engine, ThreadCountDoesNotChangeOneBit) {
  TempDir dir("threads");
  const Campaign c = parse(small_campaign());
  for (unsigned threads : {1u, 2u, 4u}) {
    const auto r = run_campaign(c, options_for(dir / fmt::format("t{}.h5", threads), threads));
    EXPECT_EQ(r.status, RunStatus::completed);
    EXPECT_EQ(r.trials_run, 4u * 30u);
    EXPECT_EQ(r.tasks_total, 4u * 8u);
  }
  expect_same_datasets(dir / "t1.h5", dir / "t2.h5");
  expect_same_datasets(dir / "t1.h5", dir / "t4.h5");
  // Nothing is left beside the output.
  EXPECT_FALSE(std::filesystem::exists(dir / "t1.h5.spool"));
  EXPECT_FALSE(std::filesystem::exists(dir / "t1.h5.checkpoint"));
}

TEST(Engine, StatisticsEqualARecomputationFromTheStoredTrials) {
  TempDir dir("stats");
  const Campaign c = parse(small_campaign());
  run_campaign(c, options_for(dir / "r.h5", 2));
  const auto file = h5::File::open(dir / "r.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  const auto trials = file.read_dataset<h5::NdArray<double>>("trials");
  ASSERT_EQ(trials.shape, (h5::Shape{4, 30, 2, c.metrics.size()}));
  const auto mean = file.read_dataset<h5::NdArray<double>>("summary/mean");
  const auto stddev = file.read_dataset<h5::NdArray<double>>("summary/std");
  const auto lower = file.read_dataset<h5::NdArray<double>>("summary/ci_lower");
  const auto q = file.read_dataset<h5::NdArray<double>>("summary/quantiles");
  const auto ps =
      file.open_dataset("summary/quantiles").read_attribute<std::vector<double>>("probabilities");
  const auto done = file.read_dataset<std::vector<std::uint64_t>>("trials_done");
  const std::size_t width = c.trial_width();
  for (std::size_t p = 0; p < 4; ++p) {
    EXPECT_EQ(done[p], 30u);
    for (std::size_t k = 0; k < width; ++k) {
      std::vector<double> column;
      OrderedReduction reduction;
      for (std::uint64_t b = 0; b < c.blocks_per_point(); ++b) {
        RunningStats s;
        for (std::uint64_t t = b * 4; t < b * 4 + c.trials_in_block(b); ++t) {
          const double v = trials.data[(p * 30 + t) * width + k];
          s.add(v);
          column.push_back(v);
        }
        reduction.submit(b, s);
      }
      const std::size_t i = p * width + k;
      // Bitwise: the canonical block-ordered fold.
      EXPECT_EQ(mean.data[i], reduction.total().mean());
      EXPECT_EQ(stddev.data[i], reduction.total().stddev());
      EXPECT_EQ(lower.data[i], student_t_interval(reduction.total(), 0.95).lower);
      const auto expected_q = quantiles(column, ps);
      for (std::size_t j = 0; j < ps.size(); ++j) {
        EXPECT_EQ(q.data[i * ps.size() + j], expected_q[j]);
      }
      // And close to the textbook two-pass formulas.
      double sum = 0.0;
      for (double v : column) sum += v;
      const double m = sum / 30.0;
      double ss = 0.0;
      for (double v : column) ss += (v - m) * (v - m);
      EXPECT_NEAR(mean.data[i], m, 1e-12 * std::abs(m) + 1e-300);
      EXPECT_NEAR(stddev.data[i], std::sqrt(ss / 29.0), 1e-9 * std::sqrt(ss / 29.0) + 1e-300);
    }
  }
}

TEST(Engine, SummariesCarryUnitsAndDescriptions) {
  TempDir dir("units");
  run_campaign(parse(small_campaign()), options_for(dir / "r.h5", 1));
  const auto file = h5::File::open(dir / "r.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  EXPECT_EQ(file.identity(), (h5::FileIdentity{"kirchhoff-campaign", 1, kSchemaMinor}));
  EXPECT_EQ(file.read_attribute<std::uint64_t>("seed"), 7u);
  EXPECT_EQ(file.open_dataset("read_times").read_attribute<std::string>("units"), "s");
  const auto units = file.read_dataset<std::vector<std::string>>("metrics/unit");
  EXPECT_EQ(units.front(), "S");
  EXPECT_TRUE(file.open_dataset("summary/mean").has_attribute("description"));
  EXPECT_FALSE(file.open_dataset("trials").chunk_shape().empty());
  const auto values = file.read_dataset<h5::NdArray<double>>("points/value");
  EXPECT_EQ(values.shape, (h5::Shape{4, 2}));
  EXPECT_DOUBLE_EQ(values.data[2 * 2], 25e-6);
  EXPECT_NE(file.read_dataset<std::string>("config").find("pcm-joshi2020"), std::string::npos);
}

TEST(Engine, StoppingRuleEndsPointsAtABlockBoundaryWhateverTheThreads) {
  TempDir dir("stop");
  const Campaign c = parse(small_campaign(R"(
[stopping]
metric = "rms_error"
time = "1s"
relative_half_width = 0.1
min_trials = 8
)"));
  run_campaign(c, options_for(dir / "a.h5", 1));
  run_campaign(c, options_for(dir / "b.h5", 3));
  expect_same_datasets(dir / "a.h5", dir / "b.h5");
  const auto file = h5::File::open(dir / "a.h5", h5::OpenMode::read_only, kCampaignFiletype, 1);
  const auto done = file.read_dataset<std::vector<std::uint64_t>>("trials_done");
  const auto trials = file.read_dataset<h5::NdArray<double>>("trials");
  std::size_t stopped_early = 0;
  for (std::size_t p = 0; p < done.size(); ++p) {
    EXPECT_GE(done[p], 8u);
    if (done[p] == 30u) continue;  // the last block holds 2 trials
    ++stopped_early;
    EXPECT_EQ(done[p] % 4, 0u);
    EXPECT_TRUE(std::isnan(trials.data[(p * 30 + done[p]) * c.trial_width()]));
    EXPECT_FALSE(std::isnan(trials.data[(p * 30 + done[p] - 1) * c.trial_width()]));
  }
  EXPECT_GE(stopped_early, 2u);
}

TEST(Engine, ShardsMergedGiveTheDatasetsOfOneRun) {
  TempDir dir("shards");
  for (const std::string& extra :
       {std::string(), std::string("[stopping]\nmetric = \"rms_error\"\nrelative_half_width = "
                                   "0.1\nmin_trials = 8\n")}) {
    const Campaign c = parse(small_campaign(extra));
    run_campaign(c, options_for(dir / "single.h5", 2));
    std::vector<std::filesystem::path> shards;
    for (std::uint32_t i = 0; i < 3; ++i) {
      auto o = options_for(dir / fmt::format("shard{}.h5", i), 1);
      o.shard = Shard{i, 3};
      const auto r = run_campaign(c, o);
      EXPECT_EQ(r.tasks_total, i < 2 ? 11u : 10u);  // 32 blocks over 3 shards
      shards.push_back(o.output);
    }
    std::reverse(shards.begin(), shards.end());  // order of the arguments does not matter
    merge(dir / "merged.h5", shards);
    expect_same_datasets(dir / "single.h5", dir / "merged.h5");

    // Incomplete or foreign sets are refused.
    EXPECT_THROW(merge(dir / "x.h5", {shards[0], shards[1]}), FormatError);
    // A shard given twice, or the output among the inputs (which --force would replace).
    EXPECT_THROW(merge(dir / "x.h5", {shards[0], shards[0], shards[1]}), InvalidArgument);
    EXPECT_THROW(merge_shards(shards[0], shards, true, workloads::builtin_registry()),
                 InvalidArgument);
    EXPECT_TRUE(std::filesystem::exists(shards[0]));
    EXPECT_THROW(merge(dir / "merged.h5", shards), IoError);  // exists
    for (const auto& s : shards) std::filesystem::remove(s);
    std::filesystem::remove(dir / "single.h5");
    std::filesystem::remove(dir / "merged.h5");
  }
}

TEST(Engine, MergeRefusesShardsOfAnotherCampaign) {
  TempDir dir("foreign");
  auto o0 = options_for(dir / "a.h5", 1);
  o0.shard = Shard{0, 2};
  run_campaign(parse(small_campaign()), o0);
  auto o1 = options_for(dir / "b.h5", 1);
  o1.shard = Shard{1, 2};
  run_campaign(
      testing::parse_builtin(small_campaign(), "small.toml", std::vector<std::string>{"seed=8"}),
      o1);
  try {
    merge(dir / "m.h5", {dir / "a.h5", dir / "b.h5"});
    FAIL() << "merged shards of two campaigns";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to another campaign"), std::string::npos);
  }
}

// Stops the run from inside: the progress clock is read by the writer after each block.
struct StopAfter {
  std::atomic<bool> flag{false};
  std::atomic<int> calls{0};
  int limit;
  explicit StopAfter(int n) : limit(n) {}
};

TEST(Engine, InterruptedRunResumesToTheSameDatasets) {
  TempDir dir("resume");
  const Campaign c = parse(small_campaign());
  run_campaign(c, options_for(dir / "full.h5", 2));
  for (int stop_after : {1, 5, 17}) {
    StopAfter stop(stop_after);
    std::ostringstream sink;
    auto o = options_for(dir / "r.h5", 2);
    o.stop_requested = &stop.flag;
    o.progress.mode = ProgressMode::terminal;
    o.progress.out = &sink;
    o.progress.clock = [&stop] {
      if (++stop.calls > stop.limit) stop.flag = true;
      return 0.0;
    };
    const auto first = run_campaign(c, o);
    ASSERT_EQ(first.status, RunStatus::interrupted);
    EXPECT_LT(first.tasks_committed, first.tasks_total);
    EXPECT_TRUE(std::filesystem::exists(dir / "r.h5.checkpoint"));
    EXPECT_FALSE(std::filesystem::exists(dir / "r.h5"));
    // Without --resume (or --force) an interrupted run is not silently restarted.
    EXPECT_THROW(run_campaign(c, options_for(dir / "r.h5", 1)), IoError);
    auto again = options_for(dir / "r.h5", 1);
    again.resume = true;
    const auto second = run_campaign(c, again);
    EXPECT_EQ(second.status, RunStatus::completed);
    EXPECT_EQ(second.tasks_resumed, first.tasks_committed);
    expect_same_datasets(dir / "full.h5", dir / "r.h5");
    std::filesystem::remove(dir / "r.h5");
  }
}

TEST(Engine, ResumeOfAnotherCampaignIsRefused) {
  TempDir dir("other");
  StopAfter stop(2);
  auto o = options_for(dir / "r.h5", 1);
  o.stop_requested = &stop.flag;
  std::ostringstream sink;
  o.progress.mode = ProgressMode::terminal;
  o.progress.out = &sink;
  o.progress.clock = [&stop] {
    if (++stop.calls > stop.limit) stop.flag = true;
    return 0.0;
  };
  ASSERT_EQ(run_campaign(parse(small_campaign()), o).status, RunStatus::interrupted);
  auto again = options_for(dir / "r.h5", 1);
  again.resume = true;
  const Campaign other =
      testing::parse_builtin(small_campaign(), "small.toml", std::vector<std::string>{"trials=31"});
  try {
    run_campaign(other, again);
    FAIL() << "resumed another campaign";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to another campaign"), std::string::npos)
        << e.what();
  }
}

TEST(Engine, ResumeWithoutCheckpointStartsFromTheBeginning) {
  TempDir dir("fresh");
  auto o = options_for(dir / "r.h5", 1);
  o.resume = true;
  const auto r = run_campaign(parse(small_campaign()), o);
  EXPECT_EQ(r.status, RunStatus::completed);
  EXPECT_EQ(r.tasks_resumed, 0u);
  EXPECT_EQ(r.trials_run, 120u);
}

TEST(Engine, ExistingOutputIsNeverReplacedWithoutForce) {
  TempDir dir("force");
  testing::write_text(dir / "r.h5", "precious");
  const Campaign c = parse(small_campaign());
  EXPECT_THROW(run_campaign(c, options_for(dir / "r.h5", 1)), IoError);
  std::ifstream in(dir / "r.h5");
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
  auto o = options_for(dir / "r.h5", 1);
  o.force = true;
  EXPECT_EQ(run_campaign(c, o).status, RunStatus::completed);
  EXPECT_NO_THROW(dataset_bytes(dir / "r.h5"));
}

TEST(Engine, ShardOptionIsParsed) {
  EXPECT_EQ(parse_shard("2/5").index, 2u);
  EXPECT_EQ(parse_shard("2/5").count, 5u);
  EXPECT_THROW(parse_shard("5/5"), InvalidArgument);
  EXPECT_THROW(parse_shard("1"), InvalidArgument);
  EXPECT_THROW(parse_shard("a/b"), InvalidArgument);
}

TEST(Engine, ThreadCountFromTheEnvironment) {
  EXPECT_EQ(resolve_thread_count(3), 3u);
  ::setenv("OMP_NUM_THREADS", "5", 1);
  EXPECT_EQ(resolve_thread_count(0), 5u);
  ::unsetenv("OMP_NUM_THREADS");
  ::setenv("SLURM_CPUS_PER_TASK", "6", 1);
  EXPECT_EQ(resolve_thread_count(0), 6u);
  ::unsetenv("SLURM_CPUS_PER_TASK");
  EXPECT_GE(resolve_thread_count(0), 1u);
}

// `kirchhoff info` on another Kirchhoff file says what the file is and what info reads.
TEST(Engine, DescribeNamesAFileOfAnotherKind) {
  TempDir dir("describe-other");
  {
    auto file =
        h5::File::create(dir / "fit.h5", {"kirchhoff-fit-report", 1, 0}, h5::CreateMode::exclusive);
    file.close();
  }
  std::ostringstream out;
  try {
    describe_results(dir / "fit.h5", out);
    ADD_FAILURE() << "a fit report was described";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("fit.h5' is a fit report (filetype 'kirchhoff-fit-report', written by "
                           "kirchhoff fit"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("kirchhoff info describes campaign results and shard files"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("expected a"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace kirchhoff::montecarlo
