#include "kirchhoff/devices/pcm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::devices {

namespace {

constexpr double kMicro = 1e-6;

// clamp(a ln x + b, lo, hi), with its limit for x → 0 (a < 0 in every fit: the upper bound).
double clipped_log(double x, double a, double b, double lo, double hi) {
  if (!(x > 0.0)) return a < 0.0 ? hi : lo;
  return std::clamp(a * std::log(x) + b, lo, hi);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The published curves. Sources: Joshi 2020 (Methods) / Nandakumar 2019 and aihwkit's
// PCMLikeNoiseModel for joshi2020; Le Gallo 2023 as implemented in aihwkit's HermesNoiseModel
// (num_devices = 1, 2) for the 64-core chip. See docs/devices-pcm.md.

namespace pcm_fit {

double programming_sigma_us(PcmFit fit, double x) {
  double sigma = 0.0;
  switch (fit) {
    case PcmFit::joshi2020:
      sigma = 0.26348 + 1.9650 * x - 1.1731 * x * x;
      break;
    case PcmFit::hermes2023_single:
      sigma = 0.15781817 + 2.32443916 * x - 2.16310839 * x * x + 0.68841818 * x * x * x;
      break;
    case PcmFit::hermes2023_pair:
      sigma = 0.16603 + 4.71806 * x - 8.48101 * x * x + 4.68961 * x * x * x;
      break;
  }
  return std::max(sigma, 0.0);
}

double drift_exponent_mean(PcmFit fit, double x) {
  switch (fit) {
    case PcmFit::joshi2020:
      return clipped_log(x, -0.0155, 0.0244, 0.049, 0.1);
    case PcmFit::hermes2023_single:
    case PcmFit::hermes2023_pair:
      if (x < 0.0945) return clipped_log(x, -0.0387, -0.0182, 0.072, 0.13);
      return -0.0436 * x * x - 0.0126 * x + 0.0736;
  }
  return 0.0;
}

double drift_exponent_std(PcmFit fit, double x) {
  switch (fit) {
    case PcmFit::joshi2020:
      return clipped_log(x, -0.0125, -0.0059, 0.008, 0.045);
    case PcmFit::hermes2023_single:
      if (x < 0.3039) return clipped_log(x, -0.0120, -0.0023, 0.0124, 0.04);
      return -0.0165 * x * x + 0.0116 * x + 0.0104;
    case PcmFit::hermes2023_pair:
      if (x < 0.3055) return clipped_log(x, -0.0117, -0.0057, 0.0091, 0.04);
      return -0.0118 * x * x + 0.0093 * x + 0.0073;
  }
  return 0.0;
}

double read_noise_q(PcmFit fit, double x) {
  switch (fit) {
    case PcmFit::joshi2020:
      // min(0.0088 / x^0.65, 0.2); the bound is reached below x ≈ 0.0083, so x → 0 gives 0.2.
      if (!(x > 0.0)) return 0.2;
      return std::min(0.0088 / std::pow(x, 0.65), 0.2);
    case PcmFit::hermes2023_single:
      if (x < 0.1591) return clipped_log(x, -0.0078, 0.0038, 0.0179, 0.04);
      return 0.0664 * x * x * x - 0.1352 * x * x + 0.0768 * x + 0.0088;
    case PcmFit::hermes2023_pair:
      if (x < 0.16) return clipped_log(x, -0.0117, -0.0069, 0.015, 0.04);
      return 0.0069 * x * x * x - 0.0280 * x * x + 0.0211 * x + 0.0123;
  }
  return 0.0;
}

double reference_g_max_s(PcmFit fit) {
  switch (fit) {
    case PcmFit::joshi2020:
      return 25.0 * kMicro;
    case PcmFit::hermes2023_single:
      return 10.35 * kMicro;
    case PcmFit::hermes2023_pair:
      return 20.7 * kMicro;
  }
  return 0.0;
}

double reference_t0_s(PcmFit fit) {
  switch (fit) {
    case PcmFit::joshi2020:
      return 20.0;
    case PcmFit::hermes2023_single:
      return 200.0;
    case PcmFit::hermes2023_pair:
      return 300.0;
  }
  return 0.0;
}

double reference_t_read_s(PcmFit fit) {
  return fit == PcmFit::joshi2020 ? 250e-9 : 512e-9;
}

}  // namespace pcm_fit

// ---------------------------------------------------------------------------------------------

PcmParameters PcmParameters::published(PcmFit fit) {
  PcmParameters p;
  p.fit = fit;
  p.common.g_min_s = 0.0;
  p.common.g_max_s = pcm_fit::reference_g_max_s(fit);
  p.common.clip = false;
  p.t0_s = pcm_fit::reference_t0_s(fit);
  p.t_read_s = pcm_fit::reference_t_read_s(fit);
  return p;
}

void PcmParameters::validate() const {
  common.validate();
  if (!(std::isfinite(t0_s) && t0_s > 0.0)) {
    throw InvalidArgument(fmt::format("PCM t0 must be finite and > 0 s, got {} s", t0_s));
  }
  if (!(std::isfinite(t_read_s) && t_read_s > 0.0)) {
    throw InvalidArgument(fmt::format("PCM t_read must be finite and > 0 s, got {} s", t_read_s));
  }
  for (auto [name, value] :
       {std::pair{"programming_noise_scale", programming_noise_scale},
        std::pair{"drift_scale", drift_scale}, std::pair{"read_noise_scale", read_noise_scale}}) {
    if (!(std::isfinite(value) && value >= 0.0)) {
      throw InvalidArgument(fmt::format("PCM {} must be finite and >= 0, got {}", name, value));
    }
  }
}

namespace {
const PcmParameters& validated(const PcmParameters& p) {
  p.validate();
  return p;
}
}  // namespace

PcmModel::PcmModel(const PcmParameters& parameters)
    : DeviceModel(validated(parameters).common), parameters_(parameters) {}

std::string PcmModel::kind() const {
  return parameters_.fit == PcmFit::joshi2020 ? "pcm-joshi2020" : "pcm-hermes2023";
}

double PcmModel::normalised(double g_s) const noexcept {
  return g_s / g_max_s();
}

double PcmModel::programming_sigma_s(double target_s) const {
  const PcmFit fit = parameters_.fit;
  // The polynomial gives µS at the fit's g_max; another g_max scales the whole device.
  return parameters_.programming_noise_scale *
         pcm_fit::programming_sigma_us(fit, normalised(target_s)) * kMicro *
         (g_max_s() / pcm_fit::reference_g_max_s(fit));
}

double PcmModel::drift_exponent_mean(double target_s) const {
  return pcm_fit::drift_exponent_mean(parameters_.fit, normalised(target_s));
}

double PcmModel::drift_exponent_std(double target_s) const {
  return pcm_fit::drift_exponent_std(parameters_.fit, normalised(target_s));
}

double PcmModel::read_noise_q(double target_s) const {
  return parameters_.read_noise_scale *
         pcm_fit::read_noise_q(parameters_.fit, normalised(target_s));
}

double PcmModel::read_noise_time_factor(double t_s) const {
  const double t_read = parameters_.t_read_s;
  return std::sqrt(std::max(std::log((t_s + t_read) / (2.0 * t_read)), 0.0));
}

void PcmModel::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::size_t n = cells.size();
  const std::uint64_t first = cells.address.first_cell;
  std::vector<double> z(n);

  cells.address.stream(StreamId::programming_error, attempt).normal(z, first);
  for (std::size_t i = 0; i < n; ++i) {
    const double target = cells.target_s[i];
    cells.programmed_s[i] = std::max(target + programming_sigma_s(target) * z[i], 0.0);
  }

  cells.address.stream(StreamId::drift_exponent, attempt).normal(z, first);
  cells.drift_exponent.resize(n);
  const double scale = parameters_.drift_scale;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = normalised(cells.target_s[i]);
    const double mu = pcm_fit::drift_exponent_mean(parameters_.fit, x);
    const double sigma = pcm_fit::drift_exponent_std(parameters_.fit, x);
    cells.drift_exponent[i] = scale * std::abs(mu + sigma * z[i]);
  }
}

