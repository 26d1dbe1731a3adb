// evaluate(): top-1 / top-5 counting with ties, predictions, fixed padded batches, and bitwise
// identical products for any thread count and any limit.
#include "kirchhoff/nn/evaluate.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cstring>
#include <map>
#include <mutex>

#include "kirchhoff/core/error.hpp"
#include "onnx_builder.hpp"

namespace kirchhoff::nn {
namespace {

using testing::ModelBuilder;

// A network whose outputs are its input pixels: 1×1×C images, Flatten → MatMul with the identity.
Network identity_network(std::int64_t classes) {
  ModelBuilder b({1, 1, classes});
  b.node("Flatten", {"x"}, {"f"});
  std::vector<float> eye(static_cast<std::size_t>(classes * classes), 0.0F);
  for (std::int64_t i = 0; i < classes; ++i) eye[static_cast<std::size_t>(i * classes + i)] = 1.0F;
  b.initializer("I", {classes, classes}, eye);
  b.node("MatMul", {"f", "I"}, {"y"});
  b.output("y");
  return b.load();
}

Dataset dataset_of(std::int64_t classes, const std::vector<std::vector<std::uint8_t>>& pixels,
                   const std::vector<std::uint8_t>& labels) {
  Dataset d;
  d.name = "handmade";
  d.height = 1;
  d.width = classes;
  d.classes = classes;
  for (const auto& p : pixels) d.pixels.insert(d.pixels.end(), p.begin(), p.end());
  d.labels = labels;
  return d;
}

TEST(Evaluate, TopOneTopFiveAndTiesGoToTheLowerClass) {
  const Network net = identity_network(8);
  const Dataset d = dataset_of(8,
                               {
                                   {0, 0, 0, 9, 0, 0, 0, 0},  // label 3: first choice
                                   {1, 2, 9, 8, 7, 6, 0, 0},  // label 5: 4th → top-5 only
                                   {9, 8, 7, 6, 5, 4, 3, 2},  // label 7: 8th → neither
                                   {5, 5, 5, 5, 5, 5, 5, 5},  // label 0: tie → class 0 first
                                   {5, 5, 5, 5, 5, 5, 5, 5},  // label 4: tie → rank 4, top-5
                                   {5, 5, 5, 5, 5, 5, 5, 5},  // label 5: tie → rank 5, not
                                   {0, 7, 0, 0, 0, 0, 7, 0},  // label 6: tie with 1 → rank 1
                               },
                               {3, 5, 7, 0, 4, 5, 6});
  const FloatExecutor executor(net.linear_layers());
  const Accuracy a = evaluate(net, d, executor, Normalization{.pixel_scale = 1.0F}, {.batch = 3});
  EXPECT_EQ(a.samples, 7);
  EXPECT_EQ(a.predictions, (std::vector<std::uint8_t>{3, 2, 0, 0, 0, 0, 1}));
  EXPECT_EQ(a.top1, 2);  // samples 0 and 3
  EXPECT_EQ(a.top5, 5);  // 0, 1, 3, 4, 6
  EXPECT_DOUBLE_EQ(a.top1_fraction(), 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(a.top5_fraction(), 5.0 / 7.0);
}

TEST(Evaluate, NoTopFiveWithFiveClassesOrFewer) {
  const Network net = identity_network(5);
  const Dataset d = dataset_of(5, {{1, 2, 3, 4, 5}, {5, 4, 3, 2, 1}}, {4, 3});
  const FloatExecutor executor(net.linear_layers());
  const Accuracy a = evaluate(net, d, executor, Normalization{});
  EXPECT_EQ(a.top1, 1);
  EXPECT_EQ(a.top5, 0);
  EXPECT_EQ(a.top5_fraction(), 0.0);
  EXPECT_EQ(Accuracy{}.top1_fraction(), 0.0);
}

Dataset random_images(std::int64_t count, std::uint32_t seed) {
  Dataset d;
  d.name = "random";
  d.height = 12;
  d.width = 12;
  const auto v = testing::uniform(static_cast<std::size_t>(count * 144), seed, 0.0F, 256.0F);
  for (const float p : v) d.pixels.push_back(static_cast<std::uint8_t>(p));
  const auto l = testing::uniform(static_cast<std::size_t>(count), seed + 1, 0.0F, 10.0F);
  for (const float c : l) d.labels.push_back(static_cast<std::uint8_t>(c));
  return d;
}

// Keeps the bytes of every product column by (layer, group, vector number).
class ProductLog final : public LinearExecutor {
 public:
  explicit ProductLog(const std::vector<LinearLayer>& layers) : float_(layers) {}
  void multiply(std::size_t layer, std::size_t group, const Eigen::MatrixXf& x,
                std::uint64_t first_vector, Eigen::MatrixXf& y) const override {
    float_.multiply(layer, group, x, first_vector, y);
    const std::lock_guard lock(mutex_);
    for (Eigen::Index c = 0; c < y.cols(); ++c) {
      std::string bytes(static_cast<std::size_t>(y.rows()) * sizeof(float), '\0');
      std::memcpy(bytes.data(), y.col(c).data(), bytes.size());
      const auto key = std::tuple{layer, group, first_vector + static_cast<std::uint64_t>(c)};
      columns.emplace(key, std::move(bytes));
    }
  }
  mutable std::map<std::tuple<std::size_t, std::size_t, std::uint64_t>, std::string> columns;

 private:
  FloatExecutor float_;
  mutable std::mutex mutex_;
};

TEST(Evaluate, BitwiseIdenticalForAnyThreadCountAndLimit) {
  const Network net = testing::small_cnn().load();
  const Dataset d = random_images(45, 20);
  const Normalization norm{.mean = {0.5F}, .std = {0.25F}};
  ProductLog one(net.linear_layers()), two(net.linear_layers()), limited(net.linear_layers());
  Accuracy a1, a2, a3;
  {
    const tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    a1 = evaluate(net, d, one, norm, {.batch = 8});
  }
  {
    const tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    a2 = evaluate(net, d, two, norm, {.batch = 8});
    a3 = evaluate(net, d, limited, norm, {.batch = 8, .limit = 19});
  }
  EXPECT_EQ(a1.predictions, a2.predictions);
  EXPECT_EQ(a1.top1, a2.top1);
  EXPECT_EQ(a1.top5, a2.top5);
  EXPECT_EQ(a3.samples, 19);
  EXPECT_EQ(a3.predictions,
            std::vector<std::uint8_t>(a1.predictions.begin(), a1.predictions.begin() + 19));
  // 45 samples in batches of 8: 6 batches, the last padded to 48 samples. Per sample, conv1 has
  // 144 vectors, conv2 16 in each of 2 groups, fc 1.
  EXPECT_EQ(one.columns.size(), 48U * (144 + 2 * 16 + 1));
  EXPECT_EQ(one.columns, two.columns);
  EXPECT_EQ(limited.columns.size(), 24U * (144 + 2 * 16 + 1));
  for (const auto& [key, bytes] : limited.columns) {
    const auto per_sample = net.linear_layers()[std::get<0>(key)].vectors_per_sample;
    if (std::get<2>(key) >= static_cast<std::uint64_t>(19 * per_sample)) {
      continue;  // padding of the limited run
    }
    ASSERT_EQ(bytes, one.columns.at(key))
        << "layer " << std::get<0>(key) << " vector " << std::get<2>(key);
  }
}

TEST(Evaluate, PredictionsAreTheArgmaxOfTheForwardPass) {
  const Network net = testing::small_cnn().load();
  const Dataset d = random_images(30, 30);
  const Normalization norm{};
  const FloatExecutor executor(net.linear_layers());
  const Accuracy a = evaluate(net, d, executor, norm, {.batch = 7});
  const Tensor y = net.forward(d.batch(0, 30, norm));
  std::int64_t top1 = 0;
  for (std::size_t s = 0; s < 30; ++s) {
    const float* out = y.data.data() + s * 10;
    const auto best = static_cast<std::uint8_t>(std::max_element(out, out + 10) - out);
    EXPECT_EQ(a.predictions[s], best) << "sample " << s;
    top1 += best == d.labels[s] ? 1 : 0;
  }
  EXPECT_EQ(a.top1, top1);
}

TEST(Evaluate, RejectsMismatchedDatasetsAndBatchSizes) {
  const Network net = testing::small_cnn().load();
  const FloatExecutor executor(net.linear_layers());
  Dataset wrong = random_images(3, 1);
  wrong.width = 11;
  wrong.name = "odd";
  try {
    (void)evaluate(net, wrong, executor, Normalization{});
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "network 'test_graph' takes inputs of 1x12x12 per sample, but the "
                 "samples of odd are 1x12x11");
  }
  const Dataset d = random_images(3, 1);
  try {
    (void)evaluate(net, d, executor, Normalization{}, {.batch = 0});
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "batch size 0 must be at least 1");
  }
  Dataset many = random_images(3, 1);
  many.classes = 12;
  try {
    (void)evaluate(net, many, executor, Normalization{});
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "network 'test_graph' has 10 outputs per sample; random has 12 classes "
                 "(at most 256 supported)");
  }
  // An empty selection is no error.
  const Accuracy none = evaluate(net, d, executor, Normalization{}, {.limit = 0});
  EXPECT_EQ(none.samples, 0);
  EXPECT_TRUE(none.predictions.empty());
}

}  // namespace
}  // namespace kirchhoff::nn
