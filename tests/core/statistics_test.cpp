#include "kirchhoff/core/statistics.hpp"

#include <gtest/gtest.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::uint64_t bits(double x) {
  return std::bit_cast<std::uint64_t>(x);
}

// Distance in units in the last place between two finite doubles of the same sign.
std::uint64_t ulp_distance(double a, double b) {
  const auto ia = std::bit_cast<std::int64_t>(a);
  const auto ib = std::bit_cast<std::int64_t>(b);
  return ia > ib ? static_cast<std::uint64_t>(ia - ib) : static_cast<std::uint64_t>(ib - ia);
}

// The message of the InvalidArgument thrown by f, or a test failure.
std::string invalid_argument_message(const std::function<void()>& f) {
  return testing::message_of<InvalidArgument>(f);
}

RunningStats stats_of(std::span<const double> xs) {
  RunningStats s;
  s.add(xs);
  return s;
}

std::vector<double> random_sample(std::size_t n, double offset, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(offset, 3.0);
  std::vector<double> xs(n);
  for (double& x : xs) x = normal(rng);
  return xs;
}

// ---------------------------------------------------------------------------------------------
// RunningStats: closed forms and edge cases

TEST(RunningStats, OneToNHasClosedFormMeanAndVariance) {
  for (const int n : {2, 3, 10, 1000, 12345}) {
    RunningStats s;
    for (int i = 1; i <= n; ++i) s.add(static_cast<double>(i));
    const double dn = n;
    EXPECT_EQ(s.count(), static_cast<std::uint64_t>(n));
    EXPECT_DOUBLE_EQ(s.mean(), (dn + 1.0) / 2.0) << "n = " << n;
    EXPECT_DOUBLE_EQ(s.variance(), dn * (dn + 1.0) / 12.0) << "n = " << n;
    EXPECT_DOUBLE_EQ(s.stddev(), std::sqrt(dn * (dn + 1.0) / 12.0));
    EXPECT_DOUBLE_EQ(s.sem(), std::sqrt((dn + 1.0) / 12.0));
    EXPECT_DOUBLE_EQ(s.m2(), (dn - 1.0) * dn * (dn + 1.0) / 12.0);
    EXPECT_EQ(s.min(), 1.0);
    EXPECT_EQ(s.max(), dn);
  }
}

TEST(RunningStats, ConstantSampleHasExactlyZeroVariance) {
  for (const double c : {0.1, -7.3e-12, 1e9 + 0.3, 42.0}) {
    const std::vector<double> xs(1000, c);
    const RunningStats s = stats_of(xs);
    EXPECT_EQ(s.mean(), c);
    EXPECT_EQ(s.variance(), 0.0);
    EXPECT_EQ(s.m2(), 0.0);
    // Also through merges.
    RunningStats merged = stats_of(std::span(xs).first(300));
    merged.merge(stats_of(std::span(xs).subspan(300)));
    EXPECT_EQ(merged.mean(), c);
    EXPECT_EQ(merged.variance(), 0.0);
  }
}

TEST(RunningStats, StableWithLargeOffset) {
  // The textbook sum-of-squares formula loses every digit here; Welford must not.
  const std::vector<double> classic = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  EXPECT_EQ(stats_of(classic).variance(), 30.0);

  const std::vector<double> xs = [] {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> v(10000);
    for (double& x : v) x = 1e9 + u(rng);
    return v;
  }();
  // Two-pass reference in long double from the stored values.
  long double sum = 0;
  for (const double x : xs) sum += x;
  const long double mean = sum / static_cast<long double>(xs.size());
  long double ss = 0;
  for (const double x : xs) ss += (x - mean) * (x - mean);
  const auto variance = static_cast<double>(ss / static_cast<long double>(xs.size() - 1));

  const RunningStats s = stats_of(xs);
  // Welford's mean drifts by rounding (tens of ulps of 1e9 here); the variance is what the
  // textbook formula would destroy.
  EXPECT_NEAR(s.mean(), static_cast<double>(mean), 1e-14 * 1e9);
  EXPECT_NEAR(s.variance(), variance, 1e-9 * variance);
  // The naive formula, for contrast, is far off (this is what the test protects against).
  long double sum_sq = 0;
  for (const double x : xs) sum_sq += static_cast<long double>(x * x);
  const double n = static_cast<double>(xs.size());
  const double naive =
      (static_cast<double>(sum_sq) - n * static_cast<double>(mean * mean)) / (n - 1.0);
  EXPECT_GT(std::abs(naive - variance), 1e-3 * variance);
}

