// `kirchhoff xbar cost` and `kirchhoff nn cost` in-process through kirchhoff::cli::run: the JSON
// fields, agreement with the library's terms, and located errors (exit status 2).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "../nn/onnx_builder.hpp"
#include "json_reader.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "run_cli.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::cli {
namespace {

using kirchhoff::testing::TempDir;
using kirchhoff::testing::write_text;
using testing::Json;
using testing::JsonParser;
using testing::run_cli;

const std::string kData = KIRCHHOFF_DATA_DIR;

Json json_of(const testing::Result& r) {
  EXPECT_EQ(r.exit_status, 0) << r.err;
  return JsonParser(r.out).parse();
}

TEST(XbarCostCli, JsonHasTheIssueFieldsAndTheyAgree) {
  const Json j = json_of(run_cli({"xbar", "cost", "--technology", "hermes-pcm-14nm", "--json"}));
  const double e = j["energy_per_mvm_J"].number();
  EXPECT_GT(e, 1e-9);
  EXPECT_LT(e, 1e-7);
  const Json& parts = j["energy_J"];
  EXPECT_NEAR(parts["array"].number() + parts["dac"].number() + parts["adc"].number() +
                  parts["digital"].number(),
              e, 1e-12 * e);
  EXPECT_NEAR(j["tops_per_watt"].number(), 2.0 * 256 * 256 / e / 1e12, 1e-9);
  EXPECT_NEAR(j["tops"].number(), 2.0 * 256 * 256 / j["latency_s"].number() / 1e12, 1e-9);
  EXPECT_GT(j["area_mm2"].number(), 0.0);
  EXPECT_EQ(j["adc_conversions"].number(), 256.0);
  const Json& s = j["shares"];
  EXPECT_NEAR(s["adc"].number() + s["dac"].number() + s["array"].number() + s["digital"].number(),
              1.0, 1e-12);
}

TEST(XbarCostCli, FourPhaseReadCostsAboutFourTimes) {
  const Json one = json_of(run_cli({"xbar", "cost", "--json"}));
  const Json four =
      json_of(run_cli({"xbar", "cost", "--json", "--technology-set", "array.read_phases=4"}));
  const double ratio = four["energy_per_mvm_J"].number() / one["energy_per_mvm_J"].number();
  EXPECT_GT(ratio, 3.5);
  EXPECT_LT(ratio, 4.0);
  EXPECT_NEAR(four["latency_s"].number() / one["latency_s"].number(), 4.0, 0.1);
}

TEST(XbarCostCli, ConductancesAndInputsFromFiles) {
  const TempDir dir("xbar-cost");
  // 2 x 2 array, both rows fully on for the whole 127 ns window at 0.2 V.
  write_text(dir / "g.csv", "1e-5,2e-5\n3e-5,4e-5\n");
  write_text(dir / "x.csv", "1,-1\n");
  const Json j = json_of(run_cli({"xbar", "cost", "--json", "--conductance",
                                  (dir / "g.csv").string(), "--inputs", (dir / "x.csv").string()}));
  EXPECT_EQ(j["rows"].number(), 2.0);
  EXPECT_NEAR(j["energy_J"]["cells"].number(), 0.04 * 127e-9 * 1e-4, 1e-9 * 0.04 * 127e-9 * 1e-4);
  EXPECT_EQ(j["adc_conversions"].number(), 2.0);
  // Half the conductance, half the cell energy; nothing else changes.
  write_text(dir / "g.csv", "0.5e-5,1e-5\n1.5e-5,2e-5\n");
  const Json half =
      json_of(run_cli({"xbar", "cost", "--json", "--conductance", (dir / "g.csv").string(),
                       "--inputs", (dir / "x.csv").string()}));
  EXPECT_NEAR(half["energy_J"]["cells"].number(), 0.5 * j["energy_J"]["cells"].number(), 1e-25);
  EXPECT_EQ(half["energy_J"]["adc"].number(), j["energy_J"]["adc"].number());
}

TEST(XbarCostCli, TableIsReadable) {
  const auto r = run_cli({"xbar", "cost", "--technology", "rram-1t1r-22nm"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "technology rram-1t1r-22nm (22 nm)");
  EXPECT_CONTAINS(r.out, "ADC");
  EXPECT_CONTAINS(r.out, "TOPS/W");
  EXPECT_CONTAINS(r.out, "area ");
}

TEST(XbarCostCli, ErrorsAreLocatedWithExitStatus2) {
  const TempDir dir("xbar-cost-errors");
  write_text(dir / "tech.toml", "node_nm = 14\n[adc]\narchitecture = \"pipelined\"\n");
  const auto r = run_cli({"xbar", "cost", "--technology", (dir / "tech.toml").string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_CONTAINS(r.err, "tech.toml:3:");
  EXPECT_CONTAINS(r.err, "key 'adc.architecture'");
  EXPECT_CONTAINS(r.err, "sar");
  const auto unknown = run_cli({"xbar", "cost", "--technology", "hermes"});
  EXPECT_EQ(unknown.exit_status, 2);
  EXPECT_CONTAINS(unknown.err, "unknown technology 'hermes'");
  const auto bad_set = run_cli({"xbar", "cost", "--technology-set", "adc.columns_per_adc=0"});
  EXPECT_EQ(bad_set.exit_status, 2);
  EXPECT_CONTAINS(bad_set.err, "key 'adc.columns_per_adc'");
  write_text(dir / "x.csv", "1,2\n");
  write_text(dir / "g.csv", "1e-5,2e-5\n3e-5,4e-5\n");
  const auto outside = run_cli({"xbar", "cost", "--conductance", (dir / "g.csv").string(),
                                "--inputs", (dir / "x.csv").string()});
  EXPECT_EQ(outside.exit_status, 2);
  EXPECT_CONTAINS(outside.err, "inputs must lie in [-1, 1]");
}

TEST(NnCostCli, PerLayerAndTotalsOfTheReferenceMlp) {
  const std::string model = kData + "/models/mlp.onnx";
  const auto r = run_cli({"nn", "cost", "--model", model, "--campaign",
                          kData + "/campaigns/fashion-pcm.toml", "--samples", "4", "--json"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const Json j = JsonParser(r.out).parse();
  const Json& layers = j["layers"];
  ASSERT_GE(layers.size(), 2u);
  double energy = 0.0, latency = 0.0, area = 0.0, macs = 0.0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Json& l = layers[i];
    EXPECT_GE(l["tiles"].number(), 1.0);
    EXPECT_GE(l["mvms_per_inference"].number(), l["tiles"].number());
    energy += l["energy_J"].number();
    latency += l["latency_s"].number();
    area += l["area_mm2"].number();
    macs += l["macs"].number();
    EXPECT_GT(l["shares"]["adc"].number(), 0.0);
  }
  EXPECT_NEAR(j["energy_per_inference_J"].number(), energy, 1e-12 * energy);
  EXPECT_NEAR(j["latency_s"].number(), latency, 1e-12 * latency);
  EXPECT_NEAR(j["area_mm2"].number(), area, 1e-12 * area);
  EXPECT_NEAR(j["tops_per_watt"].number(), 2.0 * macs / energy / 1e12, 1e-9);

  // Fewer ADC bits cost less ADC energy and the same array energy.
  const auto six =
      run_cli({"nn", "cost", "--model", model, "--campaign", kData + "/campaigns/fashion-pcm.toml",
               "--samples", "4", "--json", "--set", "workload.adc.bits=6"});
  ASSERT_EQ(six.exit_status, 0) << six.err;
  const Json k = JsonParser(six.out).parse();
  EXPECT_LT(k["energy_per_inference_J"].number(), j["energy_per_inference_J"].number());
}

// Tiles whose weights are all zero (structured pruning) are not costed; utilisation is the
// fraction of the costed tiles' cells that hold a weight.
TEST(NnCostCli, ZeroTilesAreNotCostedAndUtilisationIsCounted) {
  const TempDir dir("nn-cost-pruned");
  // Flatten -> MatMul 784 x 10 whose outputs 8 and 9 are zero; tiles of 256 x 8: 4 x 2 tiles,
  // the second tile column all zero.
  nn::testing::ModelBuilder b({1, 28, 28});
  b.graph().set_name("pruned");
  b.node("Flatten", {"x"}, {"f"}, "flatten");
  std::vector<float> w(784 * 10, 0.0F);
  for (std::size_t i = 0; i < 784; ++i) {
    for (std::size_t j = 0; j < 8; ++j)
      w[i * 10 + j] = 0.01F * static_cast<float>((i + j) % 7) - 0.03F;
  }
  b.initializer("W", {784, 10}, w);
  b.node("MatMul", {"f", "W"}, {"y"}, "fc");
  b.output("y");
  write_text(dir / "pruned.onnx", b.bytes());
  const auto r = run_cli({"nn", "cost", "--model", (dir / "pruned.onnx").string(), "--campaign",
                          kData + "/campaigns/fashion-pcm.toml", "--samples", "2", "--set",
                          "workload.tile.cols=8", "--json"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const Json l = JsonParser(r.out).parse()["layers"][0];
  EXPECT_EQ(l["tiles"].number(), 4.0);
  EXPECT_EQ(l["zero_tiles"].number(), 4.0);
  EXPECT_EQ(l["mvms_per_inference"].number(), 4.0);
  EXPECT_DOUBLE_EQ(l["utilization"].number(), (3 * 256 + 16) * 8.0 / (4 * 256 * 8.0));
}

TEST(NnCostCli, TableAndErrors) {
  const std::string model = kData + "/models/mlp.onnx";
  const auto r = run_cli({"nn", "cost", "--model", model, "--campaign",
                          kData + "/campaigns/fashion-pcm.toml", "--samples", "2"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "LAYER");
  EXPECT_CONTAINS(r.out, "TOPS/W");
  const auto wrong =
      run_cli({"nn", "cost", "--model", model, "--campaign", kData + "/campaigns/array-pcm.toml"});
  EXPECT_EQ(wrong.exit_status, 2);
  EXPECT_CONTAINS(wrong.err, "a dnn workload");
  const auto typo =
      run_cli({"nn", "cost", "--model", model, "--campaign", kData + "/campaigns/fashion-pcm.toml",
               "--samples", "2", "--set", "workload.adc.bitz=6"});
  EXPECT_EQ(typo.exit_status, 2);
  EXPECT_CONTAINS(typo.err, "workload.adc.bitz");
}

// `kirchhoff plot --kind tradeoff`: a campaign sweeping the ADC bits with cost metrics; more bits
// cost more energy and give less error, so every point is on the Pareto front, and the plotted
// values are the file's summaries.
TEST(PlotTradeoff, ErrorAgainstEnergyWithTheParetoFront) {
  const std::string python =
      std::getenv("KIRCHHOFF_PYTHON") != nullptr && *std::getenv("KIRCHHOFF_PYTHON") != '\0'
          ? std::getenv("KIRCHHOFF_PYTHON")
          : KIRCHHOFF_PYTHON;
  const std::string probe = "'" + python + "' -I -c 'import matplotlib, h5py, numpy' 2>/dev/null";
  if (std::system(probe.c_str()) != 0) {
    GTEST_SKIP() << "the Python interpreter " << python << " lacks matplotlib, h5py or numpy";
  }
  const TempDir dir("plot-tradeoff");
  write_text(dir / "sweep.toml", R"(name = "tradeoff"
seed = 3
trials = 6
block_size = 3
read_times = ["1s"]
checkpoint_interval = "0s"
[device]
preset = "generic-ideal"
[workload]
kind = "array"
rows = 32
cols = 16
read_noise = false
[workload.dac]
bits = 8
[workload.adc]
bits = 4
range_mode = "calibrated"
[workload.cost]
technology = "rram-1t1r-22nm"
[[sweep]]
key = "workload.adc.bits"
values = [3, 5, 8]
)");
  const auto run = run_cli({"run", (dir / "sweep.toml").string(), "--output",
                            (dir / "sweep.h5").string(), "-q", "-j", "1"});
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const auto plot = run_cli({"plot", (dir / "sweep.h5").string(), "--kind", "tradeoff", "--metric",
                             "relative_error", "--out", (dir / "t.png").string(), "--data-json",
                             (dir / "t.json").string()});
  ASSERT_EQ(plot.exit_status, 0) << plot.out << plot.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "t.png"));
  const Json j = testing::read_json(dir / "t.json");
  EXPECT_EQ(j["x_metric"].text(), "energy_per_mvm");
  const std::vector<double> x = j["x"].numbers(), y = j["y"].numbers();
  ASSERT_EQ(x.size(), 3u);
  EXPECT_LT(x[0], x[1]);  // 3, 5, 8 bits: more energy,
  EXPECT_LT(x[1], x[2]);
  EXPECT_GT(y[0], y[1]);  // less error
  EXPECT_GT(y[1], y[2]);
  EXPECT_EQ(j["pareto"].size(), 3u);
  // Without cost metrics a tradeoff plot is refused with the reason.
  write_text(dir / "plain.toml", R"(name = "plain"
seed = 3
trials = 2
read_times = ["1s"]
checkpoint_interval = "0s"
[device]
preset = "generic-ideal"
[workload]
kind = "array"
rows = 8
cols = 4
)");
  ASSERT_EQ(run_cli({"run", (dir / "plain.toml").string(), "--output", (dir / "plain.h5").string(),
                     "-q", "-j", "1"})
                .exit_status,
            0);
  const auto refused = run_cli({"plot", (dir / "plain.h5").string(), "--kind", "tradeoff", "--out",
                                (dir / "p.png").string()});
  EXPECT_NE(refused.exit_status, 0);
  EXPECT_CONTAINS(refused.err + refused.out, "needs a cost metric");
}

}  // namespace
}  // namespace kirchhoff::cli
