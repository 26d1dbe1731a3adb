// Fuzz target: campaign files (data/campaigns/*.toml; montecarlo/campaign.hpp) with the built-in
// workloads, as `kirchhoff run` and `kirchhoff validate` load them: every key checked, sweeps
// expanded, one workload made per point. The file stands in data/campaigns/, so the relative
// paths of the shipped campaigns (models, datasets) resolve as they do there.
#include <cstdlib>

#include "fuzz_target.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/workloads/registry.hpp"

namespace {

// fashion-mnist:test, the default dataset of a dnn workload, stands for the 4 images of
// tests/fuzz/data/fashion-4 (the loader's documented override): a mutation that drops the
// dataset or samples key must not make every execution evaluate the network on 10,000 images.
const bool kSmallDefaultDataset =
    ::setenv("KIRCHHOFF_FASHION_MNIST_DIR", KIRCHHOFF_SOURCE_DIR "/tests/fuzz/data/fashion-4", 1) ==
    0;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kirchhoff::fuzz::require(kSmallDefaultDataset, "cannot set KIRCHHOFF_FASHION_MNIST_DIR");
  static const std::string source = std::string(KIRCHHOFF_SOURCE_DIR) + "/data/campaigns/fuzz.toml";
  kirchhoff::fuzz::expect_only_documented_errors([&] {
    const auto campaign = kirchhoff::montecarlo::parse_campaign(
        kirchhoff::fuzz::as_text(data, size), source, {}, kirchhoff::workloads::builtin_registry());
    kirchhoff::fuzz::require(!campaign.points.empty(), "a campaign without points was accepted");
  });
  return 0;
}
