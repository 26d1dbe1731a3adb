#include "cost_table.hpp"

#include <string>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/cost/technology_config.hpp"

namespace kirchhoff::workloads {

std::optional<cost::Technology> read_cost_table(const ConfigTable& w) {
  const ConfigTable c = w.table("cost");
  if (!c.exists()) return std::nullopt;
  const std::string name = c.get<std::string>("technology");
  const bool path = name.find('/') != std::string::npos || name.ends_with(".toml");
  try {
    return cost::load_technology(path ? c.get_path("technology").string() : name);
  } catch (const ConfigError& e) {
    if (!e.where().file.empty()) throw;  // located in the technology file itself
    c.fail("technology", e.what());
  } catch (const IoError& e) {
    c.fail("technology", e.what());
  }
}

}  // namespace kirchhoff::workloads
