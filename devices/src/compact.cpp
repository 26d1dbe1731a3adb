#include "kirchhoff/devices/compact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::devices {

// ---- windows ----

double joglekar_window(double x, double p) noexcept {
  return 1.0 - std::pow(std::abs(2.0 * x - 1.0), 2.0 * p);
}

double biolek_window(double x, double current, double p) noexcept {
  const double stp = current > 0.0 ? 0.0 : 1.0;  // stp(−i)
  return 1.0 - std::pow(std::abs(x - stp), 2.0 * p);
}

double prodromakis_window(double x, double p, double j) noexcept {
  return j * (1.0 - std::pow((x - 0.5) * (x - 0.5) + 0.75, p));
}

double Window::operator()(double x, double direction) const noexcept {
  switch (kind) {
    case WindowKind::none:
      return 1.0;
    case WindowKind::joglekar:
      return joglekar_window(x, p);
    case WindowKind::biolek:
      return biolek_window(x, direction, p);
    case WindowKind::prodromakis:
      return prodromakis_window(x, p, j);
  }
  return 1.0;
}

void Window::validate() const {
  if (!(std::isfinite(p) && p > 0.0)) {
    throw InvalidArgument(fmt::format("window exponent p must be finite and > 0, got {}", p));
  }
  if (!(std::isfinite(j) && j > 0.0)) {
    throw InvalidArgument(fmt::format("window scale j must be finite and > 0, got {}", j));
  }
}

namespace {
constexpr std::array<std::pair<std::string_view, WindowKind>, 4> kWindows{{
    {"none", WindowKind::none},
    {"joglekar", WindowKind::joglekar},
    {"biolek", WindowKind::biolek},
    {"prodromakis", WindowKind::prodromakis},
}};
}  // namespace

WindowKind parse_window(std::string_view name) {
  for (const auto& [known, kind] : kWindows) {
    if (name == known) return kind;
  }
  throw InvalidArgument(fmt::format(
      "unknown window function '{}'; allowed: none, joglekar, biolek, prodromakis", name));
}

std::string_view window_name(WindowKind kind) noexcept {
  for (const auto& [known, k] : kWindows) {
    if (k == kind) return known;
  }
  return "none";
}

// ---- integrator ----

namespace {

// The rate seen by the integrator: evaluated at x clamped to [0, 1]. Steps that overshoot a
// bound are clamped afterwards; a rate pushing outwards at a bound thus leaves x on the bound,
// and the error estimate sees a continuous rate (no zeroing at the bound, which would make the
// step size collapse when a device without window reaches a bound with a finite rate).
double bounded_rate(const StateRate& rate, double t, double x) {
  return rate(t, std::clamp(x, 0.0, 1.0));
}

double rk4(const StateRate& rate, double x, double t0, double t1, std::uint32_t steps) {
  const double h = (t1 - t0) / steps;
  for (std::uint32_t s = 0; s < steps; ++s) {
    const double t = t0 + s * h;
    const double k1 = bounded_rate(rate, t, x);
    const double k2 = bounded_rate(rate, t + 0.5 * h, x + 0.5 * h * k1);
    const double k3 = bounded_rate(rate, t + 0.5 * h, x + 0.5 * h * k2);
    const double k4 = bounded_rate(rate, t + h, x + h * k3);
    x = std::clamp(x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4), 0.0, 1.0);
  }
  return x;
}

