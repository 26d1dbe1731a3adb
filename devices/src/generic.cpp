#include "kirchhoff/devices/generic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::devices {

double interpolate_clamped(std::span<const double> xs, std::span<const double> ys, double x) {
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  // First point strictly above x; it exists and is not the first one.
  const auto upper = std::upper_bound(xs.begin(), xs.end(), x);
  const auto k = static_cast<std::size_t>(upper - xs.begin());
  const double w = (x - xs[k - 1]) / (xs[k] - xs[k - 1]);
  return ys[k - 1] + w * (ys[k] - ys[k - 1]);
}

double clamped_log_form(std::span<const double> form, double x) {
  const double a = form[0], b = form[1], lo = form[2], hi = form[3];
  if (!(x > 0.0)) return a < 0.0 ? hi : (a > 0.0 ? lo : std::clamp(b, lo, hi));
  return std::clamp(a * std::log(x) + b, lo, hi);
}

namespace {

void require_non_negative(const char* name, double value) {
  if (!(std::isfinite(value) && value >= 0.0)) {
    throw InvalidArgument(
        fmt::format("generic device: {} must be finite and >= 0, got {}", name, value));
  }
}

void validate_programming(const GenericParameters& p) {
  require_non_negative("programming_sigma", p.programming_sigma_siemens);
  require_non_negative("programming_sigma_relative", p.programming_sigma_relative);
  require_non_negative("device_to_device_sigma", p.device_to_device_sigma);
  for (std::size_t k = 0; k < p.programming_sigma_polynomial.size(); ++k) {
    if (!std::isfinite(p.programming_sigma_polynomial[k])) {
      throw InvalidArgument(
          fmt::format("generic device: programming_sigma_polynomial[{}] must be finite, got {}", k,
                      p.programming_sigma_polynomial[k]));
    }
  }
  if (!std::isfinite(p.programming_bias)) {
    throw InvalidArgument(
        fmt::format("generic device: programming_bias must be finite, got {}", p.programming_bias));
  }
}

void validate_read_noise(const GenericParameters& p) {
  require_non_negative("read_sigma", p.read_sigma_siemens);
  require_non_negative("read_sigma_relative", p.read_sigma_relative);
  for (std::size_t k = 0; k < p.read_sigma_polynomial.size(); ++k) {
    if (!std::isfinite(p.read_sigma_polynomial[k])) {
      throw InvalidArgument(
          fmt::format("generic device: read_sigma_polynomial[{}] must be finite, got {}", k,
                      p.read_sigma_polynomial[k]));
    }
  }
  require_non_negative("read_q_coefficient", p.read_q_coefficient);
  if (!std::isfinite(p.read_q_exponent)) {
    throw InvalidArgument(
        fmt::format("generic device: read_q_exponent must be finite, got {}", p.read_q_exponent));
  }
  require_non_negative("read_q_max", p.read_q_max);
  if (p.read_q_coefficient > 0.0 && !(p.read_q_max > 0.0)) {
    throw InvalidArgument(
        "generic device: read_q_max must be > 0 when read_q_coefficient is (the bound of Q_s)");
  }
  if (!(std::isfinite(p.t_read_s) && p.t_read_s > 0.0)) {
    throw InvalidArgument(
        fmt::format("generic device: t_read must be finite and > 0 s, got {} s", p.t_read_s));
  }
}

// The PCM form of the drift exponent: [a, b, lo, hi] of mu_nu and sigma_nu.
void validate_drift_form(const GenericParameters& p) {
  if (p.drift_nu_mean_log.empty() != p.drift_nu_std_log.empty()) {
    throw InvalidArgument(
        "generic device: drift_nu_mean_log and drift_nu_std_log go together (give both)");
  }
  if (!p.drift_nu_mean_log.empty() && !p.drift_g_siemens.empty()) {
    throw InvalidArgument(
        "generic device: give the drift as tables (drift_g, drift_nu_mean, drift_nu_std) or in "
        "the PCM form (drift_nu_mean_log, drift_nu_std_log), not both");
  }
  for (auto [name, form] : {std::pair{"drift_nu_mean_log", &p.drift_nu_mean_log},
                            std::pair{"drift_nu_std_log", &p.drift_nu_std_log}}) {
    if (form->empty()) continue;
    if (form->size() != 4 ||
        !std::all_of(form->begin(), form->end(), [](double v) { return std::isfinite(v); })) {
      throw InvalidArgument(
          fmt::format("generic device: {} must be 4 finite numbers [a, b, lo, hi], got {} values",
                      name, form->size()));
    }
    if (!((*form)[2] <= (*form)[3])) {
      throw InvalidArgument(fmt::format("generic device: {}: lo = {} must not exceed hi = {}", name,
                                        (*form)[2], (*form)[3]));
    }
  }
  if (!p.drift_nu_std_log.empty() && p.drift_nu_std_log[2] < 0.0) {
    throw InvalidArgument(fmt::format(
        "generic device: drift_nu_std_log: lo must be >= 0 (a standard deviation), got {}",
        p.drift_nu_std_log[2]));
  }
}

// The tables of the drift exponent against conductance, and t0.
void validate_drift_tables(const GenericParameters& p) {
  if (!(std::isfinite(p.t0_s) && p.t0_s > 0.0)) {
    throw InvalidArgument(
        fmt::format("generic device: t0 must be finite and > 0 s, got {} s", p.t0_s));
  }
  if (p.drift_nu_mean.size() != p.drift_g_siemens.size() ||
      p.drift_nu_std.size() != p.drift_g_siemens.size()) {
    throw InvalidArgument(fmt::format(
        "generic device: the drift tables need one value per conductance point: {} points, {} "
        "means, {} standard deviations",
        p.drift_g_siemens.size(), p.drift_nu_mean.size(), p.drift_nu_std.size()));
  }
  for (std::size_t i = 0; i < p.drift_g_siemens.size(); ++i) {
    if (!(std::isfinite(p.drift_g_siemens[i]) && p.drift_g_siemens[i] >= 0.0)) {
      throw InvalidArgument(
          fmt::format("generic device: drift_g[{}] must be finite and >= 0 S, got {} S", i,
                      p.drift_g_siemens[i]));
    }
    if (i > 0 && !(p.drift_g_siemens[i] > p.drift_g_siemens[i - 1])) {
      throw InvalidArgument(
          fmt::format("generic device: drift_g must be strictly increasing, but drift_g[{}] = {} S "
                      "follows {} S",
                      i, p.drift_g_siemens[i], p.drift_g_siemens[i - 1]));
    }
    if (!std::isfinite(p.drift_nu_mean[i])) {
      throw InvalidArgument(fmt::format("generic device: drift_nu_mean[{}] must be finite, got {}",
                                        i, p.drift_nu_mean[i]));
    }
    if (!(std::isfinite(p.drift_nu_std[i]) && p.drift_nu_std[i] >= 0.0)) {
      throw InvalidArgument(
          fmt::format("generic device: drift_nu_std[{}] must be finite and >= 0, got {}", i,
                      p.drift_nu_std[i]));
    }
  }
}

}  // namespace

