// ONNX import: every supported operator and variant against naive reference loops, shapes and
// descriptions, and every rejected input with its exception type and message.
#include "kirchhoff/nn/onnx_import.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "kirchhoff/core/error.hpp"
#include "onnx_builder.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::nn {
namespace {

using testing::Conv2d;
using testing::max_relative_error;
using testing::ModelBuilder;
using testing::random_tensor;
using testing::reference_conv;
using testing::reference_dense;
using testing::uniform;

constexpr double kTolerance = 2e-5;

// Runs f and checks that it throws E whose message contains every part.
template <class E>
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& p : parts) {
      EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// Element-wise map of a tensor, in double.
Tensor map(const Tensor& x, const std::function<double(double)>& f) {
  Tensor y = x;
  for (auto& v : y.data) v = static_cast<float>(f(static_cast<double>(v)));
  return y;
}

// ---------------------------------------------------------------------------------------------
// Conv

struct ConvCase {
  Shape input{};  // per sample, C×H×W
  Shape weights{};
  std::int64_t group = 1;
  std::vector<std::int64_t> strides{}, pads{};
  std::string auto_pad{};
  bool bias = true;
  bool raw = true;  // weights in raw_data (else float_data)
  Conv2d reference{};
  Shape expected_output{};
};

void check_conv(const ConvCase& c) {
  ModelBuilder b(c.input);
  const auto w = uniform(static_cast<std::size_t>(element_count(c.weights)), 11);
  const auto bias = uniform(static_cast<std::size_t>(c.weights[0]), 12);
  b.initializer("w", c.weights, w, c.raw);
  std::vector<std::string> inputs{"x", "w"};
  if (c.bias) {
    b.initializer("b", {c.weights[0]}, bias, c.raw);
    inputs.emplace_back("b");
  }
  auto& n = b.node("Conv", inputs, {"y"}, "conv");
  ModelBuilder::attr(n, "kernel_shape", std::vector<std::int64_t>{c.weights[2], c.weights[3]});
  if (c.group != 1) ModelBuilder::attr(n, "group", c.group);
  if (!c.strides.empty()) ModelBuilder::attr(n, "strides", c.strides);
  if (!c.pads.empty()) ModelBuilder::attr(n, "pads", c.pads);
  if (!c.auto_pad.empty()) ModelBuilder::attr(n, "auto_pad", c.auto_pad);
  b.output("y");
  const Network net = b.load();
  EXPECT_EQ(net.output_shape(), c.expected_output);
  Shape batched{3};
  batched.insert(batched.end(), c.input.begin(), c.input.end());
  const Tensor x = random_tensor(batched, 13);
  const Tensor y = net.forward(x);
  const Tensor expected =
      reference_conv(x, w, c.weights, c.bias ? bias : std::vector<float>{}, c.reference);
  EXPECT_LT(max_relative_error(y, expected, 0.1), kTolerance);
  ASSERT_EQ(net.linear_layers().size(), 1U);
  const LinearLayer& layer = net.linear_layers()[0];
  EXPECT_EQ(layer.op, "Conv");
  EXPECT_EQ(layer.name, "conv");
  EXPECT_EQ(layer.groups(), static_cast<std::size_t>(c.group));
  EXPECT_EQ(layer.vectors_per_sample, c.expected_output[1] * c.expected_output[2]);
  EXPECT_EQ(layer.inputs_per_group(), c.weights[1] * c.weights[2] * c.weights[3]);
  EXPECT_EQ(layer.outputs_per_group(), c.weights[0] / c.group);
}

TEST(OnnxConv, PaddedStrideOneWithBias) {
  check_conv({.input = {2, 7, 6},
              .weights = {4, 2, 3, 3},
              .pads = {1, 1, 1, 1},
              .reference = {.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1},
              .expected_output = {4, 7, 6}});
}

TEST(OnnxConv, StridedAsymmetricPadsWithoutBiasFromFloatData) {
  check_conv({.input = {3, 9, 8},
              .weights = {5, 3, 3, 2},
              .strides = {2, 3},
              .pads = {0, 1, 2, 0},
              .bias = false,
              .raw = false,
              .reference = {.stride_h = 2, .stride_w = 3, .pad_left = 1, .pad_bottom = 2},
              .expected_output = {5, 5, 3}});
}

TEST(OnnxConv, Groups) {
  check_conv(
      {.input = {4, 6, 6},
       .weights = {6, 2, 3, 3},
       .group = 2,
       .pads = {1, 1, 1, 1},
       .reference = {.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1, .groups = 2},
       .expected_output = {6, 6, 6}});
}

TEST(OnnxConv, DepthwiseGroups) {
  check_conv({.input = {3, 5, 5},
              .weights = {3, 1, 3, 3},
              .group = 3,
              .strides = {2, 2},
              .reference = {.stride_h = 2, .stride_w = 2, .groups = 3},
              .expected_output = {3, 2, 2}});
}

TEST(OnnxConv, AutoPadValid) {
  check_conv({.input = {1, 8, 7},
              .weights = {2, 1, 3, 3},
              .strides = {2, 2},
              .auto_pad = "VALID",
              .reference = {.stride_h = 2, .stride_w = 2},
              .expected_output = {2, 3, 3}});
}

// Kernel 4, stride 1: 3 padding rows, the odd one at the end (UPPER) or the beginning (LOWER).
TEST(OnnxConv, AutoPadSameUpperAndLower) {
  check_conv({.input = {1, 6, 5},
              .weights = {2, 1, 4, 4},
              .auto_pad = "SAME_UPPER",
              .reference = {.pad_top = 1, .pad_left = 1, .pad_bottom = 2, .pad_right = 2},
              .expected_output = {2, 6, 5}});
  check_conv({.input = {1, 6, 5},
              .weights = {2, 1, 4, 4},
              .auto_pad = "SAME_LOWER",
              .reference = {.pad_top = 2, .pad_left = 2, .pad_bottom = 1, .pad_right = 1},
              .expected_output = {2, 6, 5}});
  // Stride 2 on 7 rows: 4 outputs, (4−1)·2 + 3 − 7 = 2 padding rows.
  check_conv({.input = {1, 7, 7},
              .weights = {2, 1, 3, 3},
              .strides = {2, 2},
              .auto_pad = "SAME_UPPER",
              .reference = {.stride_h = 2,
                            .stride_w = 2,
                            .pad_top = 1,
                            .pad_left = 1,
                            .pad_bottom = 1,
                            .pad_right = 1},
              .expected_output = {2, 4, 4}});
}

ModelBuilder single_conv(const std::function<void(onnx::NodeProto&)>& attributes) {
  ModelBuilder b({2, 5, 5});
  b.initializer("w", {3, 2, 3, 3}, uniform(54, 1));
  auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv1");
  attributes(n);
  b.output("y");
  return b;
}

TEST(OnnxConv, DilationsAreRefusedByName) {
  const auto b = single_conv([](auto& n) {
    ModelBuilder::attr(n, "dilations", std::vector<std::int64_t>{2, 2});
  });
  expect_error<FormatError>(
      [&] { (void)b.load("m.onnx"); },
      {"ONNX model 'm.onnx'", "node 'conv1' (#0, Conv)", "dilations [2,2]", "not supported"});
  // Dilation 1 is the default and accepted.
  const auto ok = single_conv([](auto& n) {
    ModelBuilder::attr(n, "dilations", std::vector<std::int64_t>{1, 1});
  });
  EXPECT_EQ(ok.load().output_shape(), (Shape{3, 3, 3}));
}

TEST(OnnxConv, BadAttributesAndShapesAreRefused) {
  expect_error<FormatError>(
      [] {
        (void)single_conv([](auto& n) {
          ModelBuilder::attr(n, "kernel_shape", std::vector<std::int64_t>{5, 5});
        }).load();
      },
      {"conv1", "kernel_shape [5,5] differs from the weights' 3x3"});
  expect_error<FormatError>(
      [] {
        (void)single_conv([](auto& n) { ModelBuilder::attr(n, "group", std::int64_t{2}); }).load();
      },
      {"conv1", "with group 2 do not fit an input of 2 channels"});
  expect_error<FormatError>(
      [] {
        (void)single_conv([](auto& n) {
          ModelBuilder::attr(n, "auto_pad", std::string("SAME"));
        }).load();
      },
      {"conv1", "auto_pad 'SAME' is not one of"});
  expect_error<FormatError>(
      [] {
        (void)single_conv([](auto& n) {
          ModelBuilder::attr(n, "pads", std::vector<std::int64_t>{1, 1});
        }).load();
      },
      {"conv1", "pads [1,1]: four values"});
  expect_error<FormatError>(
      [] {
        (void)single_conv([](auto& n) { ModelBuilder::attr(n, "bogus", std::int64_t{1}); }).load();
      },
      {"node 'conv1' (#0, Conv)", "unsupported attribute 'bogus'"});
  expect_error<FormatError>(
      [] { (void)single_conv([](auto& n) { ModelBuilder::attr(n, "group", 2.0F); }).load(); },
      {"conv1", "attribute 'group' has type FLOAT, expected INT"});
  // A kernel larger than the input.
  ModelBuilder big({1, 2, 2});
  big.initializer("w", {1, 1, 3, 3}, uniform(9, 1));
  big.node("Conv", {"x", "w"}, {"y"});
  big.output("y");
  expect_error<FormatError>([&] { (void)big.load(); }, {"node 'Conv_0' (#0, Conv)",
                                                        "kernel 3x3 is larger than the padded "
                                                        "input 2x2"});
}

// ---------------------------------------------------------------------------------------------
// Gemm and MatMul

TEST(OnnxGemm, TransposedWeightsAlphaBetaFolded) {
  ModelBuilder b({6});
  const auto w = uniform(4 * 6, 3);  // {outputs, inputs}: transB
  const auto c = uniform(4, 4);
  b.initializer("B", {4, 6}, w);
  b.initializer("C", {4}, c);
  auto& n = b.node("Gemm", {"x", "B", "C"}, {"y"}, "fc");
  ModelBuilder::attr(n, "transB", std::int64_t{1});
  ModelBuilder::attr(n, "alpha", 0.5F);
  ModelBuilder::attr(n, "beta", 2.0F);
  b.output("y");
  const Network net = b.load();
  const Tensor x = random_tensor({5, 6}, 5);
  // Reference: y = 0.5·x·Bᵀ + 2·C.
  std::vector<float> wt(6 * 4), bias(4);
  for (int k = 0; k < 6; ++k) {
    for (int j = 0; j < 4; ++j)
      wt[static_cast<std::size_t>(k * 4 + j)] = 0.5F * w[static_cast<std::size_t>(j * 6 + k)];
  }
  for (int j = 0; j < 4; ++j)
    bias[static_cast<std::size_t>(j)] = 2.0F * c[static_cast<std::size_t>(j)];
  EXPECT_LT(max_relative_error(net.forward(x), reference_dense(x, wt, 4, bias)), kTolerance);
  EXPECT_EQ(net.output_shape(), Shape{4});
  const auto info = net.describe();
  ASSERT_EQ(info.size(), 1U);
  EXPECT_EQ(info[0].parameters, 6 * 4 + 4);
  EXPECT_EQ(info[0].linear_layer, 0);
  EXPECT_EQ(info[0].note, "alpha 0.5 folded, beta 2 folded");
}

TEST(OnnxGemm, PlainWeightsWithRowBiasScalarBiasAndNoBias) {
  const auto w = uniform(6 * 3, 6);  // {inputs, outputs}
  const auto c = uniform(3, 7);
  const Tensor x = random_tensor({4, 6}, 8);
  for (const Shape& c_shape : {Shape{1, 3}, Shape{}, Shape{1}, Shape{0}}) {
    ModelBuilder b({6});
    b.initializer("B", {6, 3}, w);
    std::vector<std::string> inputs{"x", "B"};
    std::vector<float> bias;
    if (c_shape != Shape{0}) {
      const auto values = c_shape == Shape{1, 3} ? c : std::vector<float>{c[0]};
      b.initializer("C", c_shape, values);
      inputs.emplace_back("C");
      bias = c_shape == Shape{1, 3} ? c : std::vector<float>(3, c[0]);
    }
    b.node("Gemm", inputs, {"y"});
    b.output("y");
    EXPECT_LT(max_relative_error(b.load().forward(x), reference_dense(x, w, 3, bias)), kTolerance)
        << to_string(c_shape);
  }
}

TEST(OnnxGemm, RefusesTransAPerSampleBiasAndWrongSizes) {
  const auto gemm = [](const std::function<void(ModelBuilder&, onnx::NodeProto&)>& edit) {
    ModelBuilder b({6});
    b.initializer("B", {6, 3}, uniform(18, 1));
    auto& n = b.node("Gemm", {"x", "B"}, {"y"}, "fc1");
    edit(b, n);
    b.output("y");
    return b;
  };
  expect_error<FormatError>(
      [&] {
        (void)gemm([](auto&, auto& n) { ModelBuilder::attr(n, "transA", std::int64_t{1}); }).load();
      },
      {"node 'fc1' (#0, Gemm)", "transA = 1 is not supported"});
  expect_error<FormatError>(
      [&] {
        (void)gemm([](auto& b, auto& n) {
          b.initializer("C", {2, 3}, uniform(6, 2));
          n.mutable_input()->Add(std::string("C"));
        }).load();
      },
      {"fc1", "C of shape 2x3 does not broadcast"});
  expect_error<FormatError>(
      [&] {
        (void)gemm([](auto&, auto& n) { ModelBuilder::attr(n, "transB", std::int64_t{1}); }).load();
      },
      {"fc1", "B of shape 6x3 (transB) takes 3 inputs, but A has 6"});
  // Gemm on a 4-D tensor needs a Flatten first.
  ModelBuilder image({1, 2, 3});
  image.initializer("B", {6, 3}, uniform(18, 1));
  image.node("Gemm", {"x", "B"}, {"y"}, "fc");
  image.output("y");
  expect_error<FormatError>([&] { (void)image.load(); },
                            {"fc", "input A of shape Nx1x2x3", "flatten it first"});
}

TEST(OnnxMatMul, RowsOfEveryDimensionAreVectors) {
  // Per sample {3, 4} × {4, 5}: three vectors per sample.
  ModelBuilder b({3, 4});
  const auto w = uniform(20, 21);
  b.initializer("W", {4, 5}, w);
  b.node("MatMul", {"x", "W"}, {"y"}, "mm");
  b.output("y");
  const Network net = b.load();
  EXPECT_EQ(net.output_shape(), (Shape{3, 5}));
  EXPECT_EQ(net.linear_layers()[0].vectors_per_sample, 3);
  const Tensor x = random_tensor({2, 3, 4}, 22);
  const Tensor flat({6, 4}, x.data);
  Tensor expected = reference_dense(flat, w, 5, {});
  expected.shape = {2, 3, 5};
  EXPECT_LT(max_relative_error(net.forward(x), expected), kTolerance);
}

TEST(OnnxMatMul, RefusesAComputedWeightMatrix) {
  ModelBuilder b({4});
  b.initializer("W", {4, 4}, uniform(16, 1));
  b.node("MatMul", {"W", "x"}, {"y"}, "mm");
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load(); },
                            {"node 'mm' (#0, MatMul)", "constant × tensor is not supported"});
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

