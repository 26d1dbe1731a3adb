#include "kirchhoff/core/csv.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff {
namespace {

using testing::message_of;
using testing::message_of_exact;

TEST(Csv, ReadsHeaderAndRecordsWithLineNumbersSkippingBlankAndCommentLines) {
  const CsvTable t = parse_csv(
      "# measured 2026-11-30\n"
      "device, target , programmed\r\n"
      "\n"
      "d1,1e-5,1.1e-5\r\n"
      "  # a comment between records\n"
      "d2, 2e-5 ,\t1.9e-5",
      "lab.csv");
  EXPECT_EQ(t.source, "lab.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"device", "target", "programmed"}));
  EXPECT_EQ(t.header_line, 2u);
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.records[0].line, 4u);
  EXPECT_EQ(t.records[0].fields, (std::vector<std::string>{"d1", "1e-5", "1.1e-5"}));
  EXPECT_EQ(t.records[1].line, 6u);
  EXPECT_EQ(t.records[1].fields, (std::vector<std::string>{"d2", "2e-5", "1.9e-5"}));
}

TEST(Csv, EmptyFieldsAreKept) {
  const CsvTable t = parse_csv("a,b,c\n1,,3\n", "x.csv");
  ASSERT_EQ(t.records.size(), 1u);
  EXPECT_EQ(t.records[0].fields, (std::vector<std::string>{"1", "", "3"}));
}

TEST(Csv, ARecordOfAnotherWidthThanTheHeaderIsAnErrorAtItsLine) {
  EXPECT_EQ(message_of<FormatError>([] { (void)parse_csv("a,b\n1,2\n\n3,4,5\n", "m.csv"); }),
            "m.csv:4: 3 fields, but the header (line 1) has 2 columns");
}

TEST(Csv, WithoutHeaderEveryRecordHasTheWidthOfTheFirst) {
  const CsvTable t = parse_csv("1,2\n3,4\n", "g.csv", {.header = false});
  EXPECT_TRUE(t.header.empty());
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.records[1].fields, (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(
      message_of<FormatError>([] { (void)parse_csv("\n1,2\n3\n", "g.csv", {.header = false}); }),
      "g.csv:3: 1 fields, but line 2 has 2 (every line must have as many)");
}

TEST(Csv, AnEmptyTextGivesAnEmptyTable) {
  const CsvTable t = parse_csv("# only a comment\n\n", "e.csv");
  EXPECT_TRUE(t.header.empty());
  EXPECT_TRUE(t.records.empty());
}

TEST(Csv, ReadsAFileAndNamesAMissingOne) {
  const testing::TempDir dir("csv");
  testing::write_text(dir / "t.csv", "x,y\n1,2\n");
  const CsvTable t = read_csv_file(dir / "t.csv");
  EXPECT_EQ(t.source, (dir / "t.csv").string());
  EXPECT_EQ(t.records.at(0).fields.at(1), "2");
  EXPECT_EQ(message_of_exact<IoError>([&] { (void)read_csv_file(dir / "none.csv"); }),
            "cannot open '" + (dir / "none.csv").string() + "': no such file");
}

TEST(Csv, ALeadingByteOrderMarkIsNotPartOfTheFirstColumnName) {
  const CsvTable t = parse_csv("\xEF\xBB\xBFtarget,programmed\n1e-5,1.1e-5\n", "excel.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"target", "programmed"}));
  const CsvTable no_header = parse_csv(
      "\xEF\xBB\xBF"
      "1,2\n",
      "g.csv", {.header = false});
  EXPECT_EQ(no_header.records.at(0).fields, (std::vector<std::string>{"1", "2"}));
}

TEST(Csv, DevicesAndFilesOverTheLimitAreRefusedBeforeReading) {
  EXPECT_EQ(message_of_exact<IoError>([] { (void)read_csv_file("/dev/zero"); }),
            "'/dev/zero' is not a regular file (a CSV file is read whole)");
  const testing::TempDir dir("csv-limit");
  testing::write_text(dir / "huge.csv", "x,y\n");
  std::filesystem::resize_file(dir / "huge.csv", kMaxCsvBytes + 1);  // sparse: no disk used
  EXPECT_EQ(message_of_exact<FormatError>([&] { (void)read_csv_file(dir / "huge.csv"); }),
            fmt::format("'{}' has 1073741825 bytes; CSV files of up to 1073741824 bytes (1 GiB) "
                        "are read; split or subsample it",
                        (dir / "huge.csv").string()));
}

TEST(Csv, NumbersAreWholeFiniteFields) {
  EXPECT_EQ(parse_csv_number("1e-6"), 1e-6);
  EXPECT_EQ(parse_csv_number("-0.5"), -0.5);
  EXPECT_FALSE(parse_csv_number(""));
  EXPECT_FALSE(parse_csv_number("1.5uS"));
  EXPECT_FALSE(parse_csv_number("nan"));
  EXPECT_FALSE(parse_csv_number("inf"));
  EXPECT_FALSE(parse_csv_number("x"));
}

}  // namespace
}  // namespace kirchhoff
