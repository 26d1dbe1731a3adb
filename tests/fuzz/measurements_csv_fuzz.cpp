// Fuzz target: CSV measurement files (fitting/measurements.hpp) read as each kind of data:
// programming, drift, read noise and pulse response.
#include "fuzz_target.hpp"
#include "kirchhoff/fitting/measurements.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fitting = kirchhoff::fitting;
  using kirchhoff::fuzz::expect_only_documented_errors;
  const std::string_view text = kirchhoff::fuzz::as_text(data, size);
  expect_only_documented_errors([&] { (void)fitting::parse_programming_csv(text, "fuzz.csv"); });
  expect_only_documented_errors([&] { (void)fitting::parse_drift_csv(text, "fuzz.csv"); });
  expect_only_documented_errors([&] { (void)fitting::parse_read_noise_csv(text, "fuzz.csv"); });
  expect_only_documented_errors([&] { (void)fitting::parse_pulse_csv(text, "fuzz.csv"); });
  return 0;
}
