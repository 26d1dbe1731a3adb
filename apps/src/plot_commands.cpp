// `kirchhoff plot`: pictures of a campaign results file or a fit report (docs/plotting.md). The C++
// side checks the file and the options and picks the output; the drawing is done by the Matplotlib
// script apps/plot/kirchhoff_plot.py, run with Debian's Python interpreter (which has
// python3-matplotlib and python3-h5py) without a shell.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/text.hpp"
#include "kirchhoff/fitting/fit_report.hpp"
#include "output_file.hpp"

extern char** environ;

namespace kirchhoff::cli {

namespace {

struct PlotOptions {
  std::string file;
  std::string kind = "auto";
  std::string metric;
  std::string x;
  std::string out;
  std::string data_json;
  // Read time of a histogram ("1d"; the last one when empty) or of a sweep plot (every one).
  std::string time;
  bool force = false;
};

std::string getenv_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The interpreter: $KIRCHHOFF_PYTHON, else the one found at configure time (Debian's).
std::string python_interpreter() {
  std::string python = getenv_or_empty("KIRCHHOFF_PYTHON");
  return python.empty() ? std::string(KIRCHHOFF_PYTHON) : python;
}

// The script: $KIRCHHOFF_PLOT_SCRIPT, else the source tree's (builds used in place), else the
// installed one (share/kirchhoff).
std::filesystem::path plot_script() {
  std::vector<std::filesystem::path> candidates;
  if (auto env = getenv_or_empty("KIRCHHOFF_PLOT_SCRIPT"); !env.empty())
    candidates.emplace_back(env);
  candidates.emplace_back(std::filesystem::path(KIRCHHOFF_PLOT_SOURCE_DIR) / "kirchhoff_plot.py");
  candidates.emplace_back(std::filesystem::path(KIRCHHOFF_INSTALL_DATA_DIR) / "kirchhoff_plot.py");
  std::vector<std::string> names;
  for (const auto& file : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) return file;
    names.push_back(file.string());
  }
  throw IoError(
      fmt::format("the plotting script was not found (looked for {})", fmt::join(names, ", ")));
}

// Runs argv[0] with the arguments (no shell), stdout and stderr collected into `output`.
// Returns the exit status; throws IoError if the program cannot be started.
int run_program(const std::vector<std::string>& args, std::string& output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw IoError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    throw IoError(
        fmt::format("cannot run the Python interpreter '{}': {}; install "
                    "python3-matplotlib and python3-h5py or set KIRCHHOFF_PYTHON",
                    args.front(), std::strerror(spawned)));
  }
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n > 0) {
      output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// Names `name` among `known`, or throws InvalidArgument naming the option and the choices.
void check_member(const std::string& option, const std::string& name,
                  const std::vector<std::string>& known, const std::string& what) {
  if (name.empty() || std::find(known.begin(), known.end(), name) != known.end()) return;
  const auto suggestion = closest_match(name, known);
  throw InvalidArgument(fmt::format(
      "option {}: no {} '{}' in the file{}; {}s: {}", option, what, name,
      suggestion ? fmt::format(" (did you mean '{}'?)", *suggestion) : std::string(), what,
      known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
}

// Whether `input` is a fit report of `kirchhoff fit --report`: a .json file, or an HDF5 file
// whose filetype is kirchhoff-fit-report (checked here, as campaign files are, so that a wrong
// file gets the wrapper's clear message).
bool is_fit_report(const std::filesystem::path& input, const std::string& kind) {
  std::string extension = input.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".json") {
    if (kind != "auto" && kind != "fit") {
      throw InvalidArgument(fmt::format(
          "option --kind: '{}' is a fit report (JSON): its plot is --kind fit", input.string()));
    }
    return true;
  }
  if (kind == "fit") {
    (void)h5::File::open(input, h5::OpenMode::read_only, fitting::kFitReportFiletype,
                         fitting::kFitReportSchemaMajor);
    return true;
  }
  if (kind != "auto") return false;
  try {
    (void)h5::File::open(input, h5::OpenMode::read_only, fitting::kFitReportFiletype,
                         fitting::kFitReportSchemaMajor);
    return true;
  } catch (const FormatError&) {
    return false;  // not a fit report: the campaign checks below say what it is
  }
}

int plot_command(const PlotOptions& o, std::ostream& out) {
  if (!o.time.empty() && o.kind != "histogram" && o.kind != "sweep" && o.kind != "tradeoff" &&
      o.kind != "auto") {
    throw InvalidArgument(
        "option --time: it chooses the read time of --kind histogram, sweep or tradeoff (a time "
        "plot shows every read time)");
  }
  const std::filesystem::path input(o.file);
  bool fit = false;
  {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(input, ec)) {
      throw IoError(fmt::format("no results file '{}'", o.file));
    }
    fit = is_fit_report(input, o.kind);
    if (fit) {
      for (const auto& [option, value] :
           {std::pair{"--metric", &o.metric}, std::pair{"--x", &o.x}}) {
        if (!value->empty()) {
          throw InvalidArgument(fmt::format(
              "option {}: a fit report has no metrics or swept keys (its plot is the fit)",
              option));
        }
      }
    } else {
      // A campaign results file (not a shard, not another Kirchhoff file); check the names here
      // so that a typo gets a clear message and a suggestion.
      const auto file = h5::File::open(input, h5::OpenMode::read_only, "kirchhoff-campaign", 1);
      check_member("--metric", o.metric,
                   file.read_dataset<std::vector<std::string>>("metrics/name"), "metric");
      check_member("--x", o.x, file.read_dataset<std::vector<std::string>>("points/key"),
                   "swept key");
    }
  }

  std::filesystem::path image = o.out.empty() ? input : std::filesystem::path(o.out);
  if (o.out.empty()) image.replace_extension(".png");
  std::string format = image.extension().string();
  if (!format.empty()) format.erase(0, 1);
  std::transform(format.begin(), format.end(), format.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (format != "png" && format != "svg" && format != "pdf") {
    throw InvalidArgument(
        fmt::format("option --out: '{}' is not a .png, .svg or .pdf file", image.string()));
  }
  std::error_code ec;
  if (!o.data_json.empty() && std::filesystem::exists(o.data_json, ec) && !o.force) {
    throw IoError(fmt::format("output file '{}' exists; use --force to replace it", o.data_json));
  }

  const std::string python = python_interpreter();
  const std::string script = plot_script().string();
  std::string messages;
  // The image goes to a temporary file renamed into place, so a failed plot never leaves a
  // damaged or half-written file behind (output_file.hpp); hence the explicit --format.
  write_output_file(image, o.force, [&](const std::filesystem::path& temporary) {
    // -I: isolated mode, no PYTHONPATH, PYTHONHOME or user site-packages from the environment
    // (a pyenv or virtualenv setting them must not break Debian's interpreter).
    std::vector<std::string> args{python,     "-I",
                                  script,     input.string(),
                                  "--kind",   fit ? std::string("fit") : o.kind,
                                  "--out",    temporary.string(),
                                  "--format", format};
    if (!o.metric.empty()) args.insert(args.end(), {"--metric", o.metric});
    if (!o.x.empty()) args.insert(args.end(), {"--x", o.x});
    if (!o.data_json.empty()) args.insert(args.end(), {"--data-json", o.data_json});
    if (!o.time.empty()) {
      args.insert(args.end(),
                  {"--read-time",
                   fmt::format("{:.17g}", option_quantity("--time", o.time, Dimension::time))});
    }
    const int status = run_program(args, messages);
    if (status == 0) return;
    std::string text = messages;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.find("No module named") != std::string::npos) {
      text += fmt::format(
          "\n(the interpreter {} lacks a module: install python3-matplotlib, python3-h5py and "
          "python3-numpy, or point KIRCHHOFF_PYTHON at an interpreter that has them)",
          python);
    }
    const std::string message = fmt::format("plotting '{}' failed (exit status {} of {} {}):\n{}",
                                            o.file, status, python, script, text);
    if (status == 2) throw InvalidArgument(message);
    throw Error(message);
  });
  if (!messages.empty()) out << messages;  // warnings of a successful run
  out << fmt::format("wrote {}\n", image.string());
  if (!o.data_json.empty()) out << fmt::format("wrote {}\n", o.data_json);
  return kExitOk;
}

}  // namespace

void add_plot_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto o = std::make_shared<PlotOptions>();
  auto* cmd = app.add_subcommand(
      "plot",
      "Plot a campaign results file (metric vs read time or sweep key, histograms) or a fit "
      "report (fitted curve over the data, residuals)");
  cmd->add_option("file", o->file,
                  "Results file (.h5) of `kirchhoff run` or `merge`, or a fit report (.json, "
                  ".h5) of `kirchhoff fit --report`")
      ->required();
  cmd->add_option("--kind", o->kind,
                  "auto (fit for a fit report; time with several read times, else sweep), time, "
                  "sweep, histogram, fit, or tradeoff (the metric against the energy of each "
                  "sweep point, with the Pareto front)")
      ->check(CLI::IsMember({"auto", "time", "sweep", "histogram", "fit", "tradeoff"}));
  cmd->add_option("--metric", o->metric,
                  "Metric to plot (default: the first relative error metric, else the first)");
  cmd->add_option("--x", o->x,
                  "Swept key on the x axis of a sweep plot (default: the first "
                  "numeric one); the cost metric of a tradeoff plot (default: energy_per_inference "
                  "or energy_per_mvm)");
  cmd->add_option("--out,-o", o->out, "Image to write: .png, .svg or .pdf (default: FILE.png)");
  cmd->add_flag("--force", o->force, "Replace existing output files");
  cmd->add_option("--data-json", o->data_json, "Also write the plotted series as JSON");
  cmd->add_option("--time", o->time,
                  "Read time of a histogram or tradeoff plot (default: the last read time of the "
                  "file) or of a sweep plot (default: every read time), e.g. 1d");
  cmd->callback([&, o] { action = [&, o] { return plot_command(*o, out); }; });
}

}  // namespace kirchhoff::cli
