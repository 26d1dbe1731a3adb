// Fuzz target: quantities with units as users write them ("25uS", "10 kΩ", "1y"; core/units.hpp)
// in every dimension. An accepted value is finite, and what format_quantity makes of it parses
// again to a value of the same dimension.
#include <cmath>

#include "fuzz_target.hpp"
#include "kirchhoff/core/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using kirchhoff::Dimension;
  const std::string_view text = kirchhoff::fuzz::as_text(data, size);
  for (const Dimension d : {Dimension::conductance, Dimension::resistance, Dimension::time,
                            Dimension::voltage, Dimension::current, Dimension::frequency}) {
    kirchhoff::fuzz::expect_only_documented_errors([&] {
      const double value = kirchhoff::parse_quantity(text, d);
      kirchhoff::fuzz::require(std::isfinite(value), "parse_quantity accepted a non-finite value");
      const std::string formatted = kirchhoff::format_quantity(value, d);
      // Formatting keeps 4 significant digits: the value comes back rounded, not exact; and a
      // value rounded up past the largest double would not come back at all.
      if (std::abs(value) < 1e300) {
        const double again = kirchhoff::parse_quantity(formatted, d);
        kirchhoff::fuzz::require(std::isfinite(again), "format_quantity gave a non-finite text");
      }
    });
  }
  return 0;
}
