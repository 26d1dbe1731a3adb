// Models exported by PyTorch, run by Kirchhoff, compared with PyTorch's outputs. Every
// subdirectory of tests/nn/data/ops holds one case in the layout of the ONNX backend tests:
// model.onnx, input_0.pb and output_0.pb (serialised onnx::TensorProto), written by
// data/models/make_test_models.py. Each case is one test; finding no case is a failure.
// The reference models of data/models must predict the same class as PyTorch for every image.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "kirchhoff/nn/dataset.hpp"
#include "kirchhoff/nn/evaluate.hpp"
#include "kirchhoff/nn/onnx_import.hpp"

#if !defined(KIRCHHOFF_NN_OPS_DIR) || !defined(KIRCHHOFF_NN_MODELS_DIR)
#error "KIRCHHOFF_NN_OPS_DIR and KIRCHHOFF_NN_MODELS_DIR must name tests/nn/data/ops, data/models"
#endif

namespace kirchhoff::nn {
namespace {

namespace fs = std::filesystem;

// |kirchhoff − torch| ≤ rtol·|torch| + atol: the engine sums in another order than PyTorch.
constexpr double kRelativeTolerance = 1e-5;
constexpr double kAbsoluteTolerance = 1e-6;

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(KIRCHHOFF_NN_OPS_DIR, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "model.onnx")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Tensor read_tensor(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream bytes;
  bytes << file.rdbuf();
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes.str()) || proto.data_type() != onnx::TensorProto::FLOAT) {
    throw std::runtime_error(path.string() + " is not a float TensorProto");
  }
  Shape shape(proto.dims().begin(), proto.dims().end());
  std::vector<float> values(static_cast<std::size_t>(element_count(shape)));
  if (!proto.raw_data().empty()) {
    if (proto.raw_data().size() != values.size() * sizeof(float)) {
      throw std::runtime_error(path.string() + ": raw_data size does not match the shape");
    }
    std::memcpy(values.data(), proto.raw_data().data(), proto.raw_data().size());
  } else {
    values.assign(proto.float_data().begin(), proto.float_data().end());
  }
  return Tensor(std::move(shape), std::move(values));
}

TEST(TorchReference, FindsCases) {
  EXPECT_FALSE(case_names().empty()) << "no case (model.onnx) under " << KIRCHHOFF_NN_OPS_DIR;
}

class TorchCase : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchCase, MatchesPyTorch) {
  const fs::path dir = fs::path(KIRCHHOFF_NN_OPS_DIR) / GetParam();
  const Network net = load_onnx((dir / "model.onnx").string());
  const Tensor input = read_tensor(dir / "input_0.pb");
  const Tensor expected = read_tensor(dir / "output_0.pb");
  const Tensor output = net.forward(input);
  ASSERT_EQ(output.shape, expected.shape);
  double worst = 0.0;
  for (std::size_t i = 0; i < output.data.size(); ++i) {
    const double b = static_cast<double>(expected.data[i]);
    const double d = std::abs(static_cast<double>(output.data[i]) - b);
    ASSERT_LE(d, kRelativeTolerance * std::abs(b) + kAbsoluteTolerance)
        << "element " << i << ": kirchhoff " << output.data[i] << ", torch " << b;
    worst = std::max(worst, d / (std::abs(b) + 1e-3));
  }
  std::ostringstream text;
  text << std::scientific << std::setprecision(2) << worst;
  RecordProperty("max_relative_difference", text.str());
}

INSTANTIATE_TEST_SUITE_P(Ops, TorchCase, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (auto& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TorchCase);

// An IDX labels file (plain or gzip): magic 0x00000801, count, then one byte per sample.
std::vector<std::uint8_t> read_labels(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot open " + path.string());
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[4096];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  gzclose(file);
  if (bytes.size() < 8 || bytes[2] != 0x08 || bytes[3] != 0x01) {
    throw std::runtime_error(path.string() + " is not an IDX labels file");
  }
  return {bytes.begin() + 8, bytes.end()};
}

// Every reference model (<name>.onnx with <name>.predictions-idx1-ubyte.gz, written by
// data/models/train.py) predicts PyTorch's class for every test image (all 10,000 with the
// Debian package, else the shipped first 1000).
TEST(ReferenceModels, PredictTheSameClassesAsPyTorch) {
  const Dataset test = load_dataset("fashion-mnist:test");
  int models = 0;
  for (const auto& entry : fs::directory_iterator(KIRCHHOFF_NN_MODELS_DIR)) {
    if (entry.path().extension() != ".onnx") continue;
    const fs::path predictions =
        fs::path(entry.path()).replace_extension(".predictions-idx1-ubyte.gz");
    if (!fs::exists(predictions)) continue;
    ++models;
    const Network net = load_onnx(entry.path().string());
    const FloatExecutor executor(net.linear_layers());
    const Accuracy accuracy = evaluate(net, test, executor, net.normalization());
    const auto torch = read_labels(predictions);
    ASSERT_GE(torch.size(), accuracy.predictions.size());
    std::int64_t differ = 0;
    for (std::size_t s = 0; s < accuracy.predictions.size(); ++s) {
      differ += accuracy.predictions[s] != torch[s] ? 1 : 0;
    }
    EXPECT_EQ(differ, 0) << entry.path().filename() << ": " << differ << " of " << accuracy.samples
                         << " predictions differ from PyTorch's";
  }
  EXPECT_GE(models, 1) << "no reference model with predictions in " << KIRCHHOFF_NN_MODELS_DIR;
}

}  // namespace
}  // namespace kirchhoff::nn
