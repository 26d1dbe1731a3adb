#include "kirchhoff/devices/pulse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/devices/device_config.hpp"

namespace kirchhoff::devices {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Largest deviation of y(t) = (1 − e^(−u t)) / (1 − e^(−u)) from y = t on [0, 1], u = 1/a ≥ 0.
// The maximum is at t* = ln(u / (1 − e^(−u))) / u, where y(t*) = 1/(1 − e^(−u)) − 1/u, so
//   dev(u) = 1/(1 − e^(−u)) − 1/u − ln(u / (1 − e^(−u))) / u.
// For small u the terms cancel; the series dev = u/8 − u³/576 + O(u⁵) is used below 1e-3.
double max_deviation(double u) {
  if (u == 0.0) return 0.0;
  if (u < 1e-3) return u / 8.0 - u * u * u / 576.0;
  const double d = -std::expm1(-u);  // 1 − e^(−u), accurate for small u
  return 1.0 / d - 1.0 / u - std::log(u / d) / u;
}

// Position in [0, 1] → normalised conductance in [0, 1] for u = 1/a (any sign, 0 = linear).
double normalised_curve(double t, double u) {
  if (u == 0.0) return t;
  return std::expm1(-u * t) / std::expm1(-u);
}

// Inverse of normalised_curve.
double normalised_position(double y, double u) {
  if (u == 0.0) return y;
  return -std::log1p(y * std::expm1(-u)) / u;
}

void require_nonnegative(const char* name, double value) {
  if (!(std::isfinite(value) && value >= 0.0)) {
    throw InvalidArgument(fmt::format("{} must be finite and >= 0, got {}", name, value));
  }
}

void require_label(const char* name, double value) {
  if (!(std::isfinite(value) && std::abs(value) < kMaxNonlinearityLabel)) {
    throw InvalidArgument(fmt::format("{} must satisfy |{}| < {:.6g} (1/{}), got {}", name, name,
                                      kMaxNonlinearityLabel, kNonlinearityScale, value));
  }
}

// Labels drawn with device-to-device variation are kept inside the range where A exists.
constexpr double kLabelClamp = 10.0;

}  // namespace

double nonlinearity_label(double a_normalised) {
  if (std::isnan(a_normalised) || a_normalised == 0.0) {
    throw InvalidArgument(fmt::format(
        "normalised A must be nonzero (±inf for a linear curve), got {}", a_normalised));
  }
  if (std::isinf(a_normalised)) return 0.0;
  const double u = 1.0 / std::abs(a_normalised);
  return std::copysign(max_deviation(u) / kNonlinearityScale, a_normalised);
}

double normalised_a(double nonlinearity) {
  require_label("NL", nonlinearity);
  if (nonlinearity == 0.0) return kInf;
  const double target = std::abs(nonlinearity) * kNonlinearityScale;
  // dev(u) ≤ u/8, so the root lies above 8·target; grow the upper end until it brackets.
  double lo = 0.0;
  double hi = 16.0 * target;
  while (max_deviation(hi) < target) {
    lo = hi;
    hi *= 2.0;
  }
  const auto f = [target](double u) { return max_deviation(u) - target; };
  std::uintmax_t iterations = 200;
  const auto [a, b] = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(std::numeric_limits<double>::digits - 2),
      iterations);
  if (iterations >= 200) {
    throw NumericalError(fmt::format("NL -> A: no convergence for NL = {}", nonlinearity));
  }
  const double u = 0.5 * (a + b);
  return std::copysign(1.0 / u, nonlinearity);
}

PulseCurve PulseCurve::from_label(double g_min_siemens, double g_max_siemens, std::uint32_t pulses,
                                  double nonlinearity) {
  PulseCurve curve;
  curve.g_min_siemens = g_min_siemens;
  curve.g_max_siemens = g_max_siemens;
  curve.pulses = pulses;
  curve.a_normalised = normalised_a(nonlinearity);
  return curve;
}

double PulseCurve::conductance(double p) const noexcept {
  const double t = p / pulses;
  if (!(t > 0.0)) return g_min_siemens;
  if (t >= 1.0) return g_max_siemens;
  const double u = std::isinf(a_normalised) ? 0.0 : 1.0 / a_normalised;
  return g_min_siemens + (g_max_siemens - g_min_siemens) * normalised_curve(t, u);
}

double PulseCurve::position(double g_siemens) const noexcept {
  const double y = (g_siemens - g_min_siemens) / (g_max_siemens - g_min_siemens);
  if (!(y > 0.0)) return 0.0;
  if (y >= 1.0) return pulses;
  const double u = std::isinf(a_normalised) ? 0.0 : 1.0 / a_normalised;
  return std::clamp(normalised_position(y, u) * pulses, 0.0, double(pulses));
}

