// Summary statistics for Monte Carlo campaigns: single-pass moments (RunningStats), their
// reproducible reduction across any parallel layout (OrderedReduction), confidence intervals for
// a mean and for a proportion, and exact sample quantiles.
//
// Reproducibility contract
// ------------------------
// Floating-point addition is not associative, so merging the same accumulators in another order
// (or splitting the sample at other places) changes the last bits of the mean and of M2. A
// campaign must give bitwise-identical statistics whatever the number of threads, MPI ranks or
// SLURM shards, so Kirchhoff defines ONE canonical result:
//
//   1. The sample is divided into fixed blocks of consecutive trials. The block boundaries are
//      fixed by the configuration (e.g. "blocks of 1024 trials"), never by the thread count, the
//      rank count or the scheduling.
//   2. Each block is accumulated sequentially, one RunningStats::add per element, in element
//      (trial-index) order, starting from an empty RunningStats.
//   3. The block accumulators are merged left to right in block-index order:
//      total = (((B0 . B1) . B2) . B3) ..., where X . Y is X.merge(Y).
//
// Any worker may compute any block at any time; OrderedReduction collects the finished blocks in
// whatever order they arrive and performs step 3 exactly, so the result depends only on the data
// and on the block boundaries. Resuming from a checkpoint (a saved total plus the index of the
// next block) continues the same left-to-right fold and therefore gives the same bits.
//
// What is NOT promised: a single Welford pass over the whole sample, or a merge of blocks split at
// other places, agrees with the canonical result only to within rounding error (tens of ulps in
// the mean, hundreds in M2, for samples of thousands). And the bits are those
// of one build: another compiler, other floating-point flags (e.g. -ffast-math, FMA contraction)
// or another architecture may round differently.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <span>
#include <vector>

namespace kirchhoff {

// The complete state of a RunningStats, for checkpoints. The empty state is
// {count 0, mean 0, m2 0, min +inf, max -inf}.
struct RunningStatsState {
  std::uint64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;  // sum of squared deviations from the mean
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  friend bool operator==(const RunningStatsState&, const RunningStatsState&) = default;
};

// Count, mean, variance, minimum and maximum of a sample in one pass and O(1) memory.
// add() is Welford's update (Welford 1962); merge() is the pairwise combination of
// Chan, Golub & LeVeque (1979). Not thread-safe: use one accumulator per worker and merge.
// NaN inputs make the mean and variance NaN and are ignored by min and max.
class RunningStats {
 public:
  RunningStats() = default;
  // Restores a saved state (see state()). Throws InvalidArgument when the state is impossible:
  // count 0 with anything but the empty state, a negative m2, or (count >= 1) min > max.
  explicit RunningStats(const RunningStatsState& state);

  void add(double x) noexcept {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
  }
  // Adds the values one by one, in order (bitwise the same as calling add() for each).
  void add(std::span<const double> xs) noexcept;

  // Appends the sample of `later` after this one. Merging an empty accumulator (on either side)
  // gives the other one exactly. Not commutative in the last bits: see the contract above.
  void merge(const RunningStats& later) noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return n_; }
  // NaN when the sample is empty.
  [[nodiscard]] double mean() const noexcept;
  // Unbiased sample variance M2 / (n - 1); NaN when n < 2.
  [[nodiscard]] double variance() const noexcept;
  // sqrt(variance()); NaN when n < 2.
  [[nodiscard]] double stddev() const noexcept;
  // Standard error of the mean, stddev() / sqrt(n); NaN when n < 2.
  [[nodiscard]] double sem() const noexcept;
  // Smallest and largest value added; NaN when the sample is empty.
  [[nodiscard]] double min() const noexcept;
  [[nodiscard]] double max() const noexcept;
  // Sum of squared deviations from the mean (0 when n < 2).
  [[nodiscard]] double m2() const noexcept { return m2_; }

  // The raw state, for checkpoints; RunningStats(state()) is an exact copy.
  [[nodiscard]] RunningStatsState state() const noexcept { return {n_, mean_, m2_, min_, max_}; }

 private:
  std::uint64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

// What a checkpoint of an OrderedReduction stores: the fold of blocks [0, next_block).
struct ReductionCheckpoint {
  RunningStatsState total;
  std::uint64_t next_block = 0;

  friend bool operator==(const ReductionCheckpoint&, const ReductionCheckpoint&) = default;
};

// Folds block accumulators into a running total strictly in block-index order (step 3 of the
// contract above), whatever order they arrive in. Blocks that arrive early are buffered until
// every block before them has been folded. Thread-safe: workers may submit() concurrently.
class OrderedReduction {
 public:
  // Starts with an empty total, waiting for block 0.
  OrderedReduction() = default;
  // Resumes from a checkpoint: `total` is the fold of blocks [0, next_block).
  OrderedReduction(const RunningStats& total, std::uint64_t next_block);
  // Resumes from checkpoint(); throws InvalidArgument for an impossible total (see RunningStats).
  explicit OrderedReduction(const ReductionCheckpoint& saved);

  OrderedReduction(const OrderedReduction&) = delete;
  OrderedReduction& operator=(const OrderedReduction&) = delete;

  // Hands in the accumulator of one block. Throws InvalidArgument when that block was already
  // folded or is already buffered (each block must be submitted exactly once).
  void submit(std::uint64_t block_index, const RunningStats& block);

