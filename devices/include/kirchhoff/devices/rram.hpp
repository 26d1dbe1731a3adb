// RRAM device models (docs/devices-rram.md has the equations, parameters, sources and every
// modelling assumption):
//
//   kind "rram-wan2022"   NeuRRAM-like RRAM [Wan et al., Nature 608:504, 2022], as fitted in IBM
//                         aihwkit (ReRamWan2022NoiseModel): a conductance-dependent spread at
//                         1 s, 1 day and 2 days; the conductance at each read time is resampled
//                         around the target with the spread of that time.
//   kind "rram-hfox-cmo"  analog CMO/HfOx RRAM [Falcone et al., arXiv:2502.04524, 2025], as in
//                         aihwkit (ReRamCMONoiseModel): linear programming spread for a 2 % or
//                         0.2 % acceptance range, relaxation whose mean and spread are linear in
//                         ln t.
//   kind "rram-milo2021"  RRAM of Milo et al. (IRPS 2021), as in Sandia CrossSim (RRAMMilo):
//                         linear programming spread, no time evolution, cubic I–V
//                         I = G0 V + NL2 V² + NL3 V³ with NL2, NL3 polynomials in log10(G0 / 1 S).
//
// Conductances in S, times in s, voltages in V, currents in A. Random draws: programming error
// from StreamId::programming_error (substream = attempt), the state at a read time from
// StreamId::relaxation (substream = ReadTime::index); element first_cell + i for cell i.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kirchhoff/core/config.hpp"
#include "kirchhoff/devices/device_config.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

// ---------------------------------------------------------------------------------------------
// NeuRRAM-like RRAM, Wan et al. 2022.

// The spread σ(g) = (g_max / fit_g_max) · Σ_i c_i x^i, x = g / g_max, fitted at one time.
struct SpreadFit {
  double t_s = 0.0;                          // time after programming of the fit
  std::vector<double> coefficients_siemens;  // c_0, c_1, ... in S (ascending powers of x)
};

struct RramWan2022Parameters {
  CommonParameters common{.g_min_siemens = 0.0, .g_max_siemens = 40e-6};
  // g_max of the device the coefficients were fitted on; σ scales with g_max / fit_g_max.
  double fit_g_max_siemens = 40e-6;
  // At least one fit, strictly increasing times > 0. The first fit is the programming spread.
  std::vector<SpreadFit> fits;

  // The published values: g_max = 40 uS, fits at 1 s, 1 day and 2 days (aihwkit).
  [[nodiscard]] static RramWan2022Parameters published();
};

class RramWan2022Model final : public DeviceModel {
 public:
  // Throws InvalidArgument for bad parameters (no fit, times not increasing, a fit whose spread
  // is negative somewhere on x in [0, 1], fit_g_max not > 0, ...).
  explicit RramWan2022Model(RramWan2022Parameters parameters);

  [[nodiscard]] std::string kind() const override { return "rram-wan2022"; }
  [[nodiscard]] const RramWan2022Parameters& parameters() const noexcept { return parameters_; }

  // The polynomial coefficients (S) at time t: those of the first fit for t <= t_first, of the
  // last fit for t >= t_last, linear interpolation in ln t in between.
  [[nodiscard]] std::vector<double> coefficients_at(double t_s) const;
  // σ(g_target, t) in S, never negative.
  [[nodiscard]] double spread_siemens(double g_target_siemens, double t_s) const;

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override;
  void evolve(const ProgrammedCells& cells, const ReadTime& time,
              std::span<double> g_siemens) const override;

 private:
  [[nodiscard]] double spread_from(const std::vector<double>& coefficients,
                                   double g_target_siemens) const;
  // g_siemens[i] = target + σ(target, coefficients) · z_i, clipped as configured.
  void resample(const ProgrammedCells& cells, const std::vector<double>& coefficients,
                std::span<const double> z, std::span<double> g_siemens) const;

  RramWan2022Parameters parameters_;
};

// ---------------------------------------------------------------------------------------------
// Analog CMO/HfOx RRAM, Falcone et al. 2025.

// Program-and-verify acceptance ranges with published programming-spread coefficients.
enum class CmoAcceptance { two_percent, two_tenths_percent };

struct RramCmoParameters {
  CommonParameters common{.g_min_siemens = 9e-6, .g_max_siemens = 88.2e-6};
  // Programming: σ_P = offset + slope · g_target.
  double programming_sigma_offset_siemens = 0.0;
  double programming_sigma_slope = 0.0;  // dimensionless
  // Relaxation at t >= 1 s: mean shift m · ln(t / 1 s), spread a · ln(t / 1 s) + b.
  double relaxation_mean_slope_siemens = 0.0;     // m (negative: the conductance decays)
  double relaxation_spread_slope_siemens = 0.0;   // a >= 0
  double relaxation_spread_offset_siemens = 0.0;  // b >= 0

