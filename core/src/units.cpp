#include "kirchhoff/core/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <system_error>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/text.hpp"

namespace kirchhoff {

namespace {

// UTF-8 spellings of the non-ASCII symbols.
constexpr std::string_view micro_sign = "\xC2\xB5";    // U+00B5 MICRO SIGN
constexpr std::string_view greek_mu = "\xCE\xBC";      // U+03BC GREEK SMALL LETTER MU
constexpr std::string_view greek_omega = "\xCE\xA9";   // U+03A9 GREEK CAPITAL LETTER OMEGA
constexpr std::string_view ohm_sign = "\xE2\x84\xA6";  // U+2126 OHM SIGN

struct Prefix {
  std::string_view symbol;
  int exponent;  // power of ten
};

constexpr std::array<Prefix, 11> prefixes{{{"f", -15},
                                           {"p", -12},
                                           {"n", -9},
                                           {"u", -6},
                                           {micro_sign, -6},
                                           {greek_mu, -6},
                                           {"m", -3},
                                           {"k", 3},
                                           {"M", 6},
                                           {"G", 9},
                                           {"T", 12}}};

struct Unit {
  std::string_view symbol;
  Dimension dimension;
  double factor;  // SI base units per unit
  bool takes_prefix;
};

constexpr std::array<Unit, 16> units{{
    {"S", Dimension::conductance, 1.0, true},
    {"ohm", Dimension::resistance, 1.0, true},
    {"Ohm", Dimension::resistance, 1.0, true},
    {greek_omega, Dimension::resistance, 1.0, true},
    {ohm_sign, Dimension::resistance, 1.0, true},
    {"s", Dimension::time, 1.0, true},
    {"min", Dimension::time, seconds_per_minute, false},
    {"h", Dimension::time, seconds_per_hour, false},
    {"d", Dimension::time, seconds_per_day, false},
    {"y", Dimension::time, seconds_per_year, false},
    {"yr", Dimension::time, seconds_per_year, false},
    {"V", Dimension::voltage, 1.0, true},
    {"A", Dimension::current, 1.0, true},
    {"Hz", Dimension::frequency, 1.0, true},
    {"J", Dimension::energy, 1.0, true},
    {"F", Dimension::capacitance, 1.0, true},
}};

const Unit* find_unit(std::string_view symbol) {
  for (const Unit& unit : units) {
    if (unit.symbol == symbol) return &unit;
  }
  return nullptr;
}

struct UnitMatch {
  const Unit* unit = nullptr;
  int exponent = 0;                        // of the prefix, 0 without one
  const Unit* refused_prefixed = nullptr;  // a known unit that was given a prefix it does not take
};

UnitMatch match_unit(std::string_view token) {
  if (const Unit* unit = find_unit(token)) return {unit, 0, nullptr};
  UnitMatch result;
  for (const Prefix& prefix : prefixes) {
    if (token.size() <= prefix.symbol.size() || !token.starts_with(prefix.symbol)) continue;
    const Unit* unit = find_unit(token.substr(prefix.symbol.size()));
    if (unit == nullptr) continue;
    if (unit->takes_prefix) return {unit, prefix.exponent, nullptr};
    result.refused_prefixed = unit;
  }
  return result;
}

bool signed_dimension(Dimension dimension) {
  return dimension == Dimension::voltage || dimension == Dimension::current;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Letters of a unit: ASCII letters and the bytes of multi-byte UTF-8 sequences (µ, μ, Ω, Ω).
bool is_unit_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || byte >= 0x80;
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// A unit of `dimension` spelled like `token` but for letter case ("ms" -> "mS" for a
// conductance), preferring the spelling with the fewest case changes.
std::optional<std::string> case_variant(std::string_view token, Dimension dimension) {
  std::optional<std::string> best;
  std::size_t best_changes = 0;
  auto consider = [&](std::string candidate) {
    if (candidate.size() != token.size() || candidate == token) return;
    std::size_t changes = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (ascii_lower(candidate[i]) != ascii_lower(token[i])) return;
      if (candidate[i] != token[i]) ++changes;
    }
    if (!best || changes < best_changes) {
      best = std::move(candidate);
      best_changes = changes;
    }
  };
  for (const Unit& unit : units) {
    if (unit.dimension != dimension) continue;
    consider(std::string(unit.symbol));
    if (!unit.takes_prefix) continue;
    for (const Prefix& prefix : prefixes) {
      consider(std::string(prefix.symbol) + std::string(unit.symbol));
    }
  }
  return best;
}

std::string expectation(Dimension dimension) {
  return fmt::format("expected a {} such as \"{}\"", dimension_name(dimension),
                     dimension_example(dimension));
}

std::string expectation_and_units(Dimension dimension) {
  return fmt::format("{}; units allowed: {}", expectation(dimension),
                     dimension_units_allowed(dimension));
}

[[noreturn]] void fail(const std::string& message) {
  throw InvalidArgument(message);
}

double pow10(int exponent) {
  double result = 1.0;
  for (int i = 0; i < std::abs(exponent); ++i) result *= 10.0;
  return result;
}

// A positive finite number rounded to 4 significant digits: the digits and the decimal exponent
// of the first one (1234 and 2 for 1234.4).
struct Rounded {
  std::string digits;  // exactly 4
  int exponent = 0;
};

Rounded round4(double positive) {
  const std::string sci = fmt::format("{:.3e}", positive);  // "1.234e+02"
  const std::size_t e = sci.find('e');
  Rounded result;
  result.digits = sci.substr(0, 1) + sci.substr(2, e - 2);
  std::string_view exponent_text = std::string_view(sci).substr(e + 1);
  if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(),
                  result.exponent);
  return result;
}

// The 4 digits with the decimal point after `integer_digits` of them (1 to 4), trailing
// zeros of the fraction dropped.
std::string place_point(const std::string& digits, int integer_digits) {
  const auto split = static_cast<std::size_t>(integer_digits);
  std::string integer = digits.substr(0, split);
  std::string fraction = digits.substr(split);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? integer : integer + "." + fraction;
}

// 4 significant digits, fixed notation for moderate magnitudes.
std::string significant4(double value) {
  if (value == 0.0) return "0";
  const std::string sign = value < 0 ? "-" : "";
  const Rounded r = round4(std::abs(value));
  if (r.exponent < -4 || r.exponent > 6) return fmt::format("{:.4g}", value);
  if (r.exponent >= 3) {
    return sign + r.digits + std::string(static_cast<std::size_t>(r.exponent - 3), '0');
  }
  if (r.exponent >= 0) return sign + place_point(r.digits, r.exponent + 1);
  std::string fraction = std::string(static_cast<std::size_t>(-r.exponent - 1), '0') + r.digits;
  while (fraction.back() == '0') fraction.pop_back();
  return sign + "0." + fraction;
}

std::string_view prefix_symbol(int exponent) {
  switch (exponent) {
    case -15:
      return "f";
    case -12:
      return "p";
    case -9:
      return "n";
    case -6:
      return "u";
    case -3:
      return "m";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    default:
      return "";
  }
}

// Engineering notation with a prefix between f and 10^max_exponent.
std::string format_engineering(double value, std::string_view unit, int max_exponent) {
  if (value == 0.0) return fmt::format("0 {}", unit);
  const std::string sign = value < 0 ? "-" : "";
  const Rounded r = round4(std::abs(value));
  if (r.exponent < -15 || r.exponent > max_exponent + 2) {
    return fmt::format("{:.4g} {}", value, unit);
  }
  const int floor_div3 = r.exponent >= 0 ? r.exponent / 3 : -((-r.exponent + 2) / 3);
  const int engineering = std::min(floor_div3 * 3, max_exponent);
  return fmt::format("{}{} {}{}", sign, place_point(r.digits, r.exponent - engineering + 1),
                     prefix_symbol(engineering), unit);
}

}  // namespace

