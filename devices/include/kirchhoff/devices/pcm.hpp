// Statistical phase-change memory (PCM) models fitted to IBM hardware (docs/devices-pcm.md):
//
//   pcm-joshi2020   mushroom-cell PCM, one device [Nandakumar et al., ICECS 2019; Joshi et al.,
//                   Nat. Commun. 11:2473, 2020]
//   pcm-hermes2023  PCM of the IBM 14 nm 64-core chip (HERMES) [Le Gallo et al., Nat. Electron.
//                   6:680, 2023], with one or two devices per polarity
//
// All of them share one structure, with x = g_T / g_max (g_T the target conductance):
//   programming  g_P = max(g_T + σ_P(x) z₁, 0),           z₁ ~ N(0, 1)
//   (StreamId::programming_error) drift        g(t) = g_P (t/t_0)^(−ν) for t > t_0,  g(t) = g_P for
//   t ≤ t_0
//                ν = |μ_ν(x) + σ_ν(x) z₂|, drawn once per cell (StreamId::drift_exponent)
//   read noise   σ_R(t) = |g(t)| Q_s(x) sqrt(max(ln((t + t_read) / (2 t_read)), 0))
// t is the time since the last programming pulse (ReadTime::t_s); g_P is the conductance at the
// fit's first read t_0. The curves σ_P, μ_ν, σ_ν and Q_s of each fit are in pcm_fit below.
//
// "Two devices per polarity" (pcm-hermes2023, devices_per_polarity = 2): one cell of the array is
// the pair of devices that carries one polarity (G⁺ or G⁻) of a weight; its conductance is the sum
// of the two, and the published fit describes that sum directly (see docs/devices-pcm.md).
#pragma once

#include <memory>
#include <span>
#include <string>

#include "kirchhoff/devices/device_config.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

// Which published fit a PcmModel follows.
enum class PcmFit {
  joshi2020,          // Nandakumar 2019 / Joshi 2020: g_max 25 µS, t_0 20 s, t_read 250 ns
  hermes2023_single,  // Le Gallo 2023, one device per polarity: g_max 10.35 µS, t_0 200 s
  hermes2023_pair,    // Le Gallo 2023, two devices per polarity: g_max 20.7 µS, t_0 300 s
};

// The fitted curves exactly as published, as functions of the normalised target x = g_T / g_max
// (x in [0, 1]; x = 0 gives the limit x → 0 of every curve, never NaN).
namespace pcm_fit {
// Programming noise σ_P in µS at the fit's own g_max (reference_g_max_siemens); >= 0.
[[nodiscard]] double programming_sigma_microsiemens(PcmFit fit, double x);
// Mean μ_ν and standard deviation σ_ν of the normal that is folded to give ν.
[[nodiscard]] double drift_exponent_mean(PcmFit fit, double x);
[[nodiscard]] double drift_exponent_std(PcmFit fit, double x);
// 1/f read-noise coefficient Q_s (dimensionless).
[[nodiscard]] double read_noise_q(PcmFit fit, double x);
// The constants of each fit: g_max of the fit (S), t_0 (s), t_read (s).
[[nodiscard]] double reference_g_max_siemens(PcmFit fit);
[[nodiscard]] double reference_t0_s(PcmFit fit);
[[nodiscard]] double reference_t_read_s(PcmFit fit);
}  // namespace pcm_fit

struct PcmParameters {
  PcmFit fit = PcmFit::joshi2020;
  // g_min, g_max, levels, clip, fault rates. g_max also normalises x = g_T / g_max; when it differs
  // from the fit's g_max, σ_P is scaled by g_max / reference_g_max_siemens (as in IBM aihwkit).
  CommonParameters common;
  double t0_s = 20.0;        // time of the first read after programming (drift reference)
  double t_read_s = 250e-9;  // read pulse width of the 1/f noise integral
  // Multipliers of σ_P, ν and σ_R (1 = as published, 0 = that effect switched off).
  double programming_noise_scale = 1.0;
  double drift_scale = 1.0;
  double read_noise_scale = 1.0;

  // The published values: g_min = 0, g_max and t_0, t_read of the fit, clip = false (the model
  // keeps g_P >= 0 itself and does not clip at g_max), no levels, no faults, scales 1.
  [[nodiscard]] static PcmParameters published(PcmFit fit);
  // Throws InvalidArgument naming the parameter for a value outside what is allowed.
  void validate() const;
};

class PcmModel final : public DeviceModel {
 public:
  explicit PcmModel(const PcmParameters& parameters);

  // "pcm-joshi2020" or "pcm-hermes2023".
  [[nodiscard]] std::string kind() const override;
  [[nodiscard]] const PcmParameters& parameters() const noexcept { return parameters_; }

  // The model's curves at a target conductance (S), with g_max and the scales applied.
  [[nodiscard]] double programming_sigma_siemens(double target_siemens) const;
  // μ_ν and σ_ν of the folded normal; ν = drift_scale · |N(μ_ν, σ_ν²)|.
  [[nodiscard]] double drift_exponent_mean(double target_siemens) const;
  [[nodiscard]] double drift_exponent_std(double target_siemens) const;
  // read_noise_scale · Q_s(x).
  [[nodiscard]] double read_noise_q(double target_siemens) const;
  // sqrt(max(ln((t + t_read) / (2 t_read)), 0)): 0 for t <= t_read.
  [[nodiscard]] double read_noise_time_factor(double t_s) const;

  void read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<const double> g_at_t_siemens,
                      std::span<double> sigma_siemens) const override;

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override;
  void evolve(const ProgrammedCells& cells, const ReadTime& time,
              std::span<double> g_siemens) const override;

 private:
  [[nodiscard]] double normalised(double g_siemens) const noexcept;
  PcmParameters parameters_;
};

// Factories (ModelFactory) for the [parameters] table of a device. Keys, besides the common ones
// (read_common_parameters): t0, t_read (times), programming_noise_scale, drift_scale,
// read_noise_scale (numbers >= 0) and, for pcm-hermes2023, devices_per_polarity (1 or 2, default
// 2; it selects the fit and the defaults of g_max and t0). Absent keys take the published values.
std::unique_ptr<DeviceModel> make_pcm_joshi2020_model(const ConfigTable& parameters);
std::unique_ptr<DeviceModel> make_pcm_hermes2023_model(const ConfigTable& parameters);

}  // namespace kirchhoff::devices
