#include "kirchhoff/apps/cli.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "kernels_option.hpp"
#include "kirchhoff/core/build_info.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/kernels.hpp"
#include "kirchhoff/core/text.hpp"
#include "kirchhoff/montecarlo/mpi.hpp"

namespace kirchhoff::cli {

namespace {

std::string version_text() {
  return fmt::format("kirchhoff {} (commit {}{}, {} build; kernels {})", build_info::version(),
                     build_info::git_commit(), build_info::git_dirty() ? ", modified" : "",
                     build_info::build_type(), kernels_in_use().text());
}

// For an argument CLI11 did not expect, the nearest option (or subcommand) of the command it
// was given to: "; did you mean '--output'?" (or nothing when none is near).
std::string suggestion(const CLI::App& app) {
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  std::vector<std::string> options, subcommands;
  for (const CLI::Option* option : command->get_options()) {
    for (const std::string& name : option->get_lnames()) options.push_back("--" + name);
    for (const std::string& name : option->get_snames()) options.push_back("-" + name);
  }
  for (const CLI::App* sub : command->get_subcommands({})) subcommands.push_back(sub->get_name());
  for (const std::string& word : app.remaining(true)) {
    const bool is_option = word.size() > 1 && word.front() == '-';
    const std::string name = is_option ? word.substr(0, word.find('=')) : word;
    if (auto match = closest_match(name, is_option ? options : subcommands)) {
      return fmt::format("; did you mean '{}'?", *match);
    }
  }
  return "";
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Kirchhoff: device-physics-driven Monte Carlo characterization of analog "
      "in-memory computing",
      "kirchhoff"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and the git commit, then exit");
  std::string kernels;
  add_kernels_option(app, kernels);
  app.fallthrough();  // --kernels after a command's name

  auto* selfcheck = app.add_subcommand(
      "selfcheck", "Check that this build works here: random streams, statistics, HDF5, TOML");

  Action action;
  selfcheck->callback([&] { action = [&] { return self_check(out) ? kExitOk : kExitFailure; }; });
  add_device_commands(app, out, action);
  add_campaign_commands(app, out, action);
  add_xbar_commands(app, out, action);
  add_plot_commands(app, out, action);
  add_fit_commands(app, out, action);
  add_nn_commands(app, out, action);
  add_cost_commands(app, out, action);

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
    const bool unexpected = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
    err << "kirchhoff: error: " << e.what() << (unexpected ? suggestion(app) : "") << "\n"
        << "Run 'kirchhoff --help' for the commands and options.\n";
    return kExitUsage;
  }

  try {
    apply_kernels_option(kernels);
    if (show_version) {
      out << version_text() << "\n";
      return kExitOk;
    }
    if (action) return action();
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
  try {
    restart_for_blas_core(argc, argv);
    // Trials allocate and free matrices of a few MiB each (a 256 x 256 array's conductances,
    // batches of vectors); above glibc's mmap threshold every one would be mapped and unmapped
    // again, and its pages faulted in anew: about a tenth of an array trial's time.
    ::mallopt(M_MMAP_THRESHOLD, 256 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 512 << 20);
    // MPI starts before anything else when the program was launched by mpirun (mpi.hpp).
    const montecarlo::MpiSession mpi(&argc, &argv);
    std::vector<std::string> args(argv, argv + argc);
    return run(args, std::cout, std::cerr);
  } catch (const Error& e) {
    std::cerr << "kirchhoff: error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace kirchhoff::cli
