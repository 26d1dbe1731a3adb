// `kirchhoff device list | sample`.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <ostream>

#include "commands.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/core/statistics.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/devices/pulse.hpp"
#include "output_file.hpp"

namespace kirchhoff::cli {

double option_quantity(const std::string& option, const std::string& text, Dimension dimension) {
  try {
    return parse_quantity(text, dimension);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("option {}: {}", option, e.what()));
  }
}

int device_list(std::ostream& out) {
  const auto presets = devices::list_presets();
  if (presets.empty()) {
    out << "no device presets found (looked in $KIRCHHOFF_DATA_DIR/devices and the install's "
           "share/kirchhoff/devices)\n";
    return 0;
  }
  std::size_t name_width = 4, model_width = 5;
  for (const auto& p : presets) {
    name_width = std::max(name_width, p.name.size());
    model_width = std::max(model_width, p.model.size());
  }
  out << fmt::format("{:<{}}  {:<{}}  {}\n", "NAME", name_width, "MODEL", model_width,
                     "DESCRIPTION (SOURCE)");
  for (const auto& p : presets) {
    out << fmt::format("{:<{}}  {:<{}}  {}\n", p.name, name_width, p.model, model_width,
                       p.description);
    if (!p.source.empty()) {
      out << fmt::format("{:<{}}  {:<{}}  source: {}\n", "", name_width, "", model_width, p.source);
    }
  }
  return 0;
}

namespace {

std::vector<std::vector<double>> sample_columns(const devices::Device& device,
                                                double target_siemens,
                                                const std::vector<double>& times_s,
                                                std::uint64_t count, std::uint64_t seed,
                                                bool read_noise) {
  const std::vector<double> targets(count, target_siemens);
  const devices::CellAddress address{seed, 0, 0, 0};
  const auto cells = device.model->program(targets, address);
  std::vector<std::vector<double>> columns;
  for (std::size_t k = 0; k < times_s.size(); ++k) {
    std::vector<double> g(count);
    const devices::ReadTime time{times_s[k], static_cast<std::uint32_t>(k)};
    if (read_noise) {
      device.model->read(cells, time, static_cast<std::uint32_t>(k), g);
    } else {
      device.model->conductance_at(cells, time, g);
    }
    columns.push_back(std::move(g));
  }
  return columns;
}

void write_csv(const std::filesystem::path& path, const std::vector<std::string>& headers,
               const std::vector<std::vector<double>>& columns) {
  std::ofstream csv(path);
  if (!csv) throw IoError(fmt::format("cannot create '{}'", path.string()));
  csv << fmt::format("{}\n", fmt::join(headers, ","));
  const std::size_t rows = columns.empty() ? 0 : columns.front().size();
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      csv << (c ? "," : "") << fmt::format("{:.17g}", columns[c][r]);
    }
    csv << '\n';
  }
  csv.flush();
  if (!csv) throw IoError(fmt::format("cannot write '{}'", path.string()));
}

}  // namespace

int device_sample(const DeviceSampleOptions& options, std::ostream& out) {
  const double target_siemens = option_quantity("--target", options.target, Dimension::conductance);
  std::vector<double> times_s;
  for (const auto& text : options.times) {
    times_s.push_back(option_quantity("--time", text, Dimension::time));
  }
  if (times_s.empty()) throw InvalidArgument("option --time: give at least one read time");
  if (options.count == 0) throw InvalidArgument("option --count: must be at least 1");
  // Every sample is held in memory (and shown in one table): a bound before anything is
  // allocated. A device campaign streams any number of trials to a file instead.
  constexpr std::uint64_t kMaxSamples = 10'000'000;
  if (options.count > kMaxSamples / times_s.size()) {
    throw InvalidArgument(fmt::format(
        "option --count: {} cells at {} read times is more than the {} samples one call holds; "
        "give fewer cells, or run a device campaign ('kirchhoff run', workload kind \"device\") "
        "for more",
        options.count, times_s.size(), kMaxSamples));
  }
  const std::filesystem::path out_path(options.out);
  const bool hdf5 = out_path.extension() == ".h5";
  if (!options.out.empty() && !hdf5 && out_path.extension() != ".csv") {
    throw InvalidArgument(fmt::format("option --out: '{}' must end in .csv or .h5", options.out));
  }
  const auto device = devices::load_device(options.preset);
  const auto columns = sample_columns(device, target_siemens, times_s, options.count, options.seed,
                                      !options.no_read_noise);

  out << fmt::format("{} ({}), target {}, {} cells, seed {}{}\n", device.description.name,
                     device.model->kind(), format_quantity(target_siemens, Dimension::conductance),
                     options.count, options.seed, options.no_read_noise ? ", no read noise" : "");
  out << fmt::format("{:>10}  {:>12}  {:>12}  {:>12}  {:>12}\n", "time", "mean", "std", "min",
                     "max");
  for (std::size_t k = 0; k < columns.size(); ++k) {
    RunningStats stats;
    stats.add(columns[k]);
    auto g = [](double s) { return format_quantity(s, Dimension::conductance); };
    out << fmt::format("{:>10}  {:>12}  {:>12}  {:>12}  {:>12}\n",
                       format_quantity(times_s[k], Dimension::time), g(stats.mean()),
                       std::isnan(stats.stddev()) ? std::string("-") : g(stats.stddev()),
                       g(stats.min()), g(stats.max()));
  }
  if (auto extrapolation = devices::drift_extrapolation(device.model->common(), times_s)) {
    out << fmt::format("warning: {}\n", *extrapolation);
  }
  if (options.out.empty()) return 0;

  write_output_file(out_path, options.force, [&](const std::filesystem::path& path) {
    if (!hdf5) {
      std::vector<std::string> headers;
      for (double t : times_s)
        headers.push_back(fmt::format("G_S(t={})", format_quantity(t, Dimension::time)));
      write_csv(path, headers, columns);
      return;
    }
    auto file =
        h5::File::create(path, {"kirchhoff-device-samples", 1, 0}, h5::CreateMode::truncate);
    file.write_attribute("device", device.description.name);
    file.write_attribute("model", device.model->kind());
    file.write_attribute("device_file", device.description.file.string());
    file.write_attribute("target_S", target_siemens);
    file.write_attribute("seed", options.seed);
    file.write_attribute("read_noise", static_cast<std::uint8_t>(!options.no_read_noise));
    std::vector<double> flat;  // cells × times, row-major
    flat.reserve(options.count * times_s.size());
    for (std::uint64_t i = 0; i < options.count; ++i) {
      for (const auto& column : columns) flat.push_back(column[i]);
    }
    auto g = file.write_dataset("conductance", {options.count, times_s.size()}, flat,
                                {.chunk = {}, .deflate_level = 4, .shuffle = true});
    g.write_attribute("units", "S");
    g.write_attribute("description", "conductance of each cell (row) at each read time (column)");
    auto t = file.write_dataset("read_time", times_s);
    t.write_attribute("units", "s");
    t.write_attribute("description", "time after programming of each column of 'conductance'");
    file.close();
  });
  out << fmt::format("wrote {}\n", out_path.string());
  return 0;
}

