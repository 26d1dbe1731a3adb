// Pulse-programmed devices with a nonlinear conductance update, as modelled by NeuroSim
// (Chen, Peng & Yu, IEEE TCAD 37:3067, 2018; Chen & Yu, IEEE Design & Test 2019; MLP+NeuroSim
// V3.0 source, formula.cpp and Cell.cpp). Equations, parameters and sources: docs/devices-pulse.md.
//
// Weight-update curve, position P in pulses on [0, P_max]:
//   G(P) = B (1 − e^(−P/A)) + G_min,   B = (G_max − G_min) / (1 − e^(−P_max/A))
// so G(0) = G_min and G(P_max) = G_max. LTP pulses move P up (A > 0: fast first, then
// saturating), LTD pulses move P down along a curve of its own (NeuroSim's negative A for LTD:
// fast first from G_max, then saturating towards G_min). A = ±∞ is the linear update.
//
// The nonlinearity label NL is the signed largest deviation of the normalised curve
// y(t) = G(t·P_max) normalised to [0, 1] from the straight line y = t, divided by 0.0989949;
// it depends on a = A / P_max only. NL > 0 for A > 0, NL < 0 for A < 0, NL = 0 for A = ±∞.
// Published pairs: a = 0.5 ↔ NL 2.40, a = −0.2 ↔ NL −4.88.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

// NeuroSim's normalisation of the nonlinearity label.
inline constexpr double kNonlinearityScale = 0.0989949;
// |NL| is below this bound for every finite A (the deviation tends to 1 as A → 0).
inline constexpr double kMaxNonlinearityLabel = 1.0 / kNonlinearityScale;

// NL of the normalised parameter a = A / P_max (a = ±∞ gives 0). Throws InvalidArgument for
// a = 0 or NaN.
[[nodiscard]] double nonlinearity_label(double a_normalised);
// The inverse: a = A / P_max of a label (NL = 0 gives +∞). Bracketed root finding
// (Boost.Math TOMS 748) to full double precision. Throws InvalidArgument unless
// |NL| < kMaxNonlinearityLabel.
[[nodiscard]] double normalised_a(double nonlinearity);

// One update curve: G(P) on P ∈ [0, pulses], G(0) = g_min, G(pulses) = g_max (both exact).
struct PulseCurve {
  double g_min_siemens = 0.0;
  double g_max_siemens = 0.0;
  std::uint32_t pulses = 1;   // P_max
  double a_normalised = 0.0;  // A / P_max; ±∞ for the linear curve

  // Curve of a given label (NL = 0: linear).
  [[nodiscard]] static PulseCurve from_label(double g_min_siemens, double g_max_siemens,
                                             std::uint32_t pulses, double nonlinearity);
  [[nodiscard]] double a_pulses() const noexcept { return a_normalised * pulses; }
  // G at position p (pulses); p is clamped to [0, pulses].
  [[nodiscard]] double conductance(double p) const noexcept;
  // Position of a conductance on the curve (NeuroSim's InvNonlinearWeight); g is clamped to
  // [g_min, g_max].
  [[nodiscard]] double position(double g_siemens) const noexcept;
};

// Parameters of the pulse-programmed device (siemens, pulses, fractions).
struct PulseParameters {
  double g_min_siemens = 0.0;
  double g_max_siemens = 0.0;
  std::uint32_t pulses_ltp = 1;  // P_max of LTP = number of states − 1
  std::uint32_t pulses_ltd = 1;  // P_max of LTD
  double nl_ltp = 0.0;           // NeuroSim label, > 0 for the usual saturating LTP
  double nl_ltd = 0.0;           // NeuroSim label, < 0 for the usual saturating LTD
  // Cycle-to-cycle noise: σ per pulse as a fraction of (G_max − G_min).
  double c2c = 0.0;
  // Device-to-device variation as in NeuroSim: σ of the NL label (label units, independent
  // draws for LTP and LTD) and absolute σ of G_max and G_min (S).
  double d2d_nl = 0.0;
  double d2d_g_max_siemens = 0.0;
  double d2d_g_min_siemens = 0.0;
  // Read noise: σ per read as a fraction of (G_max − G_min). 0 = none.
  double read_noise = 0.0;

  // Throws InvalidArgument naming the parameter.
  void validate() const;
};

