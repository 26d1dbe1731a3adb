// What a campaign does with one trial (one independently programmed chip): a Workload. The
// engine calls run_trial for every (point, trial) and stores the metrics it returns, one row per
// read time; it knows nothing else about the workload.
//
// The engine knows no workload kind of its own: the caller hands it a WorkloadRegistry that maps
// each `workload.kind` to a factory (the program passes kirchhoff::workloads::builtin_registry():
// "device", "array", "dnn"; a test may pass a registry of its own). A factory reads its keys from
// the point's [workload] table (and anything else it needs, e.g. [device]) so that
// Config::check_unknown_keys still reports typos, and throws ConfigError at the key for invalid
// values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/config.hpp"

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
  // What the user should know before trusting the results, one line each (a device's drift
  // extrapolated beyond its data); validate and run print them as warnings.
  [[nodiscard]] virtual std::vector<std::string> warnings() const { return {}; }
  // The metrics of one trial at one read time; the same list for every point of a campaign.
  [[nodiscard]] virtual const std::vector<MetricInfo>& metrics() const = 0;
  // Runs trial `trial` of this workload's point and writes its metrics to `out`, row-major
  // [read time][metric] (size read_times × metrics). Must be a pure function of (seed, point,
  // trial) and safe to call from several threads at once.
  virtual void run_trial(std::uint32_t trial, std::span<double> out) const = 0;
};

// Builds the workload of one sweep point from that point's configuration.
using WorkloadFactory =
    std::function<std::unique_ptr<Workload>(const Config& config, const WorkloadContext& context)>;

// The workload kinds a campaign may name, each with its factory. Passed to load_campaign (and
// merge_shards, which reads a campaign again) rather than filled by static initialisers, which
// a static library drops when nothing refers to them.
class WorkloadRegistry {
 public:
  // Adds a kind; InvalidArgument for an empty kind or one that is already there.
  void add(std::string kind, WorkloadFactory factory);
  [[nodiscard]] bool contains(std::string_view kind) const;
  // The kinds, sorted.
  [[nodiscard]] std::vector<std::string> kinds() const;
  // The workload that config's [workload] table describes (key `kind`). ConfigError at
  // `workload.kind` for a kind that is not here, with a suggestion and the kinds there are.
  [[nodiscard]] std::unique_ptr<Workload> make(const Config& config,
                                               const WorkloadContext& context) const;

 private:
  std::map<std::string, WorkloadFactory, std::less<>> factories_;
};

}  // namespace kirchhoff::montecarlo