TEST(RunningStats, EmptyAndSingleValue) {
  RunningStats s;
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(std::isnan(s.mean()));
  EXPECT_TRUE(std::isnan(s.variance()));
  EXPECT_TRUE(std::isnan(s.stddev()));
  EXPECT_TRUE(std::isnan(s.sem()));
  EXPECT_TRUE(std::isnan(s.min()));
  EXPECT_TRUE(std::isnan(s.max()));
  EXPECT_EQ(s.m2(), 0.0);
  EXPECT_EQ(s.state(), RunningStatsState{});

  s.add(2.5);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.mean(), 2.5);
  EXPECT_TRUE(std::isnan(s.variance()));
  EXPECT_TRUE(std::isnan(s.sem()));
  EXPECT_EQ(s.min(), 2.5);
  EXPECT_EQ(s.max(), 2.5);
}

TEST(RunningStats, SpanAddIsElementwiseAdd) {
  const std::vector<double> xs = random_sample(500, 100.0, 1);
  RunningStats one_by_one;
  for (const double x : xs) one_by_one.add(x);
  EXPECT_EQ(stats_of(xs).state(), one_by_one.state());
}

TEST(RunningStats, MinAndMaxTrackExtremes) {
  const std::vector<double> xs = {3.0, -1.5, 8.25, 0.0, -1.0};
  const RunningStats s = stats_of(xs);
  EXPECT_EQ(s.min(), -1.5);
  EXPECT_EQ(s.max(), 8.25);
  RunningStats t = stats_of(std::vector<double>{100.0});
  t.merge(s);
  EXPECT_EQ(t.min(), -1.5);
  EXPECT_EQ(t.max(), 100.0);
}

TEST(RunningStats, MergeWithEmptyIsExact) {
  const std::vector<double> xs = random_sample(777, 1e3, 2);
  const RunningStats s = stats_of(xs);

  RunningStats left = s;
  left.merge(RunningStats{});
  EXPECT_EQ(left.state(), s.state());

  RunningStats right;
  right.merge(s);
  EXPECT_EQ(right.state(), s.state());

  RunningStats both;
  both.merge(RunningStats{});
  EXPECT_EQ(both.state(), RunningStatsState{});
}

TEST(RunningStats, MergedSplitAgreesWithOnePassButNotBitwise) {
  // Floating-point merges are not associative: splitting the sample and merging agrees with one
  // Welford pass only to rounding (measured here: up to ~40 ulps in the mean and ~300 ulps in
  // M2, which is the size of Welford's own rounding error), not bit for bit.
  const std::vector<double> xs = random_sample(5000, 1e3, 3);
  const RunningStats whole = stats_of(xs);
  int bitwise_different = 0;
  for (std::size_t cut = 1; cut < xs.size(); cut += 7) {
    RunningStats merged = stats_of(std::span(xs).first(cut));
    merged.merge(stats_of(std::span(xs).subspan(cut)));
    EXPECT_EQ(merged.count(), whole.count());
    EXPECT_EQ(merged.min(), whole.min());
    EXPECT_EQ(merged.max(), whole.max());
    EXPECT_NEAR(merged.mean(), whole.mean(), 1e-14 * std::abs(whole.mean())) << "cut " << cut;
    EXPECT_NEAR(merged.m2(), whole.m2(), 1e-13 * whole.m2()) << "cut " << cut;
    if (bits(merged.mean()) != bits(whole.mean()) || bits(merged.m2()) != bits(whole.m2())) {
      ++bitwise_different;
    }
  }
  EXPECT_GT(bitwise_different, 0);  // hence the block contract
}

TEST(RunningStats, MergeMatchesClosedFormOfTheUnion) {
  // 1..10 split as 1..4 and 5..10: mean 5.5, variance 55/6.
  RunningStats a;
  RunningStats b;
  for (int i = 1; i <= 4; ++i) a.add(i);
  for (int i = 5; i <= 10; ++i) b.add(i);
  a.merge(b);
  EXPECT_EQ(a.count(), 10u);
  EXPECT_DOUBLE_EQ(a.mean(), 5.5);
  EXPECT_DOUBLE_EQ(a.variance(), 55.0 / 6.0);
}