struct BatchNorm {
  std::vector<float> scale, shift, mean, var;
  float epsilon = 1e-3F;
};

BatchNorm batch_norm(std::int64_t channels, std::uint32_t seed) {
  const auto n = static_cast<std::size_t>(channels);
  return {uniform(n, seed, 0.5F, 1.5F), uniform(n, seed + 1, -0.3F, 0.3F),
          uniform(n, seed + 2, -0.5F, 0.5F), uniform(n, seed + 3, 0.2F, 2.0F)};
}

void add_batch_norm(ModelBuilder& b, const BatchNorm& bn, const std::string& in,
                    const std::string& out, const std::string& name) {
  const auto c = static_cast<std::int64_t>(bn.scale.size());
  b.initializer(name + ".scale", {c}, bn.scale);
  b.initializer(name + ".B", {c}, bn.shift);
  b.initializer(name + ".mean", {c}, bn.mean);
  b.initializer(name + ".var", {c}, bn.var);
  auto& n = b.node("BatchNormalization",
                   {in, name + ".scale", name + ".B", name + ".mean", name + ".var"}, {out}, name);
  ModelBuilder::attr(n, "epsilon", bn.epsilon);
}

// The unfolded computation, in double, along dimension 1.
Tensor reference_batch_norm(const Tensor& x, const BatchNorm& bn) {
  Tensor y = x;
  const std::int64_t c = x.shape[1];
  const std::int64_t inner = element_count(x.shape) / (x.shape[0] * c);
  for (std::size_t i = 0; i < y.data.size(); ++i) {
    const auto ch = static_cast<std::size_t>((static_cast<std::int64_t>(i) / inner) % c);
    const double v =
        (static_cast<double>(x.data[i]) - static_cast<double>(bn.mean[ch])) /
            std::sqrt(static_cast<double>(bn.var[ch]) + static_cast<double>(bn.epsilon)) *
            static_cast<double>(bn.scale[ch]) +
        static_cast<double>(bn.shift[ch]);
    y.data[i] = static_cast<float>(v);
  }
  return y;
}

