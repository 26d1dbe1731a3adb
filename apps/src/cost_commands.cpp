// `kirchhoff xbar cost` and `kirchhoff nn cost`: energy, latency and area of one array and of a
// network on analog tiles, from a technology file (docs/cost.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <ostream>

#include "command_inputs.hpp"
#include "commands.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "kirchhoff/core/config.hpp"
#include "kirchhoff/core/csv.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"
#include "kirchhoff/cost/technology_config.hpp"
#include "kirchhoff/cost/tile_cost.hpp"
#include "kirchhoff/cost/workload.hpp"
#include "kirchhoff/crossbar/mapping.hpp"
#include "kirchhoff/crossbar/tiling.hpp"
#include "kirchhoff/montecarlo/campaign.hpp"
#include "kirchhoff/nn/analog.hpp"
#include "kirchhoff/nn/analog_config.hpp"
#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/onnx_import.hpp"
#include "kirchhoff/workloads/campaign_device.hpp"
#include "kirchhoff/workloads/dnn_workload.hpp"

namespace kirchhoff::cli {

namespace {

constexpr double kSquareMillimetre = 1e-6;  // m²

struct XbarCostOptions {
  std::string technology = "hermes-pcm-14nm";
  std::vector<std::string> technology_set;
  std::vector<std::string> conductance;  // CSVs, one per physical array
  std::string inputs;                    // CSV of input vectors in [-1, 1]
  Eigen::Index rows = 0, cols = 0;       // used part of the tile (synthetic workload)
  Eigen::Index vectors = 64;
  std::uint64_t seed = 1;
  bool json = false;
};

struct NnCostOptions {
  std::string model;
  std::string campaign;
  std::vector<std::string> overrides;
  std::string technology = "hermes-pcm-14nm";
  std::vector<std::string> technology_set;
  std::int64_t samples = 16;  // dataset samples whose layer inputs give the activity
  bool json = false;
};

// A CSV of numbers without header, as a matrix; errors name the file, line and column.
Eigen::MatrixXd read_matrix_csv(const std::string& path, const char* what) {
  const NumbersTable table = read_numbers_csv(path, what);
  Eigen::MatrixXd m(static_cast<Eigen::Index>(table.size()),
                    static_cast<Eigen::Index>(table.front().values.size()));
  for (std::size_t r = 0; r < table.size(); ++r) {
    for (std::size_t c = 0; c < table[r].values.size(); ++c) {
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = table[r].values[c];
    }
  }
  return m;
}

double share(double part, double total) {
  return total > 0.0 ? part / total : 0.0;
}

std::string json_number(double v) {
  return fmt::format("{:.17g}", v);
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string shares_json(const cost::EnergyBreakdown& e) {
  const double t = e.total_j();
  return fmt::format(R"({{"adc": {}, "dac": {}, "array": {}, "digital": {}}})",
                     json_number(share(e.adc_j, t)), json_number(share(e.dac_j, t)),
                     json_number(share(e.array_j(), t)), json_number(share(e.digital_j, t)));
}

std::string energy(double j) {
  return format_quantity(j, Dimension::energy);
}

std::string describe_technology(const cost::Technology& t) {
  return fmt::format(
      "technology {} ({:g} nm): {}x{} tile, {} cells, {} inputs ({} bits), {} ADC ({} bits, {} "
      "column{} per ADC), {} read phase{}",
      t.name, t.feature_size_m * 1e9, t.array.rows, t.array.cols,
      cost::cell_type_name(t.array.cell), cost::input_encoding_name(t.dac.encoding), t.dac.bits,
      cost::adc_architecture_name(t.adc.architecture), t.adc.bits, t.adc.columns_per_adc,
      t.adc.columns_per_adc == 1 ? "" : "s", t.array.read_phases,
      t.array.read_phases == 1 ? "" : "s");
}

// ---- xbar cost -------------------------------------------------------------------------------

cost::ArrayWorkload xbar_workload(const XbarCostOptions& o, const crossbar::MvmOptions& mvm,
                                  Eigen::Index& rows, Eigen::Index& cols) {
  cost::ArrayWorkload w;
  if (!o.conductance.empty()) {
    for (const std::string& path : o.conductance) {
      w.arrays.push_back(read_matrix_csv(path, "conductance"));
      const auto& g = w.arrays.back();
      if (g.rows() != w.arrays.front().rows() || g.cols() != w.arrays.front().cols()) {
        throw InvalidArgument(fmt::format("conductance file '{}': {}x{}, but '{}' is {}x{}", path,
                                          g.rows(), g.cols(), o.conductance.front(),
                                          w.arrays.front().rows(), w.arrays.front().cols()));
      }
      if ((g.array() < 0.0).any()) {
        throw InvalidArgument(
            fmt::format("conductance file '{}': a conductance is negative", path));
      }
    }
    rows = w.arrays.front().rows();
    cols = w.arrays.front().cols();
  } else {
    rows = o.rows > 0 ? o.rows : mvm.tile.rows;
    cols = o.cols > 0 ? o.cols : mvm.tile.cols;
  }
  if (rows > mvm.tile.rows || cols > mvm.tile.cols) {
    throw InvalidArgument(
        fmt::format("the array of {}x{} cells does not fit the technology's "
                    "{}x{} tile",
                    rows, cols, mvm.tile.rows, mvm.tile.cols));
  }
  if (!o.inputs.empty()) {
    const Eigen::MatrixXd x = read_matrix_csv(o.inputs, "input");
    if (x.cols() != rows) {
      throw InvalidArgument(
          fmt::format("input file '{}': {} values per line, but the array has {} "
                      "rows (one input per row)",
                      o.inputs, x.cols(), rows));
    }
    if ((x.array().abs() > 1.0).any()) {
      throw InvalidArgument(fmt::format("input file '{}': inputs must lie in [-1, 1]", o.inputs));
    }
    w.inputs = x.transpose();
  }
  if (w.arrays.empty() || w.inputs.size() == 0) {
    const cost::ArrayWorkload synthetic =
        cost::uniform_workload(mvm, rows, cols, o.vectors, o.seed);
    if (w.arrays.empty()) w.arrays = synthetic.arrays;
    if (w.inputs.size() == 0) w.inputs = synthetic.inputs;
  }
  return w;
}

void print_breakdown_table(const cost::EnergyBreakdown& e, std::ostream& out) {
  const double t = e.total_j();
  out << fmt::format("  {:<14} {:>12}  {:>6}\n", "TERM", "ENERGY", "SHARE");
  const std::pair<const char*, double> rows[] = {{"array cells", e.cells_j},
                                                 {"array lines", e.lines_j},
                                                 {"DAC", e.dac_j},
                                                 {"ADC", e.adc_j},
                                                 {"digital", e.digital_j}};
  for (const auto& [name, j] : rows) {
    out << fmt::format("  {:<14} {:>12}  {:>5.1f} %\n", name, energy(j), 100.0 * share(j, t));
  }
  out << fmt::format("  {:<14} {:>12}\n", "total", energy(t));
}

int xbar_cost(const XbarCostOptions& o, std::ostream& out) {
  if (o.vectors < 1) throw InvalidArgument("option --vectors: must be >= 1");
  const cost::Technology tech = cost::load_technology(o.technology, o.technology_set);
  const crossbar::MvmOptions mvm = cost::technology_mvm_options(tech);
  Eigen::Index rows = 0, cols = 0;
  const cost::ArrayWorkload w = xbar_workload(o, mvm, rows, cols);
  const cost::TileLayout layout = cost::tile_layout(mvm, tech, rows, cols);
  const cost::TileCost c =
      cost::tile_cost(tech, layout, cost::row_conductance_sums(w.arrays),
                      cost::input_activity(w.inputs, layout, tech.dac.encoding));
  const cost::AreaBreakdown& a = c.area;
  if (o.json) {
    const cost::EnergyBreakdown& e = c.energy;
    out << "{\n";
    out << fmt::format("  \"technology\": {},\n", quoted(tech.name));
    out << fmt::format("  \"rows\": {},\n  \"cols\": {},\n  \"vectors\": {},\n", rows, cols,
                       w.inputs.cols());
    out << fmt::format("  \"energy_per_mvm_J\": {},\n", json_number(e.total_j()));
    out << fmt::format(
        "  \"energy_J\": {{\"array\": {}, \"cells\": {}, \"lines\": {}, \"dac\": {}, \"adc\": "
        "{}, \"digital\": {}}},\n",
        json_number(e.array_j()), json_number(e.cells_j), json_number(e.lines_j),
        json_number(e.dac_j), json_number(e.adc_j), json_number(e.digital_j));
    out << fmt::format("  \"shares\": {},\n", shares_json(e));
    out << fmt::format("  \"latency_s\": {},\n", json_number(c.latency_s));
    out << fmt::format("  \"area_mm2\": {},\n", json_number(a.total_m2() / kSquareMillimetre));
    out << fmt::format(
        "  \"area_m2\": {{\"cells\": {}, \"adc\": {}, \"dac\": {}, \"digital\": {}}},\n",
        json_number(a.cells_m2), json_number(a.adc_m2), json_number(a.dac_m2),
        json_number(a.digital_m2));
    out << fmt::format("  \"operations\": {},\n", json_number(c.operations));
    out << fmt::format("  \"tops\": {},\n", json_number(c.tops()));
    out << fmt::format("  \"tops_per_watt\": {},\n", json_number(c.tops_per_watt()));
    out << fmt::format("  \"adc_conversions\": {},\n  \"dac_conversions\": {}\n", c.adc_conversions,
                       c.dac_conversions);
    out << "}\n";
    return kExitOk;
  }
  out << describe_technology(tech) << "\n";
  out << fmt::format("array: {}x{} cells used in {} physical array{}, {} input vector{} ({})\n",
                     rows, cols, w.arrays.size(), w.arrays.size() == 1 ? "" : "s", w.inputs.cols(),
                     w.inputs.cols() == 1 ? "" : "s",
                     o.conductance.empty() ? "weights uniform in [-1, 1], their target conductances"
                                           : "conductances from the files");
  out << "energy per MVM:\n";
  print_breakdown_table(c.energy, out);
  out << fmt::format("latency {}, {:.4g} TOPS, {:.4g} TOPS/W ({} operations per MVM)\n",
                     format_quantity(c.latency_s, Dimension::time), c.tops(), c.tops_per_watt(),
                     c.operations);
  out << fmt::format("area {:.4g} mm2: cells {:.4g}, ADCs {:.4g}, DACs {:.4g}, digital {:.4g}\n",
                     a.total_m2() / kSquareMillimetre, a.cells_m2 / kSquareMillimetre,
                     a.adc_m2 / kSquareMillimetre, a.dac_m2 / kSquareMillimetre,
                     a.digital_m2 / kSquareMillimetre);
  return kExitOk;
}

// ---- nn cost ---------------------------------------------------------------------------------

struct LayerCost {
  std::string name, op;
  bool analog = false;
  std::int64_t tiles = 0;
  std::int64_t zero_tiles = 0;                // all weights zero: not costed (structured pruning)
  double used_cells = 0.0, tile_cells = 0.0;  // weights held / cells of the layer's tiles
  std::int64_t mvms = 0;                      // tile MVMs per inference
  double macs = 0.0;                          // multiply-accumulates per inference
  cost::EnergyBreakdown energy;
  double latency_s = 0.0;
  double area_m2 = 0.0;
};

// One analog group (inputs × outputs) on tiles: the cost per inference.
void add_analog_group(const Eigen::MatrixXd& weights, const Eigen::MatrixXd& x_units,
                      std::int64_t vectors, const crossbar::MvmOptions& mvm,
                      const cost::Technology& tech, LayerCost& layer) {
  const crossbar::MappedWeights mapped = crossbar::map_weights(weights, mvm.mapping);
  const crossbar::TileGrid grid(weights.rows(), weights.cols(), mvm.tile);
  double slowest = 0.0;
  std::int64_t zero = 0;
  for (Eigen::Index r = 0; r < grid.tile_rows(); ++r) {
    const Eigen::Index r0 = grid.row_begin(r), nr = grid.row_count(r);
    for (Eigen::Index c = 0; c < grid.tile_cols(); ++c) {
      const Eigen::Index c0 = grid.col_begin(c), nc = grid.col_count(c);
      // Structured pruning: a tile of zero weights need not exist (its outputs are zero).
      if ((weights.block(r0, c0, nr, nc).array() == 0.0).all()) {
        ++zero;
        continue;
      }
      layer.used_cells += static_cast<double>(nr * nc);
      layer.tile_cells += static_cast<double>(mvm.tile.rows * mvm.tile.cols);
      Eigen::VectorXd row_g = Eigen::VectorXd::Zero(nr);
      for (const auto& g : mapped.conductances) row_g += g.block(r0, c0, nr, nc).rowwise().sum();
      const cost::TileLayout layout = cost::tile_layout(mvm, tech, nr, nc);
      const cost::TileCost t = cost::tile_cost(
          tech, layout, row_g,
          cost::input_activity(x_units.middleRows(r0, nr), layout, tech.dac.encoding));
      layer.energy += t.energy.scaled(static_cast<double>(vectors));
      layer.area_m2 += t.area.total_m2();
      slowest = std::max(slowest, t.latency_s);
    }
  }
  layer.tiles += grid.tiles() - zero;
  layer.zero_tiles += zero;
  layer.mvms += (grid.tiles() - zero) * vectors;
  // Tiles of a layer work in parallel, its vectors one after another.
  layer.latency_s = std::max(layer.latency_s, slowest * static_cast<double>(vectors));
}

std::vector<LayerCost> network_cost(const NnCostOptions& o, const cost::Technology& tech) {
  Config config = Config::load_file(o.campaign);
  if (const std::string kind = config.root().table("workload").get_or("kind", ""); kind != "dnn") {
    throw InvalidArgument(fmt::format(
        "--campaign {}: its workload is '{}'; a dnn workload (with [device] and the crossbar "
        "tables) is needed",
        o.campaign, kind));
  }
  std::vector<std::string> overrides = o.overrides;
  overrides.insert(overrides.end(), {"sweep=[]", "workload.model=" + toml_path(o.model),
                                     fmt::format("workload.samples={}", o.samples)});
  for (const std::string& assignment : overrides) config.set_override(assignment);
  const montecarlo::CampaignSettings settings =
      montecarlo::read_campaign_settings(config, o.campaign);
  static_cast<void>(montecarlo::read_sweep_axes(config));
  // Builds the chip as `kirchhoff run` would: every key of the campaign is read and checked.
  const auto chip = workloads::make_dnn_workload(config, {settings.seed, 0, settings.read_times_s});
  static_cast<void>(montecarlo::read_stopping_rule(config, settings, chip->metrics()));
  config.check_unknown_keys();

  const devices::Device device = workloads::campaign_device(config, "dnn");
  const ConfigTable w = config.table("workload");
  const nn::AnalogSettings analog = nn::read_analog_options(
      w, *device.model, static_cast<std::uint32_t>(settings.read_times_s.size()));
  crossbar::MvmOptions mvm = analog.options.mvm;
  if (mvm.mapping.g_max_siemens == 0.0) {
    mvm.mapping.g_min_siemens = device.model->g_min_siemens();
    mvm.mapping.g_max_siemens = device.model->g_max_siemens();
  }
  const nn::Network net = nn::load_onnx(o.model);
  const nn::Dataset data =
      nn::load_dataset(workloads::dataset_spec_at(w, "dataset", "fashion-mnist:test"), o.samples);
  const nn::Normalization norm = nn::read_normalization(w, net.normalization(), data.channels);
  const nn::LayerInputs inputs = nn::record_layer_inputs(net, data, norm, o.samples, 256);
  const nn::Calibration calibration = nn::prepare_calibration(inputs, analog.options);
  const std::vector<bool> on_tiles = nn::select_layers(net.linear_layers(), analog.options.layers);

  std::vector<LayerCost> layers;
  for (std::size_t l = 0; l < net.linear_layers().size(); ++l) {
    const nn::LinearLayer& linear = net.linear_layers()[l];
    LayerCost layer;
    layer.name = linear.name;
    layer.op = linear.op;
    layer.analog = on_tiles[l];
    for (std::size_t g = 0; g < linear.groups(); ++g) {
      const Eigen::MatrixXd weights = linear.weights[g].cast<double>();
      layer.macs +=
          static_cast<double>(weights.size()) * static_cast<double>(linear.vectors_per_sample);
      if (!layer.analog) continue;
      const double range = calibration.input_range[l][g] > 0.0 ? calibration.input_range[l][g]
                                                               : mvm.periphery.dac.input_range;
      const Eigen::MatrixXd x = inputs[l][g].cast<double>() / range;
      add_analog_group(weights, x, linear.vectors_per_sample, mvm, tech, layer);
    }
    if (!layer.analog) layer.energy.digital_j = layer.macs * tech.digital.mac_energy_j;
    layers.push_back(std::move(layer));
  }
  return layers;
}

int nn_cost(const NnCostOptions& o, std::ostream& out) {
  if (o.samples < 1) throw InvalidArgument("option --samples: must be >= 1");
  const cost::Technology tech = cost::load_technology(o.technology, o.technology_set);
  const std::vector<LayerCost> layers = network_cost(o, tech);
  cost::EnergyBreakdown total;
  double latency = 0.0, area = 0.0, macs = 0.0;
  for (const LayerCost& l : layers) {
    total += l.energy;
    latency += l.latency_s;  // layer-sequential schedule
    area += l.area_m2;
    macs += l.macs;
  }
  const double e = total.total_j();
  const double tops_per_watt = e > 0.0 ? 2.0 * macs / e / 1e12 : 0.0;
  const double tops = latency > 0.0 ? 2.0 * macs / latency / 1e12 : 0.0;
  if (o.json) {
    out << "{\n";
    out << fmt::format("  \"technology\": {},\n  \"model\": {},\n", quoted(tech.name),
                       quoted(o.model));
    out << fmt::format("  \"energy_per_inference_J\": {},\n", json_number(e));
    out << fmt::format("  \"latency_s\": {},\n", json_number(latency));
    out << fmt::format("  \"inferences_per_s\": {},\n",
                       json_number(latency > 0.0 ? 1.0 / latency : 0.0));
    out << fmt::format("  \"area_mm2\": {},\n", json_number(area / kSquareMillimetre));
    out << fmt::format("  \"operations\": {},\n", json_number(2.0 * macs));
    out << fmt::format("  \"tops\": {},\n  \"tops_per_watt\": {},\n", json_number(tops),
                       json_number(tops_per_watt));
    out << fmt::format("  \"shares\": {},\n", shares_json(total));
    out << "  \"layers\": [";
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const LayerCost& l = layers[i];
      out << fmt::format(
          "{}\n    {{\"name\": {}, \"op\": {}, \"analog\": {}, \"tiles\": {}, "
          "\"zero_tiles\": {}, \"utilization\": {}, "
          "\"mvms_per_inference\": {}, \"macs\": {}, \"energy_J\": {}, \"latency_s\": {}, "
          "\"area_mm2\": {}, \"shares\": {}}}",
          i ? "," : "", quoted(l.name), quoted(l.op), l.analog ? "true" : "false", l.tiles,
          l.zero_tiles, json_number(share(l.used_cells, l.tile_cells)), l.mvms, json_number(l.macs),
          json_number(l.energy.total_j()), json_number(l.latency_s),
          json_number(l.area_m2 / kSquareMillimetre), shares_json(l.energy));
    }
    out << "\n  ]\n}\n";
    return kExitOk;
  }
  out << describe_technology(tech) << "\n";
  out << fmt::format("model {}, campaign {}; layer inputs of {} dataset sample{}\n", o.model,
                     o.campaign, o.samples, o.samples == 1 ? "" : "s");
  std::size_t name_w = 5;
  for (const LayerCost& l : layers) name_w = std::max(name_w, l.name.size());
  out << fmt::format(
      "{:<{}}  {:<6}  {:>5}  {:>5}  {:>8}  {:>11}  {:>10}  {:>9}  {:>5} {:>5} {:>5} {:>5}\n",
      "LAYER", name_w, "OP", "TILES", "UTIL%", "MVMS", "ENERGY", "LATENCY", "AREA mm2", "ADC%",
      "DAC%", "ARR%", "DIG%");
  for (const LayerCost& l : layers) {
    const double t = l.energy.total_j();
    out << fmt::format(
        "{:<{}}  {:<6}  {:>5}  {:>5.1f}  {:>8}  {:>11}  {:>10}  {:>9.4g}  {:>5.1f} {:>5.1f} "
        "{:>5.1f} {:>5.1f}\n",
        l.name, name_w, l.analog ? l.op : l.op + "*", l.tiles,
        100 * share(l.used_cells, l.tile_cells), l.mvms, energy(t),
        format_quantity(l.latency_s, Dimension::time), l.area_m2 / kSquareMillimetre,
        100 * share(l.energy.adc_j, t), 100 * share(l.energy.dac_j, t),
        100 * share(l.energy.array_j(), t), 100 * share(l.energy.digital_j, t));
  }
  if (std::any_of(layers.begin(), layers.end(), [](const LayerCost& l) { return !l.analog; })) {
    out << "(* digital layer: its MACs at the technology's mac_energy; no latency modelled)\n";
  }
  std::int64_t zero = 0;
  for (const LayerCost& l : layers) zero += l.zero_tiles;
  if (zero > 0) out << fmt::format("{} tiles of zero weights not costed (pruned)\n", zero);
  out << fmt::format(
      "total: {} per inference, latency {} ({:.4g} inferences/s, layer-sequential), {:.4g} "
      "TOPS, {:.4g} TOPS/W, {:.4g} mm2\n",
      energy(e), format_quantity(latency, Dimension::time), latency > 0.0 ? 1.0 / latency : 0.0,
      tops, tops_per_watt, area / kSquareMillimetre);
  return kExitOk;
}

void add_technology_options(CLI::App* cmd, std::string& technology,
                            std::vector<std::string>& technology_set) {
  cmd->add_option("--technology", technology,
                  "Technology preset (data/technology: hermes-pcm-14nm, rram-1t1r-22nm) or the "
                  "path of a technology file")
      ->capture_default_str();
  cmd->add_option("--technology-set", technology_set,
                  "KEY=VALUE: override a key of the technology, e.g. array.read_phases=4 "
                  "(repeatable)");
}

}  // namespace

void add_cost_commands(CLI::App& app, std::ostream& out, Action& action) {
  auto x = std::make_shared<XbarCostOptions>();
  auto* xbar_cmd = app.get_subcommand("xbar")->add_subcommand(
      "cost", "Energy, latency and area of one array MVM with its periphery (docs/cost.md)");
  add_technology_options(xbar_cmd, x->technology, x->technology_set);
  xbar_cmd->add_option("--conductance", x->conductance,
                       "CSV of one physical array's conductances in siemens, rows x cols, no "
                       "header (repeatable: G+ and G- of a pair; default: target conductances "
                       "of weights uniform in [-1, 1])");
  xbar_cmd->add_option("--inputs", x->inputs,
                       "CSV of input vectors in [-1, 1] of the DAC range, one per line (default: "
                       "uniform in [-1, 1])");
  xbar_cmd->add_option("--rows", x->rows, "Used rows of the tile (default: all)")
      ->check(CLI::PositiveNumber);
  xbar_cmd->add_option("--cols", x->cols, "Used columns of the tile (default: all)")
      ->check(CLI::PositiveNumber);
  xbar_cmd->add_option("--vectors", x->vectors, "Input vectors of the default inputs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  xbar_cmd->add_option("--seed", x->seed, "Seed of the default weights and inputs")
      ->capture_default_str();
  xbar_cmd->add_flag("--json", x->json, "Write a JSON object instead of the table");
  xbar_cmd->callback([&, x] { action = [&, x] { return xbar_cost(*x, out); }; });

  auto n = std::make_shared<NnCostOptions>();
  auto* nn_cmd = app.get_subcommand("nn")->add_subcommand(
      "cost",
      "Energy, latency and area per inference of an ONNX model on the analog tiles of a dnn "
      "campaign, per layer (docs/cost.md)");
  nn_cmd->add_option("--model", n->model, "ONNX model file (.onnx)")->required();
  nn_cmd
      ->add_option("--campaign", n->campaign,
                   "A dnn campaign file: its device, mapping, tiles, converters and analog "
                   "layers (this model replaces its own; its sweeps are not run)")
      ->required();
  nn_cmd->add_option("--set", n->overrides,
                     "KEY=VALUE: override a key of the campaign, e.g. --set workload.adc.bits=6 "
                     "(repeatable)");
  add_technology_options(nn_cmd, n->technology, n->technology_set);
  nn_cmd
      ->add_option("--samples", n->samples,
                   "Dataset samples (the campaign's dataset) whose layer inputs set the input "
                   "activity")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  nn_cmd->add_flag("--json", n->json, "Write a JSON object instead of the table");
  nn_cmd->callback([&, n] { action = [&, n] { return nn_cost(*n, out); }; });
}

}  // namespace kirchhoff::cli
