#include "kirchhoff/montecarlo/stopping.hpp"

#include <cmath>

#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo {

bool stopping_rule_met(const StoppingRule& rule, const RunningStats& total) {
  if (!rule.enabled || total.count() < rule.min_trials || total.count() < 2) return false;
  const double half = student_t_interval(total, rule.confidence).half_width();
  if (!std::isfinite(half)) return false;
  if (rule.half_width > 0.0 && !(half <= rule.half_width)) return false;
  if (rule.relative_half_width > 0.0 &&
      !(half <= rule.relative_half_width * std::abs(total.mean()))) {
    return false;
  }
  return true;
}

StoppingMonitor::StoppingMonitor(const StoppingRule& rule, const Campaign& campaign)
    : rule_(rule),
      width_(campaign.trial_width()),
      column_(rule.time_index * campaign.metrics.size() + rule.metric_index),
      totals_(campaign.points.size()),
      stopped_(new std::atomic<bool>[campaign.points.size()]) {
  for (std::size_t p = 0; p < campaign.points.size(); ++p) stopped_[p] = false;
}

bool StoppingMonitor::add_block(std::uint32_t point, std::span<const double> values) {
  if (!rule_.enabled) return false;
  if (stopped_[point].load()) return true;
  RunningStats block;
  for (std::size_t t = 0; t < values.size() / width_; ++t) block.add(values[t * width_ + column_]);
  totals_[point].merge(block);
  if (stopping_rule_met(rule_, totals_[point])) stopped_[point] = true;
  return stopped_[point].load();
}

bool StoppingMonitor::stopped(std::uint32_t point) const noexcept {
  return stopped_[point].load();
}

}  // namespace kirchhoff::montecarlo
