// `kirchhoff nn info | eval`: ONNX networks and their float accuracy on a dataset (docs/nn.md).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <ostream>

#include "command_inputs.hpp"
#include "commands.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/montecarlo/engine.hpp"
#include "kirchhoff/montecarlo/workload.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"
#include "kirchhoff/workloads/dnn_workload.hpp"

namespace kirchhoff::cli {

namespace {

struct NnInfoOptions {
  std::string model;
  bool operators = false;  // list the supported operators
};

struct NnEvalOptions {
  std::string model;
  std::string dataset;
  std::int64_t limit = -1;  // the first `limit` samples; all when < 0
  std::int64_t batch = 128;
  unsigned threads = 0;                // 0: resolve_thread_count
  std::string campaign;                // with a dnn campaign: also the analog accuracy of one chip
  std::vector<std::string> overrides;  // --set KEY=VALUE for the campaign
};

// "Nx1x28x28": the batch dimension first.
std::string batched(const nn::Shape& shape) {
  return shape.empty() ? "N" : "Nx" + nn::to_string(shape);
}

std::string shape_text(const nn::Shape& shape) {
  return shape.empty() ? "scalar" : nn::to_string(shape);
}

void print_model(const nn::Network& net, const std::string& path, std::ostream& out) {
  const nn::Normalization& n = net.normalization();
  out << fmt::format("model '{}' ({}): input {}, output {}\n", net.name(), path,
                     batched(net.input_shape()), batched(net.output_shape()));
  out << fmt::format("input normalisation: (pixel x {:g} - mean) / std, mean {}, std {}\n",
                     n.pixel_scale, fmt::join(n.mean, ","), fmt::join(n.std, ","));
}

void print_nodes(const nn::Network& net, std::ostream& out) {
  const auto rows = net.describe();
  std::size_t name_w = 4, op_w = 2, shape_w = 6;
  for (const auto& r : rows) {
    name_w = std::max(name_w, r.name.size());
    op_w = std::max(op_w, r.op.size());
    shape_w = std::max(shape_w, shape_text(r.output_shape).size());
  }
  out << fmt::format("{:>3}  {:<{}}  {:<{}}  {:<{}}  {:>10}  {:>5}  {}\n", "#", "NODE", name_w,
                     "OP", op_w, "OUTPUT", shape_w, "PARAMETERS", "LAYER", "NOTE");
  std::int64_t parameters = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    parameters += r.parameters;
    out << fmt::format("{:>3}  {:<{}}  {:<{}}  {:<{}}  {:>10}  {:>5}  {}\n", i, r.name, name_w,
                       r.op, op_w, shape_text(r.output_shape), shape_w, r.parameters,
                       r.linear_layer < 0 ? std::string("-") : std::to_string(r.linear_layer),
                       r.note);
  }
  std::int64_t linear_parameters = 0;
  std::vector<std::string> kinds;
  for (const char* op : {"Conv", "Gemm", "MatMul"}) {
    const auto& layers = net.linear_layers();
    const auto n = std::count_if(layers.begin(), layers.end(),
                                 [&](const nn::LinearLayer& l) { return l.op == op; });
    if (n > 0) kinds.push_back(fmt::format("{} {}", n, op));
  }
  for (const auto& l : net.linear_layers()) linear_parameters += l.parameter_count();
  out << fmt::format(
      "{} nodes, {} linear layers{}, {} parameters ({} in linear layers); output shapes per "
      "sample\n",
      rows.size(), net.linear_layers().size(),
      kinds.empty() ? std::string() : fmt::format(" ({})", fmt::join(kinds, ", ")), parameters,
      linear_parameters);
}

void print_operators(std::ostream& out) {
  out << "supported ONNX operators (their limits: docs/nn.md):\n";
  std::string line = " ";
  for (const auto& op : nn::supported_operators()) {
    if (line.size() + op.size() + 1 > 100) {
      out << line << "\n";
      line = " ";
    }
    line += " " + op;
  }
  out << line << "\n";
}

int nn_info(const NnInfoOptions& o, std::ostream& out) {
  if (o.model.empty() && !o.operators) {
    throw InvalidArgument("nn info: give an ONNX model file, or --operators");
  }
  if (!o.model.empty()) {
    const nn::Network net = nn::load_onnx(o.model);
    print_model(net, o.model, out);
    print_nodes(net, out);
  }
  if (o.operators) print_operators(out);
  return kExitOk;
}

// One accuracy line, e.g. "float: top-1 90.12 % (9012/10000), top-5 99.80 % (9980/10000)".
void print_accuracy(const std::string& label, const nn::Accuracy& a, std::int64_t classes,
                    std::ostream& out) {
  out << fmt::format("{}: top-1 {:.2f} % ({}/{})", label, 100.0 * a.top1_fraction(), a.top1,
                     a.samples);
  if (classes > 5) {
    out << fmt::format(", top-5 {:.2f} % ({}/{})", 100.0 * a.top5_fraction(), a.top5, a.samples);
  }
  out << "\n";
}

// The dataset spec for the campaign: a directory (with an optional :test / :train) made
// absolute; "fashion-mnist[:split]" as it is.
std::string toml_dataset(const std::string& spec) {
  if (spec.starts_with("fashion-mnist")) return "\"" + spec + "\"";
  const auto colon = spec.rfind(':');
  const bool split = colon != std::string::npos &&
                     (spec.substr(colon) == ":test" || spec.substr(colon) == ":train");
  const std::string dir = split ? spec.substr(0, colon) : spec;
  const std::string path = toml_path(dir);
  return split ? path.substr(0, path.size() - 1) + spec.substr(colon) + "\"" : path;
}

// The dnn workload of a campaign file for this model and dataset: its [device] and [workload]
// read by the modules' readers through the dnn workload, its sweeps dropped (this model is the
// one evaluated), after --set. The rest of the file is read as `kirchhoff run` reads it, so that
// unknown keys anywhere are reported as they are there; no Campaign is built.
std::unique_ptr<montecarlo::Workload> campaign_chip(const NnEvalOptions& o,
                                                    std::vector<double>& read_times_s) {
  Config config = Config::load_file(o.campaign);
  if (const std::string kind = config.root().table("workload").get_or("kind", ""); kind != "dnn") {
    throw InvalidArgument(
        fmt::format("--campaign {}: its workload is '{}'; a dnn workload "
                    "(with [device] and the crossbar tables) is needed",
                    o.campaign, kind));
  }
  std::vector<std::string> overrides = o.overrides;
  overrides.insert(overrides.end(), {"sweep=[]", "workload.model=" + toml_path(o.model),
                                     "workload.dataset=" + toml_dataset(o.dataset)});
  if (o.limit >= 0) overrides.push_back(fmt::format("workload.samples={}", o.limit));
  overrides.push_back(fmt::format("workload.batch={}", o.batch));
  for (const std::string& assignment : overrides) config.set_override(assignment);
  const montecarlo::CampaignSettings settings =
      montecarlo::read_campaign_settings(config, o.campaign);
  static_cast<void>(montecarlo::read_sweep_axes(config));
  auto chip = workloads::make_dnn_workload(config, {settings.seed, 0, settings.read_times_s});
  static_cast<void>(montecarlo::read_stopping_rule(config, settings, chip->metrics()));
  config.check_unknown_keys();
  read_times_s = settings.read_times_s;
  return chip;
}

// With --campaign: one chip (trial 0) of the campaign's device and crossbar options at every
// read time.
void print_analog_accuracy(const NnEvalOptions& o, std::ostream& out) {
  std::vector<double> read_times_s;
  const auto chip = campaign_chip(o, read_times_s);
  const std::vector<montecarlo::MetricInfo>& metrics = chip->metrics();
  const auto metric = [&](const char* name) {
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      if (metrics[m].name == name) return m;
    }
    return metrics.size();
  };
  const std::size_t top1 = metric("top1_accuracy"), top5 = metric("top5_accuracy");
  const std::uint64_t n = metrics[top1].bernoulli_samples;
  std::vector<double> row(read_times_s.size() * metrics.size());
  out << fmt::format("analog, one chip (trial 0) with the device and crossbar of {}:\n",
                     o.campaign);
  out << "  " << chip->description() << "\n";
  chip->run_trial(0, row);
  const auto correct = [&](double fraction) {
    return static_cast<std::uint64_t>(std::llround(fraction * static_cast<double>(n)));
  };
  for (std::size_t k = 0; k < read_times_s.size(); ++k) {
    const double* r = row.data() + k * metrics.size();
    out << fmt::format("  {:>8}: top-1 {:.2f} % ({}/{})",
                       format_quantity(read_times_s[k], Dimension::time), 100.0 * r[top1],
                       correct(r[top1]), n);
    if (top5 < metrics.size()) {
      out << fmt::format(", top-5 {:.2f} % ({}/{})", 100.0 * r[top5], correct(r[top5]), n);
    }
    out << "\n";
  }
}

