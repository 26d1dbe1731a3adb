#include "kirchhoff/core/error.hpp"

#include <gtest/gtest.h>

namespace kirchhoff {
namespace {

TEST(TextLocation, FormatsOnlyTheKnownParts) {
  EXPECT_EQ((TextLocation{"a.toml", 0, 0}.str()), "a.toml");
  EXPECT_EQ((TextLocation{"a.toml", 12, 0}.str()), "a.toml:12");
  EXPECT_EQ((TextLocation{"a.toml", 12, 5}.str()), "a.toml:12:5");
}

TEST(ConfigError, NamesFileLineAndKey) {
  const ConfigError e({"campaign.toml", 3, 7}, "device.g_max", "expected a conductance");
  EXPECT_STREQ(e.what(), "campaign.toml:3:7: key 'device.g_max': expected a conductance");
  EXPECT_EQ(e.where().line, 3u);
  EXPECT_EQ(e.key(), "device.g_max");
}

TEST(ConfigError, OmitsWhatIsUnknown) {
  const ConfigError e({}, "", "empty sweep");
  EXPECT_STREQ(e.what(), "empty sweep");
}

TEST(ErrorHierarchy, EveryErrorIsAKirchhoffErrorAndARuntimeError) {
  EXPECT_THROW(throw FormatError("x"), IoError);
  EXPECT_THROW(throw FormatError("x"), Error);
  EXPECT_THROW(throw ConfigError({}, "k", "x"), Error);
  EXPECT_THROW(throw InvalidArgument("x"), std::runtime_error);
  EXPECT_THROW(throw NumericalError("x"), Error);
}

}  // namespace
}  // namespace kirchhoff