void PcmModel::evolve(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<double> g_s) const {
  const std::size_t n = cells.size();
  // The fit starts at the first read t_0, where g = g_P; before it the model holds g_P.
  if (time.t_s <= parameters_.t0_s) {
    std::copy(cells.programmed_s.begin(), cells.programmed_s.end(), g_s.begin());
    return;
  }
  const double ratio = time.t_s / parameters_.t0_s;
  for (std::size_t i = 0; i < n; ++i) {
    g_s[i] = cells.programmed_s[i] * std::pow(ratio, -cells.drift_exponent[i]);
  }
}

void PcmModel::read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                              std::span<const double> g_at_t_s, std::span<double> sigma_s) const {
  require_size(cells, g_at_t_s.size(), "conductance input");
  require_size(cells, sigma_s.size(), "read-noise output");
  const double factor = read_noise_time_factor(time.t_s);
  const bool faults = !cells.faults.empty();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    // A stuck cell is noisy as a device at its stuck conductance, not at its target.
    const double g_ref =
        faults && cells.faults[i] != CellFault::none ? g_at_t_s[i] : cells.target_s[i];
    sigma_s[i] = std::abs(g_at_t_s[i]) * read_noise_q(g_ref) * factor;
  }
}

// ---------------------------------------------------------------------------------------------
// Factories

namespace {

void read_pcm_parameters(const ConfigTable& parameters, PcmParameters& p) {
  p.common = read_common_parameters(parameters, p.common);
  p.t0_s = parameters.get_quantity_or("t0", Dimension::time, p.t0_s);
  if (!(p.t0_s > 0.0)) parameters.fail("t0", "must be > 0 s (the time of the first read)");
  p.t_read_s = parameters.get_quantity_or("t_read", Dimension::time, p.t_read_s);
  if (!(p.t_read_s > 0.0)) parameters.fail("t_read", "must be > 0 s (the read pulse width)");
  for (auto [key, value] : {std::pair{"programming_noise_scale", &p.programming_noise_scale},
                            std::pair{"drift_scale", &p.drift_scale},
                            std::pair{"read_noise_scale", &p.read_noise_scale}}) {
    *value = parameters.get_or<double>(key, *value);
    if (!(std::isfinite(*value) && *value >= 0.0)) {
      parameters.fail(key, fmt::format("must be a finite number >= 0, got {}", *value));
    }
  }
}

}  // namespace

std::unique_ptr<DeviceModel> make_pcm_joshi2020_model(const ConfigTable& parameters) {
  PcmParameters p = PcmParameters::published(PcmFit::joshi2020);
  read_pcm_parameters(parameters, p);
  return std::make_unique<PcmModel>(p);
}

std::unique_ptr<DeviceModel> make_pcm_hermes2023_model(const ConfigTable& parameters) {
  const auto devices = parameters.get_or<std::int64_t>("devices_per_polarity", 2);
  if (devices != 1 && devices != 2) {
    parameters.fail("devices_per_polarity",
                    fmt::format("must be 1 or 2 (the published fits), got {}", devices));
  }
  PcmParameters p =
      PcmParameters::published(devices == 2 ? PcmFit::hermes2023_pair : PcmFit::hermes2023_single);
  read_pcm_parameters(parameters, p);
  return std::make_unique<PcmModel>(p);
}

}  // namespace kirchhoff::devices
