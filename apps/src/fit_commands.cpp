// `kirchhoff fit programming | drift | read-noise | pulse` (docs/fitting.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <type_traits>

#include "commands.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/fitting/fit.hpp"
#include "kirchhoff/fitting/fit_pulse.hpp"
#include "kirchhoff/fitting/fit_read_noise.hpp"
#include "kirchhoff/fitting/fit_report.hpp"
#include "kirchhoff/fitting/measurements.hpp"
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
  std::string form;
  std::string t_read;
  double q_max = 0.0;
  std::uint32_t pulses = 0;
  std::uint32_t pulses_ltd = 0;
  std::uint32_t bootstrap = 200;
  std::uint64_t seed = 1;
  std::string out;
  std::string report;
  std::string into;
  bool force = false;
  bool quiet = false;  // nothing on the terminal but errors
};

fitting::MeasurementOptions measurement_options(const FitOptions& o) {
  fitting::MeasurementOptions m;
  m.columns = fitting::parse_role_list("--columns", o.columns);
  m.units = fitting::parse_role_list("--units", o.units);
  return m;
}

fitting::BootstrapOptions bootstrap_options(const FitOptions& o) {
  fitting::BootstrapOptions b;
  b.replicates = o.bootstrap;
  b.seed = o.seed;
  return b;
}

