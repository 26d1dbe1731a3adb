// The network engine: a whole CNN against naive references, the vectors and their numbering that
// a LinearExecutor receives (im2col patches for Conv, rows for Gemm / MatMul), where its
// products go, and independence of a sample's bits from the other samples of its batch.
#include "kirchhoff/nn/network.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <mutex>

#include "kirchhoff/core/error.hpp"
#include "onnx_builder.hpp"

namespace kirchhoff::nn {
namespace {

using testing::Conv2d;
using testing::max_relative_error;
using testing::ModelBuilder;
using testing::random_tensor;
using testing::reference_conv;
using testing::reference_dense;
using testing::uniform;

Tensor relu(Tensor x) {
  for (auto& v : x.data) v = std::max(v, 0.0F);
  return x;
}

Tensor max_pool_2x2(const Tensor& x) {
  const std::int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2] / 2, w = x.shape[3] / 2;
  Tensor y({n, c, h, w});
  const auto in = [&](std::int64_t p, std::int64_t i, std::int64_t j) {
    return x.data[static_cast<std::size_t>((p * x.shape[2] + i) * x.shape[3] + j)];
  };
  std::size_t k = 0;
  for (std::int64_t p = 0; p < n * c; ++p) {
    for (std::int64_t i = 0; i < h; ++i) {
      for (std::int64_t j = 0; j < w; ++j) {
        y.data[k++] = std::max({in(p, 2 * i, 2 * j), in(p, 2 * i, 2 * j + 1),
                                in(p, 2 * i + 1, 2 * j), in(p, 2 * i + 1, 2 * j + 1)});
      }
    }
  }
  return y;
}

// testing::small_cnn() computed layer by layer with direct loops, BatchNormalization unfolded.
Tensor reference_small_cnn(const Tensor& x) {
  Tensor c1 = reference_conv(x, uniform(36, 101), {4, 1, 3, 3}, uniform(4, 102),
                             {.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1});
  const auto scale = uniform(4, 103, 0.5F, 1.5F), shift = uniform(4, 104), mean = uniform(4, 105),
             var = uniform(4, 106, 0.5F, 2.0F);
  for (std::size_t i = 0; i < c1.data.size(); ++i) {
    const std::size_t ch = (i / 144) % 4;
    c1.data[i] = static_cast<float>(
        (static_cast<double>(c1.data[i]) - static_cast<double>(mean[ch])) /
            std::sqrt(static_cast<double>(var[ch]) + 1e-5) * static_cast<double>(scale[ch]) +
        static_cast<double>(shift[ch]));
  }
  const Tensor p1 = max_pool_2x2(relu(c1));
  Tensor r2 =
      relu(reference_conv(p1, uniform(108, 107), {6, 2, 3, 3}, uniform(6, 108), {.groups = 2}));
  r2.shape = {x.shape[0], 96};
  const auto fc = uniform(960, 109, -0.3F, 0.3F);  // {10, 96}, transB
  std::vector<float> w(960);
  for (std::size_t k = 0; k < 96; ++k) {
    for (std::size_t j = 0; j < 10; ++j) w[k * 10 + j] = fc[j * 96 + k];
  }
  return reference_dense(r2, w, 10, uniform(10, 110));
}

TEST(Network, SmallCnnMatchesTheDirectComputation) {
  const Network net = testing::small_cnn().load();
  ASSERT_EQ(net.linear_layers().size(), 3U);
  EXPECT_EQ(net.linear_layers()[0].vectors_per_sample, 144);
  EXPECT_EQ(net.linear_layers()[1].vectors_per_sample, 16);
  EXPECT_EQ(net.linear_layers()[1].groups(), 2U);
  EXPECT_EQ(net.linear_layers()[2].vectors_per_sample, 1);
  const Tensor x = random_tensor({5, 1, 12, 12}, 1);
  const Tensor y = net.forward(x);
  EXPECT_EQ(y.shape, (Shape{5, 10}));
  EXPECT_LT(max_relative_error(y, reference_small_cnn(x), 0.1), 2e-5);
}

// Records every call (under a lock: the engine may be run from several threads) and computes
// the float product, optionally plus the vector number so that tests see where results go.
class RecordingExecutor final : public LinearExecutor {
 public:
  struct Call {
    std::size_t layer, group;
    std::uint64_t first_vector;
    Eigen::MatrixXf x;
  };
  explicit RecordingExecutor(const std::vector<LinearLayer>& layers, bool add_vector_number = false)
      : float_(layers), add_vector_number_(add_vector_number) {}
  void multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                std::uint64_t first_vector, Eigen::MatrixXf& y) const override {
    float_.multiply(layer, group, x, first_vector, y);
    if (add_vector_number_) {
      for (Eigen::Index c = 0; c < y.cols(); ++c) {
        y.col(c).array() += static_cast<float>(first_vector + static_cast<std::uint64_t>(c));
      }
    }
    const std::lock_guard lock(mutex_);
    calls.push_back({layer, group, first_vector, x});
  }
  mutable std::vector<Call> calls;

