#include "kirchhoff/core/random.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "kirchhoff/core/elementary.hpp"
#include "kirchhoff/core/error.hpp"

namespace kirchhoff {
namespace {

// Philox4x32-10 known-answer vectors from Random123's tests/kat_vectors (v1.14):
// counter (4 words), key (2 words) -> output (4 words).
struct KnownAnswer {
  std::array<std::uint32_t, 4> counter;
  std::array<std::uint32_t, 2> key;
  std::array<std::uint32_t, 4> expected;
};
constexpr KnownAnswer kPhiloxKat[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(Philox, ReproducesRandom123KnownAnswerVectorsThroughTheCounterLayout) {
  for (const auto& kat : kPhiloxKat) {
    // Counter word 2 is (stream id << 20 | substream); build the address that yields it.
    const std::uint32_t word2 = kat.counter[2];
    const StreamAddress address{kat.counter[0], kat.counter[1], static_cast<StreamId>(word2 >> 20),
                                word2 & kMaxSubstream};
    const std::uint64_t seed = (std::uint64_t{kat.key[1]} << 32) | kat.key[0];
    const RandomStream stream(seed, address);
    EXPECT_EQ(stream.block(kat.counter[3]), kat.expected);
  }
}

TEST(RandomStream, ElementKUsesWordKMod4OfBlockKDiv4) {
  const RandomStream stream(42, {3, 7, StreamId::programming_error, 0});
  std::vector<double> u(12);
  stream.uniform(u);
  for (std::uint32_t b = 0; b < 3; ++b) {
    const auto words = stream.block(b);
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(u[4 * b + i], (static_cast<double>(words[i]) + 0.5) / 4294967296.0);
    }
  }
}

TEST(RandomStream, UniformsStayInsideTheOpenUnitInterval) {
  EXPECT_GT(uniform_from_word(0), 0.0);
  EXPECT_LT(uniform_from_word(0xffffffffu), 1.0);
  EXPECT_EQ(uniform_from_word(0), 0x1p-33);
}

TEST(RandomStream, BoxMullerMatchesTheClosedFormOnAKnownBlock) {
  const RandomStream::Block words{0x80000000u, 0x40000000u, 0x20000000u, 0x00000000u};
  const auto z = box_muller(words);
  const double u1 = (2147483648.0 + 0.5) / 4294967296.0, u2 = (1073741824.0 + 0.5) / 4294967296.0;
  // Long-double references; θ ≈ π/2 here, so cos θ is tiny and the check is absolute.
  const long double r = std::sqrt(-2.0L * std::log(static_cast<long double>(u1)));
  const long double theta = 2.0L * 3.141592653589793238462643383279503L * u2;
  EXPECT_NEAR(z[0], static_cast<double>(r * std::cos(theta)), 1e-15);
  EXPECT_NEAR(z[1], static_cast<double>(r * std::sin(theta)), 1e-15);
  // u = 2^-33 gives the largest radius a 32-bit uniform allows: sqrt(2 ln 2^33) = 6.76.
  const double r2 = std::sqrt(-2.0 * std::log(0.125 + 0.5 / 4294967296.0));
  EXPECT_NEAR(std::hypot(z[2], z[3]), r2, 1e-12);
}

// Draws are a pure function of the element index: any split of a range into calls, in any
// order, gives the same values bit for bit.
TEST(RandomStream, SameNumbersForAnySplitOfTheRange) {
  const RandomStream stream(2024, {1, 2, StreamId::read_noise, 5});
  constexpr std::size_t n = 10007;
  std::vector<double> whole(n), normals(n);
  stream.normal(whole, 3);
  std::mt19937 pick(1);
  for (int repetition = 0; repetition < 20; ++repetition) {
    std::fill(normals.begin(), normals.end(), 0.0);
    std::size_t pos = 0;
    while (pos < n) {
      const std::size_t len = std::min<std::size_t>(n - pos, 1 + pick() % 37);
      stream.normal(std::span(normals).subspan(pos, len), 3 + pos);
      pos += len;
    }
    ASSERT_EQ(0, std::memcmp(whole.data(), normals.data(), n * sizeof(double)));
  }
  for (std::size_t k : {0u, 1u, 2u, 3u, 4u, 5u, 1000u, 10006u}) {
    EXPECT_EQ(stream.normal_at(3 + k), whole[k]) << "element " << k;
  }
}

TEST(RandomStream, SameNumbersForAnyThreadCountAndGrainSize) {
  const RandomStream stream(7, {0, 9, StreamId::programming_error, 0});
  constexpr std::size_t n = 1 << 18;
  std::vector<double> reference(n);
  stream.normal(reference);
  for (int threads : {1, 2, 4}) {
    for (std::size_t grain : {1u, 3u, 64u, 1000u}) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                static_cast<std::size_t>(threads));
      std::vector<double> parallel(n);
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain), [&](const auto& r) {
        stream.normal(std::span(parallel).subspan(r.begin(), r.size()), r.begin());
      });
      ASSERT_EQ(0, std::memcmp(reference.data(), parallel.data(), n * sizeof(double)))
          << threads << " threads, grain " << grain;
    }
  }
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// Neighbouring coordinates (seed, point, trial, stream, substream) give uncorrelated sequences.
TEST(RandomStream, NeighbouringStreamsAreUncorrelated) {
  constexpr std::size_t n = 200000;
  const StreamAddress base{4, 10, StreamId::read_noise, 3};
  auto draw = [&](std::uint64_t seed, StreamAddress a) {
    std::vector<double> v(n);
    RandomStream(seed, a).normal(v);
    return v;
  };
  const auto reference = draw(99, base);
  std::vector<std::vector<double>> neighbours = {
      draw(100, base),
      draw(99, {5, 10, StreamId::read_noise, 3}),
      draw(99, {4, 11, StreamId::read_noise, 3}),
      draw(99, {4, 10, StreamId::drift_exponent, 3}),
      draw(99, {4, 10, StreamId::read_noise, 4}),
      draw(99 + (std::uint64_t{1} << 32), base),
  };
  // |r| of two independent samples of n is below 5/sqrt(n) with probability 1 - 6e-7.
  const double bound = 5.0 / std::sqrt(static_cast<double>(n));
  for (std::size_t i = 0; i < neighbours.size(); ++i) {
    EXPECT_LT(std::abs(correlation(reference, neighbours[i])), bound) << "neighbour " << i;
    EXPECT_NE(reference[0], neighbours[i][0]);
  }
  // Element k and element k + 1 of the same stream (the two halves of a Box–Muller pair among
  // them) are uncorrelated too.
  std::vector<double> next(n);
  RandomStream(99, base).normal(next, 1);
  EXPECT_EQ(next[0], reference[1]);
  EXPECT_LT(std::abs(correlation(reference, next)), bound);
}

