// Fuzz target: campaign files (data/campaigns/*.toml; montecarlo/campaign.hpp) with the built-in
// workloads, as `kirchhoff run` and `kirchhoff validate` load them: every key checked, sweeps
// expanded, one workload made per point. The file stands in data/campaigns/, so the relative
// paths of the shipped campaigns (models, datasets) resolve as they do there.
#include "fuzz_target.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/workloads/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string source = std::string(KIRCHHOFF_SOURCE_DIR) + "/data/campaigns/fuzz.toml";
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    const auto campaign = kirchhoff::montecarlo::parse_campaign(
        kirchhoff::fuzz::as_text(data, size), source, {}, kirchhoff::workloads::builtin_registry());
    kirchhoff::fuzz::require(!campaign.points.empty(), "a campaign without points was accepted");
  });
  return 0;
}