// The curve parameters of one device after device-to-device variation.
struct PulseDevice {
  PulseCurve ltp;
  PulseCurve ltd;
};

// Kind "pulse-nonlinear". Programming: each cell starts at G_min and receives the number of LTP
// pulses k ∈ [0, P_max] whose noiseless nominal level G(k) is nearest to its target (ties go to
// the lower level); cells.target_siemens is replaced by that level. The cell's own curve (after
// device-to-device variation) gives its conductance after k pulses, plus the cycle-to-cycle
// noise of k pulses, N(0, k σ²) (the sum of k independent per-pulse N(0, σ²) draws, which is
// what NeuroSim applies as σ·√k per write), then the cell is clipped to its own [G_min, G_max].
// No drift. Random streams, element first_cell + i for cell i:
//   cycle_to_cycle    substream = programming attempt
//   device_to_device  substream 0: NL_LTP, 1: NL_LTD, 2: G_max, 3: G_min (fixed per device)
class PulseNonlinearModel final : public DeviceModel {
 public:
  // `common.levels` must be 0 (the levels are the curve's); g_min/g_max come from `parameters`.
  PulseNonlinearModel(const PulseParameters& parameters, const CommonParameters& common);

  [[nodiscard]] std::string kind() const override { return "pulse-nonlinear"; }
  [[nodiscard]] const PulseParameters& parameters() const noexcept { return parameters_; }
  [[nodiscard]] const PulseCurve& ltp_curve() const noexcept { return ltp_; }
  [[nodiscard]] const PulseCurve& ltd_curve() const noexcept { return ltd_; }
  // Number of LTP pulses whose nominal level is nearest to g_siemens.
  [[nodiscard]] std::uint32_t pulses_for(double g_siemens) const noexcept;
  // The curves of the devices [address.first_cell, + count) (device-to-device variation).
  [[nodiscard]] std::vector<PulseDevice> devices(const CellAddress& address,
                                                 std::size_t count) const;

  void read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<const double> g_at_t_siemens,
                      std::span<double> sigma_siemens) const override;

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override;
  void evolve(const ProgrammedCells& cells, const ReadTime& time,
              std::span<double> g_siemens) const override;

 private:
  PulseParameters parameters_;
  PulseCurve ltp_;
  PulseCurve ltd_;
};

// Factory for model = "pulse-nonlinear". Keys of [parameters]:
//   g_max (conductance, required); g_min (conductance) or on_off_ratio (> 1), default g_min 0
//   states (≥ 2) or pulses (≥ 1) for LTP, P_max = states − 1 (one of them required);
//   states_ltd or pulses_ltd (default: as LTP)
//   nl_ltp, nl_ltd (labels, default 0) or a_ltp, a_ltd (A in pulses, nonzero)
//   c2c, d2d_nl, read_noise (≥ 0), d2d_g_max, d2d_g_min (conductance σ)
//   clip, stuck_off_rate, stuck_on_rate (common); levels is refused.
std::unique_ptr<DeviceModel> make_pulse_nonlinear_model(const ConfigTable& parameters);

// One row of a pulse-response curve. Row 0 is the initial state (pulse 0, polarity 0, G_min);
// then one row per pulse: polarity +1 for LTP, −1 for LTD.
struct PulseResponseRow {
  std::uint32_t pulse = 0;
  int polarity = 0;
  double g_noiseless_siemens = 0.0;  // nominal curve, no noise, no device-to-device variation
  double g_siemens = 0.0;            // this device (device-to-device variation) with C2C noise
};

// LTP from G_min for `ltp_pulses` pulses, then `ltd_pulses` LTD pulses, one device (the cell at
// address.first_cell). Each pulse is one NeuroSim write of one pulse: the device's position on
// the curve of the pulse's polarity is found from its present conductance, moved by one pulse,
// C2C noise N(0, σ²) is added and the result is clipped to the device's range. Pulse k (1-based)
// draws element first_cell of cycle_to_cycle substream k. Positions saturate at the curve ends.
std::vector<PulseResponseRow> pulse_response(const PulseNonlinearModel& model,
                                             std::uint32_t ltp_pulses, std::uint32_t ltd_pulses,
                                             const CellAddress& address);

}  // namespace kirchhoff::devices
