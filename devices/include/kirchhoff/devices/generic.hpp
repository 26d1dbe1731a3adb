// Generic device model ("generic"): the usual ingredients of device-variability studies, each
// optional, with every part set to zero giving an ideal device (programmed exactly to its target,
// no drift, no read noise). With g_T the target conductance (docs/devices-pcm.md, "Generic"):
//
//   programming  g_P = (g_T + b + sqrt(σ_a² + (σ_r g_T)² + σ_p(x)²) z₁) · exp(s z₂)
//                z₁ from StreamId::programming_error, z₂ from StreamId::device_to_device
//                (substream = programming attempt); σ_a in S, σ_r a fraction of g_T, s the
//                standard deviation of the log of the lognormal device-to-device factor (whose
//                median is 1 and mean exp(s²/2)); σ_p(x) = g_max max(Σ a_k x^k, 0) with
//                x = g_T/g_max and b = g_max β: the polynomial form and mean offset that
//                `kirchhoff fit programming` writes (fitting/fit.hpp).
//   drift        g(t) = g_P (t/t_0)^(−ν) for t > t_0, g(t) = g_P for t <= t_0,
//                ν = μ_ν(g_T) + σ_ν(g_T) z₃ (or its absolute value), z₃ from
//                StreamId::drift_exponent, drawn once per cell; μ_ν and σ_ν are tables over
//                conductance, interpolated linearly between their points and constant beyond the
//                first and last, or the PCM form clamp(a ln x + b, lo, hi) of x = g_T/g_max
//                (Nandakumar 2019 / Joshi 2020) that `kirchhoff fit drift --form pcm` writes.
//   read noise   σ_R = sqrt(σ_Ra² + (σ_Rr |g(t)|)² + σ_Rp(x)² + σ_R,1/f(t)²), fresh at every read
//                (DeviceModel::read), with the polynomial σ_Rp(x) = g_max max(Σ r_k x^k, 0) and
//                the PCM 1/f term σ_R,1/f = |g(t)| min(c x^(−α), q_max)
//                sqrt(max(ln((t + t_read)/(2 t_read)), 0)) [Joshi 2020, Methods], both of
//                x = g_T/g_max, as `kirchhoff fit read-noise` writes them.
//
// Afterwards DeviceModel::program clips to [g_min, g_max] (clip = true by default here).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kirchhoff/devices/device_config.hpp"
#include "kirchhoff/devices/device_model.hpp"

namespace kirchhoff::devices {

struct GenericParameters {
  CommonParameters common;  // g_max must be set (> g_min); clip = true by default

  double programming_sigma_siemens = 0.0;   // σ_a, additive (S)
  double programming_sigma_relative = 0.0;  // σ_r, fraction of the target
  double device_to_device_sigma = 0.0;      // s, of the lognormal factor exp(N(0, s²))
  // a_0, a_1, ... of σ_p(x) = g_max max(Σ a_k x^k, 0), x = g_T/g_max (units of g_max; any sign).
  // Empty = no polynomial term.
  std::vector<double> programming_sigma_polynomial;
  double programming_bias = 0.0;  // β: mean offset of g_P from g_T, a fraction of g_max

  double t0_s = 1.0;  // drift reference time
  // Drift-exponent tables: drift_g_siemens strictly increasing conductances (S), with μ_ν and σ_ν
  // at each. Empty = no drift; a single point = a constant ν distribution.
  std::vector<double> drift_g_siemens;
  std::vector<double> drift_nu_mean;
  std::vector<double> drift_nu_std;
  // ν = |N(μ_ν, σ_ν²)| instead of N(μ_ν, σ_ν²) (as aihwkit's custom-drift PCM model does).
  bool drift_nu_absolute = false;
  // The PCM form instead of the tables (then drift_g_siemens etc. are empty): μ_ν(x), σ_ν(x) =
  // clamp(a ln x + b, lo, hi) with {a, b, lo, hi}, x = g_T/g_max; x = 0 takes the limit.
  // Empty = not used; both or neither.
  std::vector<double> drift_nu_mean_log;
  std::vector<double> drift_nu_std_log;