// Dormand–Prince 5(4), FSAL, propagating the 5th-order solution.
double dopri5(const StateRate& rate, double x, double t0, double t1,
              const IntegratorOptions& options) {
  constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
  constexpr double a21 = 1.0 / 5;
  constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
  constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                   a54 = -212.0 / 729;
  constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                   a65 = -5103.0 / 18656;
  constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                   b6 = 11.0 / 84;
  // b − b̂ (5th minus embedded 4th order weights)
  constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                   e6 = 22.0 / 525, e7 = -1.0 / 40;

  const double span = t1 - t0;
  if (span <= 0.0) return x;
  double t = t0;
  double k1 = bounded_rate(rate, t, x);
  // Initial step: a tolerance-based guess, never more than the interval.
  const double scale0 = options.absolute_tolerance + options.relative_tolerance * std::abs(x);
  double h = std::abs(k1) > 0.0 ? std::min(span, 0.01 * scale0 / std::abs(k1) + span * 1e-6) : span;
  h = std::max(h, span * 1e-12);
  std::uint64_t steps = 0;
  while (t < t1) {
    if (++steps > options.max_steps) {
      throw NumericalError(fmt::format("state integration: more than {} steps on [{}, {}] s",
                                       options.max_steps, t0, t1));
    }
    const bool last = t + h >= t1;
    if (last) h = t1 - t;
    const double k2 = bounded_rate(rate, t + c2 * h, x + h * a21 * k1);
    const double k3 = bounded_rate(rate, t + c3 * h, x + h * (a31 * k1 + a32 * k2));
    const double k4 = bounded_rate(rate, t + c4 * h, x + h * (a41 * k1 + a42 * k2 + a43 * k3));
    const double k5 =
        bounded_rate(rate, t + c5 * h, x + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4));
    const double k6 =
        bounded_rate(rate, t + h, x + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5));
    const double x_new =
        std::clamp(x + h * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6), 0.0, 1.0);
    const double k7 = bounded_rate(rate, t + h, x_new);
    const double error = std::abs(h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7));
    const double scale = options.absolute_tolerance +
                         options.relative_tolerance * std::max(std::abs(x), std::abs(x_new));
    const double ratio = error / scale;
    if (ratio <= 1.0) {
      t = last ? t1 : t + h;
      x = x_new;
      k1 = k7;
    }
    const double factor = ratio == 0.0 ? 5.0 : std::clamp(0.9 * std::pow(ratio, -0.2), 0.2, 5.0);
    h *= factor;
    if (t < t1 && !(h > std::abs(t) * 1e-15 && h > 0.0)) {
      throw NumericalError(fmt::format("state integration: step size underflow at t = {} s", t));
    }
  }
  return x;
}

}  // namespace

double integrate_state(const StateRate& rate, double x0, double t0_s, double t1_s,
                       const IntegratorOptions& options) {
  if (!(x0 >= 0.0 && x0 <= 1.0)) {
    throw InvalidArgument(fmt::format("initial state must be in [0, 1], got {}", x0));
  }
  if (!(std::isfinite(t0_s) && std::isfinite(t1_s) && t1_s >= t0_s)) {
    throw InvalidArgument(fmt::format(
        "integration interval must be finite with t1 >= t0, got [{}, {}] s", t0_s, t1_s));
  }
  if (!(options.relative_tolerance > 0.0 && options.absolute_tolerance > 0.0)) {
    throw InvalidArgument("integrator tolerances must be > 0");
  }
  if (options.fixed_steps > 0) return rk4(rate, x0, t0_s, t1_s, options.fixed_steps);
  return dopri5(rate, x0, t0_s, t1_s, options);
}

// ---- models ----

double CompactModel::conductance(double x, double v_read) const {
  if (v_read == 0.0) return small_signal_conductance(x);
  return current(x, v_read) / v_read;
}

namespace {

void require_positive(const char* name, double value) {
  if (!(std::isfinite(value) && value > 0.0)) {
    throw InvalidArgument(fmt::format("{} must be finite and > 0, got {}", name, value));
  }
}

void require_state(const char* name, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {
    throw InvalidArgument(fmt::format("{} must be in [0, 1], got {}", name, value));
  }
}

}  // namespace

void LinearIonDriftParameters::validate() const {
  require_positive("r_on", r_on_ohm);
  require_positive("r_off", r_off_ohm);
  if (!(r_off_ohm > r_on_ohm)) {
    throw InvalidArgument(
        fmt::format("r_off must be greater than r_on ({} ohm), got {} ohm", r_on_ohm, r_off_ohm));
  }
  require_positive("d_m", d_m);
  require_positive("mu_v", mu_v_m2_per_v_s);
  window.validate();
  require_state("x0", x0);
}

LinearIonDriftModel::LinearIonDriftModel(const LinearIonDriftParameters& parameters)
    : parameters_(parameters) {
  parameters_.validate();
}

double LinearIonDriftModel::resistance(double x) const noexcept {
  return parameters_.r_on_ohm * x + parameters_.r_off_ohm * (1.0 - x);
}