 private:
  FloatExecutor float_;
  bool add_vector_number_;
  mutable std::mutex mutex_;
};

// One Conv: 4 input channels in 2 groups, 3×2 kernel, stride 2×1, pads (1, 0, 0, 1).
ModelBuilder grouped_conv() {
  ModelBuilder b({4, 5, 6});
  b.initializer("w", {6, 2, 3, 2}, uniform(72, 3));
  b.initializer("b", {6}, uniform(6, 4));
  auto& n = b.node("Conv", {"x", "w", "b"}, {"y"}, "conv");
  ModelBuilder::attr(n, "group", std::int64_t{2});
  ModelBuilder::attr(n, "strides", std::vector<std::int64_t>{2, 1});
  ModelBuilder::attr(n, "pads", std::vector<std::int64_t>{1, 0, 0, 1});
  b.output("y");
  return b;
}

TEST(Network, ConvExecutorReceivesIm2colPatchesNumberedBySampleAndPosition) {
  const Network net = grouped_conv().load();
  const std::int64_t oh_n = 2, ow_n = 6, positions = oh_n * ow_n;  // (5+1−3)/2+1, (6+1−2)/1+1
  EXPECT_EQ(net.output_shape(), (Shape{6, oh_n, ow_n}));
  const std::int64_t samples = 3, first_sample = 7;
  const Tensor x = random_tensor({samples, 4, 5, 6}, 5);
  RecordingExecutor executor(net.linear_layers());
  (void)net.forward(x, first_sample, executor);
  ASSERT_EQ(executor.calls.size(), 2U);
  for (std::size_t g = 0; g < 2; ++g) {
    const auto& call = executor.calls[g];
    EXPECT_EQ(call.layer, 0U);
    EXPECT_EQ(call.group, g);
    EXPECT_EQ(call.first_vector, static_cast<std::uint64_t>(first_sample * positions));
    ASSERT_EQ(call.x.rows(), 2 * 3 * 2);
    ASSERT_EQ(call.x.cols(), samples * positions);
    // Column s·P + oh·W_out + ow holds the patch at (oh, ow) of sample s, rows ordered
    // (channel of the group, kernel row, kernel column); zeros in the padding.
    for (std::int64_t s = 0; s < samples; ++s) {
      for (std::int64_t oh = 0; oh < oh_n; ++oh) {
        for (std::int64_t ow = 0; ow < ow_n; ++ow) {
          const auto column = static_cast<Eigen::Index>(s * positions + oh * ow_n + ow);
          Eigen::Index row = 0;
          for (std::int64_t c = 0; c < 2; ++c) {
            for (std::int64_t i = 0; i < 3; ++i) {
              for (std::int64_t j = 0; j < 2; ++j) {
                const std::int64_t h = oh * 2 - 1 + i, w = ow + j;
                const std::int64_t channel = static_cast<std::int64_t>(g) * 2 + c;
                const float expected =
                    (h < 0 || h >= 5 || w >= 6)
                        ? 0.0F
                        : x.data[static_cast<std::size_t>(((s * 4 + channel) * 5 + h) * 6 + w)];
                ASSERT_EQ(call.x(row++, column), expected)
                    << "group " << g << " sample " << s << " position " << oh << "," << ow;
              }
            }
          }
        }
      }
    }
  }
}

TEST(Network, ConvProductsGoToTheirSampleChannelAndPosition) {
  // The executor adds the vector number to every output of the vector: output (s, m, oh, ow)
  // must then exceed the float result by first_sample·P + s·P + oh·W_out + ow.
  const Network net = grouped_conv().load();
  const Tensor x = random_tensor({2, 4, 5, 6}, 6);
  const Tensor plain = net.forward(x);
  RecordingExecutor offset(net.linear_layers(), true);
  const Tensor y = net.forward(x, 4, offset);
  ASSERT_EQ(y.shape, plain.shape);
  const std::int64_t positions = 12;
  for (std::size_t i = 0; i < y.data.size(); ++i) {
    const auto k = static_cast<std::int64_t>(i);
    const std::int64_t s = k / (6 * positions), p = k % positions;
    const auto vector = static_cast<float>(4 * positions + s * positions + p);
    EXPECT_NEAR(y.data[i] - plain.data[i], vector, 1e-4) << "element " << i;
  }
}

