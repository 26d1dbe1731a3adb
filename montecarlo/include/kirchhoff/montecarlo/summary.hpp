// The per-point statistics of a results file (/summary, /trials_done; docs/hdf5-schema.md),
// computed from the values of a point's trials alone, without any file: moments folded block by
// block in block order (core OrderedReduction, the reproducibility contract of statistics.hpp),
// Student-t intervals, exact quantiles from the values, and Clopper–Pearson intervals of
// proportion metrics. The results writer stores what this computes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

// The same statistics accumulated block by block, holding one accumulator per value (not the
// values): what summarize_point computes, for points too large to hold (the results writer).
// Quantiles need every value: finish() leaves them NaN and they are set with set_quantiles.
class PointAccumulator {
 public:
  explicit PointAccumulator(const Campaign& campaign);
  ~PointAccumulator();
  PointAccumulator(const PointAccumulator&) = delete;
  PointAccumulator& operator=(const PointAccumulator&) = delete;

  // The next block of the point (block order), row-major [trial][read time × metric].
  void add_block(std::span<const double> values);
  [[nodiscard]] std::uint64_t trials() const noexcept { return trials_; }
  // Whether value i (read time × metric) was NaN in some trial: its quantiles stay NaN.
  [[nodiscard]] bool has_nan(std::size_t i) const { return has_nan_[i] != 0; }
  // Everything but the quantiles (NaN).
  [[nodiscard]] PointSummary finish() const;

 private:
  const Campaign& campaign_;
  struct Reductions;
  std::unique_ptr<Reductions> reductions_;
  std::vector<unsigned char> has_nan_;
  std::uint64_t trials_ = 0, blocks_ = 0;
};

// The order statistics of each column of a point's values, exact, with memory that does not
// depend on the number of trials: `for_each_block(visit)` calls visit with the point's blocks
// (row-major [trial][width]) in any order, the same blocks each time; it is called a few times
// (one pass per 11 bits of a double, until few enough values are left to collect in one more).
// ranks[i] are 0-based ranks into column i's sorted values (its values must not be NaN when it asks
// for any); the result holds the values at them. Ties of -0 and +0 sort -0 first.
[[nodiscard]] std::vector<std::vector<double>> order_statistics(
    std::size_t width, std::uint64_t count, const std::vector<std::vector<std::uint64_t>>& ranks,
    const std::function<void(const std::function<void(std::span<const double>)>&)>& for_each_block);

// Type-7 quantiles (as core quantiles()) of every column without NaN, at the campaign's
// probabilities, from order_statistics over the blocks; NaN for columns with NaN.
void set_quantiles(
    const Campaign& campaign, const PointAccumulator& accumulator, PointSummary& summary,
    const std::function<void(const std::function<void(std::span<const double>)>&)>& for_each_block);

}  // namespace kirchhoff::montecarlo
