#include "kirchhoff/montecarlo/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"

namespace kirchhoff::montecarlo {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Column k of the values (one read time and metric), folded block by block in block order.
RunningStats fold_column(std::span<const double> values, std::size_t width, std::size_t k,
                         std::uint64_t block_size) {
  const std::uint64_t trials = values.size() / width;
  OrderedReduction reduction;
  for (std::uint64_t b = 0; b * block_size < trials; ++b) {
    RunningStats s;
    const std::uint64_t end = std::min(trials, (b + 1) * block_size);
    for (std::uint64_t t = b * block_size; t < end; ++t) s.add(values[t * width + k]);
    reduction.submit(b, s);
  }
  return reduction.total();
}

// A proportion of n samples: the Clopper–Pearson interval of the mean proportion as if it were
// one trial of n samples, i.e. the uncertainty from the finite test set alone.
void binomial_interval(PointSummary& s, std::size_t i, std::uint64_t n_samples, double confidence) {
  if (n_samples == 0 || !std::isfinite(s.mean[i])) return;
  const double successes = std::clamp(std::round(s.mean[i] * static_cast<double>(n_samples)), 0.0,
                                      static_cast<double>(n_samples));
  const Interval b =
      clopper_pearson_interval(static_cast<std::uint64_t>(successes), n_samples, confidence);
  s.binomial_lower[i] = b.lower;
  s.binomial_upper[i] = b.upper;
}

// Exact quantiles of column i; left NaN when a value is NaN.
void column_quantiles(PointSummary& s, std::size_t i, std::span<const double> values,
                      std::size_t width, std::span<const double> probabilities) {
  std::vector<double> column(values.size() / width);
  for (std::size_t t = 0; t < column.size(); ++t) column[t] = values[t * width + i];
  const bool has_nan =
      std::any_of(column.begin(), column.end(), [](double x) { return std::isnan(x); });
  if (has_nan || column.empty() || probabilities.empty()) return;
  const auto qs = quantiles(column, probabilities);
  std::copy(qs.begin(), qs.end(),
            s.quantiles.begin() + static_cast<std::ptrdiff_t>(i * probabilities.size()));
}

}  // namespace

PointSummary summarize_point(const Campaign& c, std::span<const double> values) {
  const std::size_t width = c.trial_width();
  const std::size_t metrics = c.metrics.size();
  const std::vector<double>& ps = c.quantile_probabilities;
  PointSummary s;
  s.trials = values.size() / width;
  for (auto* field : {&s.mean, &s.std, &s.sem, &s.ci_lower, &s.ci_upper, &s.min, &s.max}) {
    field->resize(width);
  }
  s.binomial_lower.assign(width, kNaN);
  s.binomial_upper.assign(width, kNaN);
  s.quantiles.assign(width * ps.size(), kNaN);
  for (std::size_t i = 0; i < width; ++i) {
    const RunningStats total = fold_column(values, width, i, c.block_size);
    s.mean[i] = total.mean();
    s.std[i] = total.stddev();
    s.sem[i] = total.sem();
    const Interval ci = student_t_interval(total, c.confidence);
    s.ci_lower[i] = ci.lower;
    s.ci_upper[i] = ci.upper;
    s.min[i] = total.min();
    s.max[i] = total.max();
    binomial_interval(s, i, c.metrics[i % metrics].bernoulli_samples, c.confidence);
    column_quantiles(s, i, values, width, ps);
  }
  return s;
}

}  // namespace kirchhoff::montecarlo
