#include "kirchhoff/core/statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_confidence(std::string_view function, double confidence) {
  // Written so that NaN fails the test too.
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw InvalidArgument(
        fmt::format("{}: confidence must be in the open interval (0, 1), e.g. 0.95; got {}",
                    function, confidence));
  }
}

void check_binomial(std::string_view function, std::uint64_t successes, std::uint64_t trials) {
  if (trials == 0) {
    throw InvalidArgument(fmt::format(
        "{}: trials must be at least 1; got 0 (no interval for an empty sample)", function));
  }
  if (successes > trials) {
    throw InvalidArgument(
        fmt::format("{}: successes ({}) must not exceed trials ({})", function, successes, trials));
  }
}

void check_probability(std::string_view function, std::string_view name, double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw InvalidArgument(
        fmt::format("{}: {} must be a probability in [0, 1]; got {}", function, name, p));
  }
}

// Copies the values, rejecting an empty sample and NaN.
std::vector<double> checked_copy(std::string_view function, std::span<const double> values) {
  if (values.empty()) {
    throw InvalidArgument(fmt::format(
        "{}: values must not be empty (a quantile needs at least one value)", function));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      throw InvalidArgument(fmt::format(
          "{}: values[{}] is NaN; only non-NaN values (infinities included) are allowed", function,
          i));
    }
  }
  return {values.begin(), values.end()};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RunningStats

RunningStats::RunningStats(const RunningStatsState& state) {
  if (state.count == 0) {
    if (!(state == RunningStatsState{})) {
      throw InvalidArgument(fmt::format(
          "RunningStats: a state with count 0 must be the empty state (mean 0, m2 0, min +inf, "
          "max -inf); got mean {}, m2 {}, min {}, max {}",
          state.mean, state.m2, state.min, state.max));
    }
    return;
  }
  if (state.m2 < 0.0) {
    throw InvalidArgument(
        fmt::format("RunningStats: m2 (a sum of squares) must not be negative; got {}", state.m2));
  }
  if (state.min > state.max) {
    throw InvalidArgument(fmt::format(
        "RunningStats: min must not exceed max in a non-empty state; got min {}, max {}", state.min,
        state.max));
  }
  n_ = state.count;
  mean_ = state.mean;
  m2_ = state.m2;
  min_ = state.min;
  max_ = state.max;
}

void RunningStats::add(std::span<const double> xs) noexcept {
  for (const double x : xs) add(x);
}

void RunningStats::merge(const RunningStats& later) noexcept {
  if (later.n_ == 0) return;
  if (n_ == 0) {
    *this = later;
    return;
  }
  const auto na = static_cast<double>(n_);
  const auto nb = static_cast<double>(later.n_);
  n_ += later.n_;
  const auto n = static_cast<double>(n_);
  const double delta = later.mean_ - mean_;
  mean_ += delta * (nb / n);
  m2_ += later.m2_ + delta * delta * (na * (nb / n));
  min_ = std::min(min_, later.min_);
  max_ = std::max(max_, later.max_);
}

double RunningStats::mean() const noexcept {
  return n_ == 0 ? kNaN : mean_;
}

double RunningStats::variance() const noexcept {
  return n_ < 2 ? kNaN : m2_ / static_cast<double>(n_ - 1);
}

double RunningStats::stddev() const noexcept {
  return std::sqrt(variance());
}

double RunningStats::sem() const noexcept {
  return n_ < 2 ? kNaN : std::sqrt(variance() / static_cast<double>(n_));
}

double RunningStats::min() const noexcept {
  return n_ == 0 ? kNaN : min_;
}

double RunningStats::max() const noexcept {
  return n_ == 0 ? kNaN : max_;
}

// ---------------------------------------------------------------------------------------------
// OrderedReduction

OrderedReduction::OrderedReduction(const RunningStats& total, std::uint64_t next_block)
    : total_(total), next_(next_block) {}