void PulseParameters::validate() const {
  if (!(std::isfinite(g_min_siemens) && g_min_siemens >= 0.0)) {
    throw InvalidArgument(fmt::format("g_min must be finite and >= 0 S, got {} S", g_min_siemens));
  }
  if (!(std::isfinite(g_max_siemens) && g_max_siemens > g_min_siemens)) {
    throw InvalidArgument(
        fmt::format("g_max must be finite and greater than g_min ({} S), got {} S", g_min_siemens,
                    g_max_siemens));
  }
  if (pulses_ltp < 1) throw InvalidArgument("pulses_ltp must be >= 1 (states >= 2), got 0");
  if (pulses_ltd < 1) throw InvalidArgument("pulses_ltd must be >= 1 (states >= 2), got 0");
  require_label("nl_ltp", nl_ltp);
  require_label("nl_ltd", nl_ltd);
  require_nonnegative("c2c", c2c);
  require_nonnegative("d2d_nl", d2d_nl);
  require_nonnegative("d2d_g_max", d2d_g_max_siemens);
  require_nonnegative("d2d_g_min", d2d_g_min_siemens);
  require_nonnegative("read_noise", read_noise);
}

namespace {

CommonParameters checked_common(const PulseParameters& parameters, CommonParameters common) {
  parameters.validate();
  if (common.levels != 0) {
    throw InvalidArgument(fmt::format(
        "pulse-nonlinear: levels must be 0 (the levels are the curve's {} states), got {}",
        parameters.pulses_ltp + 1, common.levels));
  }
  common.g_min_siemens = parameters.g_min_siemens;
  common.g_max_siemens = parameters.g_max_siemens;
  return common;
}

}  // namespace

PulseNonlinearModel::PulseNonlinearModel(const PulseParameters& parameters,
                                         const CommonParameters& common)
    : DeviceModel(checked_common(parameters, common)),
      parameters_(parameters),
      ltp_(PulseCurve::from_label(parameters.g_min_siemens, parameters.g_max_siemens,
                                  parameters.pulses_ltp, parameters.nl_ltp)),
      ltd_(PulseCurve::from_label(parameters.g_min_siemens, parameters.g_max_siemens,
                                  parameters.pulses_ltd, parameters.nl_ltd)) {}

std::uint32_t PulseNonlinearModel::pulses_for(double g_siemens) const noexcept {
  const double p = ltp_.position(g_siemens);
  const auto below = static_cast<std::uint32_t>(std::floor(p));
  if (below >= ltp_.pulses) return ltp_.pulses;
  const double d_below = std::abs(g_siemens - ltp_.conductance(below));
  const double d_above = std::abs(ltp_.conductance(below + 1) - g_siemens);
  return d_above < d_below ? below + 1 : below;
}

std::vector<PulseDevice> PulseNonlinearModel::devices(const CellAddress& address,
                                                      std::size_t count) const {
  const PulseParameters& p = parameters_;
  std::vector<PulseDevice> result(count, PulseDevice{ltp_, ltd_});
  if (count == 0) return result;
  std::vector<double> z(count);
  if (p.d2d_g_max_siemens > 0.0 || p.d2d_g_min_siemens > 0.0) {
    std::vector<double> g_max(count, p.g_max_siemens), g_min(count, p.g_min_siemens);
    if (p.d2d_g_max_siemens > 0.0) {
      address.stream(StreamId::device_to_device, 2).normal(z, address.first_cell);
      for (std::size_t i = 0; i < count; ++i) g_max[i] += p.d2d_g_max_siemens * z[i];
    }
    if (p.d2d_g_min_siemens > 0.0) {
      address.stream(StreamId::device_to_device, 3).normal(z, address.first_cell);
      for (std::size_t i = 0; i < count; ++i) g_min[i] += p.d2d_g_min_siemens * z[i];
    }
    for (std::size_t i = 0; i < count; ++i) {
      // A range drawn outside what a device can have collapses: G_min ≥ 0, G_max ≥ G_min.
      const double lo = std::max(g_min[i], 0.0);
      const double hi = std::max(g_max[i], lo);
      for (PulseCurve* curve : {&result[i].ltp, &result[i].ltd}) {
        curve->g_min_siemens = lo;
        curve->g_max_siemens = hi;
      }
    }
  }
  if (p.d2d_nl > 0.0) {
    const std::pair<std::uint32_t, double> branches[] = {{0u, p.nl_ltp}, {1u, p.nl_ltd}};
    for (const auto& [substream, label] : branches) {
      address.stream(StreamId::device_to_device, substream).normal(z, address.first_cell);
      for (std::size_t i = 0; i < count; ++i) {
        const double nl = std::clamp(label + p.d2d_nl * z[i], -kLabelClamp, kLabelClamp);
        PulseCurve& curve = substream == 0 ? result[i].ltp : result[i].ltd;
        curve.a_normalised = normalised_a(nl);
      }
    }
  }
  return result;
}

