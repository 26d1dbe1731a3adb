// Kernel levels through the real program (core/kernels.hpp, docs/performance.md): every level
// this CPU has is recorded with the BLAS core it names (the program restarts itself to give
// OpenBLAS that core), and shards of different levels are merged only when told.
#include "kirchhoff/core/kernels.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kirchhoff/core/hdf5.hpp"
#include "support/campaign.hpp"
#include "support/expect.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::TempDir;

testing::Outcome run(std::vector<std::string> args, const std::filesystem::path& log) {
  args.insert(args.begin(), KIRCHHOFF_PROGRAM);
  return testing::wait_for(testing::start_process(args, log));
}

std::string root_attribute(const std::filesystem::path& file, const std::string& name) {
  return h5::File::open_foreign(file).read_attribute<std::string>(name);
}

TEST(KernelLevels, EachLevelIsRecordedWithItsBlasCore) {
  TempDir dir("levels");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  for (KernelLevel level : kKernelLevels) {
    const std::string name(kernel_level_name(level));
    SCOPED_TRACE(name);
    const auto out = dir / (name + ".h5");
    const auto r =
        run({"run", (dir / "c.toml").string(), "-o", out.string(), "-q", "--kernels", name},
            dir / "run.log");
    if (!kernel_level_supported(level)) {
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_CONTAINS(r.output, "option --kernels is '" + name + "', which this CPU cannot run");
      continue;
    }
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(root_attribute(out, "kernel_level"), name);
    EXPECT_EQ(root_attribute(out, "blas_core"), blas_core_for(level));
    EXPECT_CONTAINS(root_attribute(out, "blas"), "OpenBLAS");
  }
}

TEST(KernelLevels, AnUnknownLevelIsRefusedWithTheLevelsAllowed) {
  TempDir dir("unknown-level");
  const auto r = run({"--kernels", "avx9", "--version"}, dir / "run.log");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_CONTAINS(r.output, "option --kernels is 'avx9'; allowed: portable, avx2, avx512");
}

TEST(KernelLevels, ShardsOfDifferentLevelsMergeOnlyWhenTold) {
  if (best_kernel_level() == KernelLevel::portable) GTEST_SKIP() << "one kernel level only";
  TempDir dir("mixed-merge");
  testing::write_text(dir / "c.toml", testing::small_campaign());
  const std::string best(kernel_level_name(best_kernel_level()));
  const auto shards = (dir / "s.h5").string();
  for (const auto& [shard, level] :
       {std::pair{"0/2", "portable"}, std::pair{"1/2", best.c_str()}}) {
    const auto r = run({"run", (dir / "c.toml").string(), "-o", shards, "-q", "--shard", shard,
                        "--kernels", level},
                       dir / "shard.log");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::string first = (dir / "s.shard-0-of-2.h5").string();
  const std::string second = (dir / "s.shard-1-of-2.h5").string();
  const auto merged = (dir / "merged.h5").string();
  const auto refused = run({"merge", merged, first, second}, dir / "merge.log");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_CONTAINS(refused.output, "'" + second + "' was computed with kernels " + best);
  EXPECT_CONTAINS(refused.output, "'" + first + "' with portable (BLAS core Prescott)");
  EXPECT_CONTAINS(refused.output, "--mixed-kernels");
  EXPECT_FALSE(std::filesystem::exists(merged));

  const auto told = run({"merge", merged, first, second, "--mixed-kernels"}, dir / "merge.log");
  ASSERT_EQ(told.exit_code, 0) << told.output;
  EXPECT_EQ(root_attribute(merged, "kernel_level"), "mixed");
  EXPECT_EQ(root_attribute(merged, "blas_core"), "mixed");
}

}  // namespace
}  // namespace kirchhoff::montecarlo
