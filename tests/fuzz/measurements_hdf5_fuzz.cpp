// Fuzz target: HDF5 measurement files (fitting/measurements.hpp) read as each kind of data. The
// input is written to a scratch file named .h5, since the reader takes a path (HDF5 reads files).
#include "fuzz_target.hpp"
#include "kirchhoff/fitting/measurements.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fitting = kirchhoff::fitting;
  using kirchhoff::fuzz::expect_only_documented_errors;
  static const kirchhoff::fuzz::ScratchFile file("measurements.h5");
  file.write(kirchhoff::fuzz::as_text(data, size));
  expect_only_documented_errors([&] { (void)fitting::read_programming(file.path()); });
  expect_only_documented_errors([&] { (void)fitting::read_drift(file.path()); });
  expect_only_documented_errors([&] { (void)fitting::read_read_noise(file.path()); });
  expect_only_documented_errors([&] { (void)fitting::read_pulse(file.path()); });
  return 0;
}
