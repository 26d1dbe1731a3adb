// Compact dynamic memristor models, integrated in time for voltage pulse trains. Each model has
// one state variable x ∈ [0, 1], a rate dx/dt(x, V) and an I–V relation I(x, V). Equations,
// parameters and sources: docs/devices-pulse.md.
//
//   linear ion drift   Strukov et al., Nature 453:80 (2008), x = w/D, dx/dt = μ_v R_on/D² · i · f
//                      R(x) = R_on x + R_off (1 − x); x → 1 is ON. Windows f:
//                      Joglekar & Wolf, Eur. J. Phys. 30:661 (2009):  1 − (2x − 1)^(2p)
//                      Biolek et al., Radioengineering 18:210 (2009): 1 − (x − stp(−i))^(2p)
//                      Prodromakis et al., IEEE TED 58:3099 (2011):   j (1 − [(x − 0.5)² + 0.75]^p)
//   VTEAM              Kvatinsky et al., IEEE TCAS-II 62:786 (2015), threshold voltages v_on < 0
//                      < v_off; x = (w − w_on)/(w_off − w_on); x → 1 is OFF.
//   Yakopcic           Yakopcic et al., IEEE EDL 32:1436 (2011): I = a1,2 x sinh(b V),
//                      dx/dt = η g(V) f(x); x → 1 is ON.
//
// The integrator keeps x in [0, 1]: the rate is evaluated at x clamped to [0, 1] and x is
// clamped after every step, so a rate pushing outwards at a bound leaves x on the bound.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kirchhoff/core/config.hpp"

namespace kirchhoff::devices {

// ---- window functions (x ∈ [0, 1]) ----
// Powers of negative bases are taken as |base|^(2p), so p need not be an integer.
[[nodiscard]] double joglekar_window(double x, double p) noexcept;
// stp(−i) = 1 for i ≤ 0, 0 for i > 0 (stp(0) = 1 as in Biolek et al.)
[[nodiscard]] double biolek_window(double x, double current, double p) noexcept;
[[nodiscard]] double prodromakis_window(double x, double p, double j) noexcept;

enum class WindowKind { none, joglekar, biolek, prodromakis };

struct Window {
  WindowKind kind = WindowKind::none;
  double p = 1.0;
  double j = 1.0;  // Prodromakis only
  // f(x) for motion in the direction of `direction` (the sign of the current / of dx/dt).
  [[nodiscard]] double operator()(double x, double direction) const noexcept;
  void validate() const;  // InvalidArgument: p > 0, j > 0
};

// "none", "joglekar", "biolek", "prodromakis"; InvalidArgument naming the allowed ones.
[[nodiscard]] WindowKind parse_window(std::string_view name);
[[nodiscard]] std::string_view window_name(WindowKind kind) noexcept;

// ---- integration of dx/dt = rate(t, x), x kept in [0, 1] ----
struct IntegratorOptions {
  // 0: adaptive Dormand–Prince 5(4) (Dormand & Prince, J. Comput. Appl. Math. 6:19, 1980) with
  // local error control; n > 0: n classical Runge–Kutta 4 steps per interval.
  std::uint32_t fixed_steps = 0;
  double relative_tolerance = 1e-10;
  double absolute_tolerance = 1e-13;
  std::uint64_t max_steps = 10'000'000;  // NumericalError beyond
};

using StateRate = std::function<double(double t_s, double x)>;

// x(t1) from x(t0) = x0. Throws InvalidArgument for x0 outside [0, 1] or t1 < t0, NumericalError
// when the step size underflows or max_steps is exceeded.
[[nodiscard]] double integrate_state(const StateRate& rate, double x0, double t0_s, double t1_s,
                                     const IntegratorOptions& options = {});

// ---- models ----
class CompactModel {
 public:
  virtual ~CompactModel() = default;
  CompactModel() = default;
  CompactModel(const CompactModel&) = delete;
  CompactModel& operator=(const CompactModel&) = delete;

