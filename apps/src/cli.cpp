#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/build_info.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff::cli {

namespace {

std::string version_text() {
  return fmt::format("kirchhoff {} (commit {}{}, {} build)", build_info::version(),
                     build_info::git_commit(), build_info::git_dirty() ? ", modified" : "",
                     build_info::build_type());
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Kirchhoff: device-physics-driven Monte Carlo characterization of analog "
               "in-memory computing",
               "kirchhoff"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and the git commit, then exit");

  auto* selfcheck = app.add_subcommand(
      "selfcheck", "Check that this build works here: random streams, statistics, HDF5, TOML");

  auto* device = app.add_subcommand("device", "Device models and presets");
  device->require_subcommand(1);
  auto* device_list_cmd = device->add_subcommand("list", "List the device presets with their sources");
  DeviceSampleOptions sample;
  auto* device_sample_cmd = device->add_subcommand(
      "sample", "Program cells to a target, evolve them to each read time, report conductances");
  device_sample_cmd->add_option("--preset", sample.preset, "Preset name or device file (TOML)")
      ->required();
  device_sample_cmd->add_option("--target", sample.target, "Target conductance, e.g. 10uS")
      ->required();
  device_sample_cmd
      ->add_option("--time", sample.times, "Read times after programming, e.g. 1s,1h,1d,1y")
      ->required()
      ->delimiter(',');
  device_sample_cmd->add_option("--count", sample.count, "Number of cells")->capture_default_str();
  device_sample_cmd->add_option("--seed", sample.seed, "Random seed")->capture_default_str();
  device_sample_cmd->add_option("--out", sample.out,
                                "Write the conductances (S, one column per time) to a .csv or .h5");
  device_sample_cmd->add_flag("--force", sample.force, "Replace an existing output file");
  device_sample_cmd->add_flag("--no-read-noise", sample.no_read_noise,
                              "Report the conductance without read noise");
  DeviceCurveOptions curve;
  auto* device_curve_cmd = device->add_subcommand(
      "curve", "Pulse-response curve of a pulse-programmed device: LTP pulses, then LTD");
  device_curve_cmd->add_option("--preset", curve.preset, "Preset name or device file")->required();
  device_curve_cmd->add_option("--pulses", curve.pulses, "Number of LTP (and then LTD) pulses")
      ->required();
  device_curve_cmd->add_option("--seed", curve.seed, "Random seed")->capture_default_str();
  device_curve_cmd->add_option("--out", curve.out, "Write the curve to a .csv file");
  device_curve_cmd->add_flag("--force", curve.force, "Replace an existing output file");

  try {
    // CLI11 parses argv without the program name, last argument first.
    std::vector<std::string> reversed(args.rbegin(), args.rend() - (args.empty() ? 0 : 1));
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "kirchhoff: error: " << e.what() << "\n"
        << "Run 'kirchhoff --help' for the commands and options.\n";
    return kExitUsage;
  }

  try {
    if (show_version) {
      out << version_text() << "\n";
      return kExitOk;
    }
    if (*selfcheck) return self_check(out) ? kExitOk : kExitFailure;
    if (*device_list_cmd) return device_list(out);
    if (*device_sample_cmd) return device_sample(sample, out);
    if (*device_curve_cmd) return device_curve(curve, out);
    out << app.help();
    return kExitOk;
  } catch (const Error& e) {
    err << "kirchhoff: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "kirchhoff: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace kirchhoff::cli
