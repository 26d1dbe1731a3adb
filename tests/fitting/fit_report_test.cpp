// Fit reports (JSON and HDF5: the data and curves as fitted, exactly) and merged device files
// (programming + drift + read noise in one generic device; conflicts, replacement, refusals).
#include "kirchhoff/fitting/fit_report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/devices/generic.hpp"
#include "kirchhoff/devices/pcm.hpp"
#include "kirchhoff/devices/presets.hpp"
#include "kirchhoff/devices/pulse.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "synthetic_drift.hpp"

namespace kirchhoff::fitting {
namespace {

using namespace kirchhoff::devices;  // the device models the fits are checked against
using kirchhoff::testing::message_of;

constexpr double uS = 1e-6;
constexpr double kGMax = 25 * uS;

struct Programming {
  std::vector<double> target, programmed;
};

Programming draw_programming(std::size_t n, std::uint64_t seed) {
  const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
  Programming data;
  for (std::size_t i = 0; i < n; ++i) {
    data.target.push_back((1 + 23.0 * static_cast<double>(i) / static_cast<double>(n - 1)) * uS);
  }
  data.programmed = model.program(data.target, {seed, 0, 0, 0}).programmed_siemens;
  return data;
}

// Drift data of the Joshi model: 40 devices at each of 5 targets, reads at 6 times.
DriftData draw_drift(std::uint64_t seed, double read_noise_scale = 1.0) {
  PcmParameters p = PcmParameters::published(PcmFit::joshi2020);
  p.read_noise_scale = read_noise_scale;
  const PcmModel model(p);
  std::vector<double> targets;
  for (double t : {2.5, 5.0, 10.0, 15.0, 24.0}) targets.insert(targets.end(), 40, t * uS);
  const auto cells = model.program(targets, {seed, 0, 0, 0});
  const std::vector<double> times{20, 60, 600, 3600, 36000, 86400};
  return testing::simulate_drift(model, cells, targets, times);
}

// The numbers of the JSON array that follows `key` after `section` (strtod reads the shortest
// round-trip form back to the same double).
std::vector<double> json_array_after(const std::string& json, const std::string& section,
                                     const std::string& key) {
  std::vector<double> values;
  const std::size_t from = json.find(section);
  const std::size_t at = from == std::string::npos ? from : json.find(key + "[", from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << key << " after " << section;
    return values;
  }
  const char* p = json.c_str() + at + key.size() + 1;
  const char* end = json.c_str() + json.find(']', at);
  while (p < end) {
    if (std::string_view(p).starts_with("null")) {
      values.push_back(std::nan(""));
      p += 4;
    } else {
      char* next = nullptr;
      values.push_back(std::strtod(p, &next));
      if (next == p) {
        ADD_FAILURE() << "not a number at: " << std::string_view(p).substr(0, 20);
        return values;
      }
      p = next;
    }
    while (*p == ',' || *p == ' ') ++p;
  }
  return values;
}

TEST(FitReport, JsonAndHdf5HoldTheDataAndCurvesExactly) {
  const auto data = draw_programming(400, 1);
  ProgrammingFitOptions options;
  options.g_max_siemens = kGMax;
  options.bootstrap.replicates = 30;
  const auto fit = fit_programming(data.target, data.programmed, options);
  const FitReport report = fit_report(fit, data.target, data.programmed, "p.csv");
  ASSERT_EQ(report.data.size(), 1u);
  ASSERT_EQ(report.data[0].x.size(), 400u);
  EXPECT_EQ(report.data[0].y[7], data.programmed[7] - data.target[7]);
  ASSERT_EQ(report.curves.size(), 2u);
  EXPECT_EQ(report.curves[0].x.size(), report.curves[0].lower.size());
  EXPECT_EQ(report.curves[0].y[0], fit.sigma_siemens(report.curves[0].x[0]));  // + bias 0
  EXPECT_EQ(report.curves[1].y[0], -fit.sigma_siemens(report.curves[1].x[0]));

  const std::string json = report_json(report);
  EXPECT_TRUE(
      json.starts_with("{\n \"filetype\": \"kirchhoff-fit-report\",\n \"schema_version\": "
                       "[1, 0],\n \"kind\": \"programming\""))
      << json.substr(0, 200);
  EXPECT_EQ(json_array_after(json, "\"data\"", "\"x\": "), report.data[0].x);
  EXPECT_EQ(json_array_after(json, "\"data\"", "\"y\": "), report.data[0].y);
  EXPECT_EQ(json_array_after(json, "\"curves\"", "\"lower\": "), report.curves[0].lower);
  EXPECT_NE(json.find("\"goodness_of_fit\": {\n  \"n\": 400,"), std::string::npos);
  // g_max has no interval: null, as JSON has no NaN.
  const std::size_t g_max = json.find("{\"name\": \"g_max\", \"unit\": \"S\", \"value\": ");
  ASSERT_NE(g_max, std::string::npos);
  EXPECT_EQ(json.find("\"lower\": null, \"upper\": null}", g_max),
            json.find('}', g_max) - std::string("\"lower\": null, \"upper\": null").size());

  const kirchhoff::testing::TempDir dir("fit-report");
  const auto h5_path = dir / "report.h5";
  write_report_hdf5(report, h5_path);
  {
    const auto f = h5::File::open(h5_path, h5::OpenMode::read_only, "kirchhoff-fit-report", 1);
    EXPECT_EQ(f.read_attribute<std::string>("kind"), "programming");
    EXPECT_EQ(f.read_attribute<std::string>("x_unit"), "S");
    EXPECT_EQ(f.read_dataset<std::vector<double>>("data/0/y"), report.data[0].y);
    EXPECT_EQ(f.read_dataset<std::vector<double>>("curves/1/lower"), report.curves[1].lower);
    EXPECT_EQ(f.read_dataset<std::vector<double>>("residuals/0/z"), report.residuals[0].y);
    EXPECT_EQ(f.open_group("curves").read_attribute<std::uint32_t>("count"), 2u);
    const auto names = f.read_dataset<std::vector<std::string>>("parameters/name");
    ASSERT_EQ(names.size(), report.parameters.size());
    EXPECT_EQ(names[1], "c1");
    EXPECT_EQ(f.read_dataset<std::vector<double>>("parameters/value")[1],
              fit.coefficients_siemens[1].value);
  }
}

TEST(FitReport, EveryKindHasDataCurvesAndResiduals) {
  DriftFitOptions drift_options;
  drift_options.form = DriftForm::pcm;
  drift_options.bootstrap.replicates = 20;
  const auto drift = fit_drift(draw_drift(2), drift_options);
  const FitReport d = fit_report(drift, "d.csv");
  EXPECT_EQ(d.form, "pcm");
  EXPECT_EQ(d.x.scale, "log");
  EXPECT_EQ(d.data[0].x.size(), 200u);
  EXPECT_EQ(d.curves[0].x.size(), 48u);
  EXPECT_EQ(d.residuals[0].x.size(), 200u);

  PulseParameters p;
  p.g_min_siemens = 1 * uS;
  p.g_max_siemens = 10 * uS;
  p.pulses_ltp = p.pulses_ltd = 20;
  p.nl_ltp = 1.0;
  p.nl_ltd = -1.0;
  p.c2c = 0.01;
  const PulseNonlinearModel model(p, CommonParameters{});
  PulseData data;
  for (std::size_t dev = 0; dev < 2; ++dev) {
    for (const auto& r : pulse_response(model, 20, 20, {3, 0, 0, dev})) {
      data.device.push_back(dev == 0 ? "a" : "b");
      data.pulse.push_back(r.pulse);
      data.polarity.push_back(r.polarity);
      data.conductance_siemens.push_back(r.g_siemens);
      data.line.push_back(0);
    }
  }
  PulseFitOptions pulse_options;
  pulse_options.bootstrap.replicates = 0;
  const FitReport u = fit_report(fit_pulse(data, pulse_options), "u.csv");
  ASSERT_EQ(u.data.size(), 2u);  // one series per device
  EXPECT_EQ(u.data[1].label, "device b");
  EXPECT_EQ(u.data[1].x.size(), 41u);
  EXPECT_EQ(u.curves[1].x.size(), 41u);
  EXPECT_EQ(u.residuals[1].x.size(), 40u);      // no residual for the first read
  EXPECT_EQ(u.curves[0].y[0], u.data[0].y[0]);  // the path starts at the first read
  EXPECT_THROW((void)report_json(FitReport{.kind = "x",
                                           .form = "",
                                           .title = "",
                                           .source = "",
                                           .x = {},
                                           .y = {},
                                           .residual_name = "",
                                           .data = {{"bad", {1.0, 2.0}, {1.0}, {}, {}}},
                                           .curves = {},
                                           .residuals = {},
                                           .parameters = {},
                                           .goodness_of_fit = {},
                                           .confidence = 0.95,
                                           .replicates = 0}),
               InvalidArgument);
}

// ---- merged device files ------------------------------------------------------------------

Device load_text(const std::string& text, const std::string& name) {
  const kirchhoff::testing::TempDir dir("fit-merge");
  kirchhoff::testing::write_text(dir / name, text);
  return load_device((dir / name).string());
}

TEST(MergeDeviceFiles, ProgrammingDriftAndReadNoiseMakeOneDevice) {
  const auto p = draw_programming(600, 3);
  ProgrammingFitOptions po;
  po.g_max_siemens = kGMax;
  po.bootstrap.replicates = 0;
  const auto programming = fit_programming(p.target, p.programmed, po);
  DriftFitOptions dopt;
  dopt.g_max_siemens = kGMax;
  dopt.form = DriftForm::pcm;
  dopt.bootstrap.replicates = 0;
  const auto drift = fit_drift(draw_drift(4), dopt);
  ReadNoiseData reads;
  {
    const PcmModel model(PcmParameters::published(PcmFit::joshi2020));
    std::vector<double> targets;
    for (double t : {2.5, 10.0, 24.0}) targets.insert(targets.end(), 10, t * uS);
    const auto cells = model.program(targets, {5, 0, 0, 0});
    std::vector<double> g(targets.size());
    for (std::uint32_t k = 0; k < 8; ++k) {
      model.read(cells, {60.0, 0}, k, g);
      for (std::size_t i = 0; i < targets.size(); ++i) {
        std::string name = std::to_string(i);
        name.insert(name.begin(), 'r');
        reads.device.push_back(name);
        reads.time_s.push_back(60.0);
        reads.conductance_siemens.push_back(g[i]);
        reads.target_siemens.push_back(targets[i]);
        reads.line.push_back(0);
      }
    }
  }
  ReadNoiseFitOptions ro;
  ro.g_max_siemens = kGMax;
  ro.bootstrap.replicates = 0;
  const auto read = fit_read_noise(reads, ro);

  const std::string base = device_file_toml(programming, "mine", "p.csv");
  const auto with_drift =
      merge_device_files(base, "mine.toml", device_file_toml(drift, "x", "d.csv"), false);
  EXPECT_EQ(with_drift.added,
            (std::vector<std::string>{"t0", "drift_measured_until", "drift_nu_mean_log",
                                      "drift_nu_std_log", "drift_nu_absolute"}));
  EXPECT_TRUE(with_drift.replaced.empty());
  const auto all =
      merge_device_files(with_drift.text, "mine.toml", device_file_toml(read, "y", "r.csv"), false);
  EXPECT_EQ(all.added, (std::vector<std::string>{"t_read", "read_q_coefficient", "read_q_exponent",
                                                 "read_q_max"}));
  // Both reports are kept as comments, the name is the base's, the sources are joined.
  EXPECT_NE(all.text.find("# Device file written by `kirchhoff fit programming`"),
            std::string::npos);
  EXPECT_NE(all.text.find("# Device file written by `kirchhoff fit read-noise`"),
            std::string::npos);
  EXPECT_NE(all.text.find("source = \"fit to p.csv; fit to d.csv; fit to r.csv\""),
            std::string::npos);

  const Device device = load_text(all.text, "kirchhoff-merged.toml");
  EXPECT_EQ(device.description.name, "mine");
  const auto* generic = dynamic_cast<const GenericModel*>(device.model.get());
  ASSERT_NE(generic, nullptr);
  for (double g : {2.5 * uS, 10 * uS, 20 * uS}) {
    EXPECT_NEAR(generic->programming_sigma_siemens(g), programming.sigma_siemens(g),
                1e-8 * programming.sigma_siemens(g));
    EXPECT_NEAR(generic->drift_exponent_mean(g), drift.pcm->mean(g / kGMax), 1e-8);
    EXPECT_NEAR(generic->drift_exponent_std(g), drift.pcm->std(g / kGMax), 1e-8);
    const double f = std::sqrt(std::log((3600 + 250e-9) / 500e-9));
    EXPECT_NEAR(generic->read_sigma_siemens(g, g, 3600), g * read.value(g) * f, 1e-8 * g);
  }
  // The same fit again adds nothing and changes nothing.
  const auto again =
      merge_device_files(all.text, "mine.toml", device_file_toml(read, "y", "r.csv"), false);
  EXPECT_TRUE(again.added.empty());
  EXPECT_TRUE(again.replaced.empty());
}

TEST(MergeDeviceFiles, ConflictsNeedReplaceAndReplaceTheWholeFamily) {
  DriftFitOptions table;
  table.g_max_siemens = kGMax;
  table.bootstrap.replicates = 0;
  DriftFitOptions pcm = table;
  pcm.form = DriftForm::pcm;
  const auto data = draw_drift(6);
  const std::string base = device_file_toml(fit_drift(data, table), "d", "a.csv");
  const std::string other = device_file_toml(fit_drift(data, pcm), "e", "b.csv");
  EXPECT_EQ(
      message_of<InvalidArgument>([&] { (void)merge_device_files(base, "d.toml", other, false); }),
      "d.toml already has drift keys (t0, drift_measured_until, drift_g, drift_nu_mean, "
      "drift_nu_std, "
      "drift_nu_absolute) with other values than this fit; use --force to replace them");
  const auto replaced = merge_device_files(base, "d.toml", other, true);
  EXPECT_EQ(replaced.replaced,
            (std::vector<std::string>{"t0", "drift_measured_until", "drift_g", "drift_nu_mean",
                                      "drift_nu_std", "drift_nu_absolute"}));
  EXPECT_EQ(replaced.text.find("drift_g ="), std::string::npos);
  const Device device = load_text(replaced.text, "kirchhoff-replaced.toml");
  const auto* generic = dynamic_cast<const GenericModel*>(device.model.get());
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(generic->parameters().drift_nu_mean_log.size(), 4u);
}

TEST(MergeDeviceFiles, RefusesOtherModelsPresetsAndAnotherGMax) {
  DriftFitOptions a;
  a.g_max_siemens = kGMax;
  a.bootstrap.replicates = 0;
  DriftFitOptions b = a;
  b.g_max_siemens = 20 * uS;
  const auto data = draw_drift(7);
  const std::string base = device_file_toml(fit_drift(data, a), "d", "a.csv");
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)merge_device_files(base, "d.toml",
                                       device_file_toml(fit_drift(data, b), "e", "b.csv"), false);
            }),
            "d.toml: g_max is 25 uS there but 20 uS in this fit; the polynomials and forms are in "
            "x = g/g_max, so refit with --g-max 25 uS");
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)merge_device_files("preset = \"pcm-joshi2020\"\n", "p.toml", base, false);
            }),
            "p.toml: cannot merge into a device file without 'model' (a preset-based file): "
            "--into needs a file written by kirchhoff fit");
  EXPECT_EQ(message_of<InvalidArgument>([&] {
              (void)merge_device_files(
                  "model = \"pulse-nonlinear\"\n[parameters]\ng_max = \"1uS\"\npulses = 4\n",
                  "u.toml", base, false);
            }),
            "u.toml: cannot merge a generic fit into a pulse-nonlinear device file: one device "
            "file has one model");
}

}  // namespace
}  // namespace kirchhoff::fitting