std::string_view dimension_name(Dimension dimension) noexcept {
  switch (dimension) {
    case Dimension::conductance:
      return "conductance";
    case Dimension::resistance:
      return "resistance";
    case Dimension::time:
      return "time";
    case Dimension::voltage:
      return "voltage";
    case Dimension::current:
      return "current";
    case Dimension::frequency:
      return "frequency";
    case Dimension::energy:
      return "energy";
    case Dimension::capacitance:
      return "capacitance";
  }
  return "quantity";
}

std::string_view dimension_example(Dimension dimension) noexcept {
  switch (dimension) {
    case Dimension::conductance:
      return "25uS";
    case Dimension::resistance:
      return "10kohm";
    case Dimension::time:
      return "1h";
    case Dimension::voltage:
      return "0.2V";
    case Dimension::current:
      return "1uA";
    case Dimension::frequency:
      return "1MHz";
    case Dimension::energy:
      return "1pJ";
    case Dimension::capacitance:
      return "1fF";
  }
  return "";
}

std::string_view dimension_si_unit(Dimension dimension) noexcept {
  switch (dimension) {
    case Dimension::conductance:
      return "S";
    case Dimension::resistance:
      return "ohm";
    case Dimension::time:
      return "s";
    case Dimension::voltage:
      return "V";
    case Dimension::current:
      return "A";
    case Dimension::frequency:
      return "Hz";
    case Dimension::energy:
      return "J";
    case Dimension::capacitance:
      return "F";
  }
  return "";
}

std::string_view dimension_units_allowed(Dimension dimension) noexcept {
  switch (dimension) {
    case Dimension::conductance:
      return "S with prefixes f p n u m k M G T";
    case Dimension::resistance:
      return "ohm, Ohm or \xCE\xA9 with prefixes f p n u m k M G T";
    case Dimension::time:
      return "s with prefixes f p n u m k M G T; min, h, d (day), y or yr (Julian year, 365.25 d)";
    case Dimension::voltage:
      return "V with prefixes f p n u m k M G T";
    case Dimension::current:
      return "A with prefixes f p n u m k M G T";
    case Dimension::frequency:
      return "Hz with prefixes f p n u m k M G T";
    case Dimension::energy:
      return "J with prefixes f p n u m k M G T";
    case Dimension::capacitance:
      return "F with prefixes f p n u m k M G T";
  }
  return "";
}

