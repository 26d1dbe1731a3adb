// The kirchhoff command line. Errors from the library (kirchhoff::Error) are printed as
// "kirchhoff: error: <message>" and give a non-zero exit status; nothing here calls exit().
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace kirchhoff::cli {

// Exit statuses of the program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and found a problem (e.g. self-check)
inline constexpr int kExitUsage = 2;    // bad command line or bad input (file, key, value)

// Runs the program with its arguments (args[0] is the program name).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run(int argc, char** argv);

// `kirchhoff selfcheck`: a quick check that this build works on this machine (random streams
// against known answers and distributions, statistics, HDF5 and TOML round trips).
// Prints one line per check; returns true when every check passed.
bool self_check(std::ostream& out);

}  // namespace kirchhoff::cli
