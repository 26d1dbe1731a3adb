// The per-point statistics of a results file (/summary, /trials_done; docs/hdf5-schema.md),
// computed from the values of a point's trials alone, without any file: moments folded block by
// block in block order (core OrderedReduction, the reproducibility contract of statistics.hpp),
// Student-t intervals, exact quantiles from the values, and Clopper–Pearson intervals of
// proportion metrics. The results writer stores what this computes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kirchhoff::montecarlo {

struct Campaign;

// Statistics of one point, each [read time × metric] (row-major), quantiles
// [read time × metric × probability].
struct PointSummary {
  std::uint64_t trials = 0;  // trials the statistics are over (the point's trials_done)
  std::vector<double> mean, std, sem, ci_lower, ci_upper, min, max;
  // Proportion metrics (MetricInfo::bernoulli_samples > 0): the interval of the mean proportion
  // as if it were one trial of that many samples; NaN for other metrics.
  std::vector<double> binomial_lower, binomial_upper;
  std::vector<double> quantiles;  // NaN where a trial's value is NaN
};

// `values`: the point's first trials in trial order, row-major [trial][read time × metric]
// (whole blocks of campaign.block_size trials, the last one possibly shorter). The campaign
// gives the layout, the metrics, the confidence and the quantile probabilities.
[[nodiscard]] PointSummary summarize_point(const Campaign& campaign,
                                           std::span<const double> values);

}  // namespace kirchhoff::montecarlo
