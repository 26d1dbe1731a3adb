// Checked values of configuration keys, shared by the modules' option readers: counts in a
// range, one of a list of names, finite and non-negative numbers, keys that only mean something
// in another setting, and validate() functions of options structs reported at their table.
// Every check fails with ConfigError located at the key ("file:line:column: key 'a.b': ...").
//
//   const ConfigTable tile = w.table("tile");
//   rows = get_count(tile, "rows", 256, 1, 65536);
//   scheme = get_choice(m, "scheme", "differential", {"differential", "offset_digital"});
//   check_table(adc_table, [&] { adc.validate(); });
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff {

// An integer key in [lo, hi]; `fallback` when absent.
[[nodiscard]] std::int64_t get_count(const ConfigTable& t, std::string_view key,
                                     std::int64_t fallback, std::int64_t lo, std::int64_t hi);
// The same for a key that must be there.
[[nodiscard]] std::int64_t get_required_count(const ConfigTable& t, std::string_view key,
                                              std::int64_t lo, std::int64_t hi);
// One of a list of names (`fallback` when absent); returns its position in `choices`.
[[nodiscard]] std::size_t get_choice(const ConfigTable& t, std::string_view key,
                                     std::string_view fallback,
                                     std::initializer_list<std::string_view> choices);
// A finite number; `fallback` when absent.
[[nodiscard]] double get_finite(const ConfigTable& t, std::string_view key, double fallback);
// A finite number >= 0 (> 0 when `positive`); `fallback` when absent.
[[nodiscard]] double get_nonnegative(const ConfigTable& t, std::string_view key, double fallback,
                                     bool positive = false);
// A key that only means something in another setting: refused there, "only used <why>".
void reject_unless(const ConfigTable& t, std::string_view key, bool allowed, std::string_view why);

// Runs the validate() of an options struct, which throws InvalidArgument, and reports what it
// refuses at the table the options were read from.
template <class Validate>
void check_table(const ConfigTable& t, Validate&& validate) {
  try {
    validate();
  } catch (const InvalidArgument& e) {
    t.fail_table(e.what());
  }
}

}  // namespace kirchhoff