int device_curve(const DeviceCurveOptions& options, std::ostream& out) {
  if (options.pulses == 0) throw InvalidArgument("option --pulses: must be at least 1");
  const auto device = devices::load_device(options.preset);
  const auto* pulse_model = dynamic_cast<const devices::PulseNonlinearModel*>(device.model.get());
  if (pulse_model == nullptr) {
    throw InvalidArgument(fmt::format(
        "option --preset: '{}' is a {} model; the pulse-response curve needs a pulse-programmed "
        "device (model pulse-nonlinear, e.g. agasi-neurosim)",
        options.preset, device.model->kind()));
  }
  const auto rows = devices::pulse_response(*pulse_model, options.pulses, options.pulses,
                                            {options.seed, 0, 0, 0});
  auto write_rows = [&](std::ostream& csv) {
    csv << "pulse,polarity,G_noiseless_S,G_S\n";
    for (const auto& r : rows) {
      csv << fmt::format("{},{},{:.17g},{:.17g}\n", r.pulse, r.polarity, r.g_noiseless_siemens,
                         r.g_siemens);
    }
  };
  if (options.out.empty()) {
    write_rows(out);
    return 0;
  }
  write_output_file(options.out, options.force, [&](const std::filesystem::path& path) {
    std::ofstream csv(path);
    write_rows(csv);
    csv.flush();
    if (!csv) throw IoError(fmt::format("cannot write '{}'", path.string()));
  });
  out << fmt::format("wrote {} ({} pulses LTP, then {} LTD)\n", options.out, options.pulses,
                     options.pulses);
  return 0;
}

void add_device_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto* device = app.add_subcommand("device", "Device models and presets");
  device->require_subcommand(1);

  device->add_subcommand("list", "List the device presets with their sources")->callback([&] {
    action = [&] { return device_list(out); };
  });

  auto sample = std::make_shared<DeviceSampleOptions>();
  auto* sample_cmd = device->add_subcommand(
      "sample", "Program cells to a target, evolve them to each read time, report conductances");
  sample_cmd->add_option("--preset", sample->preset, "Preset name or device file (TOML)")
      ->required();
  sample_cmd->add_option("--target", sample->target, "Target conductance, e.g. 10uS")->required();
  sample_cmd->add_option("--time", sample->times, "Read times after programming, e.g. 1s,1h,1d,1y")
      ->required()
      ->delimiter(',');
  sample_cmd->add_option("--count", sample->count, "Number of cells (count x times <= 1e7)")
      ->capture_default_str();
  sample_cmd->add_option("--seed", sample->seed, "Random seed")->capture_default_str();
  sample_cmd->add_option("--out", sample->out,
                         "Write the conductances (S, one column per time) to a .csv or .h5");
  sample_cmd->add_flag("--force", sample->force, "Replace an existing output file");
  sample_cmd->add_flag("--no-read-noise", sample->no_read_noise,
                       "Report the conductance without read noise");
  sample_cmd->callback(
      [&, sample] { action = [&, sample] { return device_sample(*sample, out); }; });

  auto curve = std::make_shared<DeviceCurveOptions>();
  auto* curve_cmd = device->add_subcommand(
      "curve", "Pulse-response curve of a pulse-programmed device: LTP pulses, then LTD");
  curve_cmd->add_option("--preset", curve->preset, "Preset name or device file")->required();
  curve_cmd->add_option("--pulses", curve->pulses, "Number of LTP (and then LTD) pulses")
      ->required();
  curve_cmd->add_option("--seed", curve->seed, "Random seed")->capture_default_str();
  curve_cmd->add_option("--out", curve->out, "Write the curve to a .csv file");
  curve_cmd->add_flag("--force", curve->force, "Replace an existing output file");
  curve_cmd->callback([&, curve] { action = [&, curve] { return device_curve(*curve, out); }; });
}

}  // namespace kirchhoff::cli