OrderedReduction::OrderedReduction(const ReductionCheckpoint& saved)
    : total_(saved.total), next_(saved.next_block) {}

ReductionCheckpoint OrderedReduction::checkpoint() const {
  const std::lock_guard lock(mutex_);
  return {total_.state(), next_};
}

void OrderedReduction::submit(std::uint64_t block_index, const RunningStats& block) {
  const std::lock_guard lock(mutex_);
  if (block_index < next_) {
    throw InvalidArgument(fmt::format(
        "OrderedReduction::submit: block {} was already folded into the total (blocks 0 to {} "
        "are done); each block must be submitted exactly once",
        block_index, next_ - 1));
  }
  if (block_index > next_) {
    if (!early_.emplace(block_index, block).second) {
      throw InvalidArgument(fmt::format(
          "OrderedReduction::submit: block {} was already submitted and is waiting for block {}; "
          "each block must be submitted exactly once",
          block_index, next_));
    }
    return;
  }
  total_.merge(block);
  ++next_;
  for (auto it = early_.begin(); it != early_.end() && it->first == next_; it = early_.erase(it)) {
    total_.merge(it->second);
    ++next_;
  }
}

RunningStats OrderedReduction::total() const {
  const std::lock_guard lock(mutex_);
  return total_;
}

std::uint64_t OrderedReduction::next_block() const {
  const std::lock_guard lock(mutex_);
  return next_;
}

std::size_t OrderedReduction::buffered_blocks() const {
  const std::lock_guard lock(mutex_);
  return early_.size();
}

// ---------------------------------------------------------------------------------------------
// Intervals

double student_t_critical_value(std::uint64_t degrees_of_freedom, double confidence) {
  check_confidence("student_t_critical_value", confidence);
  if (degrees_of_freedom == 0) {
    throw InvalidArgument("student_t_critical_value: degrees_of_freedom must be at least 1; got 0");
  }
  const boost::math::students_t dist(static_cast<double>(degrees_of_freedom));
  // Upper tail (1 - c)/2 through the complement: accurate also for confidence close to 1.
  return boost::math::quantile(boost::math::complement(dist, 0.5 * (1.0 - confidence)));
}

double normal_critical_value(double confidence) {
  check_confidence("normal_critical_value", confidence);
  const boost::math::normal dist;
  return boost::math::quantile(boost::math::complement(dist, 0.5 * (1.0 - confidence)));
}

Interval student_t_interval(const RunningStats& stats, double confidence) {
  check_confidence("student_t_interval", confidence);
  if (stats.count() < 2) return {kNaN, kNaN};
  const double t = student_t_critical_value(stats.count() - 1, confidence);
  const double half = t * stats.sem();
  return {stats.mean() - half, stats.mean() + half};
}

Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double confidence) {
  check_confidence("wilson_interval", confidence);
  check_binomial("wilson_interval", successes, trials);
  const double z = normal_critical_value(confidence);
  const double z2 = z * z;
  const auto k = static_cast<double>(successes);
  const auto n = static_cast<double>(trials);
  const auto failures = static_cast<double>(trials - successes);
  // (k + z^2/2) / (n + z^2)  +-  z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)
  const double center = (k + 0.5 * z2) / (n + z2);
  const double half = z / (n + z2) * std::sqrt(k * failures / n + 0.25 * z2);
  const double lower = successes == 0 ? 0.0 : std::max(0.0, center - half);
  const double upper = successes == trials ? 1.0 : std::min(1.0, center + half);
  return {lower, upper};
}

Interval clopper_pearson_interval(std::uint64_t successes, std::uint64_t trials,
                                  double confidence) {
  check_confidence("clopper_pearson_interval", confidence);
  check_binomial("clopper_pearson_interval", successes, trials);
  const double tail = 0.5 * (1.0 - confidence);
  const auto k = static_cast<double>(successes);
  const auto n = static_cast<double>(trials);
  // lower = Beta(k, n - k + 1) quantile at tail; upper = Beta(k + 1, n - k) quantile at
  // 1 - tail, taken through the complement for accuracy.
  const double lower = successes == 0 ? 0.0 : boost::math::ibeta_inv(k, n - k + 1.0, tail);
  const double upper = successes == trials ? 1.0 : boost::math::ibetac_inv(k + 1.0, n - k, tail);
  return {lower, upper};
}

