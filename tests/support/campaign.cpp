#include "support/campaign.hpp"

#include <gtest/gtest.h>

#include "kirchhoff/workloads/registry.hpp"

namespace kirchhoff::testing {

std::string small_campaign(const std::string& extra) {
  return R"(name = "small"
seed = 7
trials = 30
block_size = 4
read_times = ["1s", "1d"]
checkpoint_interval = "0s"

[device]
preset = "pcm-joshi2020"

[workload]
kind = "device"
cells = 16

[[sweep]]
key = "device.parameters.g_max"
values = ["20uS", "25uS"]

[[sweep]]
key = "workload.cells"
values = [8, 16]
)" + extra;
}

montecarlo::Campaign parse_builtin(std::string_view text, std::string source,
                                   std::span<const std::string> overrides) {
  return montecarlo::parse_campaign(text, std::move(source), overrides,
                                    workloads::builtin_registry());
}

std::size_t metric_index(const montecarlo::Campaign& c, const std::string& name) {
  for (std::size_t i = 0; i < c.metrics.size(); ++i) {
    if (c.metrics[i].name == name) return i;
  }
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

std::vector<double> run_trial(const montecarlo::Campaign& c, std::uint32_t trial,
                              std::uint32_t point) {
  std::vector<double> out(c.trial_width());
  c.workloads.at(point)->run_trial(trial, out);
  return out;
}

montecarlo::RunOptions options_for(const std::filesystem::path& output, unsigned threads) {
  montecarlo::RunOptions o;
  o.output = output;
  o.threads = threads;
  o.progress.mode = ProgressMode::silent;
  return o;
}

}  // namespace kirchhoff::testing
