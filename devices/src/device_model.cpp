#include "kirchhoff/devices/device_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::devices {

void CommonParameters::validate() const {
  if (!(std::isfinite(g_min_siemens) && g_min_siemens >= 0.0)) {
    throw InvalidArgument(fmt::format("g_min must be finite and >= 0 S, got {} S", g_min_siemens));
  }
  if (!(std::isfinite(g_max_siemens) && g_max_siemens > g_min_siemens)) {
    throw InvalidArgument(
        fmt::format("g_max must be finite and greater than g_min ({} S), got {} S", g_min_siemens,
                    g_max_siemens));
  }
  if (levels == 1) {
    throw InvalidArgument("levels must be 0 (continuous) or at least 2, got 1");
  }
  for (auto [name, rate] :
       {std::pair{"stuck_off_rate", stuck_off_rate}, {"stuck_on_rate", stuck_on_rate}}) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw InvalidArgument(fmt::format("{} must be a probability in [0, 1], got {}", name, rate));
    }
  }
  if (stuck_off_rate + stuck_on_rate > 1.0) {
    throw InvalidArgument(fmt::format("stuck_off_rate + stuck_on_rate must be <= 1, got {} + {}",
                                      stuck_off_rate, stuck_on_rate));
  }
  if (!(std::isfinite(drift_measured_until_s) && drift_measured_until_s >= 0.0)) {
    throw InvalidArgument(fmt::format("drift_measured_until must be finite and >= 0 s, got {} s",
                                      drift_measured_until_s));
  }
}

std::optional<std::string> drift_extrapolation(const CommonParameters& common,
                                               std::span<const double> read_times_s) {
  if (common.drift_measured_until_s <= 0.0 || read_times_s.empty()) return std::nullopt;
  const double latest = *std::max_element(read_times_s.begin(), read_times_s.end());
  if (latest <= common.drift_measured_until_s) return std::nullopt;
  return fmt::format(
      "its drift was fitted on reads up to {} (drift_measured_until); read time {} is {:.3g}x "
      "later, an extrapolation of the fit beyond its data",
      format_quantity(common.drift_measured_until_s, Dimension::time),
      format_quantity(latest, Dimension::time), latest / common.drift_measured_until_s);
}

DeviceModel::DeviceModel(CommonParameters common) : common_(common) {
  common_.validate();
}

void DeviceModel::require_size(const ProgrammedCells& cells, std::size_t size, const char* what) {
  if (size != cells.size()) {
    throw InvalidArgument(
        fmt::format("{} has {} entries for an array of {} cells", what, size, cells.size()));
  }
}

ProgrammedCells DeviceModel::program(std::span<const double> targets_siemens,
                                     const CellAddress& address, std::uint32_t attempt) const {
  const double g_min = common_.g_min_siemens, g_max = common_.g_max_siemens;
  for (std::size_t i = 0; i < targets_siemens.size(); ++i) {
    if (!(std::isfinite(targets_siemens[i]) && targets_siemens[i] >= 0.0 &&
          targets_siemens[i] <= g_max)) {
      throw InvalidArgument(
          fmt::format("target conductance of cell {} is {} S; allowed: 0 to g_max = {} S", i,
                      targets_siemens[i], g_max));
    }
  }
  ProgrammedCells cells;
  cells.address = address;
  cells.target_siemens.assign(targets_siemens.begin(), targets_siemens.end());
  if (common_.levels >= 2) {
    // Nearest of `levels` evenly spaced levels on [g_min, g_max]; targets below g_min round up.
    const double step = (g_max - g_min) / (common_.levels - 1);
    for (double& g : cells.target_siemens) {
      g = g_min +
          step * std::clamp(std::round((g - g_min) / step), 0.0, double(common_.levels - 1));
    }
  }
  cells.programmed_siemens.resize(cells.size());
  program_cells(cells, attempt);

  if (common_.clip) {
    for (double& g : cells.programmed_siemens) g = std::clamp(g, g_min, g_max);
  }
  if (common_.stuck_off_rate > 0.0 || common_.stuck_on_rate > 0.0) {
    // One uniform per cell: u < p_off → SA0, p_off ≤ u < p_off + p_on → SA1. Drawn from the
    // first attempt's stream only: a fault is a property of the cell, not of an attempt.
    std::vector<double> u(cells.size());
    address.stream(StreamId::stuck_at_fault).uniform(u, address.first_cell);
    cells.faults.assign(cells.size(), CellFault::none);
    const double p_off = common_.stuck_off_rate, p_on = common_.stuck_on_rate;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (u[i] < p_off) {
        cells.faults[i] = CellFault::stuck_off;
        cells.programmed_siemens[i] = g_min;
      } else if (u[i] < p_off + p_on) {
        cells.faults[i] = CellFault::stuck_on;
        cells.programmed_siemens[i] = g_max;
      }
    }
  }
  return cells;
}

void DeviceModel::conductance_at(const ProgrammedCells& cells, const ReadTime& time,
                                 std::span<double> g_siemens) const {
  require_size(cells, g_siemens.size(), "conductance output");
  if (!(std::isfinite(time.t_s) && time.t_s >= 0.0)) {
    throw InvalidArgument(fmt::format("read time must be finite and >= 0 s, got {} s", time.t_s));
  }
  evolve(cells, time, g_siemens);
  for (std::size_t i = 0; i < cells.faults.size(); ++i) {
    if (cells.faults[i] == CellFault::stuck_off) g_siemens[i] = common_.g_min_siemens;
    if (cells.faults[i] == CellFault::stuck_on) g_siemens[i] = common_.g_max_siemens;
  }
}

void DeviceModel::read_noise_std(const ProgrammedCells& cells, const ReadTime&,
                                 std::span<const double> g_at_t_siemens,
                                 std::span<double> sigma_siemens) const {
  require_size(cells, g_at_t_siemens.size(), "conductance input");
  require_size(cells, sigma_siemens.size(), "read-noise output");
  std::fill(sigma_siemens.begin(), sigma_siemens.end(), 0.0);
}

void DeviceModel::read(const ProgrammedCells& cells, const ReadTime& time, std::uint32_t read_id,
                       std::span<double> g_siemens, StreamId noise_stream) const {
  conductance_at(cells, time, g_siemens);
  // Scratch reused across calls of this thread: reads are called once per array and time in
  // every trial, and a fresh allocation each time costs page faults on large arrays.
  thread_local std::vector<double> sigma, z;
  const std::size_t n = cells.size();
  sigma.resize(n);
  read_noise_std(cells, time, g_siemens, sigma);
  if (std::all_of(sigma.begin(), sigma.begin() + static_cast<std::ptrdiff_t>(n),
                  [](double s) { return s == 0.0; })) {
    return;  // no read noise: the same values as adding 0 · z, without drawing z
  }
  z.resize(n);
  cells.address.stream(noise_stream, read_id)
      .normal(std::span(z).first(n), cells.address.first_cell);
  for (std::size_t i = 0; i < n; ++i) g_siemens[i] += sigma[i] * z[i];
}

void DeviceModel::current(std::span<const double> g_siemens, std::span<const double> v_v,
                          std::span<double> i_a) const {
  if (v_v.size() != g_siemens.size() || i_a.size() != g_siemens.size()) {
    throw InvalidArgument(
        fmt::format("current: {} conductances, {} voltages and {} outputs must have the same size",
                    g_siemens.size(), v_v.size(), i_a.size()));
  }
  for (std::size_t i = 0; i < g_siemens.size(); ++i) i_a[i] = g_siemens[i] * v_v[i];
}

}  // namespace kirchhoff::devices
