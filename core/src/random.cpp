#include "kirchhoff/core/random.hpp"

#include <Random123/philox.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <numbers>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff {

std::string_view stream_name(StreamId id) noexcept {
  switch (id) {
    case StreamId::programming_error: return "programming_error";
    case StreamId::drift_exponent: return "drift_exponent";
    case StreamId::read_noise: return "read_noise";
    case StreamId::stuck_at_fault: return "stuck_at_fault";
    case StreamId::device_to_device: return "device_to_device";
    case StreamId::cycle_to_cycle: return "cycle_to_cycle";
    case StreamId::write_verify: return "write_verify";
    case StreamId::relaxation: return "relaxation";
    case StreamId::adc_mismatch: return "adc_mismatch";
    case StreamId::output_noise: return "output_noise";
    case StreamId::input_vectors: return "input_vectors";
    case StreamId::dataset_order: return "dataset_order";
    case StreamId::self_check: return "self_check";
    case StreamId::testing: return "testing";
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
    throw InvalidArgument(fmt::format("random stream id {} is out of range (allowed 0..{})", id,
                                      kMaxStreamId));
  }
  if (address.substream > kMaxSubstream) {
    throw InvalidArgument(fmt::format("random substream {} of stream '{}' is out of range "
                                      "(allowed 0..{})",
                                      address.substream, stream_name(address.stream),
                                      kMaxSubstream));
  }
  stream_word_ = (id << kSubstreamBits) | address.substream;
}

RandomStream::Block RandomStream::block(std::uint32_t index) const noexcept {
  const r123::Philox4x32::ctr_type counter = {{address_.point, address_.trial, stream_word_, index}};
  const r123::Philox4x32::key_type key = {{key_[0], key_[1]}};
  const auto out = r123::Philox4x32()(counter, key);
  return {out[0], out[1], out[2], out[3]};
}

std::array<double, 4> box_muller(const RandomStream::Block& words) noexcept {
  constexpr double two_pi = 2.0 * std::numbers::pi;
  std::array<double, 4> z{};
  for (std::size_t pair = 0; pair < 2; ++pair) {
    const double r = std::sqrt(-2.0 * std::log(uniform_from_word(words[2 * pair])));
    const double theta = two_pi * uniform_from_word(words[2 * pair + 1]);
    z[2 * pair] = r * std::cos(theta);
    z[2 * pair + 1] = r * std::sin(theta);
  }
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

// Calls make_values(block) -> std::array<T, 4> for every block that covers elements
// [first, first + out.size()) and copies the wanted elements. Every element is computed the
// same way wherever the range starts or ends, which is what makes draws independent of the split.
template <class T, class MakeValues>
void fill_blocks(const RandomStream& stream, std::span<T> out, std::uint64_t first,
                 MakeValues make_values) {
  check_range(stream, first, out.size());
  std::size_t pos = 0;
  std::uint64_t element = first;
  while (pos < out.size()) {
    const auto values = make_values(stream.block(static_cast<std::uint32_t>(element / 4)));
    const auto offset = static_cast<std::size_t>(element % 4);
    const std::size_t take = std::min<std::size_t>(4 - offset, out.size() - pos);
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(offset), take,
                out.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += take;
    element += take;
  }
}

std::array<double, 4> uniforms(const RandomStream::Block& words) noexcept {
  return {uniform_from_word(words[0]), uniform_from_word(words[1]), uniform_from_word(words[2]),
          uniform_from_word(words[3])};
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
double lower_tail(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double upper_tail(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

}  // namespace

void RandomStream::uniform(std::span<double> out, std::uint64_t first) const {
  fill_blocks(*this, out, first, uniforms);
}

void RandomStream::normal(std::span<double> out, std::uint64_t first) const {
  fill_blocks(*this, out, first, box_muller);
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
  for (double& x : out) x = std::exp(mu + sigma * x);
}

void RandomStream::truncated_normal(std::span<double> out, double mean, double stddev,
                                    double lower, double upper, std::uint64_t first) const {
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
  fill_blocks(*this, out, first, [probability](const Block& words) {
    std::array<std::uint8_t, 4> hit{};
    for (std::size_t i = 0; i < 4; ++i) hit[i] = uniform_from_word(words[i]) < probability;
    return hit;
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
