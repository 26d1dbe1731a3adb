#include "kirchhoff/apps/cli.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kirchhoff/core/build_info.hpp"
#include "kirchhoff/core/hdf5.hpp"

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

TEST(CliDevice, ListShowsEveryPresetWithItsSource) {
  const auto r = run_cli({"device", "list"});
  EXPECT_EQ(r.exit_status, kExitOk) << r.err;
  for (const char* name : {"pcm-joshi2020", "pcm-hermes2023", "rram-wan2022", "rram-hfox-cmo",
                           "rram-milo2021", "agasi-neurosim", "generic-ideal"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("source: Nandakumar et al., ICECS 2019; Joshi et al."), std::string::npos);
}

class CliFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(CliFiles, DeviceSampleWritesOneColumnPerTimeAndNeverOverwrites) {
  const auto csv = (dir_ / "samples.csv").string();
  const auto r = run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS",
                          "--time", "1s,1h", "--count", "5", "--out", csv});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("10 uS"), std::string::npos) << r.out;
  std::ifstream in(csv);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header, "G_S(t=1 s),G_S(t=1 h)");
  int rows = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line, "1.0000000000000001e-05,1.0000000000000001e-05");  // the ideal device
    ++rows;
  }
  EXPECT_EQ(rows, 5);

  // A second run does not touch the existing file without --force.
  std::ofstream(csv) << "precious\n";
  const auto again = run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS",
                              "--time", "1s", "--count", "5", "--out", csv});
  EXPECT_EQ(again.exit_status, kExitUsage);
  EXPECT_NE(again.err.find("exists; use --force to replace it"), std::string::npos) << again.err;
  std::ifstream kept(csv);
  std::getline(kept, line);
  EXPECT_EQ(line, "precious");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);  // no temp left
  const auto forced = run_cli({"device", "sample", "--preset", "generic-ideal", "--target", "10uS",
                               "--time", "1s", "--count", "5", "--out", csv, "--force"});
  EXPECT_EQ(forced.exit_status, kExitOk) << forced.err;
}

TEST_F(CliFiles, DeviceSampleWritesASelfDescribingHdf5File) {
  const auto h5 = (dir_ / "samples.h5").string();
  const auto r = run_cli({"device", "sample", "--preset", "pcm-joshi2020", "--target", "10uS",
                          "--time", "20s,1d", "--count", "1000", "--out", h5});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  auto file = h5::File::open(h5, h5::OpenMode::read_only, "kirchhoff-device-samples", 1);
  EXPECT_EQ(file.read_attribute<std::string>("device"), "pcm-joshi2020");
  const auto g = file.open_dataset("conductance");
  EXPECT_EQ(g.shape(), (h5::Shape{1000, 2}));
  EXPECT_EQ(g.read_attribute<std::string>("units"), "S");
  EXPECT_EQ(file.read_dataset<std::vector<double>>("read_time"), (std::vector<double>{20.0, 86400.0}));
}

TEST(CliDevice, BadOptionsAreNamedInTheError) {
  auto r = run_cli({"device", "sample", "--preset", "pcm-joshi2020", "--target", "10us", "--time", "1s"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_EQ(r.err.rfind("kirchhoff: error: option --target: ", 0), 0u) << r.err;
  r = run_cli({"device", "sample", "--preset", "pcm-josh2020", "--target", "10uS", "--time", "1s"});
  EXPECT_NE(r.err.find("did you mean 'pcm-joshi2020'?"), std::string::npos) << r.err;
  r = run_cli({"device", "sample", "--preset", "pcm-joshi2020", "--target", "30uS", "--time", "1s"});
  EXPECT_NE(r.err.find("target conductance of cell 0 is 3e-05 S; allowed: 0 to g_max"), std::string::npos) << r.err;
  r = run_cli({"device", "curve", "--preset", "rram-wan2022", "--pulses", "3"});
  EXPECT_EQ(r.exit_status, kExitUsage);
  EXPECT_NE(r.err.find("needs a pulse-programmed device"), std::string::npos) << r.err;
}

TEST(CliDevice, CurveGoesUpWithLtpAndDownWithLtd) {
  const auto r = run_cli({"device", "curve", "--preset", "taox-hfox-neurosim", "--pulses", "10"});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  std::istringstream rows(r.out);
  std::string line;
  std::getline(rows, line);
  EXPECT_EQ(line, "pulse,polarity,G_noiseless_S,G_S");
  std::vector<double> noiseless;
  while (std::getline(rows, line)) {
    std::istringstream fields(line);
    std::string f;
    for (int i = 0; i < 3; ++i) std::getline(fields, f, ',');
    noiseless.push_back(std::stod(f));
  }
  ASSERT_EQ(noiseless.size(), 21u);
  for (std::size_t i = 1; i <= 10; ++i) EXPECT_GT(noiseless[i], noiseless[i - 1]);
  for (std::size_t i = 11; i <= 20; ++i) EXPECT_LT(noiseless[i], noiseless[i - 1]);
}

}  // namespace
}  // namespace kirchhoff::cli
