// `kirchhoff xbar solve | spice`: IR drop of one physical crossbar array
// (docs/crossbar.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string_view>

#include "command_inputs.hpp"
#include "commands.hpp"
#include "kirchhoff/core/csv.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/crossbar/ir_drop.hpp"
#include "kirchhoff/crossbar/spice.hpp"
#include "output_file.hpp"

namespace kirchhoff::cli {

namespace {

struct XbarOptions {
  std::string conductance;  // G.csv: rows × cols, siemens
  std::string voltage;      // V.csv: one input vector (rows values, volts) per line
  std::string r_row, r_col, r_driver = "0ohm", r_sense = "0ohm";
  std::string model = "exact";
  std::string out;
  bool force = false;
};

struct XbarInputs {
  crossbar::ConductanceMatrix g;
  crossbar::InputBatch v;
  crossbar::WireResistances wires;
};

XbarInputs read_inputs(const XbarOptions& o) {
  XbarInputs in;
  in.wires.r_row_ohm = option_quantity("--r-row", o.r_row, Dimension::resistance);
  in.wires.r_col_ohm = option_quantity("--r-col", o.r_col, Dimension::resistance);
  in.wires.r_driver_ohm = option_quantity("--r-driver", o.r_driver, Dimension::resistance);
  in.wires.r_sense_ohm = option_quantity("--r-sense", o.r_sense, Dimension::resistance);
  for (auto [name, r] :
       {std::pair{"--r-row", in.wires.r_row_ohm}, std::pair{"--r-col", in.wires.r_col_ohm},
        std::pair{"--r-driver", in.wires.r_driver_ohm},
        std::pair{"--r-sense", in.wires.r_sense_ohm}}) {
    if (!(r >= 0.0)) {
      throw InvalidArgument(fmt::format("option {}: resistance must be >= 0 ohm", name));
    }
  }
  const NumbersTable g = read_numbers_csv(o.conductance, "conductance");
  in.g.resize(static_cast<Eigen::Index>(g.size()),
              static_cast<Eigen::Index>(g.front().values.size()));
  for (std::size_t i = 0; i < g.size(); ++i) {
    for (std::size_t j = 0; j < g[i].values.size(); ++j) {
      if (g[i].values[j] < 0.0) {
        throw InvalidArgument(
            fmt::format("conductance file '{}', line {}, column {}: conductance {} S is negative",
                        o.conductance, g[i].line, j + 1, g[i].values[j]));
      }
      in.g(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = g[i].values[j];
    }
  }
  const NumbersTable v = read_numbers_csv(o.voltage, "voltage");
  if (v.front().values.size() != g.size()) {
    throw InvalidArgument(fmt::format(
        "voltage file '{}': {} values per line, but the conductance file '{}' has {} rows (one "
        "input per row)",
        o.voltage, v.front().values.size(), o.conductance, g.size()));
  }
  in.v.resize(static_cast<Eigen::Index>(v.size()), static_cast<Eigen::Index>(g.size()));
  for (std::size_t k = 0; k < v.size(); ++k) {
    for (std::size_t i = 0; i < v[k].values.size(); ++i) {
      in.v(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(i)) = v[k].values[i];
    }
  }
  return in;
}

// Prints to `out` or writes the file (never replacing one without --force).
void emit(const XbarOptions& o, std::ostream& out,
          const std::function<void(std::ostream&)>& write) {
  if (o.out.empty()) {
    write(out);
    return;
  }
  write_output_file(o.out, o.force, [&](const std::filesystem::path& path) {
    std::ofstream file(path);
    if (!file) throw IoError(fmt::format("cannot create '{}'", path.string()));
    write(file);
    file.flush();
    if (!file) throw IoError(fmt::format("cannot write '{}'", path.string()));
  });
}

int xbar_solve(const XbarOptions& o, std::ostream& out) {
  const XbarInputs in = read_inputs(o);
  crossbar::CurrentBatch currents;
  if (o.model == "ideal") {
    currents = crossbar::ideal_currents(in.g, in.v);
  } else if (o.model == "approx") {
    currents = in.v * crossbar::approximate_transfer_matrix(in.g, in.wires).transpose();
  } else {
    currents = crossbar::IrDropSolver(in.g, in.wires).solve(in.v);
  }
  emit(o, out, [&](std::ostream& s) {
    for (Eigen::Index k = 0; k < currents.rows(); ++k) {
      for (Eigen::Index j = 0; j < currents.cols(); ++j) {
        s << (j ? "," : "") << fmt::format("{:.17g}", currents(k, j));
      }
      s << '\n';
    }
  });
  if (!o.out.empty()) {
    out << fmt::format("wrote {} ({} input vectors x {} column currents, model {})\n", o.out,
                       currents.rows(), currents.cols(), o.model);
  }
  return 0;
}

int xbar_spice(const XbarOptions& o, std::ostream& out) {
  const XbarInputs in = read_inputs(o);
  emit(o, out, [&](std::ostream& s) {
    crossbar::write_spice_netlist(s, in.g, in.wires, in.v.row(0).transpose());
  });
  if (!o.out.empty()) out << fmt::format("wrote {} (first input vector of {})\n", o.out, o.voltage);
  return 0;
}

void add_common_options(CLI::App* cmd, XbarOptions& o) {
  cmd->add_option("--conductance", o.conductance,
                  "CSV of conductances in siemens, rows x cols, no header")
      ->required();
  cmd->add_option("--voltage", o.voltage,
                  "CSV of input vectors in volts, one per line (rows values)")
      ->required();
  cmd->add_option("--r-row", o.r_row, "Row wire resistance per cell segment, e.g. 2.5ohm")
      ->required();
  cmd->add_option("--r-col", o.r_col, "Column wire resistance per cell segment, e.g. 2.5ohm")
      ->required();
  cmd->add_option("--r-driver", o.r_driver, "Row driver resistance")->capture_default_str();
  cmd->add_option("--r-sense", o.r_sense, "Column sense (virtual ground) resistance")
      ->capture_default_str();
  cmd->add_option("--out", o.out, "Write to this file instead of standard output");
  cmd->add_flag("--force", o.force, "Replace an existing output file");
}

}  // namespace

void add_xbar_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto* xbar = app.add_subcommand("xbar", "One physical crossbar array: IR drop, SPICE export");
  xbar->require_subcommand(1);

  auto solve = std::make_shared<XbarOptions>();
  auto* solve_cmd = xbar->add_subcommand(
      "solve", "Column currents (A) of each input vector, with the wire resistances");
  add_common_options(solve_cmd, *solve);
  solve_cmd
      ->add_option("--model", solve->model,
                   "exact (nodal analysis), approx (first order in the resistances), ideal (V G)")
      ->check(CLI::IsMember({"exact", "approx", "ideal"}))
      ->capture_default_str();
  solve_cmd->callback([&, solve] { action = [&, solve] { return xbar_solve(*solve, out); }; });

  auto spice = std::make_shared<XbarOptions>();
  auto* spice_cmd = xbar->add_subcommand(
      "spice", "SPICE netlist (ngspice, .op) of the array driven by the first input vector");
  add_common_options(spice_cmd, *spice);
  spice_cmd->callback([&, spice] { action = [&, spice] { return xbar_spice(*spice, out); }; });
}

}  // namespace kirchhoff::cli