double parse_quantity(std::string_view text, Dimension expected) {
  const std::string_view body = trim(text);
  if (body.empty()) fail(fmt::format("empty quantity \"{}\"; {}", text, expectation(expected)));

  // Sign, then the number.
  std::size_t pos = 0;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    pos = 1;
  }
  const bool starts_number =
      pos < body.size() && (is_digit(body[pos]) ||
                            (body[pos] == '.' && pos + 1 < body.size() && is_digit(body[pos + 1])));
  if (!starts_number) {
    std::string rest(body.substr(pos, 3));
    std::transform(rest.begin(), rest.end(), rest.begin(), ascii_lower);
    if (rest == "inf" || rest == "nan") {
      fail(fmt::format("\"{}\" is not a finite number; {}", text, expectation(expected)));
    }
    fail(fmt::format("\"{}\" does not start with a number; {}", text, expectation(expected)));
  }
  double number = 0.0;
  const auto [end, ec] = std::from_chars(body.data() + pos, body.data() + body.size(), number);
  if (ec == std::errc::result_out_of_range) {
    fail(fmt::format("\"{}\": the number is out of the range of a double", text));
  }
  if (ec != std::errc{}) {
    fail(fmt::format("\"{}\" does not start with a number; {}", text, expectation(expected)));
  }
  pos = static_cast<std::size_t>(end - body.data());

  // Blanks, then the unit.
  while (pos < body.size() && is_blank(body[pos])) ++pos;
  if (pos == body.size()) {
    fail(fmt::format("\"{}\" has no unit; {}", text, expectation_and_units(expected)));
  }
  const std::size_t unit_begin = pos;
  while (pos < body.size() && is_unit_char(body[pos])) ++pos;
  const std::string_view token = body.substr(unit_begin, pos - unit_begin);
  if (token.empty()) {
    fail(fmt::format("\"{}\": unexpected \"{}\" after the number; {}", text,
                     body.substr(unit_begin), expectation_and_units(expected)));
  }

  // A hint for units that differ from an allowed one only by letter case: "10ms" for a
  // conductance is probably "10mS".
  auto case_hint = [&]() -> std::string {
    const std::optional<std::string> variant = case_variant(token, expected);
    if (!variant) return "";
    return fmt::format(" (units are case-sensitive: did you mean \"{}{}{}\"?)",
                       body.substr(0, unit_begin), *variant, body.substr(pos));
  };

  const UnitMatch match = match_unit(token);
  if (match.unit == nullptr) {
    if (match.refused_prefixed != nullptr) {
      fail(fmt::format("\"{}\": unknown unit \"{}\" (prefixes do not combine with \"{}\"); {}{}",
                       text, token, match.refused_prefixed->symbol, expectation_and_units(expected),
                       case_hint()));
    }
    fail(fmt::format("\"{}\": unknown unit \"{}\"; {}{}", text, token,
                     expectation_and_units(expected), case_hint()));
  }
  if (match.unit->dimension != expected) {
    fail(fmt::format("\"{}\" is a {}, {}{}", text, dimension_name(match.unit->dimension),
                     expectation(expected), case_hint()));
  }
  if (pos != body.size()) {
    fail(fmt::format("\"{}\": unexpected \"{}\" after the unit", text, trim(body.substr(pos))));
  }
  if (negative && !signed_dimension(expected)) {
    fail(fmt::format("\"{}\": a {} cannot be negative", text, dimension_name(expected)));
  }

  double value =
      match.exponent >= 0 ? number * pow10(match.exponent) : number / pow10(-match.exponent);
  value *= match.unit->factor;
  if (negative) value = -value;
  if (!std::isfinite(value)) {
    fail(fmt::format("\"{}\" is too large: not a finite number of {}", text,
                     dimension_si_unit(expected)));
  }
  return value;
}

std::string format_quantity(double value_si, Dimension dimension) {
  const std::string_view unit = dimension_si_unit(dimension);
  if (!std::isfinite(value_si)) return fmt::format("{} {}", value_si, unit);
  if (dimension != Dimension::time) return format_engineering(value_si, unit, 12);

  const double magnitude = std::abs(value_si);
  if (magnitude == 0.0) return "0 s";
  // Choose the unit after rounding, so that 3599.99 s is "1 h", not "60 min".
  const std::string sci = fmt::format("{:.3e}", magnitude);
  double rounded = magnitude;
  std::from_chars(sci.data(), sci.data() + sci.size(), rounded);
  if (rounded < seconds_per_minute) return format_engineering(value_si, "s", 0);
  struct Named {
    double seconds;
    std::string_view symbol;
  };
  constexpr std::array<Named, 4> named{{{seconds_per_minute, "min"},
                                        {seconds_per_hour, "h"},
                                        {seconds_per_day, "d"},
                                        {seconds_per_year, "y"}}};
  const Named* chosen = &named[0];
  for (const Named& candidate : named) {
    if (rounded >= candidate.seconds) chosen = &candidate;
  }
  return fmt::format("{} {}", significant4(value_si / chosen->seconds), chosen->symbol);
}

}  // namespace kirchhoff