  [[nodiscard]] virtual std::string kind() const = 0;
  [[nodiscard]] virtual double initial_state() const noexcept = 0;
  // dx/dt (1/s) at state x ∈ [0, 1] under voltage v (V).
  [[nodiscard]] virtual double state_rate(double x, double v) const = 0;
  // Current (A) at state x under voltage v.
  [[nodiscard]] virtual double current(double x, double v) const = 0;
  // dI/dV at V = 0 (S).
  [[nodiscard]] virtual double small_signal_conductance(double x) const = 0;
  // I(x, v_read)/v_read, or the small-signal conductance for v_read = 0.
  [[nodiscard]] double conductance(double x, double v_read) const;
};

// Strukov et al. 2008 with an optional window. Parameters in SI units.
struct LinearIonDriftParameters {
  double r_on_ohm = 0.0;
  double r_off_ohm = 0.0;
  double d_m = 0.0;              // film thickness D
  double mu_v_m2_per_v_s = 0.0;  // dopant mobility μ_v
  Window window;
  double x0 = 0.0;
  void validate() const;
};

class LinearIonDriftModel final : public CompactModel {
 public:
  explicit LinearIonDriftModel(const LinearIonDriftParameters& parameters);
  [[nodiscard]] std::string kind() const override { return "linear-ion-drift"; }
  [[nodiscard]] double initial_state() const noexcept override { return parameters_.x0; }
  [[nodiscard]] double state_rate(double x, double v) const override;
  [[nodiscard]] double current(double x, double v) const override;
  [[nodiscard]] double small_signal_conductance(double x) const override;
  // dx/dt under an imposed current i (A): μ_v R_on/D² · i · f(x, i).
  [[nodiscard]] double state_rate_for_current(double x, double i) const noexcept;
  [[nodiscard]] double resistance(double x) const noexcept;
  [[nodiscard]] const LinearIonDriftParameters& parameters() const noexcept { return parameters_; }

 private:
  LinearIonDriftParameters parameters_;
};

enum class VteamIv { linear, exponential };

// Kvatinsky et al. 2015. dw/dt = k_off (v/v_off − 1)^α_off f_off(w) for v > v_off > 0,
// k_on (v/v_on − 1)^α_on f_on(w) for v < v_on < 0, 0 otherwise (k_on < 0 < k_off).
// Windows: Window on x (Joglekar, Biolek, Prodromakis), or, with kvatinsky_window = true, the
// TEAM window f_off = exp(−exp((w − a_off)/w_c)), f_on = exp(−exp(−(w − a_on)/w_c)).
// I–V: linear R = R_on + (R_off − R_on) x, or exponential R = R_on e^(λ x), λ = ln(R_off/R_on).
struct VteamParameters {
  double k_on_m_per_s = 0.0;
  double k_off_m_per_s = 0.0;
  double alpha_on = 1.0;
  double alpha_off = 1.0;
  double v_on_v = 0.0;
  double v_off_v = 0.0;
  double r_on_ohm = 0.0;
  double r_off_ohm = 0.0;
  double w_on_m = 0.0;
  double w_off_m = 0.0;
  VteamIv iv = VteamIv::linear;
  Window window;
  bool kvatinsky_window = false;
  double a_on_m = 0.0;
  double a_off_m = 0.0;
  double w_c_m = 0.0;
  double x0 = 0.0;
  void validate() const;
};

class VteamModel final : public CompactModel {
 public:
  explicit VteamModel(const VteamParameters& parameters);
  [[nodiscard]] std::string kind() const override { return "vteam"; }
  [[nodiscard]] double initial_state() const noexcept override { return parameters_.x0; }
  [[nodiscard]] double state_rate(double x, double v) const override;
  [[nodiscard]] double current(double x, double v) const override;
  [[nodiscard]] double small_signal_conductance(double x) const override;
  [[nodiscard]] double resistance(double x) const noexcept;
  [[nodiscard]] const VteamParameters& parameters() const noexcept { return parameters_; }

