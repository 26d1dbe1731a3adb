// The checked reads shared by the option readers: ranges, choices, finite and non-negative
// numbers, keys of another setting and validate() reported at the table, each with its message
// located at the key.
#include "kirchhoff/core/config_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "support/expect.hpp"

namespace kirchhoff {
namespace {

const char* const kText = R"(count = 3
big = 70000
mode = "offset"
x = inf
negative = -1.5
zero = 0.0
[tile]
rows = 8
)";

Config config() {
  return Config::parse(kText, "opts.toml");
}

TEST(ConfigChecks, CountsInRangeOrTheirFallback) {
  const Config c = config();
  EXPECT_EQ(get_count(c.root(), "count", 1, 1, 16), 3);
  EXPECT_EQ(get_count(c.root(), "absent", 7, 1, 16), 7);
  EXPECT_EQ(get_required_count(c.table("tile"), "rows", 1, 65536), 8);
  EXPECT_THROW_MSG((void)get_count(c.root(), "big", 1, 1, 65536), ConfigError,
                   "opts.toml:2:7: key 'big': must be in [1, 65536], got 70000");
  EXPECT_THROW_MSG((void)get_required_count(c.table("tile"), "cols", 1, 65536), ConfigError,
                   "key 'tile.cols'");
  // The fallback is checked too: it is the value the program would run with.
  EXPECT_THROW_MSG((void)get_count(c.root(), "absent", 0, 1, 16), ConfigError,
                   "must be in [1, 16], got 0");
}

TEST(ConfigChecks, ChoiceIsItsPositionOrAListOfTheChoices) {
  const Config c = config();
  EXPECT_EQ(get_choice(c.root(), "scheme", "differential", {"differential", "offset"}), 0u);
  EXPECT_THROW_MSG(
      (void)get_choice(c.root(), "mode", "a", {"differential", "offset_digital"}), ConfigError,
      "opts.toml:3:8: key 'mode': must be one of \"differential\", \"offset_digital\", got "
      "\"offset\"");
  const Config d = Config::parse("mode = \"offset_digital\"\n", "d.toml");
  EXPECT_EQ(get_choice(d.root(), "mode", "differential", {"differential", "offset_digital"}), 1u);
}

TEST(ConfigChecks, FiniteAndNonNegativeNumbers) {
  const Config c = config();
  EXPECT_EQ(get_finite(c.root(), "negative", 0.0), -1.5);
  EXPECT_EQ(get_finite(c.root(), "absent", 2.5), 2.5);
  EXPECT_THROW_MSG((void)get_finite(c.root(), "x", 0.0), ConfigError, "key 'x': must be finite");
  EXPECT_EQ(get_nonnegative(c.root(), "zero", 1.0), 0.0);
  EXPECT_THROW_MSG((void)get_nonnegative(c.root(), "zero", 1.0, true), ConfigError,
                   "key 'zero': must be > 0, got 0");
  EXPECT_THROW_MSG((void)get_nonnegative(c.root(), "negative", 1.0), ConfigError,
                   "key 'negative': must be >= 0, got -1.5");
}

TEST(ConfigChecks, KeysOfAnotherSettingAreRefusedWithTheReason) {
  const Config c = config();
  EXPECT_NO_THROW(reject_unless(c.root(), "count", true, "with quantize = true"));
  EXPECT_NO_THROW(reject_unless(c.root(), "absent", false, "with quantize = true"));
  EXPECT_THROW_MSG(reject_unless(c.root(), "count", false, "with quantize = true"), ConfigError,
                   "opts.toml:1:9: key 'count': only used with quantize = true");
}

TEST(ConfigChecks, ValidateIsReportedAtTheTable) {
  const Config c = config();
  EXPECT_NO_THROW(check_table(c.table("tile"), [] {}));
  EXPECT_THROW_MSG(check_table(c.table("tile"), [] { throw InvalidArgument("rows too small"); }),
                   ConfigError, "key 'tile': rows too small");
  // Other exceptions are not the reader's to translate.
  EXPECT_THROW(check_table(c.table("tile"), [] { throw IoError("disk"); }), IoError);
}

}  // namespace
}  // namespace kirchhoff
