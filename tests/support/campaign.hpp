// Campaigns for tests, on the engine with the toolkit's workloads (target
// kirchhoff_test_support_campaign): a small, fast device campaign, parsing with the built-in
// registry, a metric's position and one trial's metrics.
//
//   const montecarlo::Campaign c = parse_builtin(small_campaign("[stopping]\n..."));
//   const auto row = run_trial(c, 3);
//   row[metric_index(c, "rms_error")];
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/montecarlo/engine.hpp"

namespace kirchhoff::testing {

// 2 x 2 sweep points (device g_max, workload cells) of 30 trials in blocks of 4, two read
// times, checkpoints after every block; `extra` is appended (more keys, sweeps, a stopping rule).
[[nodiscard]] std::string small_campaign(const std::string& extra = "");

// montecarlo::parse_campaign with workloads::builtin_registry().
[[nodiscard]] montecarlo::Campaign parse_builtin(std::string_view text,
                                                 std::string source = "small.toml",
                                                 std::span<const std::string> overrides = {});

// The position of a metric in a campaign's metric list (a test failure when there is none).
[[nodiscard]] std::size_t metric_index(const montecarlo::Campaign& c, const std::string& name);

// Metrics of one trial of a point: [read time][metric].
[[nodiscard]] std::vector<double> run_trial(const montecarlo::Campaign& c, std::uint32_t trial,
                                            std::uint32_t point = 0);

// Options of a silent run of `threads` threads writing `output`.
[[nodiscard]] montecarlo::RunOptions options_for(const std::filesystem::path& output,
                                                 unsigned threads);

}  // namespace kirchhoff::testing
