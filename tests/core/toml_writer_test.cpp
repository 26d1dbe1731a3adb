#include "kirchhoff/core/toml_writer.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff {
namespace {

TEST(TomlWriter, StringsAreEscapedSoAnyTextReadsBack) {
  EXPECT_EQ(toml_string("plain"), "\"plain\"");
  EXPECT_EQ(toml_string("a \"q\" \\ b"), R"("a \"q\" \\ b")");
  EXPECT_EQ(toml_string("line 1\nline 2"), R"("line 1\nline 2")");
  const std::string nasty = "tab\there, \"quote\", back\\slash,\nnew line, \x01 control";
  TomlWriter w;
  w.key("description", toml_string(nasty));
  const Config c = Config::parse(w.finish(), "written.toml");
  EXPECT_EQ(c.root().get<std::string>("description"), nasty);
}

TEST(TomlWriter, FloatsAreShortestAndStayFloats) {
  EXPECT_EQ(toml_float(0.0091220892), "0.0091220892");
  EXPECT_EQ(toml_float(3.0), "3.0");
  EXPECT_EQ(toml_float(0.0), "0.0");
  EXPECT_EQ(toml_float(-0.5), "-0.5");
  EXPECT_EQ(toml_float(2.5e-05), "2.5e-05");
  EXPECT_EQ(toml_float(1e21), "1e+21");
  EXPECT_EQ(toml_float(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(toml_float(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(toml_float(std::numeric_limits<double>::quiet_NaN()), "nan");
  const std::vector<double> values{1.0 / 3.0, 1e-300, -7.25, 6.02214076e23};
  EXPECT_EQ(toml_floats(values), "[0.3333333333333333, 1e-300, -7.25, 6.02214076e+23]");
  TomlWriter w;
  w.key("values", toml_floats(values));
  const Config c = Config::parse(w.finish(), "written.toml");
  EXPECT_EQ(c.root().get_array<double>("values"), values);  // every bit reads back
}

TEST(TomlWriter, KeysAreBareWhenTheyMayBe) {
  EXPECT_EQ(toml_key("g_max"), "g_max");
  EXPECT_EQ(toml_key("nl-ltp2"), "nl-ltp2");
  EXPECT_EQ(toml_key("a key"), "\"a key\"");
  EXPECT_EQ(toml_key("a.b"), "\"a.b\"");
  EXPECT_EQ(toml_key(""), "\"\"");
}

TEST(TomlWriter, WritesCommentsTablesAndKeysInOrder) {
  TomlWriter w;
  w.comment("Device file written by a test.\n\nSecond paragraph.");
  w.key("name", toml_string("d"));
  w.key("count", toml_integer(-3));
  w.table("parameters");
  w.key("g_max", toml_string("25uS"), "normalisation\nof x");
  w.key("clip", toml_bool(false));
  w.table("workload.odd key");
  w.key("x", toml_float(1.5));
  EXPECT_EQ(w.finish(),
            "# Device file written by a test.\n"
            "#\n"
            "# Second paragraph.\n"
            "name = \"d\"\n"
            "count = -3\n"
            "\n"
            "[parameters]\n"
            "g_max = \"25uS\"  # normalisation of x\n"
            "clip = false\n"
            "\n"
            "[workload.\"odd key\"]\n"
            "x = 1.5\n");
}

TEST(TomlWriter, ADocumentThatWouldNotReadBackIsRefused) {
  TomlWriter twice;
  twice.key("a", toml_integer(1));
  twice.key("a", toml_integer(2));
  EXPECT_THROW_MSG((void)twice.finish(), InvalidArgument,
                   "TOML writer: the document does not parse at line 2");
  TomlWriter bad_value;
  bad_value.key("a", "not a value");
  EXPECT_THROW_MSG((void)bad_value.finish(), InvalidArgument, "does not parse at line 1");
}

}  // namespace
}  // namespace kirchhoff
