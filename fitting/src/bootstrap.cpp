#include "kirchhoff/fitting/bootstrap.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::fitting {

void check_bootstrap_options(const BootstrapOptions& options) {
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    throw InvalidArgument(
        fmt::format("fit: confidence must lie in (0, 1), got {}", options.confidence));
  }
}

RandomStream fit_stream(std::uint64_t seed, BootstrapSubstream use, std::uint32_t point,
                        std::uint32_t trial) {
  return RandomStream(seed,
                      {point, trial, StreamId::fit_bootstrap, static_cast<std::uint32_t>(use)});
}

Interval BootstrapDraws::interval(std::size_t k) const {
  return percentile_interval(values.at(k), confidence);
}

BootstrapDraws run_bootstrap(std::string_view what, const BootstrapOptions& options,
                             std::size_t estimates, const BootstrapRefit& refit,
                             FailedRefits failures) {
  check_bootstrap_options(options);
  BootstrapDraws draws;
  draws.replicates = options.replicates;
  draws.confidence = options.confidence;
  draws.values.resize(estimates);
  for (std::uint32_t r = 0; r < options.replicates; ++r) {
    std::vector<double> replicate;
    try {
      replicate = refit(BootstrapReplicate(options.seed, r));
    } catch (const NumericalError&) {
      ++draws.failed;
      continue;
    }
    if (replicate.size() != estimates) {
      throw std::logic_error(fmt::format("{}: a bootstrap refit gave {} estimates, not {}", what,
                                         replicate.size(), estimates));
    }
    for (std::size_t k = 0; k < estimates; ++k) draws.values[k].push_back(replicate[k]);
  }
  if (failures == FailedRefits::at_most_one_in_twenty && draws.replicates > 0 &&
      draws.failed * 20 > draws.replicates) {
    throw NumericalError(
        fmt::format("{}: {} of {} bootstrap refits failed", what, draws.failed, draws.replicates));
  }
  return draws;
}

}  // namespace kirchhoff::fitting
