// Models exported by PyTorch, run by Kirchhoff, compared with PyTorch's outputs. Every
// subdirectory of tests/nn/data/ops holds one case in the layout of the ONNX backend tests:
// model.onnx, input_0.pb and output_0.pb (serialised onnx::TensorProto), written by
// data/models/make_test_models.py. Each case is one test; finding no case is a failure.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "kirchhoff/nn/onnx_import.hpp"

#ifndef KIRCHHOFF_NN_OPS_DIR
#error "KIRCHHOFF_NN_OPS_DIR must name tests/nn/data/ops"
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

}  // namespace
}  // namespace kirchhoff::nn
