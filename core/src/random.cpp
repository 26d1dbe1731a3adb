#include "kirchhoff/core/random.hpp"

#include <Random123/philox.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <numbers>

#include "kirchhoff/core/elementary.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/simd.hpp"

namespace kirchhoff {

std::string_view stream_name(StreamId id) noexcept {
  switch (id) {
    case StreamId::programming_error:
      return "programming_error";
    case StreamId::drift_exponent:
      return "drift_exponent";
    case StreamId::read_noise:
      return "read_noise";
    case StreamId::stuck_at_fault:
      return "stuck_at_fault";
    case StreamId::device_to_device:
      return "device_to_device";
    case StreamId::cycle_to_cycle:
      return "cycle_to_cycle";
    case StreamId::write_verify:
      return "write_verify";
    case StreamId::relaxation:
      return "relaxation";
    case StreamId::adc_mismatch:
      return "adc_mismatch";
    case StreamId::output_noise:
      return "output_noise";
    case StreamId::input_vectors:
      return "input_vectors";
    case StreamId::dataset_order:
      return "dataset_order";
    case StreamId::workload_targets:
      return "workload_targets";
    case StreamId::workload_weights:
      return "workload_weights";
    case StreamId::fit_bootstrap:
      return "fit_bootstrap";
    case StreamId::self_check:
      return "self_check";
    case StreamId::testing:
      return "testing";
  }
  return "unknown";
}

RandomStream::RandomStream(std::uint64_t seed, StreamAddress address)
    : seed_(seed),
      address_(address),
      key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
      stream_word_(0) {
  const auto id = static_cast<std::uint32_t>(address.stream);
  if (id > kMaxStreamId) {
    throw InvalidArgument(
        fmt::format("random stream id {} is out of range (allowed 0..{})", id, kMaxStreamId));
  }
  if (address.substream > kMaxSubstream) {
    throw InvalidArgument(
        fmt::format("random substream {} of stream '{}' is out of range "
                    "(allowed 0..{})",
                    address.substream, stream_name(address.stream), kMaxSubstream));
  }
  stream_word_ = (id << kSubstreamBits) | address.substream;
}

RandomStream::Block RandomStream::block(std::uint32_t index) const noexcept {
  const r123::Philox4x32::ctr_type counter = {
      {address_.point, address_.trial, stream_word_, index}};
  const r123::Philox4x32::key_type key = {{key_[0], key_[1]}};
  const auto out = r123::Philox4x32()(counter, key);
  return {out[0], out[1], out[2], out[3]};
}

namespace {

// Box–Muller on one pair of words, with the project's own elementary functions
// (elementary.hpp): the same bits in scalar and vectorised code, on every machine.
inline void box_muller_pair(std::uint32_t w1, std::uint32_t w2, double& z_cos,
                            double& z_sin) noexcept {
  const double r = std::sqrt(-2.0 * elementary::log_positive(uniform_from_word(w1)));
  const auto sc = elementary::sincos_turns(uniform_from_word(w2));
  z_cos = r * sc.cos;
  z_sin = r * sc.sin;
}

}  // namespace

std::array<double, 4> box_muller(const RandomStream::Block& words) noexcept {
  std::array<double, 4> z{};
  box_muller_pair(words[0], words[1], z[0], z[1]);
  box_muller_pair(words[2], words[3], z[2], z[3]);
  return z;
}

namespace {

void check_range(const RandomStream& stream, std::uint64_t first, std::size_t count) {
  if (first > kElementsPerSubstream || count > kElementsPerSubstream - first) {
    throw InvalidArgument(fmt::format(
        "random stream '{}': elements [{}, {}) exceed the {} elements of a substream",
        stream_name(stream.address().stream), first, first + count, kElementsPerSubstream));
  }
}

// Blocks are generated and transformed in chunks, word-major (word j of block b at
// words[j][b]), so that the compiler vectorises Philox across counters and the transforms across
// blocks. The kernels are compiled for AVX2 and for the baseline and picked at run time; both
// give the same bits (integer operations and correctly rounded IEEE operations only; no FMA).
constexpr std::size_t kChunkBlocks = 64;
using WordChunk = std::array<std::array<std::uint32_t, kChunkBlocks>, 4>;
template <class T>
using ValueChunk = std::array<std::array<T, kChunkBlocks>, 4>;

void philox_chunk(const r123::Philox4x32::ctr_type& prefix, const r123::Philox4x32::key_type& key,
                  std::uint32_t first_block, std::size_t count, WordChunk& words) {
  with_kernel_level([&] {
    for (std::size_t b = 0; b < count; ++b) {
      r123::Philox4x32::ctr_type counter = prefix;
      counter[3] = first_block + static_cast<std::uint32_t>(b);
      const auto out = r123::Philox4x32()(counter, key);
      words[0][b] = out[0];
      words[1][b] = out[1];
      words[2][b] = out[2];
      words[3][b] = out[3];
    }
  });
}

void uniform_chunk(const WordChunk& words, std::size_t count, ValueChunk<double>& values) {
  with_kernel_level([&] {
    for (std::size_t j = 0; j < 4; ++j) {
      for (std::size_t b = 0; b < count; ++b) values[j][b] = uniform_from_word(words[j][b]);
    }
  });
}

void normal_chunk(const WordChunk& words, std::size_t count, ValueChunk<double>& values) {
  with_kernel_level([&] {
    for (std::size_t b = 0; b < count; ++b) {
      box_muller_pair(words[0][b], words[1][b], values[0][b], values[1][b]);
      box_muller_pair(words[2][b], words[3][b], values[2][b], values[3][b]);
    }
  });
}

// Fills out[i] with element first + i, computing whole chunks of blocks with `transform`
// (WordChunk, count, ValueChunk<T>&) and copying the wanted elements. Every element is computed
// by the same code wherever the range starts or ends, so draws do not depend on the split.
template <class T, class Transform>
void fill_chunks(const RandomStream& stream, std::span<T> out, std::uint64_t first,
                 Transform transform) {
  check_range(stream, first, out.size());
  if (out.empty()) return;
  const StreamAddress& a = stream.address();
  const r123::Philox4x32::ctr_type prefix = {
      {a.point, a.trial, (static_cast<std::uint32_t>(a.stream) << kSubstreamBits) | a.substream,
       0}};
  const r123::Philox4x32::key_type key = {
      {static_cast<std::uint32_t>(stream.seed()), static_cast<std::uint32_t>(stream.seed() >> 32)}};
  WordChunk words;
  ValueChunk<T> values;
  const std::uint64_t last = first + out.size();  // one past the last element
  std::uint64_t block = first / 4;
  const std::uint64_t end_block = (last + 3) / 4;
  std::size_t pos = 0;
  while (block < end_block) {
    const auto count =
        static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBlocks, end_block - block));
    philox_chunk(prefix, key, static_cast<std::uint32_t>(block), count, words);
    transform(words, count, values);
    const std::uint64_t chunk_first = 4 * block;
    const std::uint64_t from = std::max(first, chunk_first);
    const std::uint64_t to = std::min(last, chunk_first + 4 * count);
    // Element k of the chunk is values[k % 4][k / 4]: copy whole blocks where the range covers
    // them, single elements at its ends.
    std::uint64_t k = from - chunk_first;
    const std::uint64_t k_end = to - chunk_first;
    for (; k < k_end && k % 4 != 0; ++k) out[pos++] = values[k % 4][k / 4];
    for (; k + 4 <= k_end; k += 4, pos += 4) {
      const std::size_t b = static_cast<std::size_t>(k / 4);
      out[pos] = values[0][b];
      out[pos + 1] = values[1][b];
      out[pos + 2] = values[2][b];
      out[pos + 3] = values[3][b];
    }
    for (; k < k_end; ++k) out[pos++] = values[k % 4][k / 4];
    block += count;
  }
}