 private:
  VteamParameters parameters_;
};

// Yakopcic et al. 2011:
//   I = a1 x sinh(b V) (V ≥ 0), a2 x sinh(b V) (V < 0)
//   g(V) = A_p (e^V − e^(V_p)) for V > V_p, −A_n (e^(−V) − e^(V_n)) for V < −V_n, else 0
//   f(x) for η V > 0: e^(−α_p (x − x_p)) w_p(x) if x ≥ x_p, else 1; w_p = (x_p − x)/(1 − x_p) + 1
//        for η V ≤ 0: e^(α_n (x + x_n − 1)) w_n(x) if x ≤ 1 − x_n, else 1; w_n = x/(1 − x_n)
//   dx/dt = η g(V) f(x)      (V in volts in the exponentials, A_p, A_n in 1/s)
struct YakopcicParameters {
  double a1_a = 0.0;
  double a2_a = 0.0;
  double b_per_v = 0.0;
  double v_p_v = 0.0;
  double v_n_v = 0.0;
  double a_p_per_s = 0.0;
  double a_n_per_s = 0.0;
  double x_p = 0.0;
  double x_n = 0.0;
  double alpha_p = 0.0;
  double alpha_n = 0.0;
  double eta = 1.0;
  double x0 = 0.0;
  void validate() const;
};

class YakopcicModel final : public CompactModel {
 public:
  explicit YakopcicModel(const YakopcicParameters& parameters);
  [[nodiscard]] std::string kind() const override { return "yakopcic"; }
  [[nodiscard]] double initial_state() const noexcept override { return parameters_.x0; }
  [[nodiscard]] double state_rate(double x, double v) const override;
  [[nodiscard]] double current(double x, double v) const override;
  [[nodiscard]] double small_signal_conductance(double x) const override;
  [[nodiscard]] double threshold_function(double v) const noexcept;       // g(V)
  [[nodiscard]] double motion_window(double x, double v) const noexcept;  // f(x) for sign(η V)
  [[nodiscard]] const YakopcicParameters& parameters() const noexcept { return parameters_; }

 private:
  YakopcicParameters parameters_;
};

// Builds "linear-ion-drift", "vteam" or "yakopcic" from a [parameters] table. Keys (SI numbers
// where units.hpp has no dimension):
//   linear-ion-drift: r_on, r_off (resistance), d_m, mu_v (m²/(V s)), window ("none"), p, j, x0
//   vteam: k_on, k_off (m/s), alpha_on, alpha_off, v_on, v_off (voltage), r_on, r_off, w_on_m,
//          w_off_m, iv ("linear" | "exponential"), window ("none" | "joglekar" | "biolek" |
//          "prodromakis" | "kvatinsky"), p, j, a_on_m, a_off_m, w_c_m, x0
//   yakopcic: a1, a2 (A), b (1/V), v_p, v_n (voltage), a_p, a_n (1/s), x_p, x_n, alpha_p,
//             alpha_n, eta, x0
// Throws ConfigError at the offending key; InvalidArgument for an unknown model name.
std::unique_ptr<CompactModel> make_compact_model(std::string_view model,
                                                 const ConfigTable& parameters);

// ---- pulse trains ----
// `count` rectangular pulses of `amplitude_v` lasting `width_s`, each followed by `gap_s` at 0 V.
struct VoltagePulses {
  double amplitude_v = 0.0;
  double width_s = 0.0;
  double gap_s = 0.0;
  std::uint32_t count = 1;
};

// State after one pulse (and its gap).
struct PulseStep {
  std::uint32_t pulse = 0;  // 1-based over all trains; row 0 is the initial state
  double amplitude_v = 0.0;
  double time_s = 0.0;  // end of the pulse's gap
  double state = 0.0;
  double conductance_siemens = 0.0;  // CompactModel::conductance(state, read_voltage)
  double resistance_ohm = 0.0;
};

// Applies the trains in order from x0 and reports the state after every pulse.
std::vector<PulseStep> apply_pulses(const CompactModel& model, double x0,
                                    std::span<const VoltagePulses> trains, double read_voltage_v,
                                    const IntegratorOptions& options = {});

}  // namespace kirchhoff::devices
