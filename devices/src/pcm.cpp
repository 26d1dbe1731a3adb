#include "kirchhoff/devices/pcm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kirchhoff/core/elementary.hpp"
#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/simd.hpp"
#include "kirchhoff/core/units.hpp"

namespace kirchhoff::devices {

namespace {

constexpr double kMicro = 1e-6;

// ln x for the curves below, computed once per cell and shared; any value for x <= 0 (the
// curves take their x → 0 limit there). The project's own log (elementary.hpp): branch-free,
// so loops over cells vectorise, with the same bits in scalar and vector code.
inline double log_of_x(double x) {
  return elementary::log_positive(x > 0.0 ? x : 1.0);
}

// clamp(a ln x + b, lo, hi), with its limit for x → 0 (a < 0 in every fit: the upper bound).
inline double clipped_log(double x, double ln_x, double a, double b, double lo, double hi) {
  const double value = std::clamp(a * ln_x + b, lo, hi);
  return x > 0.0 ? value : (a < 0.0 ? hi : lo);
}

// ---------------------------------------------------------------------------------------------
// The published curves. Sources: Joshi 2020 (Methods) / Nandakumar 2019 and aihwkit's
// PCMLikeNoiseModel for joshi2020; Le Gallo 2023 as implemented in aihwkit's HermesNoiseModel
// (num_devices = 1, 2) for the 64-core chip. See docs/devices-pcm.md.

// The curves as inline templates on the fit, so that loops over cells are compiled once per fit
// (the switch hoisted out of the loop), inlined and vectorised; pcm_fit:: wraps them for scalars.
template <PcmFit F>
inline double programming_sigma_us_of(double x) {
  double sigma = 0.0;
  if constexpr (F == PcmFit::joshi2020) {
    sigma = 0.26348 + 1.9650 * x - 1.1731 * x * x;
  } else if constexpr (F == PcmFit::hermes2023_single) {
    sigma = 0.15781817 + 2.32443916 * x - 2.16310839 * x * x + 0.68841818 * x * x * x;
  } else {
    sigma = 0.16603 + 4.71806 * x - 8.48101 * x * x + 4.68961 * x * x * x;
  }
  return std::max(sigma, 0.0);
}

template <PcmFit F>
inline double drift_exponent_mean_of(double x, double ln_x) {
  if constexpr (F == PcmFit::joshi2020) {
    return clipped_log(x, ln_x, -0.0155, 0.0244, 0.049, 0.1);
  } else {
    return x < 0.0945 ? clipped_log(x, ln_x, -0.0387, -0.0182, 0.072, 0.13)
                      : -0.0436 * x * x - 0.0126 * x + 0.0736;
  }
}

template <PcmFit F>
inline double drift_exponent_std_of(double x, double ln_x) {
  if constexpr (F == PcmFit::joshi2020) {
    return clipped_log(x, ln_x, -0.0125, -0.0059, 0.008, 0.045);
  } else if constexpr (F == PcmFit::hermes2023_single) {
    return x < 0.3039 ? clipped_log(x, ln_x, -0.0120, -0.0023, 0.0124, 0.04)
                      : -0.0165 * x * x + 0.0116 * x + 0.0104;
  } else {
    return x < 0.3055 ? clipped_log(x, ln_x, -0.0117, -0.0057, 0.0091, 0.04)
                      : -0.0118 * x * x + 0.0093 * x + 0.0073;
  }
}

template <PcmFit F>
inline double read_noise_q_of(double x, double ln_x) {
  if constexpr (F == PcmFit::joshi2020) {
    // min(0.0088 / x^0.65, 0.2) = min(0.0088 e^(−0.65 ln x), 0.2); the bound is reached below
    // x ≈ 0.0083, so x → 0 gives 0.2.
    const double q = std::min(0.0088 * elementary::exp_clamped(-0.65 * ln_x), 0.2);
    return x > 0.0 ? q : 0.2;
  } else if constexpr (F == PcmFit::hermes2023_single) {
    return x < 0.1591 ? clipped_log(x, ln_x, -0.0078, 0.0038, 0.0179, 0.04)
                      : 0.0664 * x * x * x - 0.1352 * x * x + 0.0768 * x + 0.0088;
  } else {
    return x < 0.16 ? clipped_log(x, ln_x, -0.0117, -0.0069, 0.015, 0.04)
                    : 0.0069 * x * x * x - 0.0280 * x * x + 0.0211 * x + 0.0123;
  }
}

// Calls body(std::integral_constant<PcmFit, fit>{}): one instantiation of the body per fit.
template <class Body>
void with_fit(PcmFit fit, Body&& body) {
  switch (fit) {
    case PcmFit::joshi2020:
      body(std::integral_constant<PcmFit, PcmFit::joshi2020>{});
      return;
    case PcmFit::hermes2023_single:
      body(std::integral_constant<PcmFit, PcmFit::hermes2023_single>{});
      return;
    case PcmFit::hermes2023_pair:
      body(std::integral_constant<PcmFit, PcmFit::hermes2023_pair>{});
      return;
  }
}

// The per-cell loops, compiled for AVX2 and for the baseline and chosen at run time (same bits:
// only correctly rounded operations, no FMA contraction).
template <PcmFit F>
void program_kernel(const double* __restrict target, const double* __restrict z,
                    double* __restrict programmed, std::size_t n, double inv_g_max,
                    double sigma_scale, double g_max_ratio) {
  with_kernel_level([&] {
    for (std::size_t i = 0; i < n; ++i) {
      const double sigma_siemens =
          sigma_scale * programming_sigma_us_of<F>(target[i] * inv_g_max) * kMicro * g_max_ratio;
      programmed[i] = std::max(target[i] + sigma_siemens * z[i], 0.0);
    }
  });
}

template <PcmFit F>
void drift_exponent_kernel(const double* __restrict target, const double* __restrict z,
                           double* __restrict nu, std::size_t n, double inv_g_max,
                           double drift_scale) {
  with_kernel_level([&] {
    for (std::size_t i = 0; i < n; ++i) {
      const double x = target[i] * inv_g_max;
      const double ln_x = log_of_x(x);
      nu[i] = drift_scale * std::abs(drift_exponent_mean_of<F>(x, ln_x) +
                                     drift_exponent_std_of<F>(x, ln_x) * z[i]);
    }
  });
}

// sigma[i] = |g[i]| · scale · Q_s(g_ref[i] / g_max) · time_factor
template <PcmFit F>
void read_noise_kernel(const double* __restrict g_ref, const double* __restrict g,
                       double* __restrict sigma, std::size_t n, double inv_g_max, double scale,
                       double time_factor) {
  with_kernel_level([&] {
    for (std::size_t i = 0; i < n; ++i) {
      const double x = g_ref[i] * inv_g_max;
      sigma[i] = std::abs(g[i]) * (scale * read_noise_q_of<F>(x, log_of_x(x))) * time_factor;
    }
  });
}

// g[i] = g_P[i] (t/t_0)^(−ν[i]) = g_P[i] exp(−ν[i] ln(t/t_0))
void drift_kernel(const double* __restrict g_p, const double* __restrict nu, double* __restrict g,
                  std::size_t n, double log_ratio) {
  with_kernel_level([&] {
    for (std::size_t i = 0; i < n; ++i) g[i] = g_p[i] * elementary::exp_clamped(-nu[i] * log_ratio);
  });
}

}  // namespace

namespace pcm_fit {

double programming_sigma_microsiemens(PcmFit fit, double x) {
  double value = 0.0;
  with_fit(fit, [&](auto f) { value = programming_sigma_us_of<decltype(f)::value>(x); });
  return value;
}

double drift_exponent_mean(PcmFit fit, double x) {
  double value = 0.0;
  with_fit(fit,
           [&](auto f) { value = drift_exponent_mean_of<decltype(f)::value>(x, log_of_x(x)); });
  return value;
}

double drift_exponent_std(PcmFit fit, double x) {
  double value = 0.0;
  with_fit(fit, [&](auto f) { value = drift_exponent_std_of<decltype(f)::value>(x, log_of_x(x)); });
  return value;
}

double read_noise_q(PcmFit fit, double x) {
  double value = 0.0;
  with_fit(fit, [&](auto f) { value = read_noise_q_of<decltype(f)::value>(x, log_of_x(x)); });
  return value;
}

double reference_g_max_siemens(PcmFit fit) {
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
  p.common.g_min_siemens = 0.0;
  p.common.g_max_siemens = pcm_fit::reference_g_max_siemens(fit);
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

double PcmModel::normalised(double g_siemens) const noexcept {
  return g_siemens / g_max_siemens();
}

double PcmModel::programming_sigma_siemens(double target_siemens) const {
  const PcmFit fit = parameters_.fit;
  // The polynomial gives µS at the fit's g_max; another g_max scales the whole device.
  return parameters_.programming_noise_scale *
         pcm_fit::programming_sigma_microsiemens(fit, normalised(target_siemens)) * kMicro *
         (g_max_siemens() / pcm_fit::reference_g_max_siemens(fit));
}

double PcmModel::drift_exponent_mean(double target_siemens) const {
  return pcm_fit::drift_exponent_mean(parameters_.fit, normalised(target_siemens));
}

double PcmModel::drift_exponent_std(double target_siemens) const {
  return pcm_fit::drift_exponent_std(parameters_.fit, normalised(target_siemens));
}

double PcmModel::read_noise_q(double target_siemens) const {
  return parameters_.read_noise_scale *
         pcm_fit::read_noise_q(parameters_.fit, normalised(target_siemens));
}

double PcmModel::read_noise_time_factor(double t_s) const {
  const double t_read = parameters_.t_read_s;
  return std::sqrt(std::max(std::log((t_s + t_read) / (2.0 * t_read)), 0.0));
}

void PcmModel::program_cells(ProgrammedCells& cells, std::uint32_t attempt) const {
  const std::size_t n = cells.size();
  const std::uint64_t first = cells.address.first_cell;
  thread_local std::vector<double> scratch;  // reused: no allocation or zeroing per array
  scratch.resize(std::max(scratch.size(), n));
  const std::span<double> z(scratch.data(), n);
  cells.drift_exponent.resize(n);
  const double* target = cells.target_siemens.data();
  double* programmed = cells.programmed_siemens.data();
  double* nu = cells.drift_exponent.data();
  const double inv_g_max = 1.0 / g_max_siemens();
  const double sigma_scale = parameters_.programming_noise_scale;
  // The polynomial gives µS at the fit's g_max; another g_max scales the whole device.
  const double g_max_ratio = g_max_siemens() / pcm_fit::reference_g_max_siemens(parameters_.fit);
  const double drift_scale = parameters_.drift_scale;

  with_fit(parameters_.fit, [&](auto fit) {
    constexpr PcmFit F = decltype(fit)::value;
    cells.address.stream(StreamId::programming_error, attempt).normal(z, first);
    program_kernel<F>(target, z.data(), programmed, n, inv_g_max, sigma_scale, g_max_ratio);
    cells.address.stream(StreamId::drift_exponent, attempt).normal(z, first);
    drift_exponent_kernel<F>(target, z.data(), nu, n, inv_g_max, drift_scale);
  });
}

void PcmModel::evolve(const ProgrammedCells& cells, const ReadTime& time,
                      std::span<double> g_siemens) const {
  const std::size_t n = cells.size();
  // The fit starts at the first read t_0, where g = g_P; before it the model holds g_P.
  if (time.t_s <= parameters_.t0_s) {
    std::copy(cells.programmed_siemens.begin(), cells.programmed_siemens.end(), g_siemens.begin());
    return;
  }
  // (t/t_0)^(−ν) = exp(−ν ln(t/t_0)), with the project's own exp so that the loop vectorises.
  const double log_ratio = std::log(time.t_s / parameters_.t0_s);
  drift_kernel(cells.programmed_siemens.data(), cells.drift_exponent.data(), g_siemens.data(), n,
               log_ratio);
}

void PcmModel::read_noise_std(const ProgrammedCells& cells, const ReadTime& time,
                              std::span<const double> g_at_t_siemens,
                              std::span<double> sigma_siemens) const {
  require_size(cells, g_at_t_siemens.size(), "conductance input");
  require_size(cells, sigma_siemens.size(), "read-noise output");
  const double factor = read_noise_time_factor(time.t_s);
  const double scale = parameters_.read_noise_scale;
  const double inv_g_max = 1.0 / g_max_siemens();
  const std::size_t n = cells.size();
  const double* target = cells.target_siemens.data();
  const double* g = g_at_t_siemens.data();
  double* sigma = sigma_siemens.data();
  // Q_s is a function of the target; a stuck cell is noisy as a device at its stuck
  // conductance, so its reference is its conductance at t.
  const double* g_ref = target;
  thread_local std::vector<double> stuck_ref;
  if (!cells.faults.empty()) {
    stuck_ref.assign(target, target + n);
    for (std::size_t i = 0; i < n; ++i) {
      if (cells.faults[i] != CellFault::none) stuck_ref[i] = g[i];
    }
    g_ref = stuck_ref.data();
  }
  with_fit(parameters_.fit, [&](auto fit) {
    read_noise_kernel<decltype(fit)::value>(g_ref, g, sigma, n, inv_g_max, scale, factor);
  });
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
