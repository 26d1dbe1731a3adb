// The bits of the random streams are part of Kirchhoff's results: a change of them changes
// every campaign. This test pins them with digests (FNV-1a over the IEEE bits) of long runs of
// each transform at fixed coordinates. It runs at every kernel level this CPU has (kernels.hpp):
// the portable, AVX2 and AVX-512 code of the transforms must give these same bits.
// If a change of the streams is intended, update the digests and say so in the commit.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kirchhoff/core/kernels.hpp"
#include "kirchhoff/core/random.hpp"

namespace kirchhoff {
namespace {

std::uint64_t digest(const std::vector<double>& values) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (double v : values) {
    std::uint64_t bits = std::bit_cast<std::uint64_t>(v);
    for (int byte = 0; byte < 8; ++byte) {
      h ^= bits & 0xff;
      h *= 0x100000001b3ull;
      bits >>= 8;
    }
  }
  return h;
}

const RandomStream kStream(20261124, {3, 141, StreamId::testing, 7});
constexpr std::size_t kCount = 1 << 20;

std::vector<double> draw(void (RandomStream::*fill)(std::span<double>, std::uint64_t) const,
                         std::uint64_t first) {
  std::vector<double> v(kCount);
  (kStream.*fill)(v, first);
  return v;
}

class RandomDigest : public ::testing::TestWithParam<KernelLevel> {
 protected:
  void SetUp() override {
    if (!kernel_level_supported(GetParam())) {
      GTEST_SKIP() << "this CPU has no " << kernel_level_name(GetParam());
    }
    previous_ = kernel_level();
    set_kernel_level(GetParam());
  }
  void TearDown() override {
    if (previous_) set_kernel_level(*previous_);
  }

 private:
  std::optional<KernelLevel> previous_;
};

TEST_P(RandomDigest, UniformBitsArePinned) {
  EXPECT_EQ(digest(draw(&RandomStream::uniform, 5)), 2420725076544376589ull);
}

TEST_P(RandomDigest, NormalBitsArePinned) {
  EXPECT_EQ(digest(draw(&RandomStream::normal, 5)), 1290607852523814213ull);
}

TEST_P(RandomDigest, TruncatedAndLognormalBitsArePinned) {
  std::vector<double> v(kCount / 16);
  kStream.truncated_normal(v, 1.0, 2.0, -0.5, 4.0, 11);
  const std::uint64_t truncated = digest(v);
  kStream.lognormal(v, -11.0, 0.3, 11);
  EXPECT_EQ(truncated ^ digest(v), 16930129791561322754ull);
}

INSTANTIATE_TEST_SUITE_P(Levels, RandomDigest, ::testing::ValuesIn(kKernelLevels),
                         [](const auto& level) {
                           return std::string(kernel_level_name(level.param));
                         });

}  // namespace
}  // namespace kirchhoff