TEST(RandomStream, BernoulliIsTheUniformBelowP) {
  const RandomStream stream(5, {0, 0, StreamId::stuck_at_fault, 0});
  std::vector<double> u(1000);
  std::vector<std::uint8_t> hit(1000);
  stream.uniform(u);
  stream.bernoulli(hit, 0.3);
  for (std::size_t i = 0; i < u.size(); ++i) EXPECT_EQ(hit[i], u[i] < 0.3 ? 1 : 0);
  stream.bernoulli(hit, 0.0);
  EXPECT_EQ(std::accumulate(hit.begin(), hit.end(), 0), 0);
  stream.bernoulli(hit, 1.0);
  EXPECT_EQ(std::accumulate(hit.begin(), hit.end(), 0), 1000);
}

TEST(RandomStream, ScaledNormalAndLognormalAreTransformsOfTheStandardNormal) {
  const RandomStream stream(11, {0, 1, StreamId::device_to_device, 0});
  std::vector<double> z(101), scaled(101), logn(101);
  stream.normal(z, 17);
  stream.normal(scaled, 2.5, 0.5, 17);
  stream.lognormal(logn, -1.0, 0.25, 17);
  for (std::size_t i = 0; i < z.size(); ++i) {
    EXPECT_EQ(scaled[i], 2.5 + 0.5 * z[i]);
    EXPECT_EQ(logn[i], elementary::exp_clamped(-1.0 + 0.25 * z[i]));
  }
}

