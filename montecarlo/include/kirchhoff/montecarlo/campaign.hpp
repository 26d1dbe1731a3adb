// A Monte Carlo campaign as described by a campaign file (docs/campaigns.md): settings, sweep
// points, the workload of every point, the stopping rule. Loading a campaign checks every key
// of every sweep point (types, ranges, unknown keys, device presets) before any work starts.
//
//   Campaign campaign =
//       load_campaign("study.toml", {"trials=500"}, workloads::builtin_registry());
//   campaign.points.size();                 // cartesian product (and zips) of the [[sweep]]s
//   campaign.workloads[p]->run_trial(t, out);
//
// The readers of the campaign's own tables (settings, sweeps, stopping rule) are public too, for
// commands that check a campaign file as `kirchhoff run` does without running its sweep.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/montecarlo/stopping.hpp"
#include "kirchhoff/montecarlo/workload.hpp"

namespace kirchhoff::montecarlo {

// One value of a swept key.
struct SweepValue {
  std::string toml;  // as a TOML value, applied to the point's configuration ("\"25uS\"", "3")
  std::string text;  // for humans and tables ("25uS", "3", "pcm-joshi2020")
  double si = 0.0;   // numeric value in SI base units; NaN for strings that are no quantity
  std::string unit;  // SI unit of `si` ("S", "s", "1"); "" when not numeric
};

// One [[sweep]] table: a configuration key and its values.
struct SweepAxis {
  std::string key;  // dotted key in the campaign file, e.g. "device.parameters.g_max"
  std::string zip;  // axes with the same non-empty zip group advance together
  TextLocation location;
  std::vector<SweepValue> values;
};

// A sweep point: one value index per axis.
struct SweepPoint {
  std::vector<std::uint32_t> value_index;
  std::string label;  // "device.parameters.g_max=25uS, workload.cells=64"; "" without sweeps
};

struct Campaign {
  std::string source;  // file name (or "<demo>")
  std::string name;
  std::uint64_t seed = 0;
  std::string output;            // as written in the file (or --output)
  std::uint64_t trials = 0;      // per point (the maximum with a stopping rule)
  std::uint64_t block_size = 0;  // trials per block: the unit of the reproducible reduction
  std::vector<double> read_times_s;
  double checkpoint_interval_s = 10.0;
  double confidence = 0.95;                    // of the intervals in the summaries
  std::vector<double> quantile_probabilities;  // of the quantiles in the summaries
  std::string workload_kind;
  std::vector<SweepAxis> axes;
  std::vector<SweepPoint> points;
  StoppingRule stopping;
  std::vector<MetricInfo> metrics;
  std::vector<std::unique_ptr<Workload>> workloads;  // one per point
  std::vector<std::string> warnings;  // of every point's workload, each once (Workload::warnings)

  std::string resolved_toml;      // the configuration after --set overrides (no sweep values)
  std::uint64_t config_hash = 0;  // FNV-1a of resolved_toml without output/checkpoint keys

  [[nodiscard]] std::uint64_t blocks_per_point() const noexcept {
    return (trials + block_size - 1) / block_size;
  }
  // Trials in block b of a point: block_size, fewer in the last block.
  [[nodiscard]] std::uint64_t trials_in_block(std::uint64_t block) const noexcept;
  // Values per trial: read times × metrics.
  [[nodiscard]] std::size_t trial_width() const noexcept {
    return read_times_s.size() * metrics.size();
  }
};

// Loads and checks a campaign file; `overrides` are "--set KEY=VALUE" assignments, `registry`
// the workload kinds it may use. Throws ConfigError (file:line:column: key '...': ...) for
// anything invalid, IoError when the file cannot be read.
Campaign load_campaign(const std::filesystem::path& file, std::span<const std::string> overrides,
                       const WorkloadRegistry& registry);
// The same from text; `source_name` stands for the file in messages.
Campaign parse_campaign(std::string_view text, std::string source_name,
                        std::span<const std::string> overrides, const WorkloadRegistry& registry);

// What holds for the whole campaign: the root keys, [statistics] and workload.kind.
struct CampaignSettings {
  std::string name;
  std::uint64_t seed = 0;
  std::string output;
  std::uint64_t trials = 0;
  std::uint64_t block_size = 0;
  std::vector<double> read_times_s;
  double checkpoint_interval_s = 10.0;
  double confidence = 0.95;
  std::vector<double> quantile_probabilities;
  std::string workload_kind;
};
// Reads and checks them; `source` is the file (its stem is the default name).
CampaignSettings read_campaign_settings(const Config& config, std::string_view source);
// The [[sweep]] tables, their values checked (not yet applied to any point).
std::vector<SweepAxis> read_sweep_axes(const Config& config);
// The [stopping] table (a disabled rule without one), its metric one of `metrics`.
StoppingRule read_stopping_rule(const Config& config, const CampaignSettings& settings,
                                const std::vector<MetricInfo>& metrics);

// "0x0123456789abcdef".
std::string format_hash(std::uint64_t hash);
// FNV-1a 64-bit hash of bytes.
std::uint64_t fnv1a64(std::string_view bytes) noexcept;

}  // namespace kirchhoff::montecarlo