void GenericParameters::validate() const {
  common.validate();
  validate_programming(*this);
  validate_read_noise(*this);
  validate_drift_form(*this);
  validate_drift_tables(*this);
}

namespace {
const GenericParameters& validated(const GenericParameters& p) {
  p.validate();
  return p;
}
}  // namespace

GenericModel::GenericModel(const GenericParameters& parameters)
    : DeviceModel(validated(parameters).common), parameters_(parameters) {
  const auto nonzero = [](double v) { return v != 0.0; };
  drift_ =
      std::any_of(parameters_.drift_nu_mean.begin(), parameters_.drift_nu_mean.end(), nonzero) ||
      std::any_of(parameters_.drift_nu_std.begin(), parameters_.drift_nu_std.end(), nonzero) ||
      !parameters_.drift_nu_mean_log.empty();
}

std::string GenericModel::kind() const {
  return "generic";
}

double GenericModel::drift_exponent_mean(double g_siemens) const {
  if (!drift_) return 0.0;
  if (!parameters_.drift_nu_mean_log.empty()) {
    return clamped_log_form(parameters_.drift_nu_mean_log,
                            g_siemens / parameters_.common.g_max_siemens);
  }
  return interpolate_clamped(parameters_.drift_g_siemens, parameters_.drift_nu_mean, g_siemens);
}

double GenericModel::drift_exponent_std(double g_siemens) const {
  if (!drift_) return 0.0;
  if (!parameters_.drift_nu_std_log.empty()) {
    return clamped_log_form(parameters_.drift_nu_std_log,
                            g_siemens / parameters_.common.g_max_siemens);
  }
  return interpolate_clamped(parameters_.drift_g_siemens, parameters_.drift_nu_std, g_siemens);
}

