// Fuzz target: --set overrides ("device.g_max=30uS", "workload.read_times=[\"1s\"]";
// Config::set_override, core/config.hpp) on a small campaign-like document. An accepted override
// leaves a document whose TOML text (to_toml) parses to an equal document, as documented.
#include "fuzz_target.hpp"
#include "kirchhoff/core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view kBase = R"(name = "fuzz"
seed = 7
trials = 10
read_times = ["1s", "1h"]

[device]
preset = "pcm-joshi2020"

[device.parameters]
g_max = "25uS"

[workload]
kind = "device"
targets = [0.5, 1.0]
)";
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    kirchhoff::Config config = kirchhoff::Config::parse(kBase, "base.toml");
    config.set_override(kirchhoff::fuzz::as_text(data, size));
    const std::string text = config.to_toml();
    const kirchhoff::Config again = kirchhoff::Config::parse(text, "resolved.toml");
    kirchhoff::fuzz::require(again == config, "to_toml after --set does not parse back equal");
  });
  return 0;
}
