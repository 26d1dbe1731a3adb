#include "kirchhoff/workloads/device_workload.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "kirchhoff/core/config_checks.hpp"
#include "kirchhoff/core/random.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/write_verify.hpp"
#include "kirchhoff/workloads/campaign_device.hpp"

namespace kirchhoff::workloads {

namespace {

using montecarlo::MetricInfo;
using montecarlo::Workload;
using montecarlo::WorkloadContext;

enum class TargetDistribution { uniform, list };

class DeviceWorkload final : public Workload {
 public:
  DeviceWorkload(devices::Device device, const WorkloadContext& context, std::uint64_t cells,
                 TargetDistribution distribution, double min_siemens, double max_siemens,
                 std::vector<double> listed_siemens,
                 std::optional<devices::WriteVerifyOptions> write_verify)
      : device_(std::move(device)),
        context_(context),
        cells_(cells),
        distribution_(distribution),
        min_siemens_(min_siemens),
        max_siemens_(max_siemens),
        listed_siemens_(std::move(listed_siemens)),
        write_verify_(write_verify) {
    metrics_ = {
        {"mean_error", "S", "mean over cells of (read conductance - target)"},
        {"rms_error", "S", "root mean square over cells of (read conductance - target)"},
        {"relative_rms_error", "1", "rms_error / g_max of the device"},
        {"error_std", "S", "standard deviation over cells of (read conductance - target)"},
        {"max_abs_error", "S", "largest |read conductance - target| over cells"},
        {"mean_conductance", "S", "mean read conductance over cells"},
        {"stuck_fraction", "1", "fraction of cells stuck at G_min or G_max"},
    };
    if (write_verify_) {
      metrics_.push_back({"mean_iterations", "1",
                          "mean programming attempts per cell in write-verify (same at every "
                          "read time)"});
      metrics_.push_back({"unconverged_fraction", "1",
                          "fraction of cells outside the write-verify band after the last "
                          "attempt (same at every read time)"});
    }
  }

  std::string kind() const override { return "device"; }

  std::string description() const override {
    std::string targets = distribution_ == TargetDistribution::uniform
                              ? fmt::format("uniform on [{}, {}]",
                                            format_quantity(min_siemens_, Dimension::conductance),
                                            format_quantity(max_siemens_, Dimension::conductance))
                              : fmt::format("list of {} values", listed_siemens_.size());
    return fmt::format("{} cells of {} ({}), targets {}{}", cells_, device_.description.name,
                       device_.model->kind(), targets, write_verify_ ? ", write-verify" : "");
  }

  std::vector<std::string> warnings() const override {
    return device_warnings(device_, context_.read_times_s);
  }
  const std::vector<MetricInfo>& metrics() const override { return metrics_; }

  void run_trial(std::uint32_t trial, std::span<double> out) const override {
    const std::size_t n = cells_;
    const devices::CellAddress address{context_.seed, context_.point, trial, 0};
    std::vector<double> targets(n);
    if (distribution_ == TargetDistribution::uniform) {
      address.stream(StreamId::workload_targets).uniform(targets);
      for (double& t : targets) t = min_siemens_ + (max_siemens_ - min_siemens_) * t;
    } else {
      for (std::size_t i = 0; i < n; ++i) targets[i] = listed_siemens_[i % listed_siemens_.size()];
    }
    const devices::DeviceModel& model = *device_.model;
    devices::ProgrammedCells cells;
    double mean_iterations = 0.0, unconverged = 0.0;
    if (write_verify_) {
      auto result = devices::write_verify(model, targets, address, *write_verify_);
      mean_iterations = result.mean_iterations;
      unconverged = static_cast<double>(result.unconverged_cells) / static_cast<double>(n);
      cells = std::move(result.cells);
    } else {
      cells = model.program(targets, address);
    }
    std::size_t stuck = 0;
    for (const auto f : cells.faults) stuck += f != devices::CellFault::none ? 1 : 0;
    const double stuck_fraction = static_cast<double>(stuck) / static_cast<double>(n);
    // Compare with the targets as programmed (after quantisation to levels, if any).
    const std::vector<double>& reference = cells.target_siemens;

    std::vector<double> g(n);
    const std::size_t width = metrics_.size();
    for (std::size_t k = 0; k < context_.read_times_s.size(); ++k) {
      const auto index = static_cast<std::uint32_t>(k);
      model.read(cells, devices::ReadTime{context_.read_times_s[k], index}, index, g);
      double sum = 0.0, sum_g = 0.0, max_abs = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double e = g[i] - reference[i];
        sum += e;
        sum_g += g[i];
        max_abs = std::max(max_abs, std::abs(e));
      }
      const double count = static_cast<double>(n);
      const double mean = sum / count;
      double squares = 0.0, deviations = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double e = g[i] - reference[i];
        squares += e * e;
        deviations += (e - mean) * (e - mean);
      }
      const double rms = std::sqrt(squares / count);
      double* row = out.data() + k * width;
      row[0] = mean;
      row[1] = rms;
      row[2] = rms / model.g_max_siemens();
      row[3] = n > 1 ? std::sqrt(deviations / (count - 1.0)) : 0.0;
      row[4] = max_abs;
      row[5] = sum_g / count;
      row[6] = stuck_fraction;
      if (write_verify_) {
        row[7] = mean_iterations;
        row[8] = unconverged;
      }
    }
  }

