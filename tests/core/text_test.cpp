#include "kirchhoff/core/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kirchhoff {
namespace {

TEST(EditDistance, KnownPairs) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("g_max", "g_max"), 0u);
  EXPECT_EQ(edit_distance("g_max", "g_mx"), 1u);    // deletion
  EXPECT_EQ(edit_distance("g_max", "g_maxx"), 1u);  // insertion
  EXPECT_EQ(edit_distance("g_max", "g_min"), 2u);   // substitutions
}

TEST(EditDistance, CountsATranspositionOfNeighboursAsOne) {
  EXPECT_EQ(edit_distance("trials", "trails"), 1u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
  EXPECT_EQ(edit_distance("abcd", "badc"), 2u);
}

TEST(EditDistance, IsTheOptimalStringAlignmentVariant) {
  // Unrestricted Damerau-Levenshtein gives 2 (ca -> ac -> abc); optimal string alignment does
  // not edit a transposed pair again, so it needs 3.
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);
}

TEST(EditDistance, IsSymmetricAndCaseSensitive) {
  EXPECT_EQ(edit_distance("sitting", "kitten"), 3u);
  EXPECT_EQ(edit_distance("Device", "device"), 1u);
}

TEST(MaxSuggestionDistance, GrowsWithTheWord) {
  EXPECT_EQ(max_suggestion_distance(""), 1u);
  EXPECT_EQ(max_suggestion_distance("abcde"), 1u);
  EXPECT_EQ(max_suggestion_distance("abcdef"), 2u);
  EXPECT_EQ(max_suggestion_distance("abcdefghi"), 3u);
}

TEST(ClosestMatch, FindsTheNearestCandidate) {
  const std::vector<std::string> keys{"g_min", "g_max", "drift_nu", "trials"};
  EXPECT_EQ(closest_match("g_mx", keys), "g_max");
  EXPECT_EQ(closest_match("trails", keys), "trials");
  EXPECT_EQ(closest_match("drift_mu", keys), "drift_nu");
  EXPECT_EQ(closest_match("g_max", keys), "g_max");
}

TEST(ClosestMatch, ReturnsNothingWhenNothingIsClose) {
  const std::vector<std::string> keys{"g_min", "g_max"};
  EXPECT_EQ(closest_match("temperature", keys), std::nullopt);
  EXPECT_EQ(closest_match("g", keys), std::nullopt);
  EXPECT_EQ(closest_match("g_max", std::vector<std::string>{}), std::nullopt);
}

TEST(ClosestMatch, AppliesTheDistanceLimit) {
  // 5 characters allow one edit, 6 allow two.
  EXPECT_EQ(closest_match("abXYe", std::vector<std::string>{"abcde"}), std::nullopt);
  EXPECT_EQ(closest_match("abXYef", std::vector<std::string>{"abcdef"}), "abcdef");
  EXPECT_EQ(closest_match("abXYZf", std::vector<std::string>{"abcdef"}), std::nullopt);
}

TEST(ClosestMatch, NeverSuggestsAWordReplacedEntirely) {
  EXPECT_EQ(closest_match("x", std::vector<std::string>{"y"}), std::nullopt);
  EXPECT_EQ(closest_match("x", std::vector<std::string>{"y", "xy"}), "xy");
}

TEST(ClosestMatch, PrefersTheFirstOfEquallyCloseCandidates) {
  EXPECT_EQ(closest_match("g_mon", std::vector<std::string>{"g_min", "g_man"}), "g_min");
  EXPECT_EQ(closest_match("g_mon", std::vector<std::string>{"g_man", "g_min"}), "g_man");
}

}  // namespace
}  // namespace kirchhoff

namespace kirchhoff {
namespace {

TEST(Trim, RemovesAsciiWhiteSpaceAtBothEndsOnly) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("\v\fx"), "x");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim("\xC2\xA0x"), "\xC2\xA0x");  // no-break space (UTF-8) is not ASCII white space
}

}  // namespace
}  // namespace kirchhoff