TEST(OnnxBatchNorm, FoldedIntoConvEqualsTheUnfoldedComputation) {
  ModelBuilder b({2, 6, 6});
  const auto w = uniform(4 * 2 * 9, 31);
  const auto bias = uniform(4, 32);
  b.initializer("w", {4, 2, 3, 3}, w);
  b.initializer("b", {4}, bias);
  auto& conv = b.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  ModelBuilder::attr(conv, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  const BatchNorm bn = batch_norm(4, 33);
  add_batch_norm(b, bn, "c", "y", "bn");
  b.output("y");
  const Network net = b.load();
  const Tensor x = random_tensor({3, 2, 6, 6}, 34);
  const Tensor expected = reference_batch_norm(
      reference_conv(x, w, {4, 2, 3, 3}, bias,
                     {.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1}),
      bn);
  EXPECT_LT(max_relative_error(net.forward(x), expected, 1.0), 2e-6);
  const auto info = net.describe();
  ASSERT_EQ(info.size(), 2U);
  EXPECT_EQ(info[0].note,
            "3x3 kernel, stride 1x1, pads 1,1,1,1, 36 vectors/sample; "
            "BatchNormalization 'bn' folded in");
  EXPECT_EQ(info[0].parameters, 4 * 2 * 9 + 4);
  EXPECT_EQ(info[1].op, "BatchNormalization");
  EXPECT_EQ(info[1].note, "folded into conv");
  EXPECT_EQ(info[1].parameters, 0);
  EXPECT_EQ(info[1].linear_layer, -1);
  EXPECT_EQ(info[1].output_shape, (Shape{4, 6, 6}));
}

TEST(OnnxBatchNorm, FoldedIntoGemmAndConvWithoutBias) {
  ModelBuilder b({5});
  const auto w = uniform(5 * 3, 41);
  b.initializer("W", {5, 3}, w);
  b.node("Gemm", {"x", "W"}, {"g"}, "fc");
  const BatchNorm bn = batch_norm(3, 42);
  add_batch_norm(b, bn, "g", "y", "bn");
  b.output("y");
  const Network net = b.load();
  EXPECT_EQ(net.describe()[1].note, "folded into fc");
  const Tensor x = random_tensor({4, 5}, 43);
  EXPECT_LT(max_relative_error(net.forward(x),
                               reference_batch_norm(reference_dense(x, w, 3, {}), bn), 1.0),
            2e-6);
}

TEST(OnnxBatchNorm, StandaloneWhenTheLayerOutputIsAlsoUsedElsewhere) {
  // conv → BN and conv → Add(BN, conv): the conv output has two readers, so no folding.
  ModelBuilder b({2, 4, 4});
  const auto w = uniform(2 * 2, 51);
  b.initializer("w", {2, 2, 1, 1}, w);
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  const BatchNorm bn = batch_norm(2, 52);
  add_batch_norm(b, bn, "c", "n", "bn");
  b.node("Add", {"n", "c"}, {"y"}, "sum");
  b.output("y");
  const Network net = b.load();
  const auto info = net.describe();
  EXPECT_EQ(info[1].note,
            "per-channel affine, not folded: the output of conv is also used "
            "elsewhere");
  EXPECT_EQ(info[1].parameters, 4);
  const Tensor x = random_tensor({2, 2, 4, 4}, 53);
  const Tensor c = reference_conv(x, w, {2, 2, 1, 1}, {}, {});
  Tensor expected = reference_batch_norm(c, bn);
  for (std::size_t i = 0; i < expected.data.size(); ++i) expected.data[i] += c.data[i];
  EXPECT_LT(max_relative_error(net.forward(x), expected, 1.0), 2e-6);
}

TEST(OnnxBatchNorm, StandaloneAfterANonLinearNodeAndOnTheInput) {
  ModelBuilder b({3, 2, 2});
  b.node("Relu", {"x"}, {"r"});
  const BatchNorm bn = batch_norm(3, 61);
  add_batch_norm(b, bn, "r", "y", "bn");
  b.output("y");
  const Network net = b.load();
  EXPECT_EQ(net.describe()[1].note,
            "per-channel affine, not folded: its input is not the output of a Conv, Gemm or "
            "MatMul");
  const Tensor x = random_tensor({2, 3, 2, 2}, 62);
  EXPECT_LT(max_relative_error(
                net.forward(x),
                reference_batch_norm(map(x, [](double v) { return std::max(v, 0.0); }), bn), 1.0),
            2e-6);
}

TEST(OnnxBatchNorm, RefusesTrainingModeAndUsedStatistics) {
  ModelBuilder b({2});
  const BatchNorm bn = batch_norm(2, 1);
  add_batch_norm(b, bn, "x", "y", "bn");
  ModelBuilder::attr(*b.graph().mutable_node(0), "training_mode", std::int64_t{1});
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load(); },
                            {"node 'bn' (#0, BatchNormalization)", "training_mode = 1"});
  ModelBuilder s({2});
  add_batch_norm(s, bn, "x", "y", "bn");
  s.graph().mutable_node(0)->add_output("running_mean");
  s.node("Relu", {"running_mean"}, {"z"});
  s.output("y");
  expect_error<FormatError>([&] { (void)s.load(); },
                            {"node 'bn' (#0, BatchNormalization)",
                             "output 1 (training statistics) 'running_mean' is used"});
}

// ---------------------------------------------------------------------------------------------
// Element-wise operators

Tensor run_unary(const std::string& op, const Tensor& x,
                 const std::function<void(ModelBuilder&, onnx::NodeProto&)>& edit = {},
                 std::int64_t opset = 13) {
  Shape per_sample(x.shape.begin() + 1, x.shape.end());
  ModelBuilder b(per_sample, opset);
  auto& n = b.node(op, {"x"}, {"y"});
  if (edit) edit(b, n);
  b.output("y");
  return b.load().forward(x);
}

TEST(OnnxElementwise, ReluSigmoidTanh) {
  const Tensor x = random_tensor({2, 3, 4}, 71, -4.0F, 4.0F);
  EXPECT_EQ(
      max_relative_error(run_unary("Relu", x), map(x, [](double v) { return v > 0 ? v : 0.0; })),
      0.0);
  EXPECT_LT(max_relative_error(run_unary("Sigmoid", x),
                               map(x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); })),
            1e-6);
  EXPECT_LT(max_relative_error(run_unary("Tanh", x), map(x, [](double v) { return std::tanh(v); })),
            1e-6);
}

TEST(OnnxElementwise, ClipFromInputsAttributesOrUnbounded) {
  const Tensor x = random_tensor({2, 10}, 72, -3.0F, 3.0F);
  const auto clipped = [&](double lo, double hi) {
    return map(x, [=](double v) { return std::min(std::max(v, lo), hi); });
  };
  // Opset 13: min and max as inputs, either may be missing (empty name).
  const auto with_inputs = [](const std::string& lo, const std::string& hi) {
    return [=](ModelBuilder& b, onnx::NodeProto& n) {
      n.add_input(lo.empty() ? "" : "lo");
      if (!lo.empty()) b.initializer("lo", {}, {std::stof(lo)});
      if (!hi.empty()) {
        n.add_input("hi");
        b.initializer("hi", {}, {std::stof(hi)});
      }
    };
  };
  EXPECT_EQ(max_relative_error(run_unary("Clip", x, with_inputs("-1", "2")), clipped(-1, 2)), 0.0);
  EXPECT_EQ(max_relative_error(run_unary("Clip", x, with_inputs("", "0.5")), clipped(-1e30, 0.5)),
            0.0);
  EXPECT_EQ(max_relative_error(run_unary("Clip", x, with_inputs("0", "")), clipped(0, 1e30)), 0.0);
  EXPECT_EQ(max_relative_error(run_unary("Clip", x), x), 0.0);
  // ReLU6 written by older exporters: attributes in opset 6.
  const auto attributes = [](ModelBuilder&, onnx::NodeProto& n) {
    ModelBuilder::attr(n, "min", 0.0F);
    ModelBuilder::attr(n, "max", 6.0F);
  };
  const Tensor big = random_tensor({2, 10}, 73, -10.0F, 10.0F);
  EXPECT_EQ(max_relative_error(run_unary("Clip", big, attributes, 6),
                               map(big, [](double v) { return std::min(std::max(v, 0.0), 6.0); })),
            0.0);
  // Attributes are not allowed from opset 11 on.
  expect_error<FormatError>([&] { (void)run_unary("Clip", x, attributes, 11); },
                            {"Clip_0", "unsupported attribute 'min'"});
}

// ---------------------------------------------------------------------------------------------
// Pooling

struct PoolCase {
  bool max = true;
  Shape input{};  // C×H×W
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1;
  std::int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // reference padding
  std::vector<std::int64_t> pads{};             // the attribute (empty: none)
  std::string auto_pad{};
  bool ceil_mode = false, count_include_pad = false;
  Shape expected_output{};
};

