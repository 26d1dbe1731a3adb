// Runs the kirchhoff command line in-process and captures its exit status and output.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "kirchhoff/apps/cli.hpp"

namespace kirchhoff::cli::testing {

struct Result {
  int exit_status;
  std::string out, err;
};

// `args` without the program name.
inline Result run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "kirchhoff");
  std::ostringstream out, err;
  const int status = run(args, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace kirchhoff::cli::testing
