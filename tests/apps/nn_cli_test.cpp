// `kirchhoff nn info | eval` in-process through kirchhoff::cli::run.
#include <gtest/gtest.h>

#include <filesystem>

#include "../nn/onnx_builder.hpp"
#include "kirchhoff/apps/cli.hpp"
#include "run_cli.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::cli {
namespace {

using kirchhoff::testing::TempDir;
using kirchhoff::testing::write_text;
using nn::testing::ModelBuilder;
using testing::run_cli;

class NnCli : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    write_text(path(name), bytes);
    return path(name);
  }

  // Outputs = input pixels: 1×1×width images, Flatten → MatMul with the identity.
  std::string identity_model(std::int64_t width) const {
    ModelBuilder b({1, 1, width});
    b.graph().set_name("identity");
    b.node("Flatten", {"x"}, {"f"}, "flatten");
    std::vector<float> eye(static_cast<std::size_t>(width * width), 0.0F);
    for (std::int64_t i = 0; i < width; ++i) eye[static_cast<std::size_t>(i * width + i)] = 1.0F;
    b.initializer("I", {width, width}, eye);
    b.node("MatMul", {"f", "I"}, {"y"}, "identity");
    b.output("y");
    return write("identity.onnx", b.bytes());
  }

  // A test split in IDX files: 1×width images and their labels.
  std::string idx_dataset(const std::vector<std::vector<std::uint8_t>>& images,
                          const std::vector<std::uint8_t>& labels) const {
    const auto be32 = [](std::uint32_t v) {
      return std::string{static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF),
                         static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
    };
    const auto count = static_cast<std::uint32_t>(images.size());
    std::string image_bytes = be32(0x803) + be32(count) + be32(1) +
                              be32(static_cast<std::uint32_t>(images.front().size()));
    for (const auto& im : images) image_bytes.append(im.begin(), im.end());
    std::string label_bytes = be32(0x801) + be32(count);
    label_bytes.append(labels.begin(), labels.end());
    std::filesystem::create_directories(dir_ / "data");
    write("data/t10k-images-idx3-ubyte", image_bytes);
    write("data/t10k-labels-idx1-ubyte", label_bytes);
    return path("data");
  }

  const TempDir dir_{"nn-cli"};
};