double GenericModel::read_sigma_siemens(double target_siemens, double g_siemens, double t_s) const {
  const GenericParameters& p = parameters_;
  double variance = p.read_sigma_siemens * p.read_sigma_siemens;
  const double relative = p.read_sigma_relative * g_siemens;
  variance += relative * relative;
  const double x = target_siemens / p.common.g_max_siemens;
  if (!p.read_sigma_polynomial.empty()) {
    double poly = 0.0;
    for (std::size_t k = p.read_sigma_polynomial.size(); k-- > 0;) {
      poly = poly * x + p.read_sigma_polynomial[k];
    }
    const double s = p.common.g_max_siemens * std::max(poly, 0.0);
    variance += s * s;
  }
  if (p.read_q_coefficient > 0.0) {
    // Joshi 2020 (Methods): σ = |g(t)| Q_s sqrt(ln((t + t_read)/(2 t_read))), the 1/f noise
    // integrated from t_read to t; no noise for t <= t_read, where the integral is empty.
    const double q =
        x > 0.0 ? std::min(p.read_q_coefficient * std::pow(x, -p.read_q_exponent), p.read_q_max)
                : p.read_q_max;
    const double factor = std::max(std::log((t_s + p.t_read_s) / (2.0 * p.t_read_s)), 0.0);
    variance += g_siemens * g_siemens * q * q * factor;
  }
  return std::sqrt(variance);
}

double GenericModel::programming_sigma_siemens(double target_siemens) const {
  const double base = std::hypot(parameters_.programming_sigma_siemens,
                                 parameters_.programming_sigma_relative * target_siemens);
  const auto& a = parameters_.programming_sigma_polynomial;
  if (a.empty()) return base;
  const double g_max = parameters_.common.g_max_siemens;
  const double x = target_siemens / g_max;
  double poly = 0.0;
  for (std::size_t k = a.size(); k-- > 0;) poly = poly * x + a[k];
  return std::hypot(base, g_max * std::max(poly, 0.0));
}

void GenericModel::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::size_t n = cells.size();
  const std::uint64_t first = cells.address.first_cell;
  const GenericParameters& p = parameters_;
  std::copy(cells.target_siemens.begin(), cells.target_siemens.end(),
            cells.programmed_siemens.begin());

  if (p.programming_bias != 0.0) {
    const double bias_siemens = p.programming_bias * p.common.g_max_siemens;
    for (double& g : cells.programmed_siemens) g += bias_siemens;
  }
  std::vector<double> z;
  if (p.programming_sigma_siemens > 0.0 || p.programming_sigma_relative > 0.0 ||
      !p.programming_sigma_polynomial.empty()) {
    z.resize(n);
    cells.address.stream(StreamId::programming_error, attempt).normal(z, first);
    for (std::size_t i = 0; i < n; ++i) {
      cells.programmed_siemens[i] += programming_sigma_siemens(cells.target_siemens[i]) * z[i];
    }
  }
  if (p.device_to_device_sigma > 0.0) {
    z.resize(n);
    cells.address.stream(StreamId::device_to_device, attempt).normal(z, first);
    for (std::size_t i = 0; i < n; ++i) {
      cells.programmed_siemens[i] *= std::exp(p.device_to_device_sigma * z[i]);
    }
  }
  if (drift_) {
    z.resize(n);
    cells.address.stream(StreamId::drift_exponent, attempt).normal(z, first);
    cells.drift_exponent.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double g = cells.target_siemens[i];
      const double nu = drift_exponent_mean(g) + drift_exponent_std(g) * z[i];
      cells.drift_exponent[i] = p.drift_nu_absolute ? std::abs(nu) : nu;
    }
  }
}

void GenericModel::evolve(const ProgrammedCells& cells, const ReadTime& time,
                          std::span<double> g_siemens) const {
  if (!drift_ || time.t_s <= parameters_.t0_s) {
    std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
    return;
  }
  const double ratio = time.t_s / parameters_.t0_s;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    g_siemens[i] = cells.programmed_siemens[i] * std::pow(ratio, -cells.drift_exponent[i]);
  }
}