// Direct pooling as PyTorch: a window clipped to the input; the count_include_pad divisor counts
// the window inside the padded input.
Tensor reference_pool(const Tensor& x, const PoolCase& c) {
  const std::int64_t n = x.shape[0], ch = x.shape[1], h = x.shape[2], w = x.shape[3];
  const std::int64_t oh_n = c.expected_output[1], ow_n = c.expected_output[2];
  Tensor y({n, ch, oh_n, ow_n});
  std::size_t k = 0;
  for (std::int64_t p = 0; p < n * ch; ++p) {
    for (std::int64_t oh = 0; oh < oh_n; ++oh) {
      for (std::int64_t ow = 0; ow < ow_n; ++ow) {
        const std::int64_t h0 = oh * c.sh - c.pt, w0 = ow * c.sw - c.pl;
        double best = -INFINITY, sum = 0.0;
        std::int64_t count = 0;
        for (std::int64_t i = std::max<std::int64_t>(h0, 0); i < std::min(h0 + c.kh, h); ++i) {
          for (std::int64_t j = std::max<std::int64_t>(w0, 0); j < std::min(w0 + c.kw, w); ++j) {
            const double v =
                static_cast<double>(x.data[static_cast<std::size_t>((p * h + i) * w + j)]);
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        }
        if (c.count_include_pad) {
          count = (std::min(h0 + c.kh, h + c.pb) - h0) * (std::min(w0 + c.kw, w + c.pr) - w0);
        }
        y.data[k++] = static_cast<float>(c.max ? best : sum / static_cast<double>(count));
      }
    }
  }
  return y;
}

void check_pool(const PoolCase& c) {
  ModelBuilder b(c.input);
  auto& n = b.node(c.max ? "MaxPool" : "AveragePool", {"x"}, {"y"}, "pool");
  ModelBuilder::attr(n, "kernel_shape", std::vector<std::int64_t>{c.kh, c.kw});
  ModelBuilder::attr(n, "strides", std::vector<std::int64_t>{c.sh, c.sw});
  if (!c.pads.empty()) ModelBuilder::attr(n, "pads", c.pads);
  if (!c.auto_pad.empty()) ModelBuilder::attr(n, "auto_pad", c.auto_pad);
  if (c.ceil_mode) ModelBuilder::attr(n, "ceil_mode", std::int64_t{1});
  if (c.count_include_pad) ModelBuilder::attr(n, "count_include_pad", std::int64_t{1});
  b.output("y");
  const Network net = b.load();
  ASSERT_EQ(net.output_shape(), c.expected_output);
  Shape batched{2};
  batched.insert(batched.end(), c.input.begin(), c.input.end());
  const Tensor x = random_tensor(batched, 81);
  EXPECT_LT(max_relative_error(net.forward(x), reference_pool(x, c), 0.1), 1e-5)
      << to_string(c.input) << " kernel " << c.kh << "x" << c.kw << " stride " << c.sh << "x"
      << c.sw << " pads " << c.pt << "," << c.pl << "," << c.pb << "," << c.pr << " ceil "
      << c.ceil_mode;
}

TEST(OnnxPool, MaxPoolVariants) {
  // 2×2 / stride 2 (the fast path), also on an odd size that drops the last row and column.
  check_pool(
      {.input = {3, 8, 6}, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .expected_output = {3, 4, 3}});
  check_pool(
      {.input = {2, 7, 7}, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .expected_output = {2, 3, 3}});
  // 3×3 / stride 2 / pad 1 (ResNet stem).
  check_pool({.input = {2, 9, 8},
              .kh = 3,
              .kw = 3,
              .sh = 2,
              .sw = 2,
              .pt = 1,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .pads = {1, 1, 1, 1},
              .expected_output = {2, 5, 4}});
  // ceil_mode: 7 rows, kernel 2, stride 2 → 4 outputs, the last window is one row.
  check_pool({.input = {1, 7, 7},
              .kh = 2,
              .kw = 2,
              .sh = 2,
              .sw = 2,
              .ceil_mode = true,
              .expected_output = {1, 4, 4}});
  // ceil_mode with padding: no window may start in the bottom padding (PyTorch's rule):
  // (6 + 2 − 3)/2 rounded up + 1 = 4, but the 4th would start at row 6 ≥ 6 + 1 → 3.
  check_pool({.input = {1, 6, 6},
              .kh = 3,
              .kw = 3,
              .sh = 2,
              .sw = 2,
              .pt = 1,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .pads = {1, 1, 1, 1},
              .ceil_mode = true,
              .expected_output = {1, 4, 4}});
  check_pool({.input = {1, 5, 5},
              .kh = 2,
              .kw = 2,
              .sh = 2,
              .sw = 2,
              .pt = 1,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .pads = {1, 1, 1, 1},
              .ceil_mode = true,
              .expected_output = {1, 3, 3}});
  // SAME_UPPER: 6 rows → 3 outputs, 1 padding row at the bottom; 5 columns → 2, one each side.
  check_pool({.input = {1, 6, 5},
              .kh = 3,
              .kw = 3,
              .sh = 2,
              .sw = 2,
              .pt = 0,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .auto_pad = "SAME_UPPER",
              .expected_output = {1, 3, 3}});
}

TEST(OnnxPool, AveragePoolVariants) {
  check_pool({.max = false,
              .input = {2, 6, 6},
              .kh = 2,
              .kw = 2,
              .sh = 2,
              .sw = 2,
              .expected_output = {2, 3, 3}});
  // Padding excluded from the divisor (default) or included.
  check_pool({.max = false,
              .input = {2, 5, 6},
              .kh = 3,
              .kw = 3,
              .sh = 1,
              .sw = 2,
              .pt = 1,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .pads = {1, 1, 1, 1},
              .expected_output = {2, 5, 3}});
  check_pool({.max = false,
              .input = {2, 5, 6},
              .kh = 3,
              .kw = 3,
              .sh = 1,
              .sw = 2,
              .pt = 1,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .pads = {1, 1, 1, 1},
              .count_include_pad = true,
              .expected_output = {2, 5, 3}});
  // ceil_mode with count_include_pad: the last window reaches past the padded input and only
  // its part inside counts.
  check_pool({.max = false,
              .input = {1, 6, 6},
              .kh = 3,
              .kw = 3,
              .sh = 2,
              .sw = 2,
              .pt = 1,
              .pl = 1,
              .pb = 1,
              .pr = 1,
              .pads = {1, 1, 1, 1},
              .ceil_mode = true,
              .count_include_pad = true,
              .expected_output = {1, 4, 4}});
  check_pool({.max = false,
              .input = {1, 7, 7},
              .kh = 2,
              .kw = 2,
              .sh = 2,
              .sw = 2,
              .ceil_mode = true,
              .expected_output = {1, 4, 4}});
}

TEST(OnnxPool, GlobalAveragePool) {
  ModelBuilder b({3, 5, 4});
  b.node("GlobalAveragePool", {"x"}, {"y"});
  b.output("y");
  const Network net = b.load();
  EXPECT_EQ(net.output_shape(), (Shape{3, 1, 1}));
  const Tensor x = random_tensor({2, 3, 5, 4}, 91);
  Tensor expected({2, 3, 1, 1});
  for (std::size_t p = 0; p < 6; ++p) {
    double sum = 0.0;
    for (std::size_t k = 0; k < 20; ++k) sum += static_cast<double>(x.data[p * 20 + k]);
    expected.data[p] = static_cast<float>(sum / 20.0);
  }
  EXPECT_LT(max_relative_error(net.forward(x), expected), 1e-6);
}

TEST(OnnxPool, RefusesIndicesDilationsAndWindowsInThePadding) {
  const auto pool = [](const std::function<void(ModelBuilder&, onnx::NodeProto&)>& edit) {
    ModelBuilder b({1, 6, 6});
    auto& n = b.node("MaxPool", {"x"}, {"y"}, "pool1");
    ModelBuilder::attr(n, "kernel_shape", std::vector<std::int64_t>{2, 2});
    edit(b, n);
    b.output("y");
    return b;
  };
  expect_error<FormatError>(
      [&] {
        (void)pool([](auto& b, auto& n) {
          n.add_output("idx");
          b.node("Relu", {"idx"}, {"z"});
        }).load();
      },
      {"node 'pool1' (#0, MaxPool)", "output 1 (Indices) 'idx' is used"});
  expect_error<FormatError>(
      [&] {
        (void)pool([](auto&, auto& n) {
          ModelBuilder::attr(n, "dilations", std::vector<std::int64_t>{2, 2});
        }).load();
      },
      {"pool1", "dilations [2,2] are not supported"});
  expect_error<FormatError>(
      [&] {
        (void)pool([](auto&, auto& n) {
          ModelBuilder::attr(n, "pads", std::vector<std::int64_t>{2, 0, 2, 0});
        }).load();
      },
      {"pool1", "leave a pooling window without input"});
  ModelBuilder no_kernel({1, 4, 4});
  no_kernel.node("AveragePool", {"x"}, {"y"});
  no_kernel.output("y");
  expect_error<FormatError>([&] { (void)no_kernel.load(); },
                            {"AveragePool_0", "kernel_shape []: two values"});
}

// ---------------------------------------------------------------------------------------------
// Shapes: Flatten, Reshape

TEST(OnnxShape, FlattenKeepsTheBatch) {
  for (const std::int64_t axis : {1, -3}) {
    ModelBuilder b({2, 3, 4});
    auto& n = b.node("Flatten", {"x"}, {"y"});
    ModelBuilder::attr(n, "axis", axis);
    b.output("y");
    const Network net = b.load();
    EXPECT_EQ(net.output_shape(), Shape{24});
    const Tensor x = random_tensor({2, 2, 3, 4}, 1);
    const Tensor y = net.forward(x);
    EXPECT_EQ(y.shape, (Shape{2, 24}));
    EXPECT_EQ(y.data, x.data);
  }
  ModelBuilder b({2, 3, 4});
  ModelBuilder::attr(b.node("Flatten", {"x"}, {"y"}, "flat"), "axis", std::int64_t{2});
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load(); }, {"node 'flat' (#0, Flatten)",
                                                      "axis 2 of a 4-D input would mix samples"});
}

