#include "kirchhoff/montecarlo/summary.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

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

// A summary of `trials` trials with every field sized and NaN where a value is not computed.
PointSummary empty_summary(const Campaign& c, std::uint64_t trials) {
  const std::size_t width = c.trial_width();
  PointSummary s;
  s.trials = trials;
  for (auto* field : {&s.mean, &s.std, &s.sem, &s.ci_lower, &s.ci_upper, &s.min, &s.max}) {
    field->resize(width);
  }
  s.binomial_lower.assign(width, kNaN);
  s.binomial_upper.assign(width, kNaN);
  s.quantiles.assign(width * c.quantile_probabilities.size(), kNaN);
  return s;
}

// Value i's moments, extremes, Student-t and binomial intervals from its folded statistics.
void set_moments(const Campaign& c, PointSummary& s, std::size_t i, const RunningStats& total) {
  s.mean[i] = total.mean();
  s.std[i] = total.stddev();
  s.sem[i] = total.sem();
  const Interval ci = student_t_interval(total, c.confidence);
  s.ci_lower[i] = ci.lower;
  s.ci_upper[i] = ci.upper;
  s.min[i] = total.min();
  s.max[i] = total.max();
  binomial_interval(s, i, c.metrics[i % c.metrics.size()].bernoulli_samples, c.confidence);
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

// Doubles as unsigned keys in the same order (sign flipped for positives, all bits for
// negatives), and back.
std::uint64_t order_key(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
}

double from_order_key(std::uint64_t key) {
  return std::bit_cast<double>((key >> 63) != 0 ? key & ~(std::uint64_t{1} << 63) : ~key);
}

}  // namespace

struct PointAccumulator::Reductions {
  std::vector<OrderedReduction> columns;
  explicit Reductions(std::size_t width) : columns(width) {}
};

PointAccumulator::PointAccumulator(const Campaign& campaign)
    : campaign_(campaign),
      reductions_(std::make_unique<Reductions>(campaign.trial_width())),
      has_nan_(campaign.trial_width(), 0) {}

PointAccumulator::~PointAccumulator() = default;

void PointAccumulator::add_block(std::span<const double> values) {
  const std::size_t width = campaign_.trial_width();
  const std::uint64_t trials = values.size() / width;
  for (std::size_t i = 0; i < width; ++i) {
    RunningStats s;
    for (std::uint64_t t = 0; t < trials; ++t) {
      const double x = values[t * width + i];
      s.add(x);
      if (std::isnan(x)) has_nan_[i] = 1;
    }
    reductions_->columns[i].submit(blocks_, s);
  }
  ++blocks_;
  trials_ += trials;
}

PointSummary PointAccumulator::finish() const {
  PointSummary s = empty_summary(campaign_, trials_);
  for (std::size_t i = 0; i < campaign_.trial_width(); ++i) {
    set_moments(campaign_, s, i, reductions_->columns[i].total());
  }
  return s;
}

namespace {

// A rank being selected: the high digits of its key found so far and its rank among the values
// with those digits (how many there are: candidates).
struct Target {
  std::uint64_t high = 0;
  std::uint64_t rank = 0;
  std::uint64_t candidates = 0;
};

// When few values are left with each target's high digits (at most kCollectPerTarget each,
// kCollectTotal in all), one pass gathers them and the targets are found among them: the same
// keys, so the same values, as the remaining radix passes would find. Returns false (nothing
// done) when there are more.
bool collect_remaining(
    std::vector<std::vector<Target>>& targets, std::size_t width, int known,
    const std::function<void(const std::function<void(std::span<const double>)>&)>&
        for_each_block) {
  constexpr std::uint64_t kCollectPerTarget = 4096, kCollectTotal = std::uint64_t{1} << 17;
  std::vector<std::vector<std::uint64_t>> highs(width);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < width; ++i) {
    for (const Target& t : targets[i]) {
      if (t.candidates > kCollectPerTarget) return false;
      if (std::find(highs[i].begin(), highs[i].end(), t.high) == highs[i].end()) {
        highs[i].push_back(t.high);
        total += t.candidates;
      }
    }
    std::sort(highs[i].begin(), highs[i].end());
  }
  if (total > kCollectTotal) return false;
  std::vector<std::vector<std::vector<std::uint64_t>>> keys(width);
  for (std::size_t i = 0; i < width; ++i) keys[i].resize(highs[i].size());
  for_each_block([&](std::span<const double> values) {
    const std::uint64_t trials = values.size() / width;
    for (std::size_t i = 0; i < width; ++i) {
      const auto& h = highs[i];
      if (h.empty()) continue;
      for (std::uint64_t t = 0; t < trials; ++t) {
        const std::uint64_t key = order_key(values[t * width + i]);
        const auto it = std::lower_bound(h.begin(), h.end(), key >> (64 - known));
        if (it != h.end() && *it == key >> (64 - known)) {
          keys[i][static_cast<std::size_t>(it - h.begin())].push_back(key);
        }
      }
    }
  });
  for (std::size_t i = 0; i < width; ++i) {
    for (auto& group : keys[i]) std::sort(group.begin(), group.end());
    for (Target& t : targets[i]) {
      const auto g = static_cast<std::size_t>(
          std::lower_bound(highs[i].begin(), highs[i].end(), t.high) - highs[i].begin());
      t.high = keys[i][g].at(t.rank);
    }
  }
  return true;
}

}  // namespace