TEST(RunningStats, StateRoundTripsExactly) {
  const RunningStats s = stats_of(random_sample(123, -5.0, 4));
  const RunningStatsState st = s.state();
  EXPECT_EQ(st.count, 123u);
  EXPECT_EQ(bits(st.mean), bits(s.mean()));
  EXPECT_EQ(bits(st.m2), bits(s.m2()));
  EXPECT_EQ(st.min, s.min());
  EXPECT_EQ(st.max, s.max());
  const RunningStats restored(st);
  EXPECT_EQ(restored.state(), st);
  EXPECT_EQ(RunningStats(RunningStatsState{}).state(), RunningStatsState{});

  // Continuing after a restore gives the same bits as never stopping.
  RunningStats a = s;
  RunningStats b = restored;
  a.add(3.25);
  b.add(3.25);
  EXPECT_EQ(a.state(), b.state());
}

TEST(RunningStats, ImpossibleStatesAreRejected) {
  EXPECT_EQ(invalid_argument_message([] {
              RunningStats(RunningStatsState{0, 1.0, 0.0, kInf, -kInf});
            }),
            "RunningStats: a state with count 0 must be the empty state (mean 0, m2 0, min +inf, "
            "max -inf); got mean 1, m2 0, min inf, max -inf");
  EXPECT_EQ(invalid_argument_message([] {
              RunningStats(RunningStatsState{5, 1.0, -2.0, 0.0, 2.0});
            }),
            "RunningStats: m2 (a sum of squares) must not be negative; got -2");
  EXPECT_EQ(invalid_argument_message([] {
              RunningStats(RunningStatsState{5, 1.0, 2.0, 3.0, 2.0});
            }),
            "RunningStats: min must not exceed max in a non-empty state; got min 3, max 2");
}

// ---------------------------------------------------------------------------------------------
// The reproducibility contract: any parallel layout gives the bits of the canonical fold.

constexpr std::size_t kSampleSize = 5000;
constexpr std::size_t kBlockSize = 64;  // 79 blocks, the last one partial (8 values)

std::size_t block_count() {
  return (kSampleSize + kBlockSize - 1) / kBlockSize;
}

std::span<const double> block(const std::vector<double>& xs, std::size_t b) {
  const std::size_t begin = b * kBlockSize;
  return std::span(xs).subspan(begin, std::min(kBlockSize, xs.size() - begin));
}

// Steps 2 and 3 of the contract, written out plainly.
RunningStats canonical_fold(const std::vector<double>& xs) {
  RunningStats total;
  for (std::size_t b = 0; b < block_count(); ++b) {
    RunningStats acc;
    for (const double x : block(xs, b)) acc.add(x);
    total.merge(acc);
  }
  return total;
}

void expect_bitwise_equal(const RunningStats& got, const RunningStats& want) {
  EXPECT_EQ(got.count(), want.count());
  EXPECT_EQ(bits(got.mean()), bits(want.mean()));
  EXPECT_EQ(bits(got.m2()), bits(want.m2()));
  EXPECT_EQ(bits(got.min()), bits(want.min()));
  EXPECT_EQ(bits(got.max()), bits(want.max()));
}

// A random layout: each block goes to one of `workers` workers, and each worker handles its
// blocks in a random order.
std::vector<std::vector<std::size_t>> random_layout(std::size_t workers, std::mt19937_64& rng) {
  std::vector<std::vector<std::size_t>> per_worker(workers);
  std::uniform_int_distribution<std::size_t> pick(0, workers - 1);
  for (std::size_t b = 0; b < block_count(); ++b) per_worker[pick(rng)].push_back(b);
  for (auto& blocks : per_worker) std::shuffle(blocks.begin(), blocks.end(), rng);
  return per_worker;
}

class StatsReproducibilityTest : public ::testing::Test {
 protected:
  // A large offset makes the merge order visible in the last bits.
  std::vector<double> xs_ = random_sample(kSampleSize, 1e4, 2024);
  RunningStats want_ = canonical_fold(xs_);
};

