// Physical quantities as users write them in campaign files and on the command line:
// "25uS", "0.35ohm", "10 kΩ", "1h", "20 s", "2.5e-6 S", "0.2V", "512ns", "1y".
//
// Values are handled internally as doubles in SI base units (S, ohm, s, V, A, Hz, J, F); this
// header converts between those and text.
//
// Grammar of a quantity (surrounding blanks are ignored):
//   [sign] number [blanks] [prefix] unit
// - number: decimal, optionally with a fraction and an exponent ("2.5e-6"), as read by
//   std::from_chars. A leading '+' is always accepted; a '-' only for voltage and current
//   (a negative conductance, resistance, time or frequency is refused).
// - prefix: f p n u µ m k M G T (µ as U+00B5 MICRO SIGN or U+03BC GREEK SMALL LETTER MU);
//   prefixes combine only with S, ohm/Ohm/Ω, s, V, A, Hz, J and F.
// - unit: S (siemens); ohm, Ohm, Ω (U+03A9 or U+2126); s, min, h, d (86400 s), y and yr
//   (Julian year: 365.25 d = 31 557 600 s); V; A; Hz; J (energy, the cost model's); F (farad).
// Units are case-sensitive: "mS" is millisiemens, "ms" milliseconds, "MS" megasiemens.
#pragma once

#include <string>
#include <string_view>

namespace kirchhoff {

enum class Dimension {
  conductance,
  resistance,
  time,
  voltage,
  current,
  frequency,
  energy,
  capacitance
};

inline constexpr double seconds_per_minute = 60.0;
inline constexpr double seconds_per_hour = 3600.0;
inline constexpr double seconds_per_day = 86400.0;
// Julian year, the unit of "y" and "yr".
inline constexpr double seconds_per_year = 365.25 * seconds_per_day;

// "conductance", "resistance", "time", "voltage", "current", "frequency".
[[nodiscard]] std::string_view dimension_name(Dimension dimension) noexcept;
// A typical value as users write it, for messages: "25uS", "10kohm", "1h", "0.2V", "1uA", "1MHz",
// "1pJ", "1fF".
[[nodiscard]] std::string_view dimension_example(Dimension dimension) noexcept;
// The SI base unit in which values of this dimension are expressed: "S", "ohm", "s", ...
[[nodiscard]] std::string_view dimension_si_unit(Dimension dimension) noexcept;
// The units accepted for a dimension, for messages: "S with prefixes f p n u m k M G T".
[[nodiscard]] std::string_view dimension_units_allowed(Dimension dimension) noexcept;

// Parses a quantity (see the grammar above) and returns its value in SI base units.
// Throws InvalidArgument, quoting the text and saying what is allowed, when the text is empty,
// has no number, no unit or an unknown unit, is of another dimension than `expected`, is
// negative where that makes no sense, is not finite (including overflow when scaling), or has
// anything after the unit.
[[nodiscard]] double parse_quantity(std::string_view text, Dimension expected);

// Formats a value given in SI base units for humans, with 4 significant digits and trailing
// zeros dropped: an engineering prefix is chosen (2.5e-5 S -> "25 uS", 0.35 ohm -> "350 mohm");
// times of a minute or more are given in min, h, d or y (3600 s -> "1 h", 5400 s -> "1.5 h",
// 3.15576e8 s -> "10 y"). The result is accepted by parse_quantity. Non-finite values give
// e.g. "inf S".
[[nodiscard]] std::string format_quantity(double value_si, Dimension dimension);

}  // namespace kirchhoff
