// Pulse-response fit (docs/fitting.md): reads after each LTP / LTD pulse -> the NeuroSim
// nonlinear update curves of the pulse-nonlinear model (pulse.hpp, docs/devices-pulse.md), its
// cycle-to-cycle noise and, with several devices, its device-to-device spread; parametric-
// bootstrap intervals; written as a pulse-nonlinear device file.
//
// Model (pulse_response in pulse.hpp): a pulse of polarity ± moves the device's position on the
// LTP or LTD curve, found from its present conductance, by one pulse, then adds cycle-to-cycle
// noise N(0, σ²) and clips to [G_min, G_max]. In normalised y = (G − G_min)/(G_max − G_min) the
// noiseless step is affine: with u = P_max/A (NL label ↔ u, pulse.hpp),
//   LTP  y' = min(y e^(−u/P) + expm1(−u/P)/expm1(−u), 1)
//   LTD  y' = max(y e^(u/P) + expm1(u/P)/expm1(−u), 0)          (u of the LTD curve, P its P_max)
// so each read is predicted from the previous one: G_k = clip(h(G_{k−1}) + σ z_k, G_min, G_max).
//
// Estimation, per device: G_min, G_max, u_LTP, u_LTD by nonlinear least squares (Eigen's
// Levenberg–Marquardt) of each read on its expected value given the previous read,
// E[clip(μ + σ z, G_min, G_max)] (the mean of a normal censored at the clip bounds, closed form),
// so that reads clipped at a bound do not bias the curve; σ, common to all devices, by matching
// the residual sum of squares to the model's variances (with the degrees-of-freedom correction
// N/(N − p)), alternating with the least squares until σ settles. A bound that the device's reads
// reach at least twice exactly (a clip) is taken as that value. P_max of each curve is not
// fitted: it is the number of pulses of a full swing (the longest run of LTP or LTD pulses in
// the data, or given).
//
// Several devices: nominal values are the means over devices; the device-to-device spread of NL
// labels and range ends is their standard deviation with each device's estimation variance
// subtracted, as the drift fit does (the variance of 40 refits of the device re-simulated at its
// own fit; the Jacobian's with --bootstrap 0). Bootstrap: each replicate draws every
// device from the fitted population (as PulseNonlinearModel draws devices), simulates its reads
// with the same pulse sequence and starting read, and refits. Goodness of fit: randomised
// probability integral transforms of the reads (uniform over the clipped mass for clipped reads,
// Dunn & Smyth 1996), mapped to z ~ N(0, 1) under the model, with the usual KS test and moments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kirchhoff/fitting/fit.hpp"
#include "kirchhoff/fitting/measurements.hpp"

namespace kirchhoff::fitting {

struct PulseFitOptions {
  std::uint32_t pulses_ltp = 0;  // P_max of the LTP curve; 0 = the longest LTP run in the data
  std::uint32_t pulses_ltd = 0;  // P_max of the LTD curve; 0 = the longest LTD run
  BootstrapOptions bootstrap;
};

struct PulseDeviceFit {
  std::string device;
  std::size_t pulses = 0;  // reads after a pulse
  double g_min_siemens = 0.0, g_max_siemens = 0.0, nl_ltp = 0.0, nl_ltd = 0.0;
  // Standard errors: of the re-simulated refits with several devices and B > 0, else asymptotic
  // (Jacobian of the least squares); 0 for a bound taken from clips.
  double se_g_min_siemens = 0.0, se_g_max_siemens = 0.0, se_nl_ltp = 0.0, se_nl_ltd = 0.0;
  bool g_min_clipped = false, g_max_clipped = false;
};

struct PulseFit {
  std::size_t rows = 0;
  std::size_t pulses = 0;  // reads after a pulse, all devices
  std::uint32_t pulses_ltp = 0, pulses_ltd = 0;
  Estimate g_min_siemens, g_max_siemens;
  Estimate nl_ltp, nl_ltd;  // NeuroSim labels
  Estimate a_ltp, a_ltd;    // A in pulses (NeuroSim's A; ±inf for a linear curve)
  Estimate sigma_siemens;   // cycle-to-cycle σ per pulse
  Estimate c2c;             // σ / (G_max − G_min), as the model's c2c
  // Device-to-device spread (NaN without at least 2 devices).
  Estimate d2d_nl_ltp, d2d_nl_ltd, d2d_g_max_siemens, d2d_g_min_siemens;
  std::vector<PulseDeviceFit> devices;
  double rms_residual_siemens = 0.0;  // of the reads about their expected values
  ResidualReport residuals;  // of the randomised PIT z, grouped by the previous conductance
  double confidence = 0.95;
  std::uint32_t replicates = 0;
  std::uint32_t failed_replicates = 0;
  // Per row of the data (for plots): device index, pulse number, read conductance, the noiseless
  // path of the device's fitted curves from its first read, and z (NaN for first reads).
  std::vector<std::size_t> row_device;
  std::vector<double> row_pulse, row_g_siemens, row_path_siemens, row_z;
};

// Throws InvalidArgument for data the fit cannot use, NumericalError when the least squares fail.
PulseFit fit_pulse(const PulseData& data, const PulseFitOptions& options = {});

std::string format_report(const PulseFit& fit);
// Model pulse-nonlinear: g_min, g_max, pulses, pulses_ltd, nl_ltp, nl_ltd, c2c and, with several
// devices, d2d_nl (the root mean square of the LTP and LTD spreads: the model has one), d2d_g_max,
// d2d_g_min.
std::string device_file_toml(const PulseFit& fit, const std::string& name,
                             const std::string& source);

}  // namespace kirchhoff::fitting