TEST_F(StatsReproducibilityTest, SequentialRandomArrivalOrderIsBitwiseCanonical) {
  std::mt19937_64 rng(1);
  int order_sensitive_layouts = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t workers = 1 + static_cast<std::size_t>(trial % 8);
    const auto layout = random_layout(workers, rng);

    std::vector<std::pair<std::size_t, RunningStats>> arrivals;
    std::vector<RunningStats> per_worker_totals(workers);  // the tempting, wrong reduction
    for (std::size_t w = 0; w < workers; ++w) {
      for (const std::size_t b : layout[w]) {
        const RunningStats acc = stats_of(block(xs_, b));
        arrivals.emplace_back(b, acc);
        per_worker_totals[w].merge(acc);
      }
    }
    std::shuffle(arrivals.begin(), arrivals.end(), rng);

    OrderedReduction reduction;
    for (const auto& [b, acc] : arrivals) reduction.submit(b, acc);
    EXPECT_EQ(reduction.next_block(), block_count());
    EXPECT_EQ(reduction.buffered_blocks(), 0u);
    expect_bitwise_equal(reduction.total(), want_);

    RunningStats naive;
    for (const RunningStats& t : per_worker_totals) naive.merge(t);
    if (bits(naive.mean()) != bits(want_.mean()) || bits(naive.m2()) != bits(want_.m2())) {
      ++order_sensitive_layouts;
    }
  }
  // The sample is chosen so that the merge order matters: without OrderedReduction the layouts
  // would give different bits, so the equality above is not trivially true.
  EXPECT_GT(order_sensitive_layouts, 100);
}

TEST_F(StatsReproducibilityTest, TbbWorkersSubmittingConcurrentlyAreBitwiseCanonical) {
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 100; ++trial) {
    const std::size_t workers = 1 + static_cast<std::size_t>(trial % 8);
    const auto layout = random_layout(workers, rng);
    OrderedReduction reduction;
    tbb::task_group group;
    for (std::size_t w = 0; w < workers; ++w) {
      group.run([&, w] {
        for (const std::size_t b : layout[w]) reduction.submit(b, stats_of(block(xs_, b)));
      });
    }
    group.wait();
    EXPECT_EQ(reduction.next_block(), block_count());
    expect_bitwise_equal(reduction.total(), want_);
  }
}

TEST_F(StatsReproducibilityTest, ResumeFromCheckpointIsBitwiseCanonical) {
  std::mt19937_64 rng(3);
  for (const std::size_t stop : {std::size_t{0}, std::size_t{1}, std::size_t{40}, block_count()}) {
    OrderedReduction first;
    for (std::size_t b = 0; b < stop; ++b) first.submit(b, stats_of(block(xs_, b)));
    const ReductionCheckpoint saved = first.checkpoint();
    EXPECT_EQ(saved.next_block, stop);
    EXPECT_EQ(saved.total, first.total().state());

    OrderedReduction resumed(saved);
    EXPECT_EQ(resumed.next_block(), stop);
    EXPECT_EQ(resumed.checkpoint(), saved);
    // The other constructor, from the parts, is the same thing.
    const OrderedReduction from_parts(RunningStats(saved.total), saved.next_block);
    EXPECT_EQ(from_parts.checkpoint(), saved);
    std::vector<std::size_t> rest(block_count() - stop);
    std::iota(rest.begin(), rest.end(), stop);
    std::shuffle(rest.begin(), rest.end(), rng);
    for (const std::size_t b : rest) resumed.submit(b, stats_of(block(xs_, b)));
    expect_bitwise_equal(resumed.total(), want_);
  }
}

TEST(StatsOrderedReduction, BuffersEarlyBlocksAndReportsTheBlockItWaitsFor) {
  const auto one = [](double x) { return stats_of(std::vector<double>{x}); };
  OrderedReduction r;
  EXPECT_EQ(r.next_block(), 0u);
  r.submit(2, one(3.0));
  r.submit(1, one(2.0));
  EXPECT_EQ(r.next_block(), 0u);
  EXPECT_EQ(r.buffered_blocks(), 2u);
  EXPECT_EQ(r.total().count(), 0u);
  r.submit(4, one(5.0));
  r.submit(0, one(1.0));
  EXPECT_EQ(r.next_block(), 3u);  // 0, 1, 2 folded; 4 waits for 3
  EXPECT_EQ(r.buffered_blocks(), 1u);
  EXPECT_EQ(r.total().count(), 3u);
  EXPECT_EQ(r.total().mean(), 2.0);
  r.submit(3, one(4.0));
  EXPECT_EQ(r.next_block(), 5u);
  EXPECT_EQ(r.buffered_blocks(), 0u);
  EXPECT_EQ(r.total().mean(), 3.0);
  EXPECT_EQ(r.total().variance(), 2.5);
}

TEST(StatsOrderedReduction, EmptyBlocksAreAllowed) {
  OrderedReduction r;
  r.submit(1, stats_of(std::vector<double>{1.0, 2.0}));
  r.submit(0, RunningStats{});
  EXPECT_EQ(r.next_block(), 2u);
  EXPECT_EQ(r.total().count(), 2u);
}