double LinearIonDriftModel::state_rate_for_current(double x, double i) const noexcept {
  const LinearIonDriftParameters& p = parameters_;
  return p.mu_v_m2_per_v_s * p.r_on_ohm / (p.d_m * p.d_m) * i * p.window(x, i);
}

double LinearIonDriftModel::state_rate(double x, double v) const {
  return state_rate_for_current(x, v / resistance(x));
}

double LinearIonDriftModel::current(double x, double v) const {
  return v / resistance(x);
}

double LinearIonDriftModel::small_signal_conductance(double x) const {
  return 1.0 / resistance(x);
}

void VteamParameters::validate() const {
  if (!(std::isfinite(k_on_m_per_s) && k_on_m_per_s < 0.0)) {
    throw InvalidArgument(fmt::format("k_on must be finite and < 0 m/s, got {}", k_on_m_per_s));
  }
  require_positive("k_off", k_off_m_per_s);
  require_positive("alpha_on", alpha_on);
  require_positive("alpha_off", alpha_off);
  if (!(std::isfinite(v_on_v) && v_on_v < 0.0)) {
    throw InvalidArgument(fmt::format("v_on must be finite and < 0 V, got {} V", v_on_v));
  }
  require_positive("v_off", v_off_v);
  require_positive("r_on", r_on_ohm);
  if (!(std::isfinite(r_off_ohm) && r_off_ohm > r_on_ohm)) {
    throw InvalidArgument(
        fmt::format("r_off must be greater than r_on ({} ohm), got {} ohm", r_on_ohm, r_off_ohm));
  }
  if (!(std::isfinite(w_on_m) && std::isfinite(w_off_m) && w_off_m > w_on_m)) {
    throw InvalidArgument(
        fmt::format("w_off must be greater than w_on ({} m), got {} m", w_on_m, w_off_m));
  }
  window.validate();
  if (kvatinsky_window) {
    if (window.kind != WindowKind::none) {
      throw InvalidArgument("vteam: the Kvatinsky window replaces the x window; use one of them");
    }
    require_positive("w_c", w_c_m);
    if (!(std::isfinite(a_on_m) && std::isfinite(a_off_m))) {
      throw InvalidArgument("vteam: a_on and a_off must be finite");
    }
  }
  require_state("x0", x0);
}

VteamModel::VteamModel(const VteamParameters& parameters) : parameters_(parameters) {
  parameters_.validate();
}

double VteamModel::resistance(double x) const noexcept {
  const VteamParameters& p = parameters_;
  if (p.iv == VteamIv::exponential)
    return p.r_on_ohm * std::exp(std::log(p.r_off_ohm / p.r_on_ohm) * x);
  return p.r_on_ohm + (p.r_off_ohm - p.r_on_ohm) * x;
}

double VteamModel::state_rate(double x, double v) const {
  const VteamParameters& p = parameters_;
  const double w = p.w_on_m + x * (p.w_off_m - p.w_on_m);
  double dw = 0.0;
  double window = 1.0;
  if (v > p.v_off_v) {
    dw = p.k_off_m_per_s * std::pow(v / p.v_off_v - 1.0, p.alpha_off);
    window = p.kvatinsky_window ? std::exp(-std::exp((w - p.a_off_m) / p.w_c_m)) : p.window(x, 1.0);
  } else if (v < p.v_on_v) {
    dw = p.k_on_m_per_s * std::pow(v / p.v_on_v - 1.0, p.alpha_on);
    window =
        p.kvatinsky_window ? std::exp(-std::exp(-(w - p.a_on_m) / p.w_c_m)) : p.window(x, -1.0);
  }
  return dw * window / (p.w_off_m - p.w_on_m);
}

double VteamModel::current(double x, double v) const {
  return v / resistance(x);
}

double VteamModel::small_signal_conductance(double x) const {
  return 1.0 / resistance(x);
}

void YakopcicParameters::validate() const {
  require_positive("a1", a1_a);
  require_positive("a2", a2_a);
  require_positive("b", b_per_v);
  require_positive("v_p", v_p_v);
  require_positive("v_n", v_n_v);
  require_positive("a_p", a_p_per_s);
  require_positive("a_n", a_n_per_s);
  if (!(x_p > 0.0 && x_p < 1.0)) {
    throw InvalidArgument(fmt::format("x_p must be in (0, 1), got {}", x_p));
  }
  if (!(x_n > 0.0 && x_n < 1.0)) {
    throw InvalidArgument(fmt::format("x_n must be in (0, 1), got {}", x_n));
  }
  require_positive("alpha_p", alpha_p);
  require_positive("alpha_n", alpha_n);
  if (!(eta == 1.0 || eta == -1.0)) {
    throw InvalidArgument(fmt::format("eta must be 1 or -1, got {}", eta));
  }
  require_state("x0", x0);
}