TEST(Network, GemmAndMatMulVectorsAreRowsNumberedBySample) {
  // Flatten → MatMul on per-sample {3, 8}: three vectors per sample; then Gemm: one.
  ModelBuilder b({3, 8});
  b.initializer("W", {8, 4}, uniform(32, 7));
  b.node("MatMul", {"x", "W"}, {"m"}, "mm");
  b.node("Flatten", {"m"}, {"f"});
  b.initializer("B", {12, 5}, uniform(60, 8));
  b.node("Gemm", {"f", "B"}, {"y"}, "fc");
  b.output("y");
  const Network net = b.load();
  const Tensor x = random_tensor({4, 3, 8}, 9);
  RecordingExecutor executor(net.linear_layers(), true);
  const Tensor y = net.forward(x, 11, executor);
  ASSERT_EQ(executor.calls.size(), 2U);
  EXPECT_EQ(executor.calls[0].first_vector, 33U);  // 11 · 3
  EXPECT_EQ(executor.calls[1].first_vector, 11U);
  ASSERT_EQ(executor.calls[0].x.cols(), 12);
  ASSERT_EQ(executor.calls[1].x.cols(), 4);
  // Column c of the MatMul input is row c of the {12, 8} input: sample c / 3, row c % 3.
  for (Eigen::Index c = 0; c < 12; ++c) {
    for (Eigen::Index k = 0; k < 8; ++k) {
      ASSERT_EQ(executor.calls[0].x(k, c), x.data[static_cast<std::size_t>(c * 8 + k)]);
    }
  }
  // With the vector numbers added to the MatMul outputs and the Gemm outputs, the result is
  // the float one of the shifted MatMul output, plus the sample number.
  Tensor shifted({4, 3, 4});
  const Tensor flat({12, 8}, x.data);
  const Tensor m = reference_dense(flat, uniform(32, 7), 4, {});
  for (std::size_t i = 0; i < 48; ++i) shifted.data[i] = m.data[i] + static_cast<float>(33 + i / 4);
  shifted.shape = {4, 12};
  Tensor expected = reference_dense(shifted, uniform(60, 8), 5, {});
  for (std::size_t i = 0; i < 20; ++i) expected.data[i] += static_cast<float>(11 + i / 5);
  EXPECT_LT(max_relative_error(y, expected, 1.0), 2e-5);
}

TEST(Network, ASampleGivesTheSameBitsWhateverTheOtherSamplesOfItsBatch) {
  const Network net = testing::small_cnn().load();
  const Tensor a = random_tensor({8, 1, 12, 12}, 10);
  Tensor b = random_tensor({8, 1, 12, 12}, 11);
  std::copy(a.data.begin(), a.data.begin() + 5 * 144, b.data.begin());  // samples 0–4 shared
  const FloatExecutor executor(net.linear_layers());
  const Tensor ya = net.forward(a, 0, executor);
  const Tensor yb = net.forward(b, 1000, executor);
  EXPECT_EQ(std::memcmp(ya.data.data(), yb.data.data(), 5 * 10 * sizeof(float)), 0);
  EXPECT_NE(std::memcmp(ya.data.data() + 50, yb.data.data() + 50, 3 * 10 * sizeof(float)), 0);
}

class WrongShapeExecutor final : public LinearExecutor {
 public:
  void multiply(std::size_t, std::size_t, const Eigen::MatrixXf& x, std::uint64_t,
                Eigen::MatrixXf& y) const override {
    y = Eigen::MatrixXf::Zero(3, x.cols() + 1);
  }
};

TEST(Network, RejectsWrongInputsAndWrongProducts) {
  const Network net = testing::small_cnn().load();
  try {
    (void)net.forward(Tensor({2, 1, 12, 11}));
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "network 'test_graph' takes inputs of shape Nx1x12x12, got 2x1x12x11");
  }
  try {
    (void)net.forward(Tensor({2, 1, 12, 12}), 0, WrongShapeExecutor());
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "linear layer 'conv1' group 0: the executor returned a 3x289 product, "
                 "expected 4x288");
  }
  const FloatExecutor executor(net.linear_layers());
  Eigen::MatrixXf y;
  try {
    executor.multiply(2, 0, Eigen::MatrixXf::Zero(95, 1), 0, y);
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "linear layer 2 group 0: input vectors of 95 values, the weights take 96");
  }
}

TEST(Network, MovesAndParameterCounts) {
  Network net = testing::small_cnn().load();
  const Network moved = std::move(net);
  EXPECT_EQ(moved.linear_layers()[0].parameter_count(), 36 + 4);
  EXPECT_EQ(moved.linear_layers()[1].parameter_count(), 108 + 6);
  EXPECT_EQ(moved.linear_layers()[2].parameter_count(), 960 + 10);
  const auto info = moved.describe();
  ASSERT_EQ(info.size(), 8U);
  EXPECT_EQ(info[1].note, "folded into conv1");
  EXPECT_EQ(info[4].linear_layer, 1);
  EXPECT_EQ(info[4].note, "3x3 kernel, stride 1x1, pads 0,0,0,0, 2 groups, 16 vectors/sample");
}

}  // namespace
}  // namespace kirchhoff::nn
