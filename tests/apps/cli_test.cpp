#include "kirchhoff/apps/cli.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "kirchhoff/core/build_info.hpp"

namespace kirchhoff::cli {
namespace {

struct Result {
  int exit_status;
  std::string out, err;
};

Result run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "kirchhoff");
  std::ostringstream out, err;
  const int status = run(args, out, err);
  return {status, out.str(), err.str()};
}

TEST(Cli, VersionNamesTheVersionAndCommit) {
  const auto r = run_cli({"--version"});
  EXPECT_EQ(r.exit_status, kExitOk);
  EXPECT_NE(r.out.find(std::string("kirchhoff ") + build_info::version()), std::string::npos);
  EXPECT_NE(r.out.find(build_info::git_commit()), std::string::npos);
  EXPECT_TRUE(r.err.empty());
}

TEST(Cli, HelpListsTheCommands) {
  const auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_status, kExitOk);
  EXPECT_NE(r.out.find("selfcheck"), std::string::npos);
}

TEST(Cli, UnknownOptionIsAUsageErrorOnStderr) {
  const auto r = run_cli({"--bogus"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err.rfind("kirchhoff: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos);
}

TEST(Cli, SelfCheckPassesOnThisBuild) {
  const auto r = run_cli({"selfcheck"});
  EXPECT_EQ(r.exit_status, kExitOk) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace kirchhoff::cli
