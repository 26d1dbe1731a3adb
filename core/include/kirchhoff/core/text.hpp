// Small text utilities shared by the configuration layer, file readers and the command line.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kirchhoff {

// `text` without the ASCII white space (space, tab, CR, LF, VT, FF) at either end.
[[nodiscard]] std::string_view trim(std::string_view text) noexcept;

// Damerau–Levenshtein distance, optimal string alignment variant: the least number of
// insertions, deletions, substitutions and transpositions of two adjacent characters that turn
// `a` into `b`, where no substring is edited more than once. Works on bytes (a multi-byte UTF-8
// character counts as several) and is case-sensitive. edit_distance("kitten", "sitting") == 3,
// edit_distance("trials", "trails") == 1.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The largest edit distance at which closest_match considers a candidate close to `word`:
// max(1, word.size() / 3), so one typo is tolerated in words of up to 5 characters, two from 6
// characters, three from 9 and so on.
[[nodiscard]] std::size_t max_suggestion_distance(std::string_view word) noexcept;

// The candidate nearest to `word` for a "did you mean" suggestion, or nothing when no candidate
// is within max_suggestion_distance(word); a candidate that would need every character replaced
// is never suggested ("y" for "x"). An exact match is returned as is; among candidates at
// the same distance, the first one in `candidates` wins, so callers list preferred ones first.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       std::span<const std::string> candidates);

}  // namespace kirchhoff