TEST_F(NnCli, InfoListsNodesShapesParametersAndLayers) {
  const auto model = identity_model(8);
  const auto r = run_cli({"nn", "info", model});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("model 'identity' (" + model + "): input Nx1x1x8, output Nx8\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("input normalisation: (pixel x 0.00392157 - mean) / std, mean 0, std 1\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("  #  NODE      OP       OUTPUT  PARAMETERS  LAYER  NOTE\n"
                       "  0  flatten   Flatten  8                0      -  \n"
                       "  1  identity  MatMul   8               72      0  \n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 nodes, 1 linear layers (1 MatMul), 72 parameters (72 in linear "
                       "layers); output shapes per sample\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("supported ONNX operators"), std::string::npos);
}

TEST_F(NnCli, InfoListsTheSupportedOperators) {
  const auto r = run_cli({"nn", "info", "--operators"});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "supported ONNX operators (their limits: docs/nn.md):\n"
            "  Add AveragePool BatchNormalization Clip Concat Constant Conv Dropout Flatten Gemm\n"
            "  GlobalAveragePool Identity MatMul MaxPool Pad Relu Reshape Sigmoid Softmax Tanh\n");
  const auto both = run_cli({"nn", "info", identity_model(4), "--operators"});
  EXPECT_NE(both.out.find("MatMul   4"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("supported ONNX operators"), std::string::npos);
}

TEST_F(NnCli, InfoErrorsNameTheFile) {
  const auto none = run_cli({"nn", "info"});
  EXPECT_EQ(none.exit_status, kExitUsage);
  EXPECT_EQ(none.err, "kirchhoff: error: nn info: give an ONNX model file, or --operators\n");
  const auto missing = run_cli({"nn", "info", path("absent.onnx")});
  EXPECT_EQ(missing.exit_status, kExitUsage);
  EXPECT_EQ(missing.err,
            "kirchhoff: error: cannot open ONNX model '" + path("absent.onnx") + "'\n");
  const auto corrupt = run_cli({"nn", "info", write("bad.onnx", "\x0a\xff\xff\xff garbage")});
  EXPECT_EQ(corrupt.exit_status, kExitUsage);
  EXPECT_NE(corrupt.err.find("kirchhoff: error: ONNX model '" + path("bad.onnx") + "'"),
            std::string::npos)
      << corrupt.err;
  ModelBuilder b({4});
  b.node("Relu", {"x"}, {"r"});
  b.node("Elu", {"r"}, {"y"}, "act");
  b.output("y");
  const auto unsupported = run_cli({"nn", "info", write("elu.onnx", b.bytes())});
  EXPECT_EQ(unsupported.exit_status, kExitUsage);
  EXPECT_NE(unsupported.err.find("node 'act' (#1, Elu): unsupported operator Elu"),
            std::string::npos)
      << unsupported.err;
}

TEST_F(NnCli, EvalPrintsTopOneAndTopFiveWithCounts) {
  const auto model = identity_model(8);
  const auto data = idx_dataset(
      {
          {0, 0, 0, 9, 0, 0, 0, 0},  // label 3: first choice
          {1, 2, 9, 8, 7, 6, 0, 0},  // label 5: 4th, top-5 only
          {9, 8, 7, 6, 5, 4, 3, 2},  // label 7: last
          {5, 5, 5, 5, 5, 5, 5, 5},  // label 0: ties go to class 0
          {0, 0, 0, 0, 0, 0, 0, 9},  // label 7: first choice
      },
      {3, 5, 7, 0, 7});
  for (const std::string threads : {"1", "2"}) {
    const auto r = run_cli(
        {"nn", "eval", "--model", model, "--dataset", data, "--batch", "2", "--threads", threads});
    ASSERT_EQ(r.exit_status, kExitOk) << r.err;
    EXPECT_NE(r.out.find("dataset " + data + ":test: 5 samples of 1x1x8, 8 classes\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("float: top-1 60.00 % (3/5), top-5 80.00 % (4/5)\n"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("5 samples in "), std::string::npos);
    EXPECT_NE(r.out.find(" on " + threads + (threads == "1" ? " thread" : " threads") +
                         ", batches of 2\n"),
              std::string::npos);
  }
  const auto limited = run_cli({"nn", "eval", "--model", model, "--dataset", data, "--limit", "3"});
  ASSERT_EQ(limited.exit_status, kExitOk) << limited.err;
  EXPECT_NE(limited.out.find("float: top-1 33.33 % (1/3), top-5 66.67 % (2/3)\n"),
            std::string::npos)
      << limited.out;
}

TEST_F(NnCli, EvalWithACampaignAddsTheAnalogAccuracyOfOneChipPerReadTime) {
  const auto model = identity_model(8);
  const auto data = idx_dataset(
      {
          {0, 0, 0, 9, 0, 0, 0, 0},  // label 3: first choice
          {1, 2, 9, 8, 7, 6, 0, 0},  // label 5: 4th, top-5 only
          {9, 8, 7, 6, 5, 4, 3, 2},  // label 7: last
          {5, 5, 5, 5, 5, 6, 5, 5},  // label 0: 2nd (ties go to the lower class), top-5
          {0, 0, 0, 0, 0, 0, 0, 9},  // label 7: first choice
      },
      {3, 5, 7, 0, 7});
  // An ideal chip (no noise, ideal converters): the float accuracy at every read time. The
  // campaign's own model and its sweep are replaced by the command line's.
  const auto campaign = write("ideal.toml", R"(name = "ideal"
seed = 1
trials = 2
read_times = ["1s", "1y"]
[device]
preset = "generic-ideal"
[workload]
kind = "dnn"
model = "elsewhere.onnx"
read_noise = false
[workload.calibration]
samples = 5
[[sweep]]
key = "workload.compensation"
values = ["none", "global"]
)");
  const auto r = run_cli({"nn", "eval", "--model", model, "--dataset", data, "--campaign", campaign,
                          "--set", "workload.compensation=\"global\""});
  ASSERT_EQ(r.exit_status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("float: top-1 40.00 % (2/5), top-5 80.00 % (4/5)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("drift compensation global"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("     1 s: top-1 40.00 % (2/5), top-5 80.00 % (4/5)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("     1 y: top-1 40.00 % (2/5), top-5 80.00 % (4/5)\n"), std::string::npos)
      << r.out;
  // Only a dnn campaign has a chip to evaluate.
  const auto device = write("device.toml",
                            "name = \"d\"\nseed = 1\ntrials = 1\nread_times = "
                            "[\"1s\"]\n[device]\npreset = \"generic-ideal\"\n"
                            "[workload]\nkind = \"device\"\ncells = 4\n");
  const auto wrong =
      run_cli({"nn", "eval", "--model", model, "--dataset", data, "--campaign", device});
  EXPECT_NE(wrong.exit_status, kExitOk);
  EXPECT_NE(wrong.err.find("its workload is 'device'; a dnn workload"), std::string::npos)
      << wrong.err;
}

TEST_F(NnCli, EvalWithACampaignReportsItsErrorsAsRunDoes) {
  const auto model = identity_model(4);
  const auto data = idx_dataset({{0, 0, 9, 0}}, {2});
  const std::string text = R"(name = "ideal"
seed = 1
trials = 2
read_times = ["1s"]
[device]
preset = "generic-ideal"
[workload]
kind = "dnn"
model = "elsewhere.onnx"
read_noise = false
[workload.calibration]
samples = 1
)";
  const auto eval = [&](const std::string& name, const std::string& campaign) {
    return run_cli(
        {"nn", "eval", "--model", model, "--dataset", data, "--campaign", write(name, campaign)});
  };
  ASSERT_EQ(eval("good.toml", text).exit_status, kExitOk);
  // A typo in the tables of the chip, located with a suggestion.
  const auto typo = eval("typo.toml", text + "compensaton = \"global\"\n");
  EXPECT_EQ(typo.exit_status, kExitUsage);
  EXPECT_NE(typo.err.find("typo.toml:13:1: key 'workload.calibration.compensaton': unknown key; "
                          "did you mean 'workload.compensation'?"),
            std::string::npos)
      << typo.err;
  // The rest of the file is checked as `kirchhoff run` checks it.
  const auto seed =
      eval("seed.toml", std::string(text).replace(text.find("seed = 1"), 8, "seed = -1"));
  EXPECT_NE(seed.err.find("seed.toml:2:8: key 'seed': must be >= 0, got -1"), std::string::npos)
      << seed.err;
  const auto stopping =
      eval("stop.toml", text + "[stopping]\nmetric = \"top1\"\nhalf_width = 0.1\n");
  EXPECT_NE(stopping.err.find("key 'stopping.metric': unknown metric 'top1'"), std::string::npos)
      << stopping.err;
  // Its sweep is not run, so a bad value there is not looked at.
  EXPECT_EQ(eval("sweep.toml", text + "[[sweep]]\nkey = \"workload.samples\"\nvalues = [0]\n")
                .exit_status,
            kExitOk);
}

TEST_F(NnCli, EvalErrors) {
  const auto data = idx_dataset({{1, 2, 3, 4, 5, 6}}, {2});
  const auto wrong = run_cli({"nn", "eval", "--model", identity_model(8), "--dataset", data});
  EXPECT_EQ(wrong.exit_status, kExitUsage);
  EXPECT_NE(wrong.err.find("network 'identity' takes inputs of 1x1x8 per sample, but the samples "
                           "of " +
                           data + ":test are 1x1x6"),
            std::string::npos)
      << wrong.err;
  const auto batch =
      run_cli({"nn", "eval", "--model", identity_model(6), "--dataset", data, "--batch", "0"});
  EXPECT_EQ(batch.exit_status, kExitUsage);
  EXPECT_NE(batch.err.find("--batch"), std::string::npos) << batch.err;
  const auto no_model = run_cli({"nn", "eval", "--model", path("none.onnx"), "--dataset", data});
  EXPECT_EQ(no_model.exit_status, kExitUsage);
  EXPECT_NE(no_model.err.find("cannot open ONNX model '" + path("none.onnx") + "'"),
            std::string::npos);
  const auto no_data =
      run_cli({"nn", "eval", "--model", identity_model(6), "--dataset", path("nowhere")});
  EXPECT_EQ(no_data.exit_status, kExitUsage);
  EXPECT_NE(no_data.err.find(path("nowhere")), std::string::npos) << no_data.err;
  const auto no_options = run_cli({"nn", "eval"});
  EXPECT_EQ(no_options.exit_status, kExitUsage);
  EXPECT_NE(no_options.err.find("--model is required"), std::string::npos) << no_options.err;
}

}  // namespace
}  // namespace kirchhoff::cli