void write_text(const std::filesystem::path& path, bool force, const std::string& text) {
  write_output_file(path, force, [&](const std::filesystem::path& tmp) {
    std::ofstream file(tmp);
    file << text;
    file.flush();
    if (!file) throw IoError(fmt::format("cannot write '{}'", tmp.string()));
  });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("option --into: cannot open '{}'", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Checks the output options before any work, so that a long fit does not end in a refusal.
void check_outputs(const FitOptions& o) {
  if (!o.out.empty() && std::filesystem::path(o.out).extension() != ".toml") {
    throw InvalidArgument(fmt::format("option --out: '{}' must end in .toml", o.out));
  }
  if (!o.into.empty()) {
    if (std::filesystem::path(o.into).extension() != ".toml") {
      throw InvalidArgument(fmt::format("option --into: '{}' must end in .toml", o.into));
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.into, ec)) {
      throw IoError(
          fmt::format("option --into: no device file '{}' (write the first fit with "
                      "--out, then add others with --into)",
                      o.into));
    }
  }
  if (!o.report.empty()) {
    const auto extension = std::filesystem::path(o.report).extension();
    if (extension != ".json" && extension != ".h5") {
      throw InvalidArgument(
          fmt::format("option --report: '{}' must end in .json or .h5", o.report));
    }
  }
  for (const auto* path : {&o.out, &o.report}) {
    std::error_code ec;
    if (!path->empty() && std::filesystem::exists(*path, ec) && !o.force) {
      throw IoError(fmt::format("output file '{}' exists; use --force to replace it", *path));
    }
  }
}

// --out, --into and --report after a fit: the device file (checked to load), the report.
void write_outputs(const FitOptions& o, const std::string& device_text,
                   const fitting::FitReport& report, std::ostream& out) {
  std::string destination = o.out;
  std::string text = device_text;
  if (!o.into.empty()) {
    const auto merged =
        fitting::merge_device_files(read_file(o.into), o.into, device_text, o.force);
    text = merged.text;
    if (destination.empty()) destination = o.into;
    out << fmt::format("merged into {}: added {}{}\n", destination,
                       merged.added.empty() ? std::string("no new keys")
                                            : fmt::format("{}", fmt::join(merged.added, ", ")),
                       merged.replaced.empty()
                           ? std::string()
                           : fmt::format("; replaced {}", fmt::join(merged.replaced, ", ")));
  }
  if (!destination.empty()) {
    // Rewriting the --into file itself is what --into asks for; --out is protected as usual.
    write_text(destination, o.force || destination == o.into, text);
    // The file must load as written: a device file nobody can use is an error now, not later.
    const auto device = devices::load_device(destination);
    const bool pulse = device.model->kind() == "pulse-nonlinear";
    out << fmt::format("wrote {} (model {}; try: kirchhoff device {} --preset {} {})\n",
                       destination, device.model->kind(), pulse ? "curve" : "sample", destination,
                       pulse ? "--pulses 20" : "--target 10uS --time 1s,1h");
  }
  if (!o.report.empty()) {
    const std::filesystem::path path(o.report);
    write_output_file(path, o.force, [&](const std::filesystem::path& tmp) {
      if (path.extension() == ".h5") {
        fitting::write_report_hdf5(report, tmp);
      } else {
        std::ofstream file(tmp);
        file << fitting::report_json(report);
        file.flush();
        if (!file) throw IoError(fmt::format("cannot write '{}'", tmp.string()));
      }
    });
    out << fmt::format("wrote {} (plot it: kirchhoff plot {})\n", o.report, o.report);
  }
}

std::string device_name(const FitOptions& o) {
  const std::string& file = o.out.empty() ? o.into : o.out;
  return file.empty() ? std::string("fitted") : std::filesystem::path(file).stem().string();
}

double g_max_option(const FitOptions& o) {
  return o.g_max.empty() ? 0.0 : option_quantity("--g-max", o.g_max, Dimension::conductance);
}

// After a fit: the data line and the report on the terminal, then --out, --into and --report.
template <class Fit>
int print_and_write(const FitOptions& o, std::size_t rows, const Fit& fit,
                    const fitting::FitReport& report, std::ostream& terminal) {
  std::ostream discarded(nullptr);  // -q: a stream without a buffer writes nothing
  std::ostream& out = o.quiet ? discarded : terminal;
  out << fmt::format("{}: {} rows, bootstrap seed {}\n", o.data, rows, o.seed);
  out << fitting::format_report(fit);
  if constexpr (std::is_same_v<decltype(fit.g_max_siemens), double>) {  // not the pulse fit
    // x = g/g_max in the device file: from the data unless given, and the user should know.
    if (o.g_max.empty()) {
      out << fmt::format(
          "note: g_max = {} is the largest conductance in the data; give --g-max to normalise "
          "by the device's g_max instead\n",
          format_quantity(fit.g_max_siemens, Dimension::conductance));
    }
  }
  write_outputs(o, fitting::device_file_toml(fit, device_name(o), o.data), report, out);
  return 0;
}

int fit_programming(const FitOptions& o, std::ostream& out) {
  check_outputs(o);
  fitting::ProgrammingFitOptions options;
  options.degree = o.degree;
  options.bias = o.bias;
  options.bootstrap = bootstrap_options(o);
  options.g_max_siemens = g_max_option(o);
  const auto data = fitting::read_programming(o.data, measurement_options(o));
  const auto fit = fitting::fit_programming(data.target_siemens, data.programmed_siemens, options);
  return print_and_write(
      o, data.target_siemens.size(), fit,
      fitting::fit_report(fit, data.target_siemens, data.programmed_siemens, o.data), out);
}

int fit_drift(const FitOptions& o, std::ostream& out) {
  check_outputs(o);
  fitting::DriftFitOptions options;
  options.bins = o.bins;
  options.form = o.form == "pcm" ? fitting::DriftForm::pcm : fitting::DriftForm::table;
  options.bootstrap = bootstrap_options(o);
  options.g_max_siemens = g_max_option(o);
  if (!o.t0.empty()) options.t0_s = option_quantity("--t0", o.t0, Dimension::time);
  const auto data = fitting::read_drift(o.data, measurement_options(o));
  const auto fit = fitting::fit_drift(data, options);
  return print_and_write(o, data.time_s.size(), fit, fitting::fit_report(fit, o.data), out);
}

int fit_read_noise(const FitOptions& o, std::ostream& out) {
  check_outputs(o);
  fitting::ReadNoiseFitOptions options;
  options.form =
      o.form == "polynomial" ? fitting::ReadNoiseForm::polynomial : fitting::ReadNoiseForm::pcm;
  options.degree = o.degree;
  options.q_max = o.q_max;
  options.bootstrap = bootstrap_options(o);
  options.g_max_siemens = g_max_option(o);
  if (!o.t_read.empty()) {
    options.t_read_s = option_quantity("--t-read", o.t_read, Dimension::time);
  }
  const auto data = fitting::read_read_noise(o.data, measurement_options(o));
  const auto fit = fitting::fit_read_noise(data, options);
  return print_and_write(o, data.time_s.size(), fit, fitting::fit_report(fit, o.data), out);
}

int fit_pulse(const FitOptions& o, std::ostream& out) {
  check_outputs(o);
  fitting::PulseFitOptions options;
  options.pulses_ltp = o.pulses;
  options.pulses_ltd = o.pulses_ltd;
  options.bootstrap = bootstrap_options(o);
  const auto data = fitting::read_pulse(o.data, measurement_options(o));
  const auto fit = fitting::fit_pulse(data, options);
  return print_and_write(o, data.conductance_siemens.size(), fit, fitting::fit_report(fit, o.data),
                         out);
}

void add_common(CLI::App* cmd, FitOptions& o, bool g_max) {
  cmd->add_option("data", o.data,
                  "Measurements: CSV with a header row, or HDF5 (one dataset per column)")
      ->required();
  cmd->add_option("--columns", o.columns,
                  "Column names by role, e.g. target=Gt,programmed=Gp (default names: see "
                  "docs/fitting.md)");
  cmd->add_option("--units", o.units,
                  "Units of columns whose names carry none, e.g. target=uS,time=h");
  if (g_max) {
    cmd->add_option("--g-max", o.g_max, "g_max of x = g/g_max (default: the largest target)");
  }
  cmd->add_option("--bootstrap", o.bootstrap, "Parametric bootstrap replicates (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Bootstrap seed")->capture_default_str();
  cmd->add_option("--out", o.out, "Write a device file (.toml)");
  cmd->add_option("--into", o.into,
                  "Merge the fitted keys into this device file of an earlier fit (replacing "
                  "keys it has needs --force; with --out the result goes there instead)");
  cmd->add_option("--report", o.report,
                  "Write the data, fitted curves, residuals and parameters (.json or .h5) for "
                  "kirchhoff plot");
  cmd->add_flag("--force", o.force, "Replace existing output files and, with --into, keys");
  cmd->add_flag("--quiet,-q", o.quiet, "Print nothing but errors (the files are still written)");
}

}  // namespace

