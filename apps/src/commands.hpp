// The subcommands of the kirchhoff program. Each command group lives in its own file and adds
// its subcommands to the CLI11 app with add_<group>_commands; when one of them is parsed, its
// callback stores the work to do in `action`, which cli.cpp runs after parsing. Commands
// return the exit status and throw kirchhoff::Error for bad input.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "kirchhoff/core/units.hpp"

namespace CLI {
class App;
}

namespace kirchhoff::cli {

using Action = std::function<int()>;

// `kirchhoff device list | sample | curve`
void add_device_commands(CLI::App& app, std::ostream& out, Action& action);
// `kirchhoff run | validate | info | merge` (run_commands.cpp)
void add_campaign_commands(CLI::App& app, std::ostream& out, Action& action);
// `kirchhoff xbar solve | spice`
void add_xbar_commands(CLI::App& app, std::ostream& out, Action& action);
// `kirchhoff plot` (plot_commands.cpp, docs/plotting.md)
void add_plot_commands(CLI::App& app, std::ostream& out, Action& action);
// `kirchhoff fit programming | drift | read-noise | pulse` (fit_commands.cpp)
void add_fit_commands(CLI::App& app, std::ostream& out, Action& action);
// `kirchhoff nn info | eval` (nn_commands.cpp, docs/nn.md)
void add_nn_commands(CLI::App& app, std::ostream& out, Action& action);
// `kirchhoff xbar cost` and `kirchhoff nn cost` (cost_commands.cpp, docs/cost.md); after the
// xbar and nn groups, whose subcommands they join.
void add_cost_commands(CLI::App& app, std::ostream& out, Action& action);

struct DeviceSampleOptions {
  std::string preset;              // name or path
  std::string target;              // quantity, e.g. "10uS"
  std::vector<std::string> times;  // quantities, e.g. {"1s", "1h"}
  std::uint64_t count = 1000;
  std::uint64_t seed = 1;
  std::string out;             // .csv or .h5; empty: summary only
  bool force = false;          // replace an existing output file
  bool no_read_noise = false;  // conductance without read noise
};

struct DeviceCurveOptions {
  std::string preset;        // name or path of a pulse-programmed device
  std::uint32_t pulses = 0;  // LTP pulses, then as many LTD pulses
  std::uint64_t seed = 1;
  std::string out;  // .csv; empty: print the rows
  bool force = false;
};

int device_list(std::ostream& out);
int device_curve(const DeviceCurveOptions& options, std::ostream& out);
int device_sample(const DeviceSampleOptions& options, std::ostream& out);

// Parses an option's value as a quantity; errors name the option.
double option_quantity(const std::string& option, const std::string& text, Dimension dimension);

}  // namespace kirchhoff::cli