void PulseNonlinearModel::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::size_t n = cells.size();
  const double sigma = parameters_.c2c * (parameters_.g_max_siemens - parameters_.g_min_siemens);
  std::vector<std::uint32_t> pulses(n);
  for (std::size_t i = 0; i < n; ++i) {
    pulses[i] = pulses_for(cells.target_siemens[i]);
    cells.target_siemens[i] = ltp_.conductance(pulses[i]);
  }
  const bool varied = parameters_.d2d_nl > 0.0 || parameters_.d2d_g_max_siemens > 0.0 ||
                      parameters_.d2d_g_min_siemens > 0.0;
  std::vector<PulseDevice> own;
  if (varied) own = devices(cells.address, n);
  std::vector<double> z;
  if (sigma > 0.0) {
    z.resize(n);
    cells.address.stream(StreamId::cycle_to_cycle, attempt).normal(z, cells.address.first_cell);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const PulseCurve& curve = varied ? own[i].ltp : ltp_;
    double g = curve.conductance(pulses[i]);
    if (sigma > 0.0) g += sigma * std::sqrt(double(pulses[i])) * z[i];
    cells.programmed_siemens[i] = std::clamp(g, curve.g_min_siemens, curve.g_max_siemens);
  }
}

void PulseNonlinearModel::evolve(const ProgrammedCells& cells, const ReadTime&,
                                 std::span<double> g_siemens) const {
  std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
}

void PulseNonlinearModel::read_noise_std(const ProgrammedCells& cells, const ReadTime&,
                                         std::span<const double> g_at_t_siemens,
                                         std::span<double> sigma_siemens) const {
  require_size(cells, g_at_t_siemens.size(), "conductance input");
  require_size(cells, sigma_siemens.size(), "read-noise output");
  const double sigma =
      parameters_.read_noise * (parameters_.g_max_siemens - parameters_.g_min_siemens);
  std::fill(sigma_siemens.begin(), sigma_siemens.end(), sigma);
}

std::vector<PulseResponseRow> pulse_response(const PulseNonlinearModel& model,
                                             std::uint32_t ltp_pulses, std::uint32_t ltd_pulses,
                                             const CellAddress& address) {
  const PulseParameters& p = model.parameters();
  const PulseDevice device = model.devices(address, 1).front();
  const PulseCurve& ltp = model.ltp_curve();
  const PulseCurve& ltd = model.ltd_curve();
  const double sigma = p.c2c * (p.g_max_siemens - p.g_min_siemens);

  std::vector<PulseResponseRow> rows;
  rows.reserve(std::size_t{ltp_pulses} + ltd_pulses + 1);
  double g_nominal = ltp.g_min_siemens;
  double g = device.ltp.g_min_siemens;
  rows.push_back({0, 0, g_nominal, g});
  for (std::uint32_t k = 1; k <= ltp_pulses + ltd_pulses; ++k) {
    const bool up = k <= ltp_pulses;
    const double step = up ? 1.0 : -1.0;
    const PulseCurve& nominal = up ? ltp : ltd;
    const PulseCurve& own = up ? device.ltp : device.ltd;
    g_nominal = nominal.conductance(nominal.position(g_nominal) + step);
    double next = own.conductance(own.position(g) + step);
    if (sigma > 0.0) {
      next += sigma * address.stream(StreamId::cycle_to_cycle, k).normal_at(address.first_cell);
    }
    g = std::clamp(next, own.g_min_siemens, own.g_max_siemens);
    rows.push_back({k, up ? 1 : -1, g_nominal, g});
  }
  return rows;
}

