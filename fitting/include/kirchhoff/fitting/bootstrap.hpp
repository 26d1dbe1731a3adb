// The parametric bootstrap of every fit kind (Efron & Tibshirani 1993, ch. 6; docs/fitting.md):
// B data sets are simulated from the fitted model, each refitted, and the percentiles of the
// refits' estimates are the intervals. One driver runs the replicates in order, hands each its
// random streams of StreamId::fit_bootstrap (key = seed, trial = replicate, one substream per
// use), collects the estimates of the refits that succeed and applies one rule to those that
// fail; a fit kind says only how it simulates and refits one replicate:
//
//   const BootstrapDraws draws = run_bootstrap("programming fit", options.bootstrap, m,
//       [&](const BootstrapReplicate& replicate) {
//         replicate.stream(BootstrapSubstream::programming).normal(noise);
//         ...                                    // simulate a data set, refit it
//         return estimates;                      // m numbers, always in the same order
//       });
//   fit.coefficient = draws.estimate(0, best_value);  // the value with its interval
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/statistics.hpp"

namespace kirchhoff::fitting {

// A point estimate with its bootstrap percentile interval.
struct Estimate {
  double value = 0.0;
  Interval interval;
};

struct BootstrapOptions {
  std::uint32_t replicates = 200;  // B; 0 = no intervals (both bounds NaN)
  std::uint64_t seed = 1;
  double confidence = 0.95;
};

// InvalidArgument unless the confidence lies in (0, 1) (every fit checks this first).
void check_bootstrap_options(const BootstrapOptions& options);

// Substreams of StreamId::fit_bootstrap (docs/fitting.md, "Random streams"): each use its own,
// so that adding one never changes the draws of another.
enum class BootstrapSubstream : std::uint32_t {
  programming = 0,        // point 0, element = device
  drift_table = 1,        // point = bin
  read_noise = 2,         // point 0, element = residual
  pulse_noise = 3,        // point = device, element = pulse
  pulse_devices = 4,      // point 0, elements 4d .. 4d+3 for device d
  drift_form = 5,         // point 0, element = device
  pulse_pit = 6,          // randomised PIT of clipped reads (goodness of fit, trial 0)
  pulse_conditional = 7,  // point = device: each device re-simulated at its own fit
};

// The stream of one use of StreamId::fit_bootstrap: key = seed, counter (point, trial,
// fit_bootstrap, substream). In the bootstrap the trial is the replicate.
[[nodiscard]] RandomStream fit_stream(std::uint64_t seed, BootstrapSubstream use,
                                      std::uint32_t point, std::uint32_t trial);

// One replicate of a bootstrap: its index and its random streams.
class BootstrapReplicate {
 public:
  BootstrapReplicate(std::uint64_t seed, std::uint32_t index) : seed_(seed), index_(index) {}

  [[nodiscard]] std::uint32_t index() const noexcept { return index_; }
  // The stream of `use` for this replicate at `point` (a bin or a device; 0 for a whole data
  // set): fit_stream(seed, use, point, index()).
  [[nodiscard]] RandomStream stream(BootstrapSubstream use, std::uint32_t point = 0) const {
    return fit_stream(seed_, use, point, index_);
  }

 private:
  std::uint64_t seed_;
  std::uint32_t index_;
};

// What the bootstrap gives: values[k] holds estimate k of every replicate whose refit succeeded,
// in replicate order.
struct BootstrapDraws {
  std::uint32_t replicates = 0;  // B
  std::uint32_t failed = 0;      // refits that threw NumericalError, left out
  double confidence = 0.95;
  std::vector<std::vector<double>> values;

  // Replicates whose estimates are in `values`.
  [[nodiscard]] std::uint32_t used() const noexcept { return replicates - failed; }
  // The percentile interval of estimate k (percentile_interval of core: NaN bounds when no
  // replicate succeeded, e.g. B = 0).
  [[nodiscard]] Interval interval(std::size_t k) const;
  // `value` (the point estimate) with the interval of estimate k.
  [[nodiscard]] Estimate estimate(std::size_t k, double value) const {
    return {value, interval(k)};
  }
};

// What to do with refits that fail (they are left out either way).
enum class FailedRefits {
  // More than 1 in 20 (failed · 20 > B): NumericalError "<what>: F of B bootstrap refits
  // failed" — intervals from the replicates that happen to converge would be biased.
  at_most_one_in_twenty,
  // Any number: for a caller that has a fallback when too few succeed.
  tolerated,
};

// Simulates a data set for `replicate` from the fitted model, drawing only from
// replicate.stream(...), refits it and returns its estimates: always the same number, in the
// same order. Throws NumericalError when the refit fails.
using BootstrapRefit = std::function<std::vector<double>(const BootstrapReplicate&)>;

// Runs replicates 0 .. options.replicates − 1 in order, each refit once, and collects the
// estimates (`estimates` of them per replicate) of those that succeed. `what` names the fit in
// messages ("programming fit").
[[nodiscard]] BootstrapDraws run_bootstrap(
    std::string_view what, const BootstrapOptions& options, std::size_t estimates,
    const BootstrapRefit& refit, FailedRefits failures = FailedRefits::at_most_one_in_twenty);

}  // namespace kirchhoff::fitting