TEST(StatsOrderedReduction, EachBlockMustBeSubmittedOnce) {
  OrderedReduction r;
  r.submit(0, RunningStats{});
  r.submit(1, RunningStats{});
  r.submit(5, RunningStats{});
  EXPECT_EQ(invalid_argument_message([&] { r.submit(1, RunningStats{}); }),
            "OrderedReduction::submit: block 1 was already folded into the total (blocks 0 to 1 "
            "are done); each block must be submitted exactly once");
  EXPECT_EQ(invalid_argument_message([&] { r.submit(5, RunningStats{}); }),
            "OrderedReduction::submit: block 5 was already submitted and is waiting for block 2; "
            "each block must be submitted exactly once");
  // The failed submissions changed nothing.
  EXPECT_EQ(r.next_block(), 2u);
  EXPECT_EQ(r.buffered_blocks(), 1u);

  OrderedReduction resumed(RunningStats{}, 10);
  EXPECT_THROW(resumed.submit(9, RunningStats{}), InvalidArgument);

  // A corrupt checkpoint is caught when it is loaded.
  const ReductionCheckpoint corrupt{{3, 1.0, -1.0, 0.0, 2.0}, 1};
  EXPECT_EQ(invalid_argument_message([&] { OrderedReduction r2(corrupt); }),
            "RunningStats: m2 (a sum of squares) must not be negative; got -1");
}

// ---------------------------------------------------------------------------------------------
// Intervals

// Reference values from mpmath (40 digits), solving betainc-based CDF(t) = 1 - tail:
//   t(0.975, 9) = 2.262157162798205542607..., t(0.995, 4) = 4.604094871349993225...,
//   z(0.975) = 1.959963984540054235...
// The often quoted t(0.975, 9) = 2.262157162740992 (older SciPy) is off by 5.7e-11: its CDF is
// 0.97499999999766, so it is accepted here only at that looser tolerance.
constexpr double kT975Df9 = 2.2621571627982055;

TEST(StatsStudentT, CriticalValueForNineDegreesOfFreedom) {
  EXPECT_LE(ulp_distance(student_t_critical_value(9, 0.95), kT975Df9), 4u);
  EXPECT_NEAR(student_t_critical_value(9, 0.95), 2.262157162740992, 1e-10);
  EXPECT_LE(ulp_distance(student_t_critical_value(4, 0.99), 4.604094871349993), 8u);
  EXPECT_NEAR(student_t_critical_value(1, 0.90), 6.313751514675043, 1e-12);  // tan(0.45 pi)
  EXPECT_NEAR(student_t_critical_value(1, 0.90), std::tan(0.45 * std::numbers::pi), 1e-12);
  // Large df approaches the normal value.
  EXPECT_NEAR(student_t_critical_value(1'000'000, 0.95), normal_critical_value(0.95), 1e-5);
  EXPECT_LE(ulp_distance(normal_critical_value(0.95), 1.959963984540054), 4u);
}

TEST(StatsStudentT, IntervalForOneToTen) {
  std::vector<double> xs(10);
  std::iota(xs.begin(), xs.end(), 1.0);
  const RunningStats s = stats_of(xs);
  const Interval ci = student_t_interval(s, 0.95);
  // mean 5.5, variance 55/6, sem = sqrt(55/60).
  const double half = kT975Df9 * std::sqrt(55.0 / 60.0);
  EXPECT_NEAR(ci.lower, 5.5 - half, 1e-14);
  EXPECT_NEAR(ci.upper, 5.5 + half, 1e-14);
  EXPECT_NEAR(ci.half_width(), half, 1e-14);
  EXPECT_NEAR(half, 2.16585059, 1e-8);  // sanity of the hand computation
}

TEST(StatsStudentT, FewerThanTwoValuesGiveNaNBounds) {
  for (const RunningStats& s : {RunningStats{}, stats_of(std::vector<double>{1.0})}) {
    const Interval ci = student_t_interval(s, 0.95);
    EXPECT_TRUE(std::isnan(ci.lower));
    EXPECT_TRUE(std::isnan(ci.upper));
  }
}

TEST(StatsWilson, ZeroSuccessesHasClosedFormUpperBound) {
  const double z = normal_critical_value(0.95);
  const Interval ci = wilson_interval(0, 10, 0.95);
  EXPECT_EQ(ci.lower, 0.0);
  EXPECT_NEAR(ci.upper, z * z / (10.0 + z * z), 1e-15);
  EXPECT_NEAR(ci.upper, 0.27753279986288986, 1e-12);
  // Mirror: all successes.
  const Interval all = wilson_interval(10, 10, 0.95);
  EXPECT_EQ(all.upper, 1.0);
  EXPECT_NEAR(all.lower, 10.0 / (10.0 + z * z), 1e-15);
}

