// Counter-based random streams: Philox4x32-10 (Salmon et al., SC'11, via Random123) with
//   key     = (seed low 32 bits, seed high 32 bits)
//   counter = (sweep point, trial, stream id << 20 | substream, block index)
// Each Philox block gives four 32-bit words. Element k of a stream is a pure function of
// (seed, point, trial, stream, substream, k): draws never depend on how a range is split into
// calls, on thread count, MPI rank, schedule or restart point.
//
// Element k uses word k % 4 of block k / 4 (2^34 elements per substream). The transforms are the
// project's own, so that results do not depend on the standard library's implementation:
//   uniform:   u = (w + 1/2) · 2^-32, in the open interval (0, 1), never 0 or 1
//   normal:    Box–Muller (1958) on the word pairs (0, 1) and (2, 3) of a block; even k takes
//              r·cos θ, odd k takes r·sin θ, r = sqrt(−2 ln u₁), θ = 2π u₂ (|z| ≤ 6.66)
//   lognormal: exp(μ + σ z) with z the normal of element k (exp clamped to [e^-708, e^709])
//   truncated normal on [a, b]: inverse CDF of the uniform of element k, computed in the tail
//              that keeps precision (Boost.Math erfc_inv)
//   Bernoulli: u < p
// Every element goes through the same code, whatever its position in the requested range.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "kirchhoff/core/stream_ids.hpp"

namespace kirchhoff {

// Where a stream sits in a campaign: which sweep point, which trial (programmed chip), which
// noise source, and an optional substream (e.g. the read index for read noise).
struct StreamAddress {
  std::uint32_t point = 0;
  std::uint32_t trial = 0;
  StreamId stream = StreamId::testing;
  std::uint32_t substream = 0;
};

inline constexpr std::uint64_t kElementsPerSubstream = std::uint64_t{4} << 32;

class RandomStream {
 public:
  using Block = std::array<std::uint32_t, 4>;

  // Throws InvalidArgument if the stream id or substream is outside its bit field.
  RandomStream(std::uint64_t seed, StreamAddress address);

  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] const StreamAddress& address() const noexcept { return address_; }

  // Raw Philox4x32-10 output for one counter block.
  [[nodiscard]] Block block(std::uint32_t index) const noexcept;

  // Each fills `out` with elements first, first + 1, ..., first + out.size() − 1 and throws
  // InvalidArgument if that range leaves the substream or a parameter is out of its domain.
  void uniform(std::span<double> out, std::uint64_t first = 0) const;
  void normal(std::span<double> out, std::uint64_t first = 0) const;
  void normal(std::span<double> out, double mean, double stddev, std::uint64_t first = 0) const;
  void lognormal(std::span<double> out, double mu, double sigma, std::uint64_t first = 0) const;
  void truncated_normal(std::span<double> out, double mean, double stddev, double lower,
                        double upper, std::uint64_t first = 0) const;
  void bernoulli(std::span<std::uint8_t> out, double probability, std::uint64_t first = 0) const;

  // Single elements, same values as the block forms.
  [[nodiscard]] double uniform_at(std::uint64_t element) const;
  [[nodiscard]] double normal_at(std::uint64_t element) const;

 private:
  std::uint64_t seed_;
  StreamAddress address_;
  std::array<std::uint32_t, 2> key_;
  std::uint32_t stream_word_;
};

// The four standard normals of one Philox block (Box–Muller on word pairs (0,1) and (2,3)).
std::array<double, 4> box_muller(const RandomStream::Block& words) noexcept;

// The uniform in (0, 1) of one 32-bit word: (word + 1/2)·2^-32, exactly. Converted through a
// signed integer (word − 2^31), for which SIMD conversions exist, then shifted back by 2^31.
inline double uniform_from_word(std::uint32_t word) noexcept {
  const auto centred = static_cast<std::int32_t>(word ^ 0x80000000u);
  return (static_cast<double>(centred) + 2147483648.5) * 0x1p-32;
}

}  // namespace kirchhoff