  // The fold of blocks [0, next_block()); blocks buffered beyond a gap are not included.
  [[nodiscard]] RunningStats total() const;
  // The block the reduction is waiting for: every block before it has been folded.
  [[nodiscard]] std::uint64_t next_block() const;
  // total() and next_block() taken together, consistently even while workers submit. Blocks
  // buffered beyond a gap are not part of it: after a restart they must be computed again.
  [[nodiscard]] ReductionCheckpoint checkpoint() const;
  // The number of blocks that arrived early and wait for a missing block before them.
  [[nodiscard]] std::size_t buffered_blocks() const;

 private:
  mutable std::mutex mutex_;
  RunningStats total_;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, RunningStats> early_;
};

// A two-sided confidence interval [lower, upper].
struct Interval {
  double lower = 0.0;
  double upper = 0.0;

  [[nodiscard]] double half_width() const noexcept { return 0.5 * (upper - lower); }
};

// In every function below, `confidence` is the two-sided coverage, e.g. 0.95, and must lie in
// the open interval (0, 1); otherwise InvalidArgument is thrown.

// The two-sided critical value t such that P(|T| <= t) = confidence for Student's t with the given
// degrees of freedom (>= 1), i.e. the (1 + confidence)/2 quantile. Boost.Math.
[[nodiscard]] double student_t_critical_value(std::uint64_t degrees_of_freedom, double confidence);
// The two-sided critical value z of the standard normal, the (1 + confidence)/2 quantile.
[[nodiscard]] double normal_critical_value(double confidence);

// Student-t interval for the mean: mean +- t_{(1+c)/2, n-1} * s / sqrt(n). Assumes roughly normal
// block means (fine for large n by the central limit theorem). With fewer than two values there
// is no variance estimate and both bounds are NaN.
[[nodiscard]] Interval student_t_interval(const RunningStats& stats, double confidence);

// Wilson (1927) score interval for a binomial proportion `successes / trials`. Good coverage
// even for small counts and proportions near 0 or 1; the bounds lie in [0, 1], lower is exactly 0
// when successes == 0 and upper exactly 1 when successes == trials.
// Throws InvalidArgument when trials == 0 or successes > trials.
[[nodiscard]] Interval wilson_interval(std::uint64_t successes, std::uint64_t trials,
                                       double confidence);

// Clopper-Pearson (1934) "exact" interval from Beta quantiles: conservative, coverage at least
// `confidence` for every true proportion. lower = 0 when successes == 0, upper = 1 when
// successes == trials. Throws InvalidArgument when trials == 0 or successes > trials.
[[nodiscard]] Interval clopper_pearson_interval(std::uint64_t successes, std::uint64_t trials,
                                                double confidence);

// Sample quantile, Hyndman & Fan (1996) type 7: with the values sorted x_0 <= ... <= x_{n-1} and
// h = (n - 1) p, the result is x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)), the linear
// interpolation of order statistics that is NumPy's and R's default. p = 0 gives the minimum,
// p = 1 the maximum. Works on a copy; `values` is not modified.
// Throws InvalidArgument when values is empty, contains NaN, or p is not in [0, 1].
[[nodiscard]] double quantile(std::span<const double> values, double p);
// Several quantiles of the same sample, one sort; the result has one entry per element of ps.
[[nodiscard]] std::vector<double> quantiles(std::span<const double> values,
                                            std::span<const double> ps);

// The two steps of quantile(), for code that finds the order statistics itself (the engine's
// streamed summaries): the type-7 position at p of n sorted values (the index of the lower order
// statistic and the fraction towards the next; fraction 0 at p = 1), and the interpolation
// a + t (b - a), exact at both ends and monotone in t (NumPy's _lerp). Same bits as quantile().
struct QuantilePosition {
  std::uint64_t lower;
  double fraction;
};
[[nodiscard]] QuantilePosition type7_position(std::uint64_t n, double p);
[[nodiscard]] double quantile_lerp(double a, double b, double t);

// Bootstrap percentile interval (Efron & Tibshirani 1993, ch. 13): the (1 - c)/2 and (1 + c)/2
// type-7 quantiles of the replicate estimates. NaN bounds when there are no replicates.
[[nodiscard]] Interval percentile_interval(std::span<const double> replicates, double confidence);

// One-sample Kolmogorov-Smirnov statistic D_n = sup_x |F_n(x) - F(x)| of a sample against a
// continuous CDF: max over the sorted sample of (i + 1)/n - F(x_i) and F(x_i) - i/n.
// `sorted` must be in ascending order; 0 for an empty sample.
[[nodiscard]] double ks_statistic_sorted(std::span<const double> sorted,
                                         const std::function<double(double)>& cdf);
// The same for a sample in any order (sorts a copy).
[[nodiscard]] double ks_statistic(std::span<const double> values,
                                  const std::function<double(double)>& cdf);

// Asymptotic p-value P(D_n >= d) of the KS statistic: the Kolmogorov series
// Q(lambda) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2) at lambda = (sqrt(n) + 0.12 +
// 0.11/sqrt(n)) d, Stephens' (1970) finite-n correction (Numerical Recipes, 3rd ed., 14.3.3).
// 1 for n = 0 or d <= 0.
[[nodiscard]] double kolmogorov_smirnov_p_value(double d, std::size_t n);

}  // namespace kirchhoff