TEST(StatsWilson, InteriorMatchesTextbookFormula) {
  const double z = normal_critical_value(0.95);
  const double n = 10.0;
  const double p = 0.3;
  const double denom = 1.0 + z * z / n;
  const double center = (p + z * z / (2.0 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n));
  const Interval ci = wilson_interval(3, 10, 0.95);
  EXPECT_NEAR(ci.lower, center - half, 1e-14);
  EXPECT_NEAR(ci.upper, center + half, 1e-14);
  EXPECT_NEAR(ci.lower, 0.1078, 1e-4);  // published tables
  EXPECT_NEAR(ci.upper, 0.6032, 1e-4);
  // Symmetry k <-> n - k.
  const Interval mirror = wilson_interval(7, 10, 0.95);
  EXPECT_NEAR(mirror.lower, 1.0 - ci.upper, 1e-14);
  EXPECT_NEAR(mirror.upper, 1.0 - ci.lower, 1e-14);
}

TEST(StatsClopperPearson, ZeroAndAllSuccessesHaveClosedForms) {
  for (const double confidence : {0.9, 0.95, 0.99}) {
    const double alpha = 1.0 - confidence;
    for (const std::uint64_t n : {1u, 10u, 1000u}) {
      const double root = std::pow(alpha / 2.0, 1.0 / static_cast<double>(n));
      const Interval none = clopper_pearson_interval(0, n, confidence);
      EXPECT_EQ(none.lower, 0.0);
      EXPECT_NEAR(none.upper, 1.0 - root, 1e-13) << "n " << n << " c " << confidence;
      const Interval all = clopper_pearson_interval(n, n, confidence);
      EXPECT_EQ(all.upper, 1.0);
      EXPECT_NEAR(all.lower, root, 1e-13) << "n " << n << " c " << confidence;
    }
  }
}

TEST(StatsClopperPearson, InteriorIsSymmetricAndMatchesTables) {
  const Interval ci = clopper_pearson_interval(3, 10, 0.95);
  const Interval mirror = clopper_pearson_interval(7, 10, 0.95);
  EXPECT_NEAR(ci.lower, 1.0 - mirror.upper, 1e-14);
  EXPECT_NEAR(ci.upper, 1.0 - mirror.lower, 1e-14);
  EXPECT_NEAR(ci.lower, 0.06673951, 1e-7);  // R: binom.test(3, 10)$conf.int
  EXPECT_NEAR(ci.upper, 0.65245285, 1e-7);
  // Exact is wider than Wilson here.
  const Interval w = wilson_interval(3, 10, 0.95);
  EXPECT_LT(ci.lower, w.lower);
  EXPECT_GT(ci.upper, w.upper);
}

TEST(StatsIntervals, BadConfidenceIsRejected) {
  const RunningStats s = stats_of(std::vector<double>{1.0, 2.0, 3.0});
  const std::vector<std::pair<double, std::string>> cases = {
      {0.0, "0"}, {1.0, "1"}, {-0.5, "-0.5"}, {1.5, "1.5"}, {95.0, "95"}, {kNaN, "nan"}};
  for (const auto& [c, shown] : cases) {
    const std::string allowed = "confidence must be in the open interval (0, 1), e.g. 0.95; got ";
    EXPECT_EQ(invalid_argument_message([&] { (void)student_t_interval(s, c); }),
              "student_t_interval: " + allowed + shown);
    EXPECT_EQ(invalid_argument_message([&] { (void)student_t_critical_value(5, c); }),
              "student_t_critical_value: " + allowed + shown);
    EXPECT_EQ(invalid_argument_message([&] { (void)normal_critical_value(c); }),
              "normal_critical_value: " + allowed + shown);
    EXPECT_EQ(invalid_argument_message([&] { (void)wilson_interval(1, 2, c); }),
              "wilson_interval: " + allowed + shown);
    EXPECT_EQ(invalid_argument_message([&] { (void)clopper_pearson_interval(1, 2, c); }),
              "clopper_pearson_interval: " + allowed + shown);
  }
  // Checked even when the interval would be NaN anyway.
  EXPECT_THROW((void)student_t_interval(RunningStats{}, 2.0), InvalidArgument);
}