TEST(OnnxShape, ReshapeFromAnInitializerOrAConstantNode) {
  const Tensor x = random_tensor({3, 2, 3, 4}, 2);
  {
    ModelBuilder b({2, 3, 4});
    b.initializer_int64("shape", {0, -1});
    b.node("Reshape", {"x", "shape"}, {"y"});
    b.output("y");
    const Network net = b.load();
    EXPECT_EQ(net.output_shape(), Shape{24});
    EXPECT_EQ(net.forward(x).data, x.data);
    EXPECT_EQ(net.describe()[0].note, "shape [0,-1]");
  }
  {
    ModelBuilder b({2, 3, 4});
    auto& c = b.node("Constant", {}, {"shape"}, "shape_const");
    auto* a = c.add_attribute();
    a->set_name("value_ints");
    a->set_type(onnx::AttributeProto::INTS);
    for (std::int64_t v : {-1, 4, 0, 2}) a->add_ints(v);  // 0 copies input dimension 2 (= 3)
    b.node("Reshape", {"x", "shape"}, {"y"});
    b.output("y");
    const Network net = b.load();
    EXPECT_EQ(net.output_shape(), (Shape{4, 3, 2}));
    EXPECT_EQ(net.forward(x).shape, (Shape{3, 4, 3, 2}));
    const auto info = net.describe();
    EXPECT_EQ(info[0].op, "Constant");
    EXPECT_EQ(info[0].output_shape, Shape{4});
    EXPECT_EQ(info[0].note, "constant");
  }
  {
    // With a fixed batch size of 1, torch exports {1, -1}: dimension 0 is the batch.
    ModelBuilder b({2, 3, 4}, 13, 1);
    b.initializer_int64("shape", {1, 6, -1});
    b.node("Reshape", {"x", "shape"}, {"y"});
    b.output("y");
    EXPECT_EQ(b.load().output_shape(), (Shape{6, 4}));
  }
}

TEST(OnnxShape, ReshapeThatMixesSamplesIsRefused) {
  const auto reshape = [](const std::vector<std::int64_t>& s) {
    ModelBuilder b({2, 3, 4});
    b.initializer_int64("shape", s);
    b.node("Reshape", {"x", "shape"}, {"y"}, "rs");
    b.output("y");
    return b;
  };
  expect_error<FormatError>(
      [&] {
        (void)reshape({1, -1}).load();
      },
      {"node 'rs' (#0, Reshape)", "shape [1,-1] does not keep the batch"});
  expect_error<FormatError>(
      [&] {
        (void)reshape({-1, 5}).load();
      },
      {"rs", "shape [-1,5] does not fit an input of Nx2x3x4"});
  expect_error<FormatError>(
      [&] {
        (void)reshape({0, -1, -1}).load();
      },
      {"rs", "entry 2 = -1 is not allowed"});
}

// ---------------------------------------------------------------------------------------------
// Add, Concat, Softmax

TEST(OnnxAdd, TwoTensorsAndBroadcasting) {
  // Residual: x + relu(x), same shapes.
  {
    ModelBuilder b({2, 3, 3});
    b.node("Relu", {"x"}, {"r"});
    b.node("Add", {"x", "r"}, {"y"});
    b.output("y");
    const Tensor x = random_tensor({2, 2, 3, 3}, 3);
    EXPECT_LT(max_relative_error(b.load().forward(x),
                                 map(x, [](double v) { return v + std::max(v, 0.0); })),
              1e-7);
  }
  // x {C,H,W} + its global average {C,1,1}: numpy broadcasting between two tensors.
  {
    ModelBuilder b({2, 3, 4});
    b.node("GlobalAveragePool", {"x"}, {"g"});
    b.node("Add", {"g", "x"}, {"y"});
    b.output("y");
    const Network net = b.load();
    EXPECT_EQ(net.output_shape(), (Shape{2, 3, 4}));
    const Tensor x = random_tensor({2, 2, 3, 4}, 4);
    Tensor expected = x;
    for (std::size_t p = 0; p < 4; ++p) {
      double sum = 0.0;
      for (std::size_t k = 0; k < 12; ++k) sum += static_cast<double>(x.data[p * 12 + k]);
      for (std::size_t k = 0; k < 12; ++k) {
        expected.data[p * 12 + k] =
            static_cast<float>(static_cast<double>(x.data[p * 12 + k]) + sum / 12.0);
      }
    }
    EXPECT_LT(max_relative_error(net.forward(x), expected), 1e-6);
  }
}

TEST(OnnxAdd, Constants) {
  const Tensor x = random_tensor({2, 2, 3, 2}, 5);
  const auto with_constant = [&](const Shape& shape, const std::vector<float>& v, bool first) {
    ModelBuilder b({2, 3, 2});
    b.initializer("k", shape, v);
    b.node("Add", first ? std::vector<std::string>{"k", "x"} : std::vector<std::string>{"x", "k"},
           {"y"});
    b.output("y");
    return b.load().forward(x);
  };
  // Per channel {C,1,1}, with a leading batch dimension of 1, a row {W}, a scalar.
  Tensor per_channel = x, per_column = x, scalar = x;
  for (std::size_t i = 0; i < x.data.size(); ++i) {
    per_channel.data[i] += (i / 6) % 2 == 0 ? 1.0F : -2.0F;
    per_column.data[i] += i % 2 == 0 ? 0.25F : 0.5F;
    scalar.data[i] += 3.0F;
  }
  EXPECT_EQ(max_relative_error(with_constant({2, 1, 1}, {1.0F, -2.0F}, false), per_channel), 0.0);
  EXPECT_EQ(max_relative_error(with_constant({1, 2, 1, 1}, {1.0F, -2.0F}, true), per_channel), 0.0);
  EXPECT_EQ(max_relative_error(with_constant({2}, {0.25F, 0.5F}, false), per_column), 0.0);
  EXPECT_EQ(max_relative_error(with_constant({}, {3.0F}, true), scalar), 0.0);
  expect_error<FormatError>(
      [&] {
        (void)with_constant({2, 2, 1, 1}, {1, 2, 3, 4}, false);
      },
      {"Add_0", "constant of shape 2x2x1x1 would broadcast over the batch"});
  expect_error<FormatError>(
      [&] {
        (void)with_constant({3}, {1, 2, 3}, false);
      },
      {"Add_0", "shapes Nx2x3x2 and Nx1x1x3 do not broadcast"});
  ModelBuilder both({2});
  both.initializer("a", {2}, {1, 2});
  both.initializer("b", {2}, {1, 2});
  both.node("Add", {"a", "b"}, {"c"});
  both.node("Add", {"x", "c"}, {"y"});
  both.output("y");
  expect_error<FormatError>([&] { (void)both.load(); }, {"Add_0", "both inputs are constants"});
}

TEST(OnnxConcat, AlongChannelsAndLastAxis) {
  const Tensor x = random_tensor({2, 2, 2, 3}, 6);
  for (const std::int64_t axis : {1, -1}) {
    ModelBuilder b({2, 2, 3});
    b.node("Relu", {"x"}, {"r"});
    ModelBuilder::attr(b.node("Concat", {"x", "r"}, {"y"}), "axis", axis);
    b.output("y");
    const Network net = b.load();
    EXPECT_EQ(net.output_shape(), axis == 1 ? (Shape{4, 2, 3}) : (Shape{2, 2, 6}));
    const Tensor y = net.forward(x);
    // Element by element from the definition.
    for (std::int64_t n = 0; n < 2; ++n) {
      for (std::int64_t c = 0; c < y.shape[1]; ++c) {
        for (std::int64_t h = 0; h < 2; ++h) {
          for (std::int64_t w = 0; w < y.shape[3]; ++w) {
            const bool second = axis == 1 ? c >= 2 : w >= 3;
            const std::int64_t sc = axis == 1 ? c % 2 : c, sw = axis == 1 ? w : w % 3;
            float v = x.data[static_cast<std::size_t>(((n * 2 + sc) * 2 + h) * 3 + sw)];
            if (second) v = std::max(v, 0.0F);
            EXPECT_EQ(
                y.data[static_cast<std::size_t>(((n * y.shape[1] + c) * 2 + h) * y.shape[3] + w)],
                v);
          }
        }
      }
    }
  }
  ModelBuilder b({2});
  ModelBuilder::attr(b.node("Concat", {"x", "x"}, {"y"}, "cat"), "axis", std::int64_t{0});
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load(); },
                            {"node 'cat' (#0, Concat)", "axis 0 is the batch dimension"});
}

// Softmax over dimension `axis` of {outer, length, inner}, in double.
Tensor reference_softmax(const Tensor& x, std::int64_t outer, std::int64_t length,
                         std::int64_t inner) {
  Tensor y = x;
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      double sum = 0.0;
      for (std::int64_t k = 0; k < length; ++k) {
        sum += std::exp(
            static_cast<double>(x.data[static_cast<std::size_t>((o * length + k) * inner + i)]));
      }
      for (std::int64_t k = 0; k < length; ++k) {
        const auto at = static_cast<std::size_t>((o * length + k) * inner + i);
        y.data[at] = static_cast<float>(std::exp(static_cast<double>(x.data[at])) / sum);
      }
    }
  }
  return y;
}

TEST(OnnxSoftmax, Opset13OneAxisAndOlderOpsetsAllDimensionsFromAxis) {
  const Tensor x = random_tensor({2, 3, 4}, 7, -3.0F, 3.0F);
  // Opset 13, default axis −1: over the 4 values of the last dimension.
  EXPECT_LT(max_relative_error(run_unary("Softmax", x), reference_softmax(x, 6, 4, 1)), 1e-6);
  // Opset 13, axis 1: over the 3 values of dimension 1.
  EXPECT_LT(max_relative_error(
                run_unary("Softmax", x,
                          [](auto&, auto& n) { ModelBuilder::attr(n, "axis", std::int64_t{1}); }),
                reference_softmax(x, 2, 3, 4)),
            1e-6);
  // Opset 11, default axis 1: over all 12 values of a sample.
  EXPECT_LT(max_relative_error(run_unary("Softmax", x, {}, 11), reference_softmax(x, 2, 12, 1)),
            1e-6);
  expect_error<FormatError>(
      [&] {
        (void)run_unary("Softmax", x,
                        [](auto&, auto& n) { ModelBuilder::attr(n, "axis", std::int64_t{-3}); });
      },
      {"Softmax_0", "axis -3 is the batch dimension"});
}