int nn_eval(const NnEvalOptions& o, std::ostream& out) {
  if (o.batch < 1) throw InvalidArgument(fmt::format("option --batch: {} is not ≥ 1", o.batch));
  const nn::Network net = nn::load_onnx(o.model);
  const nn::Dataset data = nn::load_dataset(o.dataset, o.limit);
  const unsigned threads = montecarlo::resolve_thread_count(o.threads);
  const tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  print_model(net, o.model, out);
  out << fmt::format("dataset {}: {} samples of {}x{}x{}, {} classes\n", data.name, data.count(),
                     data.channels, data.height, data.width, data.classes);

  const auto start = std::chrono::steady_clock::now();
  const nn::FloatExecutor executor(net.linear_layers());
  const nn::Accuracy accuracy =
      nn::evaluate(net, data, executor, net.normalization(), {.batch = o.batch, .limit = o.limit});
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  print_accuracy("float", accuracy, nn::element_count(net.output_shape()), out);
  out << fmt::format("{} samples in {:.2f} s on {} thread{}, batches of {}\n", accuracy.samples,
                     seconds.count(), threads, threads == 1 ? "" : "s", o.batch);
  if (!o.campaign.empty()) print_analog_accuracy(o, out);
  return kExitOk;
}

}  // namespace

void add_nn_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto* nn_cmd = app.add_subcommand("nn", "Neural networks: ONNX models and their accuracy");
  nn_cmd->require_subcommand(1);

  auto info = std::make_shared<NnInfoOptions>();
  auto* info_cmd = nn_cmd->add_subcommand(
      "info", "Load an ONNX model and list its nodes, shapes, parameters and linear layers");
  info_cmd->add_option("model", info->model, "ONNX model file (.onnx)");
  info_cmd->add_flag("--operators", info->operators, "List the supported ONNX operators");
  info_cmd->callback([&, info] { action = [&, info] { return nn_info(*info, out); }; });

  auto eval = std::make_shared<NnEvalOptions>();
  auto* eval_cmd = nn_cmd->add_subcommand(
      "eval",
      "Top-1 / top-5 accuracy of an ONNX model on a dataset: float, and analog with --campaign");
  eval_cmd->add_option("--model", eval->model, "ONNX model file (.onnx)")->required();
  eval_cmd
      ->add_option("--dataset", eval->dataset,
                   "fashion-mnist[:test|:train], or a directory of IDX files [:test|:train]")
      ->required();
  eval_cmd->add_option("--limit", eval->limit, "Evaluate the first N samples only")
      ->check(CLI::NonNegativeNumber);
  eval_cmd->add_option("--batch", eval->batch, "Samples per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  eval_cmd->add_option("--threads,-j", eval->threads,
                       "Worker threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, or all "
                       "cores); results do not depend on it");
  eval_cmd->add_option("--campaign", eval->campaign,
                       "A dnn campaign file: also the analog accuracy of one chip at each read "
                       "time, with its device and crossbar options (this model and "
                       "dataset replace its own; its sweeps are not run)");
  eval_cmd->add_option("--set", eval->overrides,
                       "KEY=VALUE: override a key of the campaign, e.g. "
                       "--set workload.compensation='\"global\"' (repeatable)");
  eval_cmd->callback([&, eval] { action = [&, eval] { return nn_eval(*eval, out); }; });
}

}  // namespace kirchhoff::cli
