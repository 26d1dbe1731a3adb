// Small helpers shared by the fit kinds (fit_internal.hpp).
#include <map>

#include "fit_internal.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::fitting::detail {

std::string g_text(double s) {
  return format_quantity(s, Dimension::conductance);
}

DeviceRows rows_by_device(std::span<const std::string> device) {
  DeviceRows out;
  std::map<std::string, std::size_t, std::less<>> index_of;
  for (std::size_t r = 0; r < device.size(); ++r) {
    const auto [it, inserted] = index_of.try_emplace(device[r], out.rows.size());
    if (inserted) out.rows.emplace_back();
    out.rows[it->second].push_back(r);
  }
  out.names.resize(out.rows.size());
  for (const auto& [name, k] : index_of) out.names[k] = name;
  return out;
}

std::vector<double> evenly_spaced(double low, double high, int count) {
  std::vector<double> points;
  for (int k = 0; k < count; ++k) points.push_back(low + (high - low) * k / double(count - 1));
  return points;
}

std::vector<double> log_spaced(double low, double high, double scale, int count) {
  std::vector<double> points;
  for (int k = 0; k < count; ++k) {
    points.push_back(low * scale * std::pow(high / low, k / double(count - 1)));
  }
  return points;
}

}  // namespace kirchhoff::fitting::detail