YakopcicModel::YakopcicModel(const YakopcicParameters& parameters) : parameters_(parameters) {
  parameters_.validate();
}

double YakopcicModel::threshold_function(double v) const noexcept {
  const YakopcicParameters& p = parameters_;
  if (v > p.v_p_v) return p.a_p_per_s * (std::exp(v) - std::exp(p.v_p_v));
  if (v < -p.v_n_v) return -p.a_n_per_s * (std::exp(-v) - std::exp(p.v_n_v));
  return 0.0;
}

double YakopcicModel::motion_window(double x, double v) const noexcept {
  const YakopcicParameters& p = parameters_;
  if (p.eta * v > 0.0) {
    if (x < p.x_p) return 1.0;
    const double w_p = (p.x_p - x) / (1.0 - p.x_p) + 1.0;
    return std::exp(-p.alpha_p * (x - p.x_p)) * w_p;
  }
  if (x > 1.0 - p.x_n) return 1.0;
  const double w_n = x / (1.0 - p.x_n);
  return std::exp(p.alpha_n * (x + p.x_n - 1.0)) * w_n;
}

double YakopcicModel::state_rate(double x, double v) const {
  return parameters_.eta * threshold_function(v) * motion_window(x, v);
}

double YakopcicModel::current(double x, double v) const {
  const YakopcicParameters& p = parameters_;
  return (v >= 0.0 ? p.a1_a : p.a2_a) * x * std::sinh(p.b_per_v * v);
}

double YakopcicModel::small_signal_conductance(double x) const {
  // dI/dV at 0: a x b, with a1 and a2 averaged if they differ (the I–V has a kink at 0 then).
  const YakopcicParameters& p = parameters_;
  return 0.5 * (p.a1_a + p.a2_a) * x * p.b_per_v;
}

// ---- factory ----

namespace {

template <class F>
auto checked(const ConfigTable& table, const char* key, F&& build) {
  try {
    return build();
  } catch (const InvalidArgument& error) {
    table.fail(key, error.what());
  }
}

Window read_window(const ConfigTable& t, bool* kvatinsky) {
  Window window;
  const std::string name = t.get_or("window", "none");
  if (kvatinsky && name == "kvatinsky") {
    *kvatinsky = true;
  } else {
    try {
      window.kind = parse_window(name);
    } catch (const InvalidArgument&) {
      t.fail("window", fmt::format("unknown window function '{}'; allowed: none, joglekar, "
                                   "biolek, prodromakis{}",
                                   name, kvatinsky ? ", kvatinsky" : ""));
    }
  }
  window.p = t.get_or("p", 1.0);
  window.j = t.get_or("j", 1.0);
  if (!(std::isfinite(window.p) && window.p > 0.0)) {
    t.fail("p", fmt::format("must be finite and > 0, got {}", window.p));
  }
  if (!(std::isfinite(window.j) && window.j > 0.0)) {
    t.fail("j", fmt::format("must be finite and > 0, got {}", window.j));
  }
  return window;
}

}  // namespace