// ---------------------------------------------------------------------------------------------
// Pad

// Constant padding of a batched N×C×H×W tensor, from the definition.
Tensor reference_pad(const Tensor& x, std::int64_t c0, std::int64_t h0, std::int64_t w0,
                     const Shape& out_shape, float value) {
  Tensor y(out_shape);
  for (std::int64_t n = 0; n < out_shape[0]; ++n) {
    for (std::int64_t c = 0; c < out_shape[1]; ++c) {
      for (std::int64_t h = 0; h < out_shape[2]; ++h) {
        for (std::int64_t w = 0; w < out_shape[3]; ++w) {
          const std::int64_t ci = c - c0, hi = h - h0, wi = w - w0;
          const bool inside = ci >= 0 && ci < x.shape[1] && hi >= 0 && hi < x.shape[2] && wi >= 0 &&
                              wi < x.shape[3];
          y.data[static_cast<std::size_t>(
              ((n * out_shape[1] + c) * out_shape[2] + h) * out_shape[3] + w)] =
              inside ? x.data[static_cast<std::size_t>(
                           ((n * x.shape[1] + ci) * x.shape[2] + hi) * x.shape[3] + wi)]
                     : value;
        }
      }
    }
  }
  return y;
}

TEST(OnnxPad, ConstantPaddingFromInputsOrAttributes) {
  const Tensor x = random_tensor({2, 2, 3, 4}, 12);
  // Opset 13: pads [N, C, H, W begins, N, C, H, W ends] from a Constant, value from an input.
  {
    ModelBuilder b({2, 3, 4});
    auto& c = b.node("Constant", {}, {"pads"});
    ModelBuilder::attr(c, "value_ints", std::vector<std::int64_t>{0, 1, 0, 2, 0, 0, 1, 1});
    b.initializer("v", {}, {-0.5F});
    b.node("Pad", {"x", "pads", "v"}, {"y"}, "pad");
    b.output("y");
    const Network net = b.load();
    EXPECT_EQ(net.output_shape(), (Shape{3, 4, 7}));
    EXPECT_EQ(net.forward(x).data, reference_pad(x, 1, 0, 2, {2, 3, 4, 7}, -0.5F).data);
    EXPECT_EQ(net.describe()[1].note, "pads [0,1,0,2,0,0,1,1], value -0.5");
  }
  // Opset 2: pads and value as attributes; no value means 0.
  {
    ModelBuilder b({2, 3, 4}, 2);
    ModelBuilder::attr(b.node("Pad", {"x"}, {"y"}), "pads",
                       std::vector<std::int64_t>{0, 0, 1, 1, 0, 0, 1, 1});
    b.output("y");
    EXPECT_EQ(b.load().forward(x).data, reference_pad(x, 0, 1, 1, {2, 2, 5, 6}, 0.0F).data);
  }
  const auto pad = [](const std::vector<std::int64_t>& pads, const std::string& mode) {
    ModelBuilder b({2, 3, 4});
    b.initializer_int64("pads", pads);
    auto& n = b.node("Pad", {"x", "pads"}, {"y"}, "pad");
    if (!mode.empty()) ModelBuilder::attr(n, "mode", mode);
    b.output("y");
    return b;
  };
  expect_error<FormatError>(
      [&] {
        (void)pad({0, 0, 1, 1, 0, 0, 1, 1}, "reflect").load();
      },
      {"node 'pad' (#0, Pad)", "mode 'reflect' is not supported"});
  expect_error<FormatError>(
      [&] {
        (void)pad({1, 0, 0, 0, 0, 0, 0, 0}, "").load();
      },
      {"pad", "pads [1,0,0,0,0,0,0,0] pad the batch dimension"});
  expect_error<FormatError>(
      [&] {
        (void)pad({0, 0, -1, 0, 0, 0, 0, 0}, "").load();
      },
      {"pad", "negative pads (cropping) are not supported"});
  expect_error<FormatError>(
      [&] {
        (void)pad({0, 1, 0, 1}, "").load();
      },
      {"pad", "pads [0,1,0,1]: 8 values expected for a 4-D input"});
}

// ---------------------------------------------------------------------------------------------
// Pass-through and constants

TEST(OnnxPassThrough, DropoutAndIdentity) {
  ModelBuilder b({4}, 13);
  b.initializer("ratio", {}, {0.5F});
  b.node("Dropout", {"x", "ratio"}, {"d"}, "drop");
  b.node("Identity", {"d"}, {"i"});
  b.node("Relu", {"i"}, {"y"});
  b.output("y");
  const Network net = b.load();
  const Tensor x = random_tensor({3, 4}, 8);
  EXPECT_EQ(net.forward(x).data, map(x, [](double v) { return std::max(v, 0.0); }).data);
  const auto info = net.describe();
  EXPECT_EQ(info[0].note, "pass-through (inference)");
  EXPECT_EQ(info[1].output_shape, Shape{4});

  // Identity of a weight: PyTorch exports shared weights that way.
  ModelBuilder w({3});
  w.initializer("W", {3, 2}, uniform(6, 9));
  w.node("Identity", {"W"}, {"W2"});
  w.node("MatMul", {"x", "W2"}, {"y"});
  w.output("y");
  EXPECT_EQ(w.load().output_shape(), Shape{2});

  // The graph output may be the input itself.
  ModelBuilder id({3});
  id.node("Identity", {"x"}, {"y"});
  id.output("y");
  const Tensor xi = random_tensor({2, 3}, 10);
  EXPECT_EQ(id.load().forward(xi).data, xi.data);
}

TEST(OnnxPassThrough, DropoutMaskAndTrainingModeAreRefused) {
  ModelBuilder b({4}, 13);
  b.node("Dropout", {"x"}, {"y", "mask"}, "drop");
  b.node("Relu", {"mask"}, {"z"});
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load(); },
                            {"node 'drop' (#0, Dropout)", "output 1 (mask) 'mask' is used"});
  // An unused mask output is fine.
  ModelBuilder unused({4}, 13);
  unused.node("Dropout", {"x"}, {"y", "mask"}, "drop");
  unused.output("y");
  EXPECT_EQ(unused.load().output_shape(), Shape{4});

  ModelBuilder training({4}, 13);
  auto* t = training.graph().add_initializer();
  t->set_name("train");
  t->set_data_type(onnx::TensorProto::BOOL);
  t->add_int32_data(1);
  training.node("Dropout", {"x", "", "train"}, {"y"}, "drop");
  training.output("y");
  expect_error<FormatError>([&] { (void)training.load(); },
                            {"drop", "training_mode must be a constant false"});
}

TEST(OnnxConstant, TensorAndListValues) {
  ModelBuilder b({3});
  auto& c = b.node("Constant", {}, {"k"});
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  ModelBuilder::fill(*a->mutable_t(), "k", {3}, {1.0F, 2.0F, 3.0F}, false);
  auto& f = b.node("Constant", {}, {"s"});
  ModelBuilder::attr(f, "value_float", 0.5F);
  b.node("Add", {"x", "k"}, {"a"});
  b.node("Add", {"a", "s"}, {"y"});
  b.output("y");
  const Network net = b.load();
  const Tensor y = net.forward(Tensor({1, 3}, {0.0F, 0.0F, 0.0F}));
  EXPECT_EQ(y.data, (std::vector<float>{1.5F, 2.5F, 3.5F}));
  EXPECT_EQ(net.describe()[2].parameters, 3);
}

// ---------------------------------------------------------------------------------------------
// The model as a whole: input, output, names, normalisation, errors

TEST(OnnxModel, NamesShapesAndDescription) {
  ModelBuilder b({1, 4, 4});
  b.initializer("w", {2, 1, 3, 3}, uniform(18, 1));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"});
  b.node("Relu", {"r"}, {"q"}, "conv");  // a duplicate name falls back to <op>_<index>
  b.node("Flatten", {"q"}, {"y"});
  b.output("y");
  const Network net = b.load("dir/lenet.onnx");
  EXPECT_EQ(net.name(), "test_graph");
  EXPECT_EQ(net.input_shape(), (Shape{1, 4, 4}));
  EXPECT_EQ(net.output_shape(), Shape{8});
  const auto info = net.describe();
  ASSERT_EQ(info.size(), 4U);
  EXPECT_EQ(info[0].name, "conv");
  EXPECT_EQ(info[1].name, "Relu_1");
  EXPECT_EQ(info[2].name, "Relu_2");
  EXPECT_EQ(info[3].name, "Flatten_3");
  EXPECT_EQ(info[0].output_shape, (Shape{2, 2, 2}));
  EXPECT_EQ(info[3].output_shape, Shape{8});
  EXPECT_EQ(info[0].parameters, 18 + 2);  // the bias counts, zero when the model has none

  b.graph().clear_name();
  EXPECT_EQ(b.load("dir/lenet.onnx").name(), "lenet");
}