 private:
  devices::Device device_;
  WorkloadContext context_;
  std::uint64_t cells_;
  TargetDistribution distribution_;
  double min_siemens_, max_siemens_;
  std::vector<double> listed_siemens_;
  std::optional<devices::WriteVerifyOptions> write_verify_;
  std::vector<MetricInfo> metrics_;
};

// [workload.targets] for a device of conductances up to g_max (default range [g_min, g_max]).
struct Targets {
  TargetDistribution distribution = TargetDistribution::uniform;
  double min_siemens = 0.0;
  double max_siemens = 0.0;
  std::vector<double> listed_siemens;
};

Targets read_targets(const ConfigTable& t, double g_min, double g_max) {
  const std::string distribution = t.get_or("distribution", "uniform");
  Targets targets{TargetDistribution::uniform, g_min, g_max, {}};
  auto check_range = [&](const char* key, double value) {
    if (value < 0.0 || value > g_max) {
      t.fail(key, fmt::format("must be in [0, g_max = {}] of the device, got {}",
                              format_quantity(g_max, Dimension::conductance),
                              format_quantity(value, Dimension::conductance)));
    }
  };
  if (distribution == "uniform") {
    targets.min_siemens = t.get_quantity_or("min", Dimension::conductance, g_min);
    targets.max_siemens = t.get_quantity_or("max", Dimension::conductance, g_max);
    check_range("min", targets.min_siemens);
    check_range("max", targets.max_siemens);
    if (targets.min_siemens > targets.max_siemens) t.fail("max", "must be >= min");
  } else if (distribution == "list") {
    targets.distribution = TargetDistribution::list;
    std::vector<double>& listed = targets.listed_siemens;
    listed = t.get_quantity_array("values", Dimension::conductance);
    if (listed.empty()) t.fail("values", "needs at least one target");
    for (std::size_t i = 0; i < listed.size(); ++i) {
      if (listed[i] < 0.0 || listed[i] > g_max) {
        t.fail_element("values", i,
                       fmt::format("must be in [0, g_max = {}]",
                                   format_quantity(g_max, Dimension::conductance)));
      }
    }
  } else {
    t.fail("distribution",
           fmt::format("must be \"uniform\" or \"list\", got \"{}\"", distribution));
  }
  return targets;
}

// [workload.write_verify]: none without the table or with enabled = false.
std::optional<devices::WriteVerifyOptions> read_write_verify(const ConfigTable& v) {
  if (!v.exists() || !v.get_or("enabled", true)) return std::nullopt;
  devices::WriteVerifyOptions options;
  options.tolerance_siemens = v.get_quantity_or("tolerance", Dimension::conductance, 0.0);
  options.relative_tolerance = v.get_or("relative_tolerance", 0.0);
  const auto iterations = v.get_or<std::int64_t>("max_iterations", 30);
  if (iterations < 1 || iterations > 1000) {
    v.fail("max_iterations", fmt::format("must be in [1, 1000], got {}", iterations));
  }
  options.max_iterations = static_cast<std::uint32_t>(iterations);
  options.verify_time_s = v.get_quantity_or("verify_time", Dimension::time, 1e-6);
  check_table(v, [&] { options.validate(); });
  return options;
}

}  // namespace

std::unique_ptr<Workload> make_device_workload(const Config& config,
                                               const WorkloadContext& context) {
  devices::Device device = campaign_device(config, "device");
  const double g_min = device.model->g_min_siemens(), g_max = device.model->g_max_siemens();
  const ConfigTable w = config.table("workload");
  const auto cells = w.get<std::int64_t>("cells");
  // A trial holds its cells' targets, states and reads in memory (about 50 bytes per cell on
  // each thread): more cells than a large array's 2^26 weights is a request for more trials.
  if (cells < 1 || cells > (std::int64_t{1} << 26)) {
    w.fail("cells", fmt::format("must be in [1, 2^26 = 67108864] (a trial holds all its cells in "
                                "memory: for more cells, run more trials), got {}",
                                cells));
  }
  Targets targets = read_targets(w.table("targets"), g_min, g_max);
  const auto write_verify = read_write_verify(w.table("write_verify"));
  return std::make_unique<DeviceWorkload>(
      std::move(device), context, static_cast<std::uint64_t>(cells), targets.distribution,
      targets.min_siemens, targets.max_siemens, std::move(targets.listed_siemens), write_verify);
}

}  // namespace kirchhoff::workloads