void GenericModel::read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                                  std::span<const double> g_at_t_siemens,
                                  std::span<double> sigma_siemens) const {
  require_size(cells, g_at_t_siemens.size(), "conductance input");
  require_size(cells, sigma_siemens.size(), "read-noise output");
  const GenericParameters& p = parameters_;
  if (p.read_sigma_polynomial.empty() && p.read_q_coefficient == 0.0) {
    // The original two terms only (kept as they were: same bits as before).
    const double additive = p.read_sigma_siemens, relative = p.read_sigma_relative;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      sigma_siemens[i] = std::hypot(additive, relative * std::abs(g_at_t_siemens[i]));
    }
    return;
  }
  for (std::size_t i = 0; i < cells.size(); ++i) {
    // As the PCM models: a stuck cell is noisy as a device at its stuck conductance.
    const bool stuck = !cells.faults.empty() && cells.faults[i] != CellFault::none;
    const double reference = stuck ? g_at_t_siemens[i] : cells.target_siemens[i];
    sigma_siemens[i] = read_sigma_siemens(reference, std::abs(g_at_t_siemens[i]), time.t_s);
  }
}

// ---------------------------------------------------------------------------------------------
// Factory

namespace {

double read_non_negative(const ConfigTable& parameters, const char* key) {
  const double value = parameters.get_or<double>(key, 0.0);
  if (!(std::isfinite(value) && value >= 0.0)) {
    parameters.fail(key, fmt::format("must be a finite number >= 0, got {}", value));
  }
  return value;
}

void read_drift(const ConfigTable& parameters, GenericParameters& p) {
  p.t0_s = parameters.get_quantity_or("t0", Dimension::time, p.t0_s);
  if (!(p.t0_s > 0.0)) parameters.fail("t0", "must be > 0 s (the drift reference time)");
  p.drift_nu_absolute = parameters.get_or("drift_nu_absolute", p.drift_nu_absolute);

  const bool has_mean = parameters.contains("drift_nu_mean");
  const bool has_std = parameters.contains("drift_nu_std");
  if (parameters.contains("drift_g")) {
    for (const char* key : {"drift_nu_mean_log", "drift_nu_std_log"}) {
      if (parameters.contains(key)) {
        parameters.fail(key,
                        "give the drift as tables (drift_g, drift_nu_mean, drift_nu_std) or "
                        "in the PCM form, not both");
      }
    }
    p.drift_g_siemens = parameters.get_quantity_array("drift_g", Dimension::conductance);
    if (p.drift_g_siemens.empty()) parameters.fail("drift_g", "needs at least one conductance");
    for (std::size_t i = 1; i < p.drift_g_siemens.size(); ++i) {
      if (!(p.drift_g_siemens[i] > p.drift_g_siemens[i - 1])) {
        parameters.fail_element(
            "drift_g", i,
            fmt::format("conductances must be strictly increasing, got {} "
                        "after {}",
                        format_quantity(p.drift_g_siemens[i], Dimension::conductance),
                        format_quantity(p.drift_g_siemens[i - 1], Dimension::conductance)));
      }
    }
    const std::size_t n = p.drift_g_siemens.size();
    for (auto [key, table] : {std::pair{"drift_nu_mean", &p.drift_nu_mean},
                              std::pair{"drift_nu_std", &p.drift_nu_std}}) {
      *table = parameters.contains(key) ? parameters.get_array<double>(key)
                                        : std::vector<double>(n, 0.0);
      if (table->size() != n) {
        parameters.fail(key, fmt::format("needs one value per point of drift_g ({}), got {}", n,
                                         table->size()));
      }
    }
  } else if (parameters.contains("drift_nu_mean_log") || parameters.contains("drift_nu_std_log")) {
    if (has_mean || has_std) {
      parameters.fail(has_mean ? "drift_nu_mean" : "drift_nu_std",
                      "give the drift as tables or in the PCM form (drift_nu_mean_log, "
                      "drift_nu_std_log), not both");
    }
    for (auto [key, form] : {std::pair{"drift_nu_mean_log", &p.drift_nu_mean_log},
                             std::pair{"drift_nu_std_log", &p.drift_nu_std_log}}) {
      if (!parameters.contains(key)) {
        parameters.fail(key,
                        "is required with the other one of drift_nu_mean_log, "
                        "drift_nu_std_log (the PCM form needs both)");
      }
      *form = parameters.get_array<double>(key);
      if (form->size() != 4) {
        parameters.fail(key, fmt::format("needs 4 numbers [a, b, lo, hi] for clamp(a ln x + b, "
                                         "lo, hi), got {}",
                                         form->size()));
      }
      for (std::size_t k = 0; k < 4; ++k) {
        if (!std::isfinite((*form)[k])) parameters.fail_element(key, k, "must be finite");
      }
      if (!((*form)[2] <= (*form)[3])) {
        parameters.fail(key,
                        fmt::format("lo = {} must not exceed hi = {}", (*form)[2], (*form)[3]));
      }
    }
    if (p.drift_nu_std_log[2] < 0.0) {
      parameters.fail_element("drift_nu_std_log", 2, "lo must be >= 0 (a standard deviation)");
    }
  } else if (has_mean || has_std) {
    // No conductance points: one constant distribution.
    for (const char* key : {"drift_nu_mean", "drift_nu_std"}) {
      if (parameters.type(key) == ConfigType::array) {
        parameters.fail(key, "is a table over conductance: give the points in drift_g too");
      }
    }
    p.drift_g_siemens = {0.0};
    p.drift_nu_mean = {parameters.get_or<double>("drift_nu_mean", 0.0)};
    p.drift_nu_std = {parameters.get_or<double>("drift_nu_std", 0.0)};
  }
  for (std::size_t i = 0; i < p.drift_nu_mean.size(); ++i) {
    if (!std::isfinite(p.drift_nu_mean[i])) {
      parameters.fail("drift_nu_mean", "must be finite");
    }
    if (!(std::isfinite(p.drift_nu_std[i]) && p.drift_nu_std[i] >= 0.0)) {
      const std::string message =
          fmt::format("must be a finite number >= 0, got {}", p.drift_nu_std[i]);
      if (parameters.type("drift_nu_std") == ConfigType::array) {
        parameters.fail_element("drift_nu_std", i, message);
      }
      parameters.fail("drift_nu_std", message);
    }
  }
}

}  // namespace

