// What a campaign does with one trial (one independently programmed chip): a Workload. The
// engine calls run_trial for every (point, trial) and stores the metrics it returns, one row per
// read time; it knows nothing else about the workload.
//
// A workload kind is a factory in the registry of workload.cpp ("device" for cell errors,
// "array" for crossbar MVM error metrics, "dnn" for network accuracy). A factory
// reads its keys from the point's [workload] table (and anything else it needs, e.g. [device])
// so that Config::check_unknown_keys still reports typos, and throws ConfigError at the key for
// invalid values.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/presets.hpp"

namespace kirchhoff::montecarlo {

// One metric of a trial, as stored in the results file.
struct MetricInfo {
  std::string name;         // "rms_error"
  std::string unit;         // SI unit ("S", "s") or "1" for dimensionless
  std::string description;  // one line, stored as an HDF5 attribute
  // > 0 for a proportion of that many samples per trial (an accuracy over a test set): the
  // summaries then add a binomial interval for the finite sample count.
  std::uint64_t bernoulli_samples = 0;
};

// Where a workload runs: the campaign seed, its sweep point and the read times (s) at which
// every trial is evaluated (time index k = ReadTime::index k = read id k).
struct WorkloadContext {
  std::uint64_t seed = 0;
  std::uint32_t point = 0;
  std::vector<double> read_times_s;
};

class Workload {
 public:
  virtual ~Workload() = default;
  Workload() = default;
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  [[nodiscard]] virtual std::string kind() const = 0;
  // One line for validate / dry-run ("256 cells of pcm-joshi2020, targets uniform ...").
  [[nodiscard]] virtual std::string description() const = 0;
  // The metrics of one trial at one read time; the same list for every point of a campaign.
  [[nodiscard]] virtual const std::vector<MetricInfo>& metrics() const = 0;
  // Runs trial `trial` of this workload's point and writes its metrics to `out`, row-major
  // [read time][metric] (size read_times × metrics). Must be a pure function of (seed, point,
  // trial) and safe to call from several threads at once.
  virtual void run_trial(std::uint32_t trial, std::span<double> out) const = 0;
};

// The device of a campaign point, from its [device] table (preset or model, with parameter
// overrides: devices::make_device). ConfigError at 'device' when there is no such table.
devices::Device campaign_device(const Config& config, std::string_view workload_kind);

// Builds the workload that config's [workload] table describes (key `kind`). Throws ConfigError
// at `workload.kind` for an unknown kind (with a suggestion).
std::unique_ptr<Workload> make_workload(const Config& config, const WorkloadContext& context);

// The workload kinds this build can run.
std::vector<std::string> workload_kinds();

}  // namespace kirchhoff::montecarlo