TEST(OnnxModel, NormalizationFromMetadata) {
  ModelBuilder b({3, 2, 2});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  EXPECT_EQ(b.load().normalization().pixel_scale, 1.0F / 255.0F);
  EXPECT_EQ(b.load().normalization().mean, std::vector<float>{0.0F});
  b.metadata("kirchhoff.normalization.mean", "0.485, 0.456,0.406");
  b.metadata("kirchhoff.normalization.std", "0.229,0.224,0.225");
  b.metadata("kirchhoff.normalization.pixel_scale", "0.00392156862745098");
  b.metadata("producer.note", "ignored: not a normalisation key");
  b.metadata("kirchhoff.dataset", "fashion-mnist");
  const Normalization norm = b.load().normalization();
  EXPECT_EQ(norm.mean, (std::vector<float>{0.485F, 0.456F, 0.406F}));
  EXPECT_EQ(norm.std, (std::vector<float>{0.229F, 0.224F, 0.225F}));
  EXPECT_FLOAT_EQ(norm.pixel_scale, 1.0F / 255.0F);

  const auto with = [](const std::string& key, const std::string& value) {
    ModelBuilder m({3, 2, 2});
    m.node("Relu", {"x"}, {"y"});
    m.output("y");
    m.metadata(key, value);
    return m;
  };
  expect_error<FormatError>(
      [&] { (void)with("kirchhoff.normalization.std", "0.5,x").load("m.onnx"); },
      {"ONNX model 'm.onnx'", "'kirchhoff.normalization.std' = '0.5,x': 'x' is not a finite"});
  expect_error<FormatError>([&] { (void)with("kirchhoff.normalization.mean", "1,2").load(); },
                            {"has 2 values; expected 1 or one per input channel (3)"});
  expect_error<FormatError>([&] { (void)with("kirchhoff.normalization.std", "0").load(); },
                            {"standard deviations must be > 0"});
  // Other metadata is information and loads (the reference models carry kirchhoff.dataset).
  EXPECT_NO_THROW((void)with("kirchhoff.dataset", "fashion-mnist").load());
  expect_error<FormatError>([&] { (void)with("kirchhoff.normalisation.mean", "0").load(); },
                            {"unknown metadata key 'kirchhoff.normalisation.mean'; did you mean "
                             "'kirchhoff.normalization.mean'?"});
}

TEST(OnnxModel, UnsupportedOperatorNamesOperatorAndNode) {
  ModelBuilder b({4});
  b.node("Relu", {"x"}, {"r"});
  b.node("LeakyRelu", {"r"}, {"y"}, "act2");
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load("net.onnx"); },
                            {"ONNX model 'net.onnx'", "node 'act2' (#1, LeakyRelu)",
                             "unsupported operator LeakyRelu", "supported: Add, AveragePool"});
  ModelBuilder domain({4});
  domain.node("Relu", {"x"}, {"y"}).set_domain("com.microsoft");
  domain.output("y");
  expect_error<FormatError>([&] { (void)domain.load(); }, {"operator domain 'com.microsoft'"});
}

TEST(OnnxModel, MissingInitializerAndUnknownInputs) {
  ModelBuilder b({4});
  b.node("Gemm", {"x", "fc.weight"}, {"y"}, "fc");
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load("m.onnx"); },
                            {"ONNX model 'm.onnx'", "node 'fc' (#0, Gemm)",
                             "missing initializer 'fc.weight' for input 1 (B, the weights)"});
  ModelBuilder later({4});
  later.node("Relu", {"z"}, {"y"}, "first");
  later.node("Relu", {"x"}, {"z"}, "second");
  later.output("y");
  expect_error<FormatError>([&] { (void)later.load(); },
                            {"node 'first' (#0, Relu)", "input 0 'z' is neither the graph input"});
}

TEST(OnnxModel, InputsOutputsAndTensorsThatAreRefused) {
  {
    ModelBuilder b({4});
    auto* second = b.graph().add_input();
    second->set_name("x2");
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expect_error<FormatError>([&] { (void)b.load(); }, {"2 inputs [x, x2]"});
  }
  {
    // Initializers listed as inputs (IR < 4) do not count.
    ModelBuilder b({4});
    b.initializer("W", {4, 2}, uniform(8, 1));
    b.graph().add_input()->set_name("W");
    b.node("MatMul", {"x", "W"}, {"y"});
    b.output("y");
    EXPECT_EQ(b.load().output_shape(), Shape{2});
  }
  {
    ModelBuilder b({4});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    b.output("x");
    expect_error<FormatError>([&] { (void)b.load(); }, {"2 outputs; exactly one"});
  }
  {
    ModelBuilder b({4});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    auto* shape =
        b.graph().mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->add_dim()->set_dim_param("N");
    shape->add_dim()->set_dim_value(5);
    expect_error<FormatError>([&] { (void)b.load(); },
                              {"graph output 'y' is declared [N,5] but computes Nx4"});
  }
  {
    ModelBuilder b({4});
    auto& w = b.initializer("W", {4, 2}, {});
    w.clear_raw_data();
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    b.node("MatMul", {"x", "W"}, {"y"});
    b.output("y");
    expect_error<FormatError>([&] { (void)b.load(); },
                              {"tensor 'W' keeps its data in an external file"});
  }
  {
    ModelBuilder b({4});
    b.initializer("W", {4, 2}, uniform(7, 1));  // one value short
    b.node("MatMul", {"x", "W"}, {"y"});
    b.output("y");
    expect_error<FormatError>([&] { (void)b.load(); },
                              {"tensor 'W' of shape [4,2] has 28 bytes of raw data, expected 32"});
    ModelBuilder f({4});
    f.initializer("W", {4, 2}, uniform(9, 1), false);  // one value too many, in float_data
    f.node("MatMul", {"x", "W"}, {"y"});
    f.output("y");
    expect_error<FormatError>([&] { (void)f.load(); },
                              {"tensor 'W' of shape [4,2] holds 9 values, expected 8"});
  }
  {
    ModelBuilder b({4});
    auto& w = b.initializer("W", {4, 2}, uniform(8, 1));
    w.set_data_type(onnx::TensorProto::FLOAT16);
    b.node("MatMul", {"x", "W"}, {"y"});
    b.output("y");
    expect_error<FormatError>([&] { (void)b.load(); }, {"tensor 'W' has data type float16"});
  }
  {
    ModelBuilder b({4});
    auto* dim = b.graph()
                    .mutable_input(0)
                    ->mutable_type()
                    ->mutable_tensor_type()
                    ->mutable_shape()
                    ->mutable_dim(1);
    dim->set_dim_param("features");
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expect_error<FormatError>([&] { (void)b.load(); },
                              {"graph input 'x': dimension 1 is the symbol 'features'"});
  }
}

TEST(OnnxModel, TruncatedAndRandomBytesNameTheSource) {
  ModelBuilder b({1, 8, 8});
  b.initializer("w", {4, 1, 3, 3}, uniform(36, 1));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y");
  const std::string bytes = b.bytes();
  // Every cut fails, either in the protobuf parser or in the checks after it.
  for (std::size_t cut :
       {bytes.size() - 1, bytes.size() - 7, bytes.size() / 2, std::size_t{5}, std::size_t{0}}) {
    expect_error<FormatError>([&] { (void)load_onnx_bytes(bytes.substr(0, cut), "cut.onnx"); },
                              {"ONNX model 'cut.onnx'"});
  }
  std::mt19937 engine(5);
  for (int trial = 0; trial < 20; ++trial) {
    std::string noise(200 + static_cast<std::size_t>(trial) * 37, '\0');
    for (auto& ch : noise) ch = static_cast<char>(engine() & 0xFF);
    expect_error<FormatError>([&] { (void)load_onnx_bytes(noise, "noise.bin"); },
                              {"ONNX model 'noise.bin'"});
  }
  expect_error<FormatError>([&] { (void)load_onnx_bytes("", "empty.onnx"); },
                            {"ONNX model 'empty.onnx': not an ONNX model (no IR version)"});
}

TEST(OnnxModel, FilesMissingUnreadableOrCorrupt) {
  const kirchhoff::testing::TempDir scratch("onnx-import");
  const std::filesystem::path& dir = scratch.path();
  expect_error<IoError>([&] { (void)load_onnx((dir / "absent.onnx").string()); },
                        {"cannot open ONNX model", "absent.onnx"});
  expect_error<IoError>([&] { (void)load_onnx(dir.string()); }, {"is a directory"});
  // A device is endless: refused before reading.
  expect_error<IoError>([&] { (void)load_onnx("/dev/zero"); },
                        {"cannot read ONNX model '/dev/zero': not a regular file"});
  const auto path = (dir / "half.onnx").string();
  ModelBuilder b({4});
  b.initializer("W", {4, 2}, uniform(8, 1));
  b.node("MatMul", {"x", "W"}, {"y"});
  b.output("y");
  const std::string bytes = b.bytes();
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error<FormatError>([&] { (void)load_onnx(path); }, {"ONNX model '" + path + "'"});
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(load_onnx(path).output_shape(), Shape{2});
  std::filesystem::remove_all(dir);
}

TEST(OnnxModel, SupportedOperatorList) {
  const auto& ops = supported_operators();
  EXPECT_EQ(ops.size(), 20U);
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  for (const char* op : {"Conv", "Gemm", "MatMul", "BatchNormalization", "Softmax", "Constant"}) {
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  }
}

// ---------------------------------------------------------------------------------------------
// Sizes and attributes beyond the limits (max_tensor_elements): refused before any allocation or
// arithmetic that could wrap around