void require_finite(double value, const char* name, const RandomStream& stream) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(fmt::format("random stream '{}': {} must be finite, got {}",
                                      stream_name(stream.address().stream), name, value));
  }
}

void require_non_negative(double value, const char* name, const RandomStream& stream) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw InvalidArgument(fmt::format("random stream '{}': {} must be finite and >= 0, got {}",
                                      stream_name(stream.address().stream), name, value));
  }
}

// Standard normal CDF in the lower and upper tail, each accurate where it is small.
double lower_tail(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}
double upper_tail(double x) {
  return 0.5 * std::erfc(x / std::numbers::sqrt2);
}

}  // namespace

void RandomStream::uniform(std::span<double> out, std::uint64_t first) const {
  fill_chunks(*this, out, first, uniform_chunk);
}

void RandomStream::normal(std::span<double> out, std::uint64_t first) const {
  fill_chunks(*this, out, first, normal_chunk);
}

void RandomStream::normal(std::span<double> out, double mean, double stddev,
                          std::uint64_t first) const {
  require_finite(mean, "mean", *this);
  require_non_negative(stddev, "standard deviation", *this);
  normal(out, first);
  for (double& x : out) x = mean + stddev * x;
}

void RandomStream::lognormal(std::span<double> out, double mu, double sigma,
                             std::uint64_t first) const {
  require_finite(mu, "mu", *this);
  require_non_negative(sigma, "sigma", *this);
  normal(out, first);
  // The project's own exp (elementary.hpp): vectorised, and the same bits with any C library.
  for (double& x : out) x = elementary::exp_clamped(mu + sigma * x);
}