// ---------------------------------------------------------------------------------------------
// Quantiles

QuantilePosition type7_position(std::uint64_t n, double p) {
  const double h = static_cast<double>(n - 1) * p;
  const double lower = std::floor(h);
  auto index = static_cast<std::uint64_t>(lower);
  double fraction = h - lower;
  if (index >= n - 1) {  // p == 1 (or rounding at the top end)
    index = n - 1;
    fraction = 0.0;
  }
  return {index, fraction};
}

double quantile_lerp(double a, double b, double t) {
  if (t == 0.0) return a;
  const double diff = b - a;
  if (t >= 0.5) return b - diff * (1.0 - t);
  return a + diff * t;
}

double quantile(std::span<const double> values, double p) {
  check_probability("quantile", "p", p);
  std::vector<double> x = checked_copy("quantile", values);
  const QuantilePosition pos = type7_position(x.size(), p);
  const auto lower_it = x.begin() + static_cast<std::ptrdiff_t>(pos.lower);
  std::nth_element(x.begin(), lower_it, x.end());
  const double lower = *lower_it;
  if (pos.fraction == 0.0) return lower;
  // Everything after the lower order statistic is >= it; the next order statistic is the least.
  const double upper = *std::min_element(lower_it + 1, x.end());
  return quantile_lerp(lower, upper, pos.fraction);
}

std::vector<double> quantiles(std::span<const double> values, std::span<const double> ps) {
  for (std::size_t i = 0; i < ps.size(); ++i) {
    check_probability("quantiles", fmt::format("ps[{}]", i), ps[i]);
  }
  std::vector<double> x = checked_copy("quantiles", values);
  std::sort(x.begin(), x.end());
  std::vector<double> result;
  result.reserve(ps.size());
  for (const double p : ps) {
    const QuantilePosition pos = type7_position(x.size(), p);
    result.push_back(pos.fraction == 0.0
                         ? x[pos.lower]
                         : quantile_lerp(x[pos.lower], x[pos.lower + 1], pos.fraction));
  }
  return result;
}

Interval percentile_interval(std::span<const double> replicates, double confidence) {
  if (replicates.empty()) {
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
  const double tail = 0.5 * (1.0 - confidence);
  const std::vector<double> ps{tail, 1.0 - tail};
  const auto q = quantiles(replicates, ps);
  return {q[0], q[1]};
}

double ks_statistic_sorted(std::span<const double> sorted,
                           const std::function<double(double)>& cdf) {
  const std::size_t n = sorted.size();
  double d = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double f = cdf(sorted[i]);
    d = std::max({d, static_cast<double>(i + 1) / static_cast<double>(n) - f,
                  f - static_cast<double>(i) / static_cast<double>(n)});
  }
  return d;
}

double ks_statistic(std::span<const double> values, const std::function<double(double)>& cdf) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return ks_statistic_sorted(sorted, cdf);
}

double kolmogorov_smirnov_p_value(double d, std::size_t n) {
  if (n == 0 || !(d > 0.0)) return 1.0;
  const double sn = std::sqrt(static_cast<double>(n));
  const double lambda = (sn + 0.12 + 0.11 / sn) * d;
  if (lambda < 0.2) return 1.0;  // the series converges slowly here; Q(0.2) = 1 - 1e-9
  double sum = 0.0, sign = 1.0;
  for (int k = 1; k <= 100; ++k, sign = -sign) {
    const double term = sign * std::exp(-2.0 * k * k * lambda * lambda);
    sum += term;
    if (std::abs(term) < 1e-16 * std::abs(sum)) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

}  // namespace kirchhoff
