// `kirchhoff xbar solve | spice` in-process through kirchhoff::cli::run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kirchhoff/apps/cli.hpp"
#include "run_cli.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::cli {
namespace {

using kirchhoff::testing::TempDir;
using kirchhoff::testing::write_text;
using testing::Result;
using testing::run_cli;

class XbarCli : public ::testing::Test {
 protected:
  void SetUp() override {
    g_ = write("G.csv", "1e-4,2e-4,3e-4\n4e-5,5e-5,6e-5\n");
    v_ = write("V.csv", "0.1,0.2\n0.3,-0.1\n");
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    write_text(path, text);
    return path;
  }
  Result solve(const std::string& g, const std::string& v, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"xbar", "solve",   "--conductance", g,         "--voltage",
                                  v,      "--r-row", "2.5ohm",        "--r-col", "0.35ohm"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  }
  const TempDir dir_{"xbar-cli"};
  std::string g_, v_;
};

std::vector<std::vector<double>> parse(const std::string& text) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) row.push_back(std::stod(field));
    rows.push_back(row);
  }
  return rows;
}

TEST_F(XbarCli, SolveWritesOneLineOfColumnCurrentsPerInput) {
  const auto ideal = solve(g_, v_, {"--model", "ideal"});
  ASSERT_EQ(ideal.exit_status, kExitOk) << ideal.err;
  const auto rows = parse(ideal.out);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(rows[0].size(), 3u);
  EXPECT_DOUBLE_EQ(rows[0][0], 0.1 * 1e-4 + 0.2 * 4e-5);
  EXPECT_DOUBLE_EQ(rows[1][2], 0.3 * 3e-4 - 0.1 * 6e-5);
  const auto exact = parse(solve(g_, v_).out);
  const auto approx = parse(solve(g_, v_, {"--model", "approx"}).out);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_LT(exact[0][j], rows[0][j]);  // IR drop lowers the currents
    EXPECT_NEAR(approx[0][j], exact[0][j], 1e-2 * (rows[0][j] - exact[0][j]));
  }
  const auto out = (dir_ / "I.csv").string();
  const auto written = solve(g_, v_, {"--r-driver", "10ohm", "--r-sense", "5ohm", "--out", out});
  EXPECT_EQ(written.exit_status, kExitOk) << written.err;
  EXPECT_NE(written.out.find("wrote"), std::string::npos);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(parse(text.str()).size(), 2u);
  const auto again = solve(g_, v_, {"--out", out});
  EXPECT_EQ(again.exit_status, kExitUsage);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(solve(g_, v_, {"--out", out, "--force"}).exit_status, kExitOk);
}

TEST_F(XbarCli, SpiceWritesTheNetlistOfTheFirstVector) {
  const auto r = run_cli({"xbar", "spice", "--conductance", g_, "--voltage", v_, "--r-row",
                          "2.5ohm", "--r-col", "0.35ohm", "--r-sense", "10ohm"});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("Vin_1 in_1 0 DC 0.20000000000000001\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Rs_2 c_1_2 s_2 10\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(".op\n.end\n"), std::string::npos) << r.out;
}

TEST_F(XbarCli, MalformedFilesAreErrorsNamingFileLineAndColumn) {
  struct Case {
    std::string g, v, message;
  };
  const std::string g_path = (dir_ / "bad_G.csv").string();
  const std::string v_path = (dir_ / "bad_V.csv").string();
  const std::vector<Case> cases{
      {"1e-4,2e-4\n3e-4\n", "0.1,0.2\n",
       g_path + ":2: 1 fields, but line 1 has 2 (every line must have as many)"},
      {"1e-4,2e-4\n3e-4,abc\n", "0.1,0.2\n",
       "conductance file '" + g_path + "', line 2, column 2: 'abc' is not a finite number"},
      {"1e-4,,2e-4\n", "0.1\n",
       "conductance file '" + g_path +
           "', line 1, column 2: an empty value is not a finite number"},
      {"\n\n", "0.1\n", "conductance file '" + g_path + "' is empty"},
      {"1e-4,2e-4\n3e-4,-4e-4\n", "0.1,0.2\n",
       "conductance file '" + g_path + "', line 2, column 2: conductance -0.0004 S is negative"},
      // The line in the file, not the row of the matrix: blank and comment lines count.
      {"# G in S\n1e-4,2e-4\n\n3e-4,-4e-4\n", "0.1,0.2\n",
       "conductance file '" + g_path + "', line 4, column 2: conductance -0.0004 S is negative"},
      {"1e-4,2e-4\n3e-4,4e-4\n", "0.1,0.2,0.3\n",
       "voltage file '" + v_path + "': 3 values per line, but the conductance file '" + g_path +
           "' has 2 rows"},
      {"1e-4,2e-4\n3e-4,4e-4\n", "0.1,0.2\n\n0.2,0.1\n0.3,nan\n",
       "voltage file '" + v_path + "', line 4, column 2: 'nan' is not a finite number"},
  };
  for (const auto& c : cases) {
    write("bad_G.csv", c.g);
    write("bad_V.csv", c.v);
    const auto r = solve(g_path, v_path);
    EXPECT_EQ(r.exit_status, kExitUsage) << c.message;
    EXPECT_EQ(r.err.rfind("kirchhoff: error: " + c.message, 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  const auto missing = solve((dir_ / "none.csv").string(), v_);
  EXPECT_EQ(missing.exit_status, kExitUsage);
  EXPECT_NE(missing.err.find("cannot open conductance file"), std::string::npos) << missing.err;
  const auto unit = solve(g_, v_, {"--r-driver", "3uS"});
  EXPECT_EQ(unit.exit_status, kExitUsage);
  EXPECT_NE(unit.err.find("option --r-driver"), std::string::npos) << unit.err;
  const auto model = solve(g_, v_, {"--model", "spice"});
  EXPECT_EQ(model.exit_status, kExitUsage);
}

}  // namespace
}  // namespace kirchhoff::cli