std::unique_ptr<CompactModel> make_compact_model(std::string_view model, const ConfigTable& t) {
  if (model == "linear-ion-drift") {
    LinearIonDriftParameters p;
    p.r_on_ohm = t.get_quantity("r_on", Dimension::resistance);
    p.r_off_ohm = t.get_quantity("r_off", Dimension::resistance);
    p.d_m = t.get<double>("d_m");
    p.mu_v_m2_per_v_s = t.get<double>("mu_v");
    p.window = read_window(t, nullptr);
    p.x0 = t.get<double>("x0");
    return checked(t, "r_off", [&] { return std::make_unique<LinearIonDriftModel>(p); });
  }
  if (model == "vteam") {
    VteamParameters p;
    p.k_on_m_per_s = t.get<double>("k_on");
    p.k_off_m_per_s = t.get<double>("k_off");
    p.alpha_on = t.get<double>("alpha_on");
    p.alpha_off = t.get<double>("alpha_off");
    p.v_on_v = t.get_quantity("v_on", Dimension::voltage);
    p.v_off_v = t.get_quantity("v_off", Dimension::voltage);
    p.r_on_ohm = t.get_quantity("r_on", Dimension::resistance);
    p.r_off_ohm = t.get_quantity("r_off", Dimension::resistance);
    p.w_on_m = t.get<double>("w_on_m");
    p.w_off_m = t.get<double>("w_off_m");
    const std::string iv = t.get_or("iv", "linear");
    if (iv == "linear") {
      p.iv = VteamIv::linear;
    } else if (iv == "exponential") {
      p.iv = VteamIv::exponential;
    } else {
      t.fail("iv", fmt::format("unknown I-V relation '{}'; allowed: linear, exponential", iv));
    }
    p.window = read_window(t, &p.kvatinsky_window);
    if (p.kvatinsky_window) {
      p.a_on_m = t.get<double>("a_on_m");
      p.a_off_m = t.get<double>("a_off_m");
      p.w_c_m = t.get<double>("w_c_m");
    }
    p.x0 = t.get<double>("x0");
    return checked(t, "k_on", [&] { return std::make_unique<VteamModel>(p); });
  }
  if (model == "yakopcic") {
    YakopcicParameters p;
    p.a1_a = t.get<double>("a1");
    p.a2_a = t.get<double>("a2");
    p.b_per_v = t.get<double>("b");
    p.v_p_v = t.get_quantity("v_p", Dimension::voltage);
    p.v_n_v = t.get_quantity("v_n", Dimension::voltage);
    p.a_p_per_s = t.get<double>("a_p");
    p.a_n_per_s = t.get<double>("a_n");
    p.x_p = t.get<double>("x_p");
    p.x_n = t.get<double>("x_n");
    p.alpha_p = t.get<double>("alpha_p");
    p.alpha_n = t.get<double>("alpha_n");
    p.eta = t.get_or("eta", 1.0);
    p.x0 = t.get<double>("x0");
    return checked(t, "a1", [&] { return std::make_unique<YakopcicModel>(p); });
  }
  throw InvalidArgument(
      fmt::format("unknown compact model '{}'; allowed: linear-ion-drift, vteam, yakopcic", model));
}

// ---- pulse trains ----

std::vector<PulseStep> apply_pulses(const CompactModel& model, double x0,
                                    std::span<const VoltagePulses> trains, double read_voltage_v,
                                    const IntegratorOptions& options) {
  if (!(x0 >= 0.0 && x0 <= 1.0)) {
    throw InvalidArgument(fmt::format("initial state must be in [0, 1], got {}", x0));
  }
  std::vector<PulseStep> rows;
  const auto row = [&](std::uint32_t pulse, double amplitude, double t, double x) {
    const double g = model.conductance(x, read_voltage_v);
    rows.push_back({pulse, amplitude, t, x, g, 1.0 / g});
  };
  double t = 0.0;
  double x = x0;
  std::uint32_t pulse = 0;
  row(pulse, 0.0, t, x);
  for (const VoltagePulses& train : trains) {
    if (!(std::isfinite(train.amplitude_v) && std::isfinite(train.width_s) && train.width_s > 0.0 &&
          std::isfinite(train.gap_s) && train.gap_s >= 0.0)) {
      throw InvalidArgument(fmt::format(
          "pulse train: amplitude must be finite, width > 0 and gap >= 0; got {} V, {} s, {} s",
          train.amplitude_v, train.width_s, train.gap_s));
    }
    const double v = train.amplitude_v;
    const StateRate during = [&model, v](double, double xs) { return model.state_rate(xs, v); };
    const StateRate between = [&model](double, double xs) { return model.state_rate(xs, 0.0); };
    for (std::uint32_t k = 0; k < train.count; ++k) {
      x = integrate_state(during, x, t, t + train.width_s, options);
      t += train.width_s;
      if (train.gap_s > 0.0) {
        x = integrate_state(between, x, t, t + train.gap_s, options);
        t += train.gap_s;
      }
      row(++pulse, v, t, x);
    }
  }
  return rows;
}

}  // namespace kirchhoff::devices