void add_fit_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto* fit = app.add_subcommand("fit", "Fit device models to measurements (CSV or HDF5)");
  fit->require_subcommand(1);

  auto programming = std::make_shared<FitOptions>();
  auto* p = fit->add_subcommand(
      "programming", "Programming noise sigma_P(g_T) as a polynomial, by maximum likelihood");
  add_common(p, *programming, true);
  p->add_option("--degree", programming->degree, "Degree of the sigma_P polynomial in g_T/g_max")
      ->capture_default_str();
  p->add_flag("--bias", programming->bias, "Also fit a mean offset of g_P from g_T");
  p->callback([&, programming] {
    action = [&, programming] { return fit_programming(*programming, out); };
  });

  auto drift = std::make_shared<FitOptions>();
  drift->form = "table";
  auto* d = fit->add_subcommand(
      "drift", "Drift exponents per device, then mu_nu and sigma_nu over conductance bins");
  add_common(d, *drift, true);
  d->add_option("--t0", drift->t0, "Drift reference time (default: the earliest time)");
  d->add_option("--bins", drift->bins,
                "Equal-count conductance bins (default: one per distinct target, at most 12)");
  d->add_option("--form", drift->form,
                "table: mu_nu, sigma_nu per bin; pcm: also clamp(a ln x + b, lo, hi) curves, "
                "written to the device file")
      ->check(CLI::IsMember({"table", "pcm"}))
      ->capture_default_str();
  d->callback([&, drift] { action = [&, drift] { return fit_drift(*drift, out); }; });

  auto read = std::make_shared<FitOptions>();
  read->form = "pcm";
  auto* r = fit->add_subcommand(
      "read-noise", "Read noise from repeated reads: the PCM 1/f form Q_s(g) or a polynomial");
  add_common(r, *read, true);
  r->add_option("--form", read->form,
                "pcm: sigma = g Q_s(x) sqrt(ln((t + t_read)/(2 t_read))), Q_s = min(c x^-alpha, "
                "q_max); polynomial: sigma(x) = sum c_k x^k")
      ->check(CLI::IsMember({"pcm", "polynomial"}))
      ->capture_default_str();
  r->add_option("--degree", read->degree, "Degree of the polynomial form")->capture_default_str();
  r->add_option("--t-read", read->t_read, "Read pulse width of the pcm form (default 250ns)");
  r->add_option("--q-max", read->q_max,
                "Bound q_max of Q_s (default: the largest Q_s over the measured range)");
  r->callback([&, read] { action = [&, read] { return fit_read_noise(*read, out); }; });

  auto pulse = std::make_shared<FitOptions>();
  auto* u = fit->add_subcommand(
      "pulse",
      "NeuroSim LTP/LTD curves (NL, G_min, G_max), cycle-to-cycle and device-to-device "
      "spread, by nonlinear least squares");
  add_common(u, *pulse, false);
  u->add_option("--pulses", pulse->pulses,
                "P_max of the LTP curve: pulses of a full swing (default: the longest LTP run)");
  u->add_option("--pulses-ltd", pulse->pulses_ltd,
                "P_max of the LTD curve (default: the longest LTD run)");
  u->callback([&, pulse] { action = [&, pulse] { return fit_pulse(*pulse, out); }; });
}

}  // namespace kirchhoff::cli