constexpr std::int64_t kHuge = std::int64_t{1} << 62;

TEST(TensorLimits, CheckedElementCountRefusesNegativeOversizedAndWrappingShapes) {
  EXPECT_EQ(checked_element_count({}), 1);
  EXPECT_EQ(checked_element_count({1, 28, 28}), 784);
  EXPECT_EQ(checked_element_count({kHuge, 0}), std::nullopt);  // a dimension over the limit
  EXPECT_EQ(checked_element_count({0, 5}), 0);
  EXPECT_EQ(checked_element_count({-1, 5}), std::nullopt);
  EXPECT_EQ(checked_element_count({std::int64_t{1} << 16, std::int64_t{1} << 15}),
            max_tensor_elements);
  EXPECT_EQ(checked_element_count({std::int64_t{1} << 16, (std::int64_t{1} << 15) + 1}),
            std::nullopt);
  // 28 x (2^62 + 28) wraps around to 784 in int64 arithmetic.
  EXPECT_EQ(checked_element_count({1, kHuge + 28, 28}), std::nullopt);
  EXPECT_EQ(checked_element_count({kHuge, 4}, std::numeric_limits<std::int64_t>::max()),
            std::nullopt);
  EXPECT_EQ(element_count({3, 4}), 12);
  EXPECT_THROW((void)element_count({kHuge, 4}), InvalidArgument);
  EXPECT_THROW((void)element_count({2, -3}), InvalidArgument);
}

TEST(OnnxLimits, ReshapeWhoseCountWrapsAroundIsRefused) {
  // [0, 1, 2^62 + 28, 28] has 784 elements modulo 2^64, as many as the input's 1x28x28.
  ModelBuilder b({1, 28, 28});
  b.initializer_int64("shape", {0, 1, kHuge + 28, 28});
  b.node("Reshape", {"x", "shape"}, {"r"}, "rs");
  b.initializer("w", {2, 1, 3, 3}, uniform(18, 1));
  b.node("Conv", {"r", "w"}, {"y"}, "conv");
  b.output("y");
  expect_error<FormatError>([&] { (void)b.load(); },
                            {"node 'rs' (#0, Reshape)", "shape [0,1,4611686018427387932,28]",
                             "too large", "at most 2147483648 (2^31) elements"});
}

TEST(OnnxLimits, InitializerWhoseCountWrapsAroundIsRefused) {
  ModelBuilder b({4});
  auto& w = b.initializer("W", {}, uniform(200704, 1));  // 802816 bytes
  w.add_dims(kHuge);
  w.add_dims(kHuge);
  b.node("MatMul", {"x", "W"}, {"y"});
  b.output("y");
  expect_error<FormatError>(
      [&] { (void)b.load(); },
      {"tensor 'W' of shape [4611686018427387904,4611686018427387904] is too large",
       "at most 2147483648 (2^31) elements per tensor and per dimension"});
  ModelBuilder negative({4});
  auto& n = negative.initializer("W", {4, 2}, uniform(8, 1));
  n.set_dims(1, -2);
  negative.node("MatMul", {"x", "W"}, {"y"});
  negative.output("y");
  expect_error<FormatError>([&] { (void)negative.load(); },
                            {"tensor 'W' has a negative dimension -2"});
}

TEST(OnnxLimits, InputDimensionsNegativeMissingOrTooLarge) {
  const auto with_dim = [](const std::function<void(onnx::TensorShapeProto_Dimension&)>& set) {
    ModelBuilder b({1, 8, 8});
    set(*b.graph()
             .mutable_input(0)
             ->mutable_type()
             ->mutable_tensor_type()
             ->mutable_shape()
             ->mutable_dim(2));
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    return b;
  };
  expect_error<FormatError>(
      [&] { (void)with_dim([](auto& d) { d.set_dim_value(-5); }).load(); },
      {"graph input 'x': dimension 2 is -5; every dimension but the first (batch) must be a "
       "fixed positive size"});
  expect_error<FormatError>([&] { (void)with_dim([](auto& d) { d.Clear(); }).load(); },
                            {"graph input 'x': dimension 2 has no size"});
  expect_error<FormatError>([&] { (void)with_dim([](auto& d) { d.set_dim_value(kHuge); }).load(); },
                            {"graph input 'x' of shape Nx1x4611686018427387904x8 is too large",
                             "at most 2147483648 (2^31)"});
}

TEST(OnnxLimits, UnknownAndUnsupportedDataTypesSayTheNumber) {
  for (const auto& [type, text] : std::vector<std::pair<int, std::string>>{
           {99, "tensor 'W' has data type 99, which is not an ONNX data type"},
           {onnx::TensorProto::STRING, "tensor 'W' has data type string (8)"}}) {
    ModelBuilder b({4});
    b.initializer("W", {4, 2}, uniform(8, 1)).set_data_type(type);
    b.node("MatMul", {"x", "W"}, {"y"});
    b.output("y");
    expect_error<FormatError>(
        [&] { (void)b.load(); },
        {text, "(supported: float (1), double (11), int64 (7), int32 (6), bool (9))"});
  }
  ModelBuilder input({4});
  input.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(77);
  input.node("Relu", {"x"}, {"y"});
  input.output("y");
  expect_error<FormatError>(
      [&] { (void)input.load(); },
      {"graph input 'x' has data type 77, which is not an ONNX data type; float (1) expected"});
}

TEST(OnnxLimits, NodeWithoutOutputsIsRefused) {
  // Every kind of translator: checked by the importer, by the translator, and unknown.
  for (const std::string op : {"Relu", "Constant", "BatchNormalization", "Dropout", "Bogus"}) {
    ModelBuilder b({4});
    b.node("Relu", {"x"}, {"y"});
    b.node(op, {"y"}, {}, "empty");
    b.output("y");
    expect_error<FormatError>([&] { (void)b.load(); },
                              {"node 'empty' (#1, " + op + ")", "the node has no output"});
    ModelBuilder unnamed({4});
    unnamed.node(op, {"x"}, {""}, "unnamed");
    unnamed.output("x");
    expect_error<FormatError>([&] { (void)unnamed.load(); },
                              {"node 'unnamed' (#0, " + op + ")", "the node has no output"});
  }
}

TEST(OnnxLimits, AttributesBeyondTheLimitsAreRefused) {
  const auto conv = [](const char* name, const std::vector<std::int64_t>& v) {
    ModelBuilder b({1, 8, 8});
    b.initializer("w", {2, 1, 3, 3}, uniform(18, 1));
    ModelBuilder::attr(b.node("Conv", {"x", "w"}, {"y"}, "conv"), name, v);
    b.output("y");
    return b;
  };
  expect_error<FormatError>(
      [&] {
        (void)conv("strides", {kHuge, 1}).load();
      },
      {"conv",
       "strides [4611686018427387904,1]: two values from 1 to "
       "2147483648 (2^31) expected"});
  expect_error<FormatError>(
      [&] {
        (void)conv("pads", {0, 0, kHuge, 0}).load();
      },
      {"conv",
       "pads [0,0,4611686018427387904,0]: four values from 0 to "
       "2147483648 (2^31)"});
  // Large but allowed pads make an output beyond the limit.
  expect_error<FormatError>(
      [&] {
        (void)conv("pads", {0, 0, max_tensor_elements, max_tensor_elements}).load();
      },
      {"node 'conv' (#0, Conv)",
       "its output of Nx2x2147483654x2147483654 per sample is too "
       "large"});
  ModelBuilder group({1, 8, 8});
  group.initializer("w", {2, 1, 3, 3}, uniform(18, 1));
  ModelBuilder::attr(group.node("Conv", {"x", "w"}, {"y"}, "conv"), "group", kHuge);
  group.output("y");
  expect_error<FormatError>([&] { (void)group.load(); },
                            {"conv", "with group 4611686018427387904 do not fit"});
  ModelBuilder pool({1, 8, 8});
  ModelBuilder::attr(pool.node("MaxPool", {"x"}, {"y"}, "pool"), "kernel_shape",
                     std::vector<std::int64_t>{kHuge, 2});
  pool.output("y");
  expect_error<FormatError>([&] { (void)pool.load(); },
                            {"pool", "kernel_shape [4611686018427387904,2]: two values from 1"});
  for (const std::int64_t p : {kHuge, max_tensor_elements}) {
    ModelBuilder pad({1, 8, 8}, 10);
    ModelBuilder::attr(pad.node("Pad", {"x"}, {"y"}, "pad"), "pads",
                       std::vector<std::int64_t>{0, 0, 0, p, 0, 0, 0, p});
    pad.output("y");
    expect_error<FormatError>([&] { (void)pad.load(); },
                              {"node 'pad' (#0, Pad)", p == kHuge ? "at most 2147483648 (2^31) each"
                                                                  : "per sample is too large"});
  }
  // An empty weight tensor would make an output without elements.
  ModelBuilder empty({4});
  empty.initializer("W", {4, 0}, {});
  empty.node("MatMul", {"x", "W"}, {"y"}, "mm");
  empty.output("y");
  expect_error<FormatError>([&] { (void)empty.load(); }, {"node 'mm' (#0, MatMul)",
                                                          "its output of Nx0 per sample has no "
                                                          "elements"});
}

}  // namespace
}  // namespace kirchhoff::nn
