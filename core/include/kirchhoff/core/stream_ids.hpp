// The registry of random stream ids: every consumer of randomness in Kirchhoff names its
// stream here. A new noise source gets a new id; an id is never renumbered or reused, so adding
// a source never shifts the draws of the others and old reference results stay valid.
#pragma once

#include <cstdint>
#include <string_view>

namespace kirchhoff {

enum class StreamId : std::uint32_t {
  programming_error = 1,  // deviation of a programmed conductance from its target
  drift_exponent = 2,     // per-device drift exponent ν
  read_noise = 3,         // fresh at every read (substream = read index)
  stuck_at_fault = 4,     // which cells are stuck at G_min / G_max
  device_to_device = 5,   // per-device parameter spread (lognormal factors, ...)
  cycle_to_cycle = 6,     // per-pulse update noise
  write_verify = 7,       // verify reads inside program-and-verify loops
  relaxation = 8,         // post-programming relaxation of RRAM
  adc_mismatch = 9,       // per-column ADC gain and offset, drawn once per instance
  output_noise = 10,      // additive noise at the column outputs
  input_vectors = 11,     // random input vectors of the array workload
  dataset_order = 12,     // sample order / subsets of datasets
  workload_targets = 13,  // target conductances of a campaign's device workload (element = cell)
  workload_weights = 14,  // weight matrix of a campaign's array workload (element = i·cols + j)
  fit_bootstrap = 15,     // parametric bootstrap of device fits (trial = replicate)
  self_check = 4094,      // `kirchhoff selfcheck`
  testing = 4095,         // unit tests only
};

// Stream ids occupy the top 12 bits of counter word 2; the low 20 bits are the substream.
inline constexpr std::uint32_t kStreamIdBits = 12;
inline constexpr std::uint32_t kSubstreamBits = 20;
inline constexpr std::uint32_t kMaxStreamId = (1u << kStreamIdBits) - 1;
inline constexpr std::uint32_t kMaxSubstream = (1u << kSubstreamBits) - 1;

// Lower-case name of a stream ("read_noise"), for provenance and messages.
std::string_view stream_name(StreamId id) noexcept;

}  // namespace kirchhoff