namespace {

// Reads `states_key` (levels, ≥ 2) or `pulses_key` (P_max, ≥ 1); exactly one unless a fallback
// is given.
std::uint32_t read_pulse_count(const ConfigTable& parameters, const char* states_key,
                               const char* pulses_key, const std::uint32_t* fallback) {
  const bool has_states = parameters.contains(states_key);
  const bool has_pulses = parameters.contains(pulses_key);
  if (has_states && has_pulses) {
    parameters.fail(pulses_key,
                    fmt::format("give either '{}' or '{}', not both", states_key, pulses_key));
  }
  if (has_states) {
    const auto states = parameters.get<std::int64_t>(states_key);
    if (states < 2 || states > std::int64_t{1} << 24) {
      parameters.fail(states_key, fmt::format("must be an integer in [2, 2^24], got {}", states));
    }
    return static_cast<std::uint32_t>(states - 1);
  }
  if (has_pulses) {
    const auto pulses = parameters.get<std::int64_t>(pulses_key);
    if (pulses < 1 || pulses >= std::int64_t{1} << 24) {
      parameters.fail(pulses_key, fmt::format("must be an integer in [1, 2^24), got {}", pulses));
    }
    return static_cast<std::uint32_t>(pulses);
  }
  if (fallback) return *fallback;
  parameters.fail_table(fmt::format(
      "needs the number of conductance states ('{}') or of pulses ('{}')", states_key, pulses_key));
}

// Reads a label `nl_key` or an A in pulses `a_key` (not both); returns the label.
double read_label(const ConfigTable& parameters, const char* nl_key, const char* a_key,
                  std::uint32_t pulses) {
  const bool has_nl = parameters.contains(nl_key);
  const bool has_a = parameters.contains(a_key);
  if (has_nl && has_a) {
    parameters.fail(a_key, fmt::format("give either '{}' or '{}', not both", nl_key, a_key));
  }
  if (has_a) {
    const double a = parameters.get<double>(a_key);
    if (!(a != 0.0 && !std::isnan(a))) {
      parameters.fail(a_key, fmt::format("must be nonzero (pulses; inf for linear), got {}", a));
    }
    return nonlinearity_label(a / pulses);
  }
  const double nl = parameters.get_or(nl_key, 0.0);
  if (!(std::isfinite(nl) && std::abs(nl) < kMaxNonlinearityLabel)) {
    parameters.fail(nl_key, fmt::format("must satisfy |{}| < {:.6g}, got {}", nl_key,
                                        kMaxNonlinearityLabel, nl));
  }
  return nl;
}

double read_nonnegative(const ConfigTable& parameters, const char* key) {
  const double value = parameters.get_or(key, 0.0);
  if (!(std::isfinite(value) && value >= 0.0)) {
    parameters.fail(key, fmt::format("must be finite and >= 0, got {}", value));
  }
  return value;
}

}  // namespace

std::unique_ptr<DeviceModel> make_pulse_nonlinear_model(const ConfigTable& parameters) {
  if (parameters.contains("levels")) {
    parameters.fail("levels",
                    "not used by pulse-nonlinear: its levels are the curve's (use 'states')");
  }
  PulseParameters p;
  p.g_max_siemens = parameters.get_quantity("g_max", Dimension::conductance);
  if (parameters.contains("on_off_ratio")) {
    if (parameters.contains("g_min")) {
      parameters.fail("on_off_ratio", "give either 'g_min' or 'on_off_ratio', not both");
    }
    const double ratio = parameters.get<double>("on_off_ratio");
    if (!(std::isfinite(ratio) && ratio > 1.0)) {
      parameters.fail("on_off_ratio", fmt::format("must be finite and > 1, got {}", ratio));
    }
    p.g_min_siemens = p.g_max_siemens / ratio;
  }
  CommonParameters defaults;
  defaults.g_min_siemens = p.g_min_siemens;
  defaults.g_max_siemens = p.g_max_siemens;
  const CommonParameters common = read_common_parameters(parameters, defaults);
  p.g_min_siemens = common.g_min_siemens;
  p.g_max_siemens = common.g_max_siemens;

  p.pulses_ltp = read_pulse_count(parameters, "states", "pulses", nullptr);
  p.pulses_ltd = read_pulse_count(parameters, "states_ltd", "pulses_ltd", &p.pulses_ltp);
  p.nl_ltp = read_label(parameters, "nl_ltp", "a_ltp", p.pulses_ltp);
  p.nl_ltd = read_label(parameters, "nl_ltd", "a_ltd", p.pulses_ltd);
  p.c2c = read_nonnegative(parameters, "c2c");
  p.d2d_nl = read_nonnegative(parameters, "d2d_nl");
  p.read_noise = read_nonnegative(parameters, "read_noise");
  p.d2d_g_max_siemens = parameters.get_quantity_or("d2d_g_max", Dimension::conductance, 0.0);
  p.d2d_g_min_siemens = parameters.get_quantity_or("d2d_g_min", Dimension::conductance, 0.0);
  return std::make_unique<PulseNonlinearModel>(p, common);
}

}  // namespace kirchhoff::devices
