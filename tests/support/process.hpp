// Child processes for tests of real programs (the kirchhoff binary, mpirun, test drivers): run
// one with its stdout and stderr in a log file, and wait for its exit status or signal.
//
//   const Outcome r = wait_for(start_process({program, "run", "c.toml"}, dir / "run.log"));
//   EXPECT_EQ(r.exit_code, 0) << r.output;
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace kirchhoff::testing {

struct Child {
  pid_t pid = -1;
  std::filesystem::path log;
};

// Runs argv[0] (looked up in PATH) with argv, its stdout and stderr in `log`.
[[nodiscard]] Child start_process(const std::vector<std::string>& argv,
                                  const std::filesystem::path& log);

struct Outcome {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  std::string output;  // its log
};

[[nodiscard]] Outcome wait_for(const Child& child);

}  // namespace kirchhoff::testing