void RandomStream::truncated_normal(std::span<double> out, double mean, double stddev, double lower,
                                    double upper, std::uint64_t first) const {
  require_finite(mean, "mean", *this);
  if (!(stddev > 0.0) || !std::isfinite(stddev)) {
    throw InvalidArgument(fmt::format(
        "random stream '{}': truncated normal needs a finite standard deviation > 0, got {}",
        stream_name(address_.stream), stddev));
  }
  if (!(lower < upper)) {
    throw InvalidArgument(
        fmt::format("random stream '{}': truncated normal needs lower < upper, got [{}, {}]",
                    stream_name(address_.stream), lower, upper));
  }
  // Standardise; sample in whichever tail keeps precision: with both bounds above the mean,
  // sample the mirror image below it and flip the sign back.
  double alpha = (lower - mean) / stddev;
  double beta = (upper - mean) / stddev;
  const bool mirrored = alpha > 0.0;
  if (mirrored) {
    std::swap(alpha, beta);
    alpha = -alpha;
    beta = -beta;
  }
  const double p_alpha = lower_tail(alpha), p_beta = lower_tail(beta);
  const double q_alpha = upper_tail(alpha), q_beta = upper_tail(beta);
  if (!(p_beta - p_alpha > 0.0)) {
    throw InvalidArgument(fmt::format(
        "random stream '{}': truncation interval [{}, {}] has no probability mass under "
        "N({}, {}^2)",
        stream_name(address_.stream), lower, upper, mean, stddev));
  }
  uniform(out, first);
  for (double& x : out) {
    const double u = x;
    // p = Φ(α) + u (Φ(β) − Φ(α)); its complement q = 1 − p from the upper tails directly.
    const double p = p_alpha + u * (p_beta - p_alpha);
    double z;
    if (p < 0.5) {
      z = p > 0.0 ? -std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * p) : alpha;
    } else {
      const double q = q_alpha * (1.0 - u) + q_beta * u;
      z = q > 0.0 ? std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * q) : beta;
    }
    z = std::clamp(z, alpha, beta);
    x = mean + stddev * (mirrored ? -z : z);
  }
}

void RandomStream::bernoulli(std::span<std::uint8_t> out, double probability,
                             std::uint64_t first) const {
  if (!(probability >= 0.0 && probability <= 1.0)) {
    throw InvalidArgument(fmt::format("random stream '{}': probability must be in [0, 1], got {}",
                                      stream_name(address_.stream), probability));
  }
  fill_chunks(
      *this, out, first,
      [probability](const WordChunk& words, std::size_t count, ValueChunk<std::uint8_t>& hit) {
        for (std::size_t j = 0; j < 4; ++j) {
          for (std::size_t b = 0; b < count; ++b) {
            hit[j][b] = uniform_from_word(words[j][b]) < probability;
          }
        }
      });
}

double RandomStream::uniform_at(std::uint64_t element) const {
  double value = 0.0;
  uniform(std::span<double>(&value, 1), element);
  return value;
}

double RandomStream::normal_at(std::uint64_t element) const {
  double value = 0.0;
  normal(std::span<double>(&value, 1), element);
  return value;
}

}  // namespace kirchhoff