TEST(StatsIntervals, ZeroDegreesOfFreedomIsRejected) {
  EXPECT_EQ(invalid_argument_message([] { (void)student_t_critical_value(0, 0.95); }),
            "student_t_critical_value: degrees_of_freedom must be at least 1; got 0");
}

TEST(StatsIntervals, BadCountsAreRejected) {
  for (const std::string name : {"wilson_interval", "clopper_pearson_interval"}) {
    const auto interval = name == "wilson_interval" ? &wilson_interval : &clopper_pearson_interval;
    EXPECT_EQ(invalid_argument_message([&] { (void)interval(0, 0, 0.95); }),
              name + ": trials must be at least 1; got 0 (no interval for an empty sample)");
    EXPECT_EQ(invalid_argument_message([&] { (void)interval(11, 10, 0.95); }),
              name + ": successes (11) must not exceed trials (10)");
  }
}

// ---------------------------------------------------------------------------------------------
// Quantiles (Hyndman & Fan type 7)

TEST(StatsQuantile, HandComputedType7Values) {
  const std::vector<double> four = {1.0, 2.0, 3.0, 4.0};
  EXPECT_EQ(quantile(four, 0.0), 1.0);
  EXPECT_EQ(quantile(four, 1.0), 4.0);
  EXPECT_EQ(quantile(four, 0.5), 2.5);         // h = 1.5
  EXPECT_EQ(quantile(four, 0.25), 1.75);       // h = 0.75
  EXPECT_DOUBLE_EQ(quantile(four, 0.1), 1.3);  // h = 0.3

  // Unsorted, with a tie: sorted {1, 1, 3, 4, 5}.
  const std::vector<double> five = {3.0, 1.0, 4.0, 1.0, 5.0};
  EXPECT_EQ(quantile(five, 0.0), 1.0);
  EXPECT_EQ(quantile(five, 0.1), 1.0);  // h = 0.4 between the two 1s
  EXPECT_EQ(quantile(five, 0.5), 3.0);  // h = 2 exactly
  EXPECT_EQ(quantile(five, 0.75), 4.0);
  EXPECT_DOUBLE_EQ(quantile(five, 0.6), 3.4);  // h = 2.4 (NumPy: 3.4)
  EXPECT_DOUBLE_EQ(quantile(five, 0.9), 4.6);  // h = 3.6
  EXPECT_EQ(quantile(five, 1.0), 5.0);

  const std::vector<double> one = {7.5};
  for (const double p : {0.0, 0.3, 1.0}) EXPECT_EQ(quantile(one, p), 7.5);

  const std::vector<double> with_inf = {-kInf, 0.0, 1.0};
  EXPECT_EQ(quantile(with_inf, 0.0), -kInf);
  EXPECT_EQ(quantile(with_inf, 0.75), 0.5);
}

TEST(StatsQuantile, InputIsLeftUntouched) {
  const std::vector<double> xs = {5.0, 3.0, 9.0, 1.0};
  std::vector<double> copy = xs;
  (void)quantile(copy, 0.5);
  (void)quantiles(copy, std::vector<double>{0.2, 0.8});
  EXPECT_EQ(copy, xs);
}

TEST(StatsQuantile, ManyAtOnceAgreeWithOneAtATime) {
  const std::vector<double> xs = random_sample(1001, 0.0, 9);
  std::vector<double> ps;
  for (int i = 0; i <= 100; ++i) ps.push_back(i / 100.0);
  ps.push_back(0.123456789);
  const std::vector<double> many = quantiles(xs, ps);
  ASSERT_EQ(many.size(), ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    EXPECT_EQ(bits(many[i]), bits(quantile(xs, ps[i]))) << "p = " << ps[i];
  }
  std::vector<double> sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(many.front(), sorted.front());
  EXPECT_EQ(many[50], sorted[500]);  // h = 1000 * 0.5 = 500
  EXPECT_EQ(many[100], sorted.back());
  EXPECT_TRUE(std::is_sorted(many.begin(), many.end() - 1));
  EXPECT_TRUE(quantiles(xs, std::vector<double>{}).empty());
}

