// Drift measurements simulated from a device model, as a lab would record them: every
// programmed cell (device d0, d1, ...) read at each time, read k with read id k, one row per
// device and time in device order (line numbers as in a CSV file with a header).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "kirchhoff/devices/device_model.hpp"
#include "kirchhoff/fitting/measurements.hpp"

namespace kirchhoff::fitting::testing {

// With `read_noise` false the conductances are the noiseless g(t) (DeviceModel::conductance_at).
inline DriftData simulate_drift(const devices::DeviceModel& model,
                                const devices::ProgrammedCells& cells,
                                std::span<const double> targets, std::span<const double> times,
                                bool read_noise = true) {
  std::vector<std::vector<double>> g(times.size(), std::vector<double>(targets.size()));
  for (std::size_t k = 0; k < times.size(); ++k) {
    const devices::ReadTime t{times[k], static_cast<std::uint32_t>(k)};
    if (read_noise) {
      model.read(cells, t, static_cast<std::uint32_t>(k), g[k]);
    } else {
      model.conductance_at(cells, t, g[k]);
    }
  }
  DriftData data;
  data.file = "synthetic";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    // Not "d" + std::to_string(i): GCC 12 at -O3 warns falsely (-Wrestrict) on that operator+.
    std::string name = std::to_string(i);
    name.insert(name.begin(), 'd');
    for (std::size_t k = 0; k < times.size(); ++k) {
      data.device.push_back(name);
      data.target_siemens.push_back(targets[i]);
      data.time_s.push_back(times[k]);
      data.conductance_siemens.push_back(g[k][i]);
      data.line.push_back(static_cast<std::uint32_t>(2 + i * times.size() + k));
    }
  }
  return data;
}

}  // namespace kirchhoff::fitting::testing
