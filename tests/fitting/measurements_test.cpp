// CSV measurements for fitting: columns by role, units from the header or options, and every bad
// data case with its exact error type and message.
#include "kirchhoff/fitting/measurements.hpp"

#include <gtest/gtest.h>

#include <string>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff::fitting {
namespace {

using kirchhoff::testing::message_of;

// Ten rows of target,programmed in uS, after `header`.
std::string programming_text(const std::string& header) {
  std::string text = "# synthetic\n" + header + "\n";
  for (int i = 1; i <= 10; ++i) text += std::to_string(i) + "," + std::to_string(i) + ".5\n";
  return text;
}

TEST(Measurements, ProgrammingUnitsFromTheHeader) {
  const auto data = parse_programming_csv(programming_text("target_uS,programmed_uS"), "p.csv");
  ASSERT_EQ(data.target_siemens.size(), 10u);
  EXPECT_DOUBLE_EQ(data.target_siemens[0], 1e-6);
  EXPECT_DOUBLE_EQ(data.programmed_siemens[9], 10.5e-6);
  EXPECT_EQ(data.line[0], 3u);  // after the comment and the header

  const auto siemens = parse_programming_csv(std::string("g_T_S,g_P_S,extra\n") +
                                                 "1e-6,2e-6,x\n1e-6,2e-6,y\n1e-6,2e-6,z\n"
                                                 "1e-6,2e-6,x\n1e-6,2e-6,x\n1e-6,2e-6,x\n"
                                                 "1e-6,2e-6,x\n1e-6,2e-6,x\n1e-6,2e-6,x\n"
                                                 "1e-6,2e-6,x\n",
                                             "s.csv");
  EXPECT_DOUBLE_EQ(siemens.programmed_siemens[0], 2e-6);
}

TEST(Measurements, ColumnsAndUnitsByOption) {
  MeasurementOptions options;
  options.columns = {{"target", "Gt"}, {"programmed", "Gp"}};
  options.units = {{"target", "nS"}, {"programmed", "nS"}};
  const auto data = parse_programming_csv(programming_text("Gt,Gp"), "p.csv", options);
  EXPECT_DOUBLE_EQ(data.target_siemens[1], 2e-9);
  EXPECT_DOUBLE_EQ(data.programmed_siemens[1], 2.5e-9);
  EXPECT_EQ(parse_role_list("--units", "target=uS, time = h").at("time"), "h");
  EXPECT_EQ(message_of<InvalidArgument>([] { (void)parse_role_list("--units", "target"); }),
            "option --units: 'target' is not ROLE=VALUE (e.g. target=uS)");
}

TEST(Measurements, BadProgrammingDataNamesFileLineAndColumn) {
  EXPECT_EQ(message_of<FormatError>(
                [] { (void)parse_programming_csv(programming_text("target_uS,foo"), "p.csv"); }),
            "p.csv: no programmed column (looked for programmed, g_programmed, g_P; the header "
            "has target_uS, foo); name it with --columns programmed=NAME");
  EXPECT_EQ(message_of<FormatError>([] {
              (void)parse_programming_csv(programming_text("target,programmed_uS"), "p.csv");
            }),
            "p.csv: column 'target' (target) has no unit: name it e.g. target_S or give --units "
            "target=S");
  auto with_row = [](const std::string& row) {
    return programming_text("target_uS,programmed_uS") + row + "\n";
  };
  EXPECT_EQ(
      message_of<FormatError>([&] { (void)parse_programming_csv(with_row("3,abc"), "p.csv"); }),
      "p.csv:13: column 'programmed_uS': 'abc' is not a number");
  EXPECT_EQ(message_of<FormatError>([&] { (void)parse_programming_csv(with_row("3,"), "p.csv"); }),
            "p.csv:13: column 'programmed_uS': '' is not a number");
  EXPECT_EQ(
      message_of<FormatError>([&] { (void)parse_programming_csv(with_row("3,-0.3"), "p.csv"); }),
      "p.csv:13: column 'programmed_uS': negative conductance -300 nS");
  EXPECT_EQ(message_of<FormatError>([&] { (void)parse_programming_csv(with_row("3"), "p.csv"); }),
            "p.csv:13: 1 fields, but the header (line 2) has 2 columns");
  EXPECT_EQ(message_of<FormatError>([] {
              (void)parse_programming_csv("target_uS,programmed_uS\n1,1\n2,2\n3,3\n", "p.csv");
            }),
            "p.csv: 3 data rows; the programming fit needs at least 10");
  EXPECT_EQ(message_of<FormatError>([] { (void)parse_programming_csv("# only\n\n", "p.csv"); }),
            "p.csv: no header line (the file is empty or only comments)");
  EXPECT_EQ(message_of<FormatError>([] {
              (void)parse_programming_csv("target_uS,g_P_uS,programmed_S\n1,1,1\n", "p.csv");
            }),
            "p.csv: columns 'g_P_uS' and 'programmed_S' both name the programmed column; choose "
            "one with --columns programmed=NAME");
  MeasurementOptions bad_role;
  bad_role.columns = {{"tagret", "x"}};
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)parse_programming_csv(programming_text("target_uS,programmed_uS"), "p.csv",
                                          bad_role);
            }),
            "unknown column role 'tagret' for programming data (roles: target, programmed)");
  EXPECT_THROW((void)read_programming_csv("/nonexistent/p.csv"), IoError);
}