  double read_sigma_siemens = 0.0;   // σ_Ra, additive (S)
  double read_sigma_relative = 0.0;  // σ_Rr, fraction of g(t)
  // r_0, r_1, ... of σ_Rp(x) = g_max max(Σ r_k x^k, 0), x = g_T/g_max. Empty = none.
  std::vector<double> read_sigma_polynomial;
  // 1/f read noise: Q_s(x) = min(c x^(−α), q_max); c = 0 switches it off.
  double read_q_coefficient = 0.0;  // c
  double read_q_exponent = 0.0;     // α
  double read_q_max = 0.0;          // q_max (> 0 when c > 0)
  double t_read_s = 250e-9;         // read pulse width of the 1/f integral

  // Throws InvalidArgument naming the parameter for a value outside what is allowed.
  void validate() const;
};

class GenericModel final : public DeviceModel {
 public:
  explicit GenericModel(const GenericParameters& parameters);

  // "generic".
  [[nodiscard]] std::string kind() const override;
  [[nodiscard]] const GenericParameters& parameters() const noexcept { return parameters_; }

  [[nodiscard]] bool has_drift() const noexcept { return drift_; }
  // μ_ν and σ_ν at a conductance (S), interpolated in the tables; 0 without drift.
  [[nodiscard]] double drift_exponent_mean(double g_siemens) const;
  [[nodiscard]] double drift_exponent_std(double g_siemens) const;
  // sqrt(σ_a² + (σ_r g_T)² + σ_p(g_T/g_max)²).
  [[nodiscard]] double programming_sigma_siemens(double target_siemens) const;
  // The read-noise standard deviation of a cell with target g_T at conductance g(t) and time t.
  [[nodiscard]] double read_sigma_siemens(double target_siemens, double g_siemens,
                                          double t_s) const;

  void read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<const double> g_at_t_siemens,
                      std::span<double> sigma_siemens) const override;

 protected:
  void program_cells(ProgrammedCells& cells, std::uint32_t attempt) const override;
  void evolve(const ProgrammedCells& cells, const ReadTime& time,
              std::span<double> g_siemens) const override;

 private:
  GenericParameters parameters_;
  bool drift_ = false;
};

// Piecewise-linear interpolation of (xs, ys) at x, constant beyond the first and last point.
// xs strictly increasing and of the size of ys (>= 1 point); not checked here.
[[nodiscard]] double interpolate_clamped(std::span<const double> xs, std::span<const double> ys,
                                         double x);

// clamp(a ln x + b, lo, hi) of form = {a, b, lo, hi} (4 values, lo <= hi; not checked here);
// x <= 0 gives the limit x → 0⁺: hi for a < 0, lo for a > 0, clamp(b, lo, hi) for a = 0.
[[nodiscard]] double clamped_log_form(std::span<const double> form, double x);

// Factory (ModelFactory). Keys besides the common ones (g_max is required):
//   programming_sigma (conductance), programming_sigma_relative (number),
//   programming_sigma_polynomial (numbers a_0, a_1, ...), programming_bias (number),
//   device_to_device_sigma (number), t0 (time, default 1 s),
//   drift_g (conductances) with drift_nu_mean, drift_nu_std (numbers, one per point), or without
//   drift_g, drift_nu_mean and drift_nu_std as single numbers; drift_nu_absolute (bool),
//   drift_nu_mean_log and drift_nu_std_log ([a, b, lo, hi], instead of the tables),
//   read_sigma (conductance), read_sigma_relative (number), read_sigma_polynomial (numbers),
//   read_q_coefficient, read_q_exponent, read_q_max (numbers), t_read (time, default 250 ns).
std::unique_ptr<DeviceModel> make_generic_model(const ConfigTable& parameters);

}  // namespace kirchhoff::devices
