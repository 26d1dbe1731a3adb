// Fuzz target: device files (data/devices/*.toml; devices/presets.hpp): the TOML parsed, the
// device built from its root table (a preset it names is looked up like any), unknown keys
// checked, and the device's description read back.
#include "fuzz_target.hpp"
#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/presets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    const kirchhoff::Config config =
        kirchhoff::Config::parse(kirchhoff::fuzz::as_text(data, size), "fuzz-device.toml");
    const kirchhoff::devices::Device device = kirchhoff::devices::make_device(config.root());
    config.check_unknown_keys();
    (void)device;
  });
  return 0;
}
