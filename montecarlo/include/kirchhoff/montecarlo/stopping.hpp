// The stopping rule of a campaign ([stopping], docs/campaigns.md) and the one place where it is
// evaluated: a StoppingMonitor. A point stops after the first block, in block order, at which
// the Student-t confidence interval of one metric at one read time is narrow enough, so the
// number of trials per point is a pure function of the configuration. The run's writer, a
// resumed run reading back its spool and the writing of the results file (after a run or a
// merge of shards) all feed their blocks to a monitor and ask it.
//
//   StoppingMonitor monitor(campaign.stopping, campaign);
//   if (monitor.add_block(point, block_values)) { /* the point is done */ }
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kirchhoff/core/statistics.hpp"

namespace kirchhoff::montecarlo {

struct Campaign;

struct StoppingRule {
  bool enabled = false;
  std::string metric;
  std::size_t metric_index = 0;
  std::size_t time_index = 0;
  double half_width = 0.0;           // absolute target in the metric's unit; 0 = not used
  double relative_half_width = 0.0;  // target relative to |mean|; 0 = not used
  double confidence = 0.95;
  std::uint64_t min_trials = 2;
};

// Whether the rule is met by `total`, the fold of a point's blocks so far: at least min_trials
// (and 2) trials, and a finite Student-t half-width within every target given.
[[nodiscard]] bool stopping_rule_met(const StoppingRule& rule, const RunningStats& total);

// Follows the points of one campaign block by block. Blocks of a point must be added in block
// order (a run's task order and a results file's point-by-point reading both do that).
class StoppingMonitor {
 public:
  // `rule` is campaign.stopping, or a disabled rule where none applies (a shard computes every
  // block: only the merge knows all of a point's blocks); `campaign` gives the points and the
  // layout of a trial's values.
  StoppingMonitor(const StoppingRule& rule, const Campaign& campaign);

  // Whether there is a rule to apply; without one no point ever stops.
  [[nodiscard]] bool enabled() const noexcept { return rule_.enabled; }

  // Adds one block of `point`: its trials' values, row-major [trial][read time × metric].
  // Returns whether the point has stopped (at this block or before; a block added after the
  // stop changes nothing). Called by one thread at a time.
  bool add_block(std::uint32_t point, std::span<const double> values);

  // Whether `point` has stopped; may be called from other threads while blocks are added.
  [[nodiscard]] bool stopped(std::uint32_t point) const noexcept;

 private:
  StoppingRule rule_;
  std::size_t width_ = 0;   // values per trial
  std::size_t column_ = 0;  // of the rule's metric at its read time
  std::vector<RunningStats> totals_;
  std::unique_ptr<std::atomic<bool>[]> stopped_;
};

}  // namespace kirchhoff::montecarlo
