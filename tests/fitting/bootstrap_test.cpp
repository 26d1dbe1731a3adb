// The parametric-bootstrap driver every fit kind uses: replicates in order on their own streams
// of StreamId::fit_bootstrap, estimates collected per estimate, the rule for failed refits,
// percentile intervals.
#include "kirchhoff/fitting/bootstrap.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "support/expect.hpp"

namespace kirchhoff::fitting {
namespace {

using kirchhoff::testing::message_of;

TEST(Bootstrap, ReplicatesRunInOrderOnTheirOwnStreams) {
  const BootstrapOptions options{.replicates = 50, .seed = 9, .confidence = 0.9};
  std::vector<std::uint32_t> order;
  const BootstrapDraws draws =
      run_bootstrap("test fit", options, 2, [&](const BootstrapReplicate& r) {
        order.push_back(r.index());
        std::vector<double> z(3);
        r.stream(BootstrapSubstream::drift_table, 4).normal(z);
        return std::vector<double>{z[0], z[2]};
      });
  ASSERT_EQ(order.size(), 50u);
  for (std::uint32_t r = 0; r < 50; ++r) {
    EXPECT_EQ(order[r], r);
    // The stream of replicate r: key = seed, counter (point, trial = r, fit_bootstrap, substream).
    const RandomStream expected(9, {4, r, StreamId::fit_bootstrap, 1});
    std::vector<double> z(3);
    expected.normal(z);
    EXPECT_EQ(draws.values[0][r], z[0]);
    EXPECT_EQ(draws.values[1][r], z[2]);
  }
  EXPECT_EQ(draws.replicates, 50u);
  EXPECT_EQ(draws.used(), 50u);
  const Interval ci = draws.interval(1);
  const Interval expected = percentile_interval(draws.values[1], 0.9);
  EXPECT_EQ(ci.lower, expected.lower);
  EXPECT_EQ(ci.upper, expected.upper);
  const Estimate e = draws.estimate(1, 0.25);
  EXPECT_EQ(e.value, 0.25);
  EXPECT_EQ(e.interval.upper, expected.upper);
}

TEST(Bootstrap, FailedRefitsAreLeftOutUpToOneInTwenty) {
  // Replicates below `failing` throw NumericalError, as a refit that does not converge.
  auto run = [](std::uint32_t failing, FailedRefits rule) {
    return run_bootstrap(
        "test fit", {.replicates = 200, .seed = 1, .confidence = 0.95}, 1,
        [&](const BootstrapReplicate& r) {
          if (r.index() < failing) throw NumericalError("did not converge");
          return std::vector<double>{static_cast<double>(r.index())};
        },
        rule);
  };
  const BootstrapDraws ten = run(10, FailedRefits::at_most_one_in_twenty);
  EXPECT_EQ(ten.failed, 10u);
  EXPECT_EQ(ten.used(), 190u);
  EXPECT_EQ(ten.values[0].front(), 10.0);
  EXPECT_EQ(message_of<NumericalError>([&] { (void)run(11, FailedRefits::at_most_one_in_twenty); }),
            "test fit: 11 of 200 bootstrap refits failed");
  const BootstrapDraws most = run(199, FailedRefits::tolerated);
  EXPECT_EQ(most.used(), 1u);
  // Other errors are not failed refits: they stop the fit.
  EXPECT_THROW((void)run_bootstrap("test fit", {}, 1,
                                   [](const BootstrapReplicate&) -> std::vector<double> {
                                     throw InvalidArgument("bad data");
                                   }),
               InvalidArgument);
}

TEST(Bootstrap, NoReplicatesGiveNoIntervals) {
  const BootstrapDraws draws =
      run_bootstrap("test fit", {.replicates = 0, .seed = 1, .confidence = 0.95}, 3,
                    [](const BootstrapReplicate&) -> std::vector<double> {
                      ADD_FAILURE() << "no replicate should run";
                      return {};
                    });
  ASSERT_EQ(draws.values.size(), 3u);
  EXPECT_TRUE(std::isnan(draws.interval(2).lower) && std::isnan(draws.interval(2).upper));
  EXPECT_EQ(draws.used(), 0u);
}

TEST(Bootstrap, RejectsABadConfidenceAndRefitsOfTheWrongSize) {
  EXPECT_EQ(message_of<InvalidArgument>(
                [] { check_bootstrap_options({.replicates = 10, .seed = 1, .confidence = 1.0}); }),
            "fit: confidence must lie in (0, 1), got 1");
  EXPECT_THROW(
      (void)run_bootstrap("test fit", {}, 2,
                          [](const BootstrapReplicate&) { return std::vector<double>{1.0}; }),
      std::logic_error);
}

}  // namespace
}  // namespace kirchhoff::fitting