TEST(StatsQuantile, BadInputIsRejected) {
  const std::vector<double> xs = {1.0, 2.0};
  const std::vector<double> empty;
  const std::vector<double> with_nan = {1.0, 2.0, kNaN};
  EXPECT_EQ(invalid_argument_message([&] { (void)quantile(empty, 0.5); }),
            "quantile: values must not be empty (a quantile needs at least one value)");
  EXPECT_EQ(invalid_argument_message([&] { (void)quantile(with_nan, 0.5); }),
            "quantile: values[2] is NaN; only non-NaN values (infinities included) are allowed");
  EXPECT_EQ(invalid_argument_message([&] { (void)quantile(xs, -0.1); }),
            "quantile: p must be a probability in [0, 1]; got -0.1");
  EXPECT_EQ(invalid_argument_message([&] { (void)quantile(xs, 1.5); }),
            "quantile: p must be a probability in [0, 1]; got 1.5");
  EXPECT_EQ(invalid_argument_message([&] { (void)quantile(xs, kNaN); }),
            "quantile: p must be a probability in [0, 1]; got nan");

  const std::vector<double> ps = {0.5};
  EXPECT_EQ(invalid_argument_message([&] { (void)quantiles(empty, ps); }),
            "quantiles: values must not be empty (a quantile needs at least one value)");
  EXPECT_EQ(invalid_argument_message([&] { (void)quantiles(with_nan, ps); }),
            "quantiles: values[2] is NaN; only non-NaN values (infinities included) are allowed");
  EXPECT_EQ(invalid_argument_message([&] {
              (void)quantiles(xs, std::vector<double>{0.0, 0.5, 1.0000001});
            }),
            "quantiles: ps[2] must be a probability in [0, 1]; got 1.0000001");
}

}  // namespace
}  // namespace kirchhoff

namespace kirchhoff {
namespace {

TEST(PercentileInterval, IsTheTailQuantilesOfTheReplicates) {
  std::vector<double> r(101);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<double>(100 - i);  // 100 ... 0
  const Interval q = percentile_interval(r, 0.9);
  EXPECT_DOUBLE_EQ(q.lower, 5.0);  // type 7 at p = 0.05 of 0..100
  EXPECT_DOUBLE_EQ(q.upper, 95.0);
  const Interval none = percentile_interval({}, 0.95);
  EXPECT_TRUE(std::isnan(none.lower) && std::isnan(none.upper));
}

TEST(KolmogorovSmirnov, StatisticOfSmallSamplesByHand) {
  const auto uniform = [](double x) { return std::clamp(x, 0.0, 1.0); };
  // One point at 0.5: D = max(1 - 0.5, 0.5 - 0) = 0.5.
  EXPECT_DOUBLE_EQ(ks_statistic(std::vector<double>{0.5}, uniform), 0.5);
  // The sample {0.1, 0.4, 0.8} against U(0, 1): steps 1/3, 2/3, 1 after each point:
  // max(1/3 - 0.1, 0.1, 2/3 - 0.4, 0.4 - 1/3, 1 - 0.8, 0.8 - 2/3) = 2/3 - 0.4 = 0.2666...
  const std::vector<double> unsorted{0.8, 0.1, 0.4};
  EXPECT_DOUBLE_EQ(ks_statistic(unsorted, uniform), 2.0 / 3.0 - 0.4);
  const std::vector<double> sorted{0.1, 0.4, 0.8};
  EXPECT_EQ(ks_statistic_sorted(sorted, uniform), ks_statistic(unsorted, uniform));
  EXPECT_EQ(ks_statistic(std::vector<double>{}, uniform), 0.0);
}

TEST(KolmogorovSmirnov, PValueOfTheKolmogorovDistribution) {
  // Q(lambda) at the classical critical values of the limiting distribution: lambda = 1.3581
  // for 0.05, 1.6276 for 0.01 (Smirnov 1948). For large n the Stephens factor tends to sqrt(n).
  const std::size_t n = 100'000'000;
  const double sn = std::sqrt(static_cast<double>(n));
  const double factor = sn + 0.12 + 0.11 / sn;
  EXPECT_NEAR(kolmogorov_smirnov_p_value(1.3581 / factor, n), 0.05, 1e-4);
  EXPECT_NEAR(kolmogorov_smirnov_p_value(1.6276 / factor, n), 0.01, 1e-4);
  // 2 exp(-2 lambda^2) dominates in the far tail.
  EXPECT_NEAR(kolmogorov_smirnov_p_value(3.0 / factor, n), 2.0 * std::exp(-18.0), 1e-12);
  EXPECT_EQ(kolmogorov_smirnov_p_value(0.0, 10), 1.0);
  EXPECT_EQ(kolmogorov_smirnov_p_value(0.5, 0), 1.0);
  EXPECT_EQ(kolmogorov_smirnov_p_value(0.01, 100), 1.0);  // lambda < 0.2
}

}  // namespace
}  // namespace kirchhoff