std::unique_ptr<DeviceModel> make_generic_model(const ConfigTable& parameters) {
  GenericParameters p;
  // g_max has no published default for a generic device: it is required.
  CommonParameters defaults;
  defaults.g_min_siemens = 0.0;
  defaults.g_max_siemens = parameters.get_quantity("g_max", Dimension::conductance);
  defaults.clip = true;
  if (!(defaults.g_max_siemens > 0.0)) parameters.fail("g_max", "must be > 0 S");
  p.common = read_common_parameters(parameters, defaults);

  p.programming_sigma_siemens =
      parameters.get_quantity_or("programming_sigma", Dimension::conductance, 0.0);
  p.programming_sigma_relative = read_non_negative(parameters, "programming_sigma_relative");
  p.device_to_device_sigma = read_non_negative(parameters, "device_to_device_sigma");
  if (parameters.contains("programming_sigma_polynomial")) {
    p.programming_sigma_polynomial = parameters.get_array<double>("programming_sigma_polynomial");
    for (std::size_t k = 0; k < p.programming_sigma_polynomial.size(); ++k) {
      if (!std::isfinite(p.programming_sigma_polynomial[k])) {
        parameters.fail_element("programming_sigma_polynomial", k, "must be finite");
      }
    }
  }
  p.programming_bias = parameters.get_or<double>("programming_bias", 0.0);
  if (!std::isfinite(p.programming_bias)) parameters.fail("programming_bias", "must be finite");
  read_drift(parameters, p);
  p.read_sigma_siemens = parameters.get_quantity_or("read_sigma", Dimension::conductance, 0.0);
  p.read_sigma_relative = read_non_negative(parameters, "read_sigma_relative");
  if (parameters.contains("read_sigma_polynomial")) {
    p.read_sigma_polynomial = parameters.get_array<double>("read_sigma_polynomial");
    for (std::size_t k = 0; k < p.read_sigma_polynomial.size(); ++k) {
      if (!std::isfinite(p.read_sigma_polynomial[k])) {
        parameters.fail_element("read_sigma_polynomial", k, "must be finite");
      }
    }
  }
  p.read_q_coefficient = read_non_negative(parameters, "read_q_coefficient");
  p.read_q_exponent = parameters.get_or<double>("read_q_exponent", 0.0);
  if (!std::isfinite(p.read_q_exponent)) parameters.fail("read_q_exponent", "must be finite");
  p.read_q_max = read_non_negative(parameters, "read_q_max");
  if (p.read_q_coefficient > 0.0 && !(p.read_q_max > 0.0)) {
    parameters.fail("read_q_max", "must be > 0 with read_q_coefficient (the bound of Q_s)");
  }
  p.t_read_s = parameters.get_quantity_or("t_read", Dimension::time, p.t_read_s);
  if (!(p.t_read_s > 0.0)) parameters.fail("t_read", "must be > 0 s (the read pulse width)");
  return std::make_unique<GenericModel>(p);
}

}  // namespace kirchhoff::devices
