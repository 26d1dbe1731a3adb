// `mpirun -np K kirchhoff run`: the results file of 1, 2 and 3 ranks has the same datasets, byte
// for byte, as a run in one process; the ranks' shard files are gone afterwards; a rank count
// with an existing output is refused without --force.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/campaign.hpp"
#include "support/hdf5_contents.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::montecarlo {
namespace {

using testing::TempDir;

#if defined(KIRCHHOFF_MPIEXEC)
testing::Outcome mpirun(int ranks, const std::vector<std::string>& args,
                        const std::filesystem::path& log) {
  // 3 ranks on a 2-core machine: oversubscribe; CI runs as root.
  std::vector<std::string> argv{KIRCHHOFF_MPIEXEC, "--oversubscribe", "-np", std::to_string(ranks),
                                KIRCHHOFF_PROGRAM};
  argv.insert(argv.end(), args.begin(), args.end());
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return testing::wait_for(testing::start_process(argv, log));
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

}  // namespace
}  // namespace kirchhoff::montecarlo
