#include "kirchhoff/core/units.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff {
namespace {

// The message of the InvalidArgument thrown by parse_quantity; fails the test if none is thrown.
std::string parse_error(std::string_view text, Dimension expected) {
  try {
    const double value = parse_quantity(text, expected);
    ADD_FAILURE() << "\"" << text << "\" was accepted as " << value;
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

struct Case {
  const char* text;
  Dimension dimension;
  double si;
};

TEST(ParseQuantity, ReadsEveryUnit) {
  const Case cases[] = {
      {"25uS", Dimension::conductance, 25e-6},
      {"2.5e-6 S", Dimension::conductance, 2.5e-6},
      {"0.35ohm", Dimension::resistance, 0.35},
      {"12 Ohm", Dimension::resistance, 12.0},
      {"3\xCE\xA9", Dimension::resistance, 3.0},      // U+03A9 GREEK CAPITAL LETTER OMEGA
      {"4\xE2\x84\xA6", Dimension::resistance, 4.0},  // U+2126 OHM SIGN
      {"20 s", Dimension::time, 20.0},
      {"512ns", Dimension::time, 512e-9},
      {"2min", Dimension::time, 120.0},
      {"1h", Dimension::time, 3600.0},
      {"1.5 h", Dimension::time, 5400.0},
      {"1d", Dimension::time, 86400.0},
      {"1y", Dimension::time, 365.25 * 86400.0},
      {"2yr", Dimension::time, 2 * 365.25 * 86400.0},
      {"0.2V", Dimension::voltage, 0.2},
      {"3mA", Dimension::current, 3e-3},
      {"50Hz", Dimension::frequency, 50.0},
      {"1MHz", Dimension::frequency, 1e6},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_DOUBLE_EQ(parse_quantity(c.text, c.dimension), c.si);
  }
}

TEST(ParseQuantity, ReadsEveryPrefix) {
  const Case cases[] = {
      {"7fS", Dimension::conductance, 7e-15},
      {"7pS", Dimension::conductance, 7e-12},
      {"7nS", Dimension::conductance, 7e-9},
      {"7uS", Dimension::conductance, 7e-6},
      {"7\xC2\xB5S", Dimension::conductance, 7e-6},  // U+00B5 MICRO SIGN
      {"7\xCE\xBCS", Dimension::conductance, 7e-6},  // U+03BC GREEK SMALL LETTER MU
      {"7mS", Dimension::conductance, 7e-3},
      {"7kS", Dimension::conductance, 7e3},
      {"7MS", Dimension::conductance, 7e6},
      {"7GS", Dimension::conductance, 7e9},
      {"7TS", Dimension::conductance, 7e12},
      {"7kohm", Dimension::resistance, 7e3},
      {"7MOhm", Dimension::resistance, 7e6},
      {"7m\xCE\xA9", Dimension::resistance, 7e-3},
      {"7k\xE2\x84\xA6", Dimension::resistance, 7e3},
      {"7\xC2\xB5s", Dimension::time, 7e-6},
      {"7ps", Dimension::time, 7e-12},
      {"7ks", Dimension::time, 7e3},
      {"7uV", Dimension::voltage, 7e-6},
      {"7nA", Dimension::current, 7e-9},
      {"7GHz", Dimension::frequency, 7e9},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_DOUBLE_EQ(parse_quantity(c.text, c.dimension), c.si);
  }
}

TEST(ParseQuantity, IsExactForDecimalValuesWithSubmultiplePrefixes) {
  // Dividing by the (exact) power of ten gives the double nearest to the decimal value.
  EXPECT_EQ(parse_quantity("25uS", Dimension::conductance), 25e-6);
  EXPECT_EQ(parse_quantity("512ns", Dimension::time), 512e-9);
  EXPECT_EQ(parse_quantity("350mohm", Dimension::resistance), 0.35);
}

TEST(ParseQuantity, IsCaseSensitive) {
  EXPECT_DOUBLE_EQ(parse_quantity("1mS", Dimension::conductance), 1e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("1ms", Dimension::time), 1e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("1MS", Dimension::conductance), 1e6);
  EXPECT_DOUBLE_EQ(parse_quantity("1Ms", Dimension::time), 1e6);
  EXPECT_EQ(parse_error("10ms", Dimension::conductance),
            "\"10ms\" is a time, expected a conductance such as \"25uS\" (units are "
            "case-sensitive: did you mean \"10mS\"?)");
  EXPECT_EQ(parse_error("1 MS", Dimension::time),
            "\"1 MS\" is a conductance, expected a time such as \"1h\" (units are "
            "case-sensitive: did you mean \"1 Ms\"?)");
  EXPECT_EQ(parse_error("10 OHM", Dimension::resistance),
            "\"10 OHM\": unknown unit \"OHM\"; expected a resistance such as \"10kohm\"; units "
            "allowed: ohm, Ohm or \xCE\xA9 with prefixes f p n u m k M G T (units are "
            "case-sensitive: did you mean \"10 Ohm\"?)");
}

TEST(ParseQuantity, AcceptsSignsBlanksAndFractionForms) {
  EXPECT_DOUBLE_EQ(parse_quantity("  25uS\t", Dimension::conductance), 25e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("+25 uS", Dimension::conductance), 25e-6);
  EXPECT_DOUBLE_EQ(parse_quantity(".5uS", Dimension::conductance), 0.5e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("5.uS", Dimension::conductance), 5e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("2.5E3 ohm", Dimension::resistance), 2500.0);
  EXPECT_DOUBLE_EQ(parse_quantity("-0.2V", Dimension::voltage), -0.2);
  EXPECT_DOUBLE_EQ(parse_quantity("-3 mA", Dimension::current), -3e-3);
  EXPECT_EQ(parse_quantity("0S", Dimension::conductance), 0.0);
}

TEST(ParseQuantity, ReportsEmptyText) {
  EXPECT_EQ(parse_error("", Dimension::conductance),
            "empty quantity \"\"; expected a conductance such as \"25uS\"");
  EXPECT_EQ(parse_error("   ", Dimension::time),
            "empty quantity \"   \"; expected a time such as \"1h\"");
}

TEST(ParseQuantity, ReportsMissingNumber) {
  EXPECT_EQ(parse_error("uS", Dimension::conductance),
            "\"uS\" does not start with a number; expected a conductance such as \"25uS\"");
  EXPECT_EQ(parse_error("-uS", Dimension::conductance),
            "\"-uS\" does not start with a number; expected a conductance such as \"25uS\"");
  EXPECT_EQ(parse_error("+-5V", Dimension::voltage),
            "\"+-5V\" does not start with a number; expected a voltage such as \"0.2V\"");
}

TEST(ParseQuantity, ReportsMissingUnit) {
  EXPECT_EQ(parse_error("25", Dimension::conductance),
            "\"25\" has no unit; expected a conductance such as \"25uS\"; units allowed: S with "
            "prefixes f p n u m k M G T");
  EXPECT_EQ(parse_error("3 ", Dimension::time),
            "\"3 \" has no unit; expected a time such as \"1h\"; units allowed: s with prefixes f "
            "p n u m k M G T; min, h, d (day), y or yr (Julian year, 365.25 d)");
}

TEST(ParseQuantity, ReportsUnknownUnit) {
  EXPECT_EQ(parse_error("25uX", Dimension::conductance),
            "\"25uX\": unknown unit \"uX\"; expected a conductance such as \"25uS\"; units "
            "allowed: S with prefixes f p n u m k M G T");
  EXPECT_EQ(parse_error("25 siemens", Dimension::conductance),
            "\"25 siemens\": unknown unit \"siemens\"; expected a conductance such as \"25uS\"; "
            "units allowed: S with prefixes f p n u m k M G T");
  // Prefixes only go with S, ohm, s, V, A and Hz.
  EXPECT_EQ(parse_error("2kh", Dimension::time),
            "\"2kh\": unknown unit \"kh\" (prefixes do not combine with \"h\"); expected a time "
            "such as \"1h\"; units allowed: s with prefixes f p n u m k M G T; min, h, d (day), y "
            "or yr (Julian year, 365.25 d)");
  EXPECT_NE(parse_error("1my", Dimension::time).find("prefixes do not combine with \"y\""),
            std::string::npos);
}

TEST(ParseQuantity, ReportsWrongDimension) {
  EXPECT_EQ(parse_error("1h", Dimension::conductance),
            "\"1h\" is a time, expected a conductance such as \"25uS\"");
  EXPECT_EQ(parse_error("25uS", Dimension::resistance),
            "\"25uS\" is a conductance, expected a resistance such as \"10kohm\"");
  EXPECT_EQ(parse_error("0.2V", Dimension::current),
            "\"0.2V\" is a voltage, expected a current such as \"1uA\"");
  EXPECT_EQ(parse_error("1kHz", Dimension::time),
            "\"1kHz\" is a frequency, expected a time such as \"1h\"");
}

TEST(ParseQuantity, ReportsNegativeValuesWhereMeaningless) {
  EXPECT_EQ(parse_error("-25uS", Dimension::conductance),
            "\"-25uS\": a conductance cannot be negative");
  EXPECT_EQ(parse_error("-1h", Dimension::time), "\"-1h\": a time cannot be negative");
}

TEST(ParseQuantity, ReportsNonFiniteValues) {
  EXPECT_EQ(parse_error("inf S", Dimension::conductance),
            "\"inf S\" is not a finite number; expected a conductance such as \"25uS\"");
  EXPECT_EQ(parse_error("-NaN V", Dimension::voltage),
            "\"-NaN V\" is not a finite number; expected a voltage such as \"0.2V\"");
  EXPECT_EQ(parse_error("1e400 S", Dimension::conductance),
            "\"1e400 S\": the number is out of the range of a double");
  EXPECT_EQ(parse_error("1e300 TS", Dimension::conductance),
            "\"1e300 TS\" is too large: not a finite number of S");
  EXPECT_EQ(parse_error("1e306 y", Dimension::time),
            "\"1e306 y\" is too large: not a finite number of s");
}

TEST(ParseQuantity, ReportsTrailingGarbage) {
  EXPECT_EQ(parse_error("25uS extra", Dimension::conductance),
            "\"25uS extra\": unexpected \"extra\" after the unit");
  EXPECT_EQ(parse_error("25uS,", Dimension::conductance),
            "\"25uS,\": unexpected \",\" after the unit");
  EXPECT_EQ(parse_error("2.5.3uS", Dimension::conductance),
            "\"2.5.3uS\": unexpected \".3uS\" after the number; expected a conductance such as "
            "\"25uS\"; units allowed: S with prefixes f p n u m k M G T");
}

TEST(Dimension, HasNameExampleAndUnit) {
  EXPECT_EQ(dimension_name(Dimension::conductance), "conductance");
  EXPECT_EQ(dimension_example(Dimension::conductance), "25uS");
  EXPECT_EQ(dimension_si_unit(Dimension::resistance), "ohm");
  EXPECT_EQ(dimension_name(Dimension::frequency), "frequency");
  // Every example is itself a valid quantity of its dimension.
  for (const Dimension d :
       {Dimension::conductance, Dimension::resistance, Dimension::time, Dimension::voltage,
        Dimension::current, Dimension::frequency, Dimension::energy, Dimension::capacitance}) {
    EXPECT_GT(parse_quantity(dimension_example(d), d), 0.0) << dimension_name(d);
  }
}

TEST(FormatQuantity, UsesEngineeringPrefixesAndFourSignificantDigits) {
  EXPECT_EQ(format_quantity(2.5e-5, Dimension::conductance), "25 uS");
  EXPECT_EQ(format_quantity(1.234567e-5, Dimension::conductance), "12.35 uS");
  EXPECT_EQ(format_quantity(0.35, Dimension::resistance), "350 mohm");
  EXPECT_EQ(format_quantity(12346.0, Dimension::resistance), "12.35 kohm");
  EXPECT_EQ(format_quantity(0.2, Dimension::voltage), "200 mV");
  EXPECT_EQ(format_quantity(-0.2, Dimension::voltage), "-200 mV");
  EXPECT_EQ(format_quantity(1.0, Dimension::current), "1 A");
  EXPECT_EQ(format_quantity(1e6, Dimension::frequency), "1 MHz");
  EXPECT_EQ(format_quantity(0.0, Dimension::conductance), "0 S");
  EXPECT_EQ(format_quantity(7e-15, Dimension::conductance), "7 fS");
  EXPECT_EQ(format_quantity(3e14, Dimension::conductance), "300 TS");
}

TEST(FormatQuantity, RoundsBeforeChoosingThePrefix) {
  EXPECT_EQ(format_quantity(999.96e-6, Dimension::conductance), "1 mS");
  EXPECT_EQ(format_quantity(999.94e-6, Dimension::conductance), "999.9 uS");
}

TEST(FormatQuantity, FallsBackToExponentsOutsideThePrefixRange) {
  EXPECT_EQ(format_quantity(2.5e-20, Dimension::conductance), "2.5e-20 S");
  EXPECT_EQ(format_quantity(2.5e20, Dimension::frequency), "2.5e+20 Hz");
}

TEST(FormatQuantity, GivesTimesInNaturalUnits) {
  EXPECT_EQ(format_quantity(512e-9, Dimension::time), "512 ns");
  EXPECT_EQ(format_quantity(20.0, Dimension::time), "20 s");
  EXPECT_EQ(format_quantity(59.0, Dimension::time), "59 s");
  EXPECT_EQ(format_quantity(90.0, Dimension::time), "1.5 min");
  EXPECT_EQ(format_quantity(3600.0, Dimension::time), "1 h");
  EXPECT_EQ(format_quantity(3599.99, Dimension::time), "1 h");
  EXPECT_EQ(format_quantity(5400.0, Dimension::time), "1.5 h");
  EXPECT_EQ(format_quantity(86400.0, Dimension::time), "1 d");
  EXPECT_EQ(format_quantity(7 * 86400.0, Dimension::time), "7 d");
  EXPECT_EQ(format_quantity(seconds_per_year, Dimension::time), "1 y");
  EXPECT_EQ(format_quantity(10 * seconds_per_year, Dimension::time), "10 y");
  EXPECT_EQ(format_quantity(123456 * seconds_per_year, Dimension::time), "123500 y");
}

// The cost model's energies and capacitances (cost/technology.hpp): "0.16fJ", "0.2fF".
TEST(ParseQuantity, ReadsEnergiesAndCapacitances) {
  EXPECT_DOUBLE_EQ(parse_quantity("0.16fJ", Dimension::energy), 0.16e-15);
  EXPECT_DOUBLE_EQ(parse_quantity("2.5 pJ", Dimension::energy), 2.5e-12);
  EXPECT_DOUBLE_EQ(parse_quantity("1J", Dimension::energy), 1.0);
  EXPECT_DOUBLE_EQ(parse_quantity("0.2fF", Dimension::capacitance), 0.2e-15);
  EXPECT_DOUBLE_EQ(parse_quantity("3 nF", Dimension::capacitance), 3e-9);
  EXPECT_THROW(static_cast<void>(parse_quantity("-1pJ", Dimension::energy)), InvalidArgument);
  EXPECT_THROW(static_cast<void>(parse_quantity("1pF", Dimension::energy)), InvalidArgument);
  EXPECT_EQ(format_quantity(1.6e-13, Dimension::energy), "160 fJ");
}

TEST(FormatQuantity, IsReadBackByParseQuantity) {
  const Dimension dimensions[] = {
      Dimension::conductance, Dimension::resistance, Dimension::time,   Dimension::voltage,
      Dimension::current,     Dimension::frequency,  Dimension::energy, Dimension::capacitance};
  for (const Dimension d : dimensions) {
    for (double value = 1.2345678e-14; value < 1e15; value *= 7.3) {
      const std::string text = format_quantity(value, d);
      SCOPED_TRACE(text);
      const double back = parse_quantity(text, d);
      EXPECT_NEAR(back, value, 5e-4 * value);
    }
  }
}

TEST(FormatQuantity, ShowsNonFiniteValues) {
  EXPECT_EQ(format_quantity(INFINITY, Dimension::conductance), "inf S");
  EXPECT_EQ(format_quantity(-INFINITY, Dimension::time), "-inf s");
}

}  // namespace
}  // namespace kirchhoff
