// `kirchhoff fit programming | drift` (docs/fitting.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>

#include "commands.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/fit.hpp"
#include "kirchhoff/devices/measurements.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "output_file.hpp"

namespace kirchhoff::cli {
namespace {

struct FitOptions {
  std::string data;
  std::string columns;
  std::string units;
  std::string g_max;
  unsigned degree = 2;
  bool bias = false;
  std::string t0;
  std::size_t bins = 0;
  std::uint32_t bootstrap = 200;
  std::uint64_t seed = 1;
  std::string out;
  bool force = false;
};

devices::CsvOptions csv_options(const FitOptions& o) {
  devices::CsvOptions csv;
  csv.columns = devices::parse_role_list("--columns", o.columns);
  csv.units = devices::parse_role_list("--units", o.units);
  return csv;
}

void write_device_file(const FitOptions& o, const std::string& text, std::ostream& out) {
  const std::filesystem::path path(o.out);
  if (path.extension() != ".toml") {
    throw InvalidArgument(fmt::format("option --out: '{}' must end in .toml", o.out));
  }
  write_output_file(path, o.force, [&](const std::filesystem::path& tmp) {
    std::ofstream file(tmp);
    file << text;
    file.flush();
    if (!file) throw IoError(fmt::format("cannot write '{}'", tmp.string()));
  });
  // The file must load as written: a device file nobody can use is an error now, not later.
  const auto device = devices::load_device(path.string());
  out << fmt::format(
      "wrote {} (model {}; try: kirchhoff device sample --preset {} --target "
      "10uS --time 1s,1h)\n",
      path.string(), device.model->kind(), path.string());
}

int fit_programming(const FitOptions& o, std::ostream& out) {
  devices::ProgrammingFitOptions options;
  options.degree = o.degree;
  options.bias = o.bias;
  options.bootstrap.replicates = o.bootstrap;
  options.bootstrap.seed = o.seed;
  if (!o.g_max.empty()) {
    options.g_max_s = option_quantity("--g-max", o.g_max, Dimension::conductance);
  }
  const auto data = devices::read_programming_csv(o.data, csv_options(o));
  const auto fit = devices::fit_programming(data.target_s, data.programmed_s, options);
  out << fmt::format("{}: {} rows, bootstrap seed {}\n", o.data, data.target_s.size(), o.seed);
  out << devices::format_report(fit);
  if (!o.out.empty()) {
    write_device_file(
        o, devices::device_file_toml(fit, std::filesystem::path(o.out).stem().string(), o.data),
        out);
  }
  return 0;
}

int fit_drift(const FitOptions& o, std::ostream& out) {
  devices::DriftFitOptions options;
  options.bins = o.bins;
  options.bootstrap.replicates = o.bootstrap;
  options.bootstrap.seed = o.seed;
  if (!o.g_max.empty()) {
    options.g_max_s = option_quantity("--g-max", o.g_max, Dimension::conductance);
  }
  if (!o.t0.empty()) options.t0_s = option_quantity("--t0", o.t0, Dimension::time);
  const auto data = devices::read_drift_csv(o.data, csv_options(o));
  const auto fit = devices::fit_drift(data, options);
  out << fmt::format("{}: {} rows, bootstrap seed {}\n", o.data, data.time_s.size(), o.seed);
  out << devices::format_report(fit);
  if (!o.out.empty()) {
    write_device_file(
        o, devices::device_file_toml(fit, std::filesystem::path(o.out).stem().string(), o.data),
        out);
  }
  return 0;
}

void add_common(CLI::App* cmd, FitOptions& o) {
  cmd->add_option("data", o.data, "Measurements (CSV with a header row)")->required();
  cmd->add_option("--columns", o.columns,
                  "Column names by role, e.g. target=Gt,programmed=Gp (default names: see "
                  "docs/fitting.md)");
  cmd->add_option("--units", o.units,
                  "Units of columns whose names carry none, e.g. target=uS,time=h");
  cmd->add_option("--g-max", o.g_max, "g_max of the device file (default: the largest target)");
  cmd->add_option("--bootstrap", o.bootstrap, "Parametric bootstrap replicates (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Bootstrap seed")->capture_default_str();
  cmd->add_option("--out", o.out, "Write a device file (.toml, model generic)");
  cmd->add_flag("--force", o.force, "Replace an existing output file");
}

}  // namespace

void add_fit_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto* fit = app.add_subcommand("fit", "Fit device models to measurements (CSV)");
  fit->require_subcommand(1);

  auto programming = std::make_shared<FitOptions>();
  auto* p = fit->add_subcommand(
      "programming", "Programming noise sigma_P(g_T) as a polynomial, by maximum likelihood");
  add_common(p, *programming);
  p->add_option("--degree", programming->degree, "Degree of the sigma_P polynomial in g_T/g_max")
      ->capture_default_str();
  p->add_flag("--bias", programming->bias, "Also fit a mean offset of g_P from g_T");
  p->callback([&, programming] {
    action = [&, programming] { return fit_programming(*programming, out); };
  });

  auto drift = std::make_shared<FitOptions>();
  auto* d = fit->add_subcommand(
      "drift", "Drift exponents per device, then mu_nu and sigma_nu over conductance bins");
  add_common(d, *drift);
  d->add_option("--t0", drift->t0, "Drift reference time (default: the earliest time)");
  d->add_option("--bins", drift->bins,
                "Equal-count conductance bins (default: one per distinct target, at most 12)");
  d->callback([&, drift] { action = [&, drift] { return fit_drift(*drift, out); }; });
}

}  // namespace kirchhoff::cli