TEST(Measurements, DriftRowsUnitsAndDevices) {
  const auto data = parse_drift_csv(
      "device,target_uS,time_h,conductance_uS\n"
      "a,10,1,10\nb,5,1,5\na,10,2,9\nb,5,3,4\n",
      "d.csv");
  ASSERT_EQ(data.time_s.size(), 4u);
  EXPECT_EQ(data.device[2], "a");
  EXPECT_DOUBLE_EQ(data.time_s[3], 3 * 3600.0);
  EXPECT_DOUBLE_EQ(data.conductance_siemens[2], 9e-6);
}

TEST(Measurements, BadDriftDataNamesFileLineAndDevice) {
  const std::string header = "device,target_uS,time_s,g_uS\n";
  auto error = [&](const std::string& rows) {
    return message_of<FormatError>([&] { (void)parse_drift_csv(header + rows, "d.csv"); });
  };
  EXPECT_EQ(error("a,10,1,10\na,10,1,9\n"),
            "d.csv:3: device 'a': time 1 s is not after its previous time 1 s (line 2); times "
            "must increase down the file for each device");
  EXPECT_EQ(error("a,10,5,10\nb,10,1,9\na,10,2,9\n"),
            "d.csv:4: device 'a': time 2 s is not after its previous time 5 s (line 2); times "
            "must increase down the file for each device");
  EXPECT_EQ(error("a,10,1,10\na,5,2,9\n"),
            "d.csv:3: device 'a': target 5 uS differs from 10 uS on line 2");
  EXPECT_EQ(error("a,10,1,10\na,10,2,9\nb,10,1,8\n"),
            "d.csv:4: device 'b' has 1 read time; the drift fit needs at least 2 per device");
  EXPECT_EQ(error("a,10,1,10\na,10,2,0\n"),
            "d.csv:3: column 'g_uS': zero conductance 0 S (the drift fit takes log G: "
            "conductances must be > 0)");
  EXPECT_EQ(error("a,10,0,10\na,10,2,9\n"),
            "d.csv:2: column 'time_s': time since programming must be > 0, got 0");
  EXPECT_EQ(error("a,10,1,10\na,10,2,9\n"), "d.csv: 1 device; the drift fit needs at least 2");
  EXPECT_EQ(error(",10,1,10\n"), "d.csv:2: column 'device': empty device id");
  EXPECT_EQ(message_of<FormatError>(
                [] { (void)parse_drift_csv("device,target_uS,time,g_uS\n", "d.csv"); }),
            "d.csv: column 'time' (time) has no unit: name it e.g. time_s or give --units time=s");
}

}  // namespace
}  // namespace kirchhoff::fitting