std::vector<std::vector<double>> order_statistics(
    std::size_t width, std::uint64_t count, const std::vector<std::vector<std::uint64_t>>& ranks,
    const std::function<void(const std::function<void(std::span<const double>)>&)>&
        for_each_block) {
  // Radix selection, most significant digit first: each pass counts, for every target still
  // open, the values whose higher digits match the target's and finds the digit of its rank.
  // Targets of one column with the same higher digits share a histogram.
  constexpr int kDigitBits = 11;
  std::vector<std::vector<Target>> targets(width);
  for (std::size_t i = 0; i < width; ++i) {
    for (const std::uint64_t r : ranks[i]) {
      if (r >= count) throw std::out_of_range("order_statistics: rank beyond the values");
      targets[i].push_back({0, r, count});
    }
  }
  int known = 0;  // bits found
  while (known < 64) {
    const int bits = std::min(kDigitBits, 64 - known);
    const int shift = 64 - known - bits;
    const std::uint64_t bins = std::uint64_t{1} << bits;
    // The distinct highs of each column, sorted, and one histogram per high.
    std::vector<std::vector<std::uint64_t>> highs(width);
    std::vector<std::vector<std::uint32_t>> histograms(width);
    for (std::size_t i = 0; i < width; ++i) {
      for (const Target& t : targets[i]) highs[i].push_back(t.high);
      std::sort(highs[i].begin(), highs[i].end());
      highs[i].erase(std::unique(highs[i].begin(), highs[i].end()), highs[i].end());
      histograms[i].assign(highs[i].size() * bins, 0);
    }
    for_each_block([&](std::span<const double> values) {
      const std::uint64_t trials = values.size() / width;
      for (std::size_t i = 0; i < width; ++i) {
        const auto& h = highs[i];
        if (h.empty()) continue;
        std::uint32_t* histogram = histograms[i].data();
        for (std::uint64_t t = 0; t < trials; ++t) {
          const std::uint64_t key = order_key(values[t * width + i]);
          const std::uint64_t high = known == 0 ? 0 : key >> (64 - known);
          std::size_t g = 0;
          if (h.size() > 1) {
            g = static_cast<std::size_t>(std::lower_bound(h.begin(), h.end(), high) - h.begin());
            if (g == h.size() || h[g] != high) continue;
          } else if (h[0] != high) {
            continue;
          }
          ++histogram[g * bins + ((key >> shift) & (bins - 1))];
        }
      }
    });
    for (std::size_t i = 0; i < width; ++i) {
      for (Target& t : targets[i]) {
        const auto g = static_cast<std::size_t>(
            std::lower_bound(highs[i].begin(), highs[i].end(), t.high) - highs[i].begin());
        const std::uint32_t* histogram = histograms[i].data() + g * bins;
        std::uint64_t digit = 0;
        while (t.rank >= histogram[digit]) t.rank -= histogram[digit++];
        t.high = (t.high << bits) | digit;
        t.candidates = histogram[digit];
      }
    }
    known += bits;
    if (known < 64 && collect_remaining(targets, width, known, for_each_block)) break;
  }
  std::vector<std::vector<double>> result(width);
  for (std::size_t i = 0; i < width; ++i) {
    for (const Target& t : targets[i]) result[i].push_back(from_order_key(t.high));
  }
  return result;
}

void set_quantiles(const Campaign& c, const PointAccumulator& accumulator, PointSummary& s,
                   const std::function<void(const std::function<void(std::span<const double>)>&)>&
                       for_each_block) {
  const std::size_t width = c.trial_width();
  const std::vector<double>& ps = c.quantile_probabilities;
  const std::uint64_t n = accumulator.trials();
  if (n == 0 || ps.empty()) return;
  std::vector<std::vector<std::uint64_t>> ranks(width);
  for (std::size_t i = 0; i < width; ++i) {
    if (accumulator.has_nan(i)) continue;
    for (const double p : ps) {
      const QuantilePosition pos = type7_position(n, p);
      ranks[i].push_back(pos.lower);
      ranks[i].push_back(pos.fraction == 0.0 ? pos.lower : pos.lower + 1);
    }
  }
  const auto values = order_statistics(width, n, ranks, for_each_block);
  for (std::size_t i = 0; i < width; ++i) {
    if (accumulator.has_nan(i)) continue;
    for (std::size_t q = 0; q < ps.size(); ++q) {
      const QuantilePosition pos = type7_position(n, ps[q]);
      const double a = values[i][2 * q], b = values[i][2 * q + 1];
      s.quantiles[i * ps.size() + q] = pos.fraction == 0.0 ? a : quantile_lerp(a, b, pos.fraction);
    }
  }
}

PointSummary summarize_point(const Campaign& c, std::span<const double> values) {
  const std::size_t width = c.trial_width();
  PointSummary s = empty_summary(c, values.size() / width);
  for (std::size_t i = 0; i < width; ++i) {
    set_moments(c, s, i, fold_column(values, width, i, c.block_size));
    column_quantiles(s, i, values, width, c.quantile_probabilities);
  }
  return s;
}

}  // namespace kirchhoff::montecarlo