TEST(RandomStream, TruncatedNormalStaysInsideItsBoundsEvenFarInTheTail) {
  const RandomStream stream(3, {0, 0, StreamId::testing, 0});
  std::vector<double> x(20000);
  for (auto [lo, hi] :
       {std::pair{-1.0, 1.0}, {4.0, 4.5}, {-9.0, -8.0}, {0.0, 1e300}, {-0.5, 30.0}}) {
    stream.truncated_normal(x, 0.0, 1.0, lo, hi);
    for (double v : x) {
      ASSERT_GE(v, lo);
      ASSERT_LE(v, hi);
    }
  }
  // Far upper tail: the mean of N(0,1) on [8, 9] is φ(8)/Q(8) ≈ 8.1198 (inverse Mills ratio).
  stream.truncated_normal(x, 0.0, 1.0, 8.0, 9.0);
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  EXPECT_NEAR(mean, 8.1198, 0.005);
}

TEST(RandomStream, RejectsBadParametersWithClearMessages) {
  const RandomStream stream(1, {0, 0, StreamId::read_noise, 0});
  std::vector<double> x(4);
  std::vector<std::uint8_t> b(4);
  auto expect_message = [](auto&& call, const std::string& text) {
    try {
      call();
      ADD_FAILURE() << "no exception, expected: " << text;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()), text);
    }
  };
  expect_message([&] { stream.normal(x, 0.0, -1.0); },
                 "random stream 'read_noise': standard deviation must be finite and >= 0, got -1");
  expect_message([&] { stream.lognormal(x, NAN, 1.0); },
                 "random stream 'read_noise': mu must be finite, got nan");
  expect_message([&] { stream.bernoulli(b, 1.5); },
                 "random stream 'read_noise': probability must be in [0, 1], got 1.5");
  expect_message([&] { stream.truncated_normal(x, 0.0, 1.0, 2.0, 1.0); },
                 "random stream 'read_noise': truncated normal needs lower < upper, got [2, 1]");
  expect_message([&] { stream.truncated_normal(x, 0.0, 0.0, 0.0, 1.0); },
                 "random stream 'read_noise': truncated normal needs a finite standard deviation "
                 "> 0, got 0");
  expect_message([&] { stream.truncated_normal(x, 0.0, 1.0, 50.0, 60.0); },
                 "random stream 'read_noise': truncation interval [50, 60] has no probability "
                 "mass under N(0, 1^2)");
  expect_message([&] { stream.uniform(x, kElementsPerSubstream - 2); },
                 "random stream 'read_noise': elements [17179869182, 17179869186) exceed the "
                 "17179869184 elements of a substream");
  expect_message(
      [&] {
        RandomStream(1, {0, 0, StreamId::read_noise, 1u << 20});
      },
      "random substream 1048576 of stream 'read_noise' is out of range (allowed "
      "0..1048575)");
  expect_message(
      [&] {
        RandomStream(1, {0, 0, static_cast<StreamId>(5000), 0});
      },
      "random stream id 5000 is out of range (allowed 0..4095)");
}

TEST(RandomStream, TheLastElementsOfASubstreamAreReachable) {
  const RandomStream stream(1, {0, 0, StreamId::testing, 0});
  std::vector<double> x(2);
  stream.uniform(x, kElementsPerSubstream - 2);
  const auto last = stream.block(0xffffffffu);
  EXPECT_EQ(x[1], uniform_from_word(last[3]));
}

TEST(StreamRegistry, NamesEveryStream) {
  EXPECT_EQ(stream_name(StreamId::programming_error), "programming_error");
  EXPECT_EQ(stream_name(StreamId::read_noise), "read_noise");
  EXPECT_EQ(stream_name(static_cast<StreamId>(999)), "unknown");
}

}  // namespace
}  // namespace kirchhoff