  [[nodiscard]] static RramCmoParameters published(CmoAcceptance acceptance);
};

class RramCmoModel final : public DeviceModel {
 public:
  // Throws InvalidArgument for a negative spread (σ_P < 0 somewhere on [g_min, g_max], a < 0,
  // b < 0) or a non-finite value.
  explicit RramCmoModel(RramCmoParameters parameters);

  [[nodiscard]] std::string kind() const override { return "rram-hfox-cmo"; }
  [[nodiscard]] const RramCmoParameters& parameters() const noexcept { return parameters_; }

  [[nodiscard]] double programming_sigma_siemens(double g_target_siemens) const;
  // Mean shift and spread of the relaxation at t (s): zero at t = 0 (the state the verify loop
  // left), the 1 s values for 0 < t < 1 s, the fitted ln t laws from 1 s on.
  [[nodiscard]] double relaxation_mean_shift_siemens(double t_s) const;
  [[nodiscard]] double relaxation_spread_siemens(double t_s) const;

  // The reference time of the ln t fits.
  static constexpr double kReferenceTime_s = 1.0;

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override;
  void evolve(const ProgrammedCells& cells, const ReadTime& time,
              std::span<double> g_siemens) const override;

 private:
  RramCmoParameters parameters_;
};

// ---------------------------------------------------------------------------------------------
// RRAM of Milo et al., IRPS 2021.

struct RramMilo2021Parameters {
  CommonParameters common{.g_min_siemens = 50e-6, .g_max_siemens = 225e-6};
  // Programming: σ_P = offset + slope · g_target (the slope is negative in the published fit).
  double programming_sigma_offset_siemens = 0.0;
  double programming_sigma_slope = 0.0;
  // Cubic I–V. NL2 = Σ_k a_k L^k (A/V²), NL3 = Σ_k b_k L^k (A/V³), L = log10(G0 / 1 S),
  // ascending powers. Empty vectors or nonlinear_iv = false: Ohm's law.
  bool nonlinear_iv = true;
  std::vector<double> nl2_coefficients;
  std::vector<double> nl3_coefficients;
  // Largest |V| of the I–V fit; current() refuses larger voltages when nonlinear_iv is on.
  double iv_fit_voltage_v = 0.5;

  [[nodiscard]] static RramMilo2021Parameters published();
};

class RramMilo2021Model final : public DeviceModel {
 public:
  // Throws InvalidArgument for a negative programming spread on [g_min, g_max], a fit voltage
  // that is not > 0, or a non-finite value.
  explicit RramMilo2021Model(RramMilo2021Parameters parameters);

  [[nodiscard]] std::string kind() const override { return "rram-milo2021"; }
  [[nodiscard]] const RramMilo2021Parameters& parameters() const noexcept { return parameters_; }

  [[nodiscard]] double programming_sigma_siemens(double g_target_siemens) const;
  // NL2 (A/V²) and NL3 (A/V³) at small-signal conductance g0 (S); 0 for g0 <= 0.
  [[nodiscard]] double nl2(double g0_siemens) const;
  [[nodiscard]] double nl3(double g0_siemens) const;

  [[nodiscard]] bool is_linear() const noexcept override;
  // I = G0 V + NL2 V² + NL3 V³. Throws InvalidArgument naming the first cell whose |V| exceeds
  // the fitted range (iv_fit_voltage) or is not finite, and for mismatched sizes.
  void current(std::span<const double> g_siemens, std::span<const double> v_v,
               std::span<double> i_a) const override;

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override;
  // No time evolution in the published model: the programmed conductance at every time.
  void evolve(const ProgrammedCells& cells, const ReadTime& time,
              std::span<double> g_siemens) const override;

 private:
  RramMilo2021Parameters parameters_;
};

// ---------------------------------------------------------------------------------------------
// Factories (ModelFactory): read the common parameters with the model's published defaults plus
// the model's own keys (see docs/devices-rram.md and the presets in data/devices/), reject bad
// values with ConfigError at the offending key.
std::unique_ptr<DeviceModel> make_rram_wan2022_model(const ConfigTable& parameters);
std::unique_ptr<DeviceModel> make_rram_hfox_cmo_model(const ConfigTable& parameters);
std::unique_ptr<DeviceModel> make_rram_milo2021_model(const ConfigTable& parameters);

}  // namespace kirchhoff::devices
