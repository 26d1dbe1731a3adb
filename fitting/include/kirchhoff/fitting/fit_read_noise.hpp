// Read-noise fit (docs/fitting.md): repeated reads of devices -> the read-noise model of the PCM
// devices or a plain polynomial, with parametric-bootstrap intervals and a goodness-of-fit report,
// written as a device file of the generic model.
//
// Each device's noiseless conductance ĝ(t) at its reads is estimated first: the mean of the
// reads at one time when the device was read repeatedly at that time (reads alone at their time
// are then left out), else a power law ln ĝ = α − ν ln t fitted by least squares (drift between
// reads). Residuals are studentised, e_i / sqrt(1 − h_i) with h_i the leverage of read i (1/m for
// a mean of m reads), so that their variance is that of one read; relative residuals of a mean of
// repeats are also divided by sqrt(1 + 3 v/ĝ²), v the variance of the mean, because dividing by
// the noisy ĝ instead of g inflates their variance by that factor (second order, E[1/ĝ²]).
//
//   pcm form         (G − ĝ)/ĝ = Q_s(x) f(t) z,  Q_s(x) = min(c x^(−α), q_max),
//                    f(t) = sqrt(ln((t + t_read)/(2 t_read)))        [Joshi et al. 2020, Methods]
//   polynomial form  G − ĝ = σ(x) z,  σ(x) = Σ_k c_k x^k
//
// with x = g_T/g_max (the device's target, or its mean conductance when the data have no
// target). Both by maximum likelihood (Fisher scoring; for the pcm form in (ln c, α), where the
// likelihood is convex below the bound q_max). Goodness of fit: Kolmogorov–Smirnov and moments
// of z = residual / fitted σ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kirchhoff/fitting/fit.hpp"
#include "kirchhoff/fitting/measurements.hpp"

namespace kirchhoff::fitting {

enum class ReadNoiseForm { pcm, polynomial };

struct ReadNoiseFitOptions {
  ReadNoiseForm form = ReadNoiseForm::pcm;
  unsigned degree = 2;         // polynomial form, 0..6
  double g_max_siemens = 0.0;  // normalisation of x; 0 = the largest target (or device conductance)
  double t_read_s = 250e-9;    // pcm form: read pulse width of the 1/f integral
  // pcm form: the bound q_max of Q_s, fixed; 0 = Q_s at the smallest x of the data, i.e. Q_s is
  // held constant below the measured range.
  double q_max = 0.0;
  BootstrapOptions bootstrap;
};

struct ReadNoiseDevice {
  std::string device;
  double g_siemens = 0.0;  // the conductance of its x: target, or mean conductance
  std::size_t reads = 0;   // reads used (repeats at one time, or all with a trend)
  bool trend = false;      // a power-law drift trend, not means of repeats
  double estimate = 0.0;   // its own Q_s (pcm) or σ (polynomial): rms studentised residual
};

struct ReadNoiseFit {
  ReadNoiseForm form = ReadNoiseForm::pcm;
  double g_max_siemens = 0.0;
  double t_read_s = 0.0;
  bool from_targets = true;  // x from the target column (else device mean conductances)
  std::size_t reads = 0;     // residuals used
  // pcm form
  Estimate q_coefficient;  // c
  Estimate q_exponent;     // α
  double q_max = 0.0;
  bool q_max_given = false;
  // polynomial form: c_0 .. c_K (S)
  std::vector<Estimate> coefficients_siemens;
  unsigned degree = 0;
  double log_likelihood = 0.0;
  ResidualReport residuals;
  double confidence = 0.95;
  std::uint32_t replicates = 0;
  std::uint32_t failed_replicates = 0;
  std::vector<ReadNoiseDevice> devices;  // in order of first appearance
  // Q_s (pcm) or σ in S (polynomial) at five conductances across the measured range, and on a
  // grid of 48 (log-spaced, for plots), with intervals.
  std::vector<double> check_g_siemens;
  std::vector<Estimate> check_value;
  std::vector<double> grid_g_siemens;
  std::vector<Estimate> grid_value;
  // Per residual (for plots): its device's conductance g and the standardised residual z.
  std::vector<double> read_g_siemens, read_z;

  // Q_s(g) for the pcm form, σ(g) (S) for the polynomial form, at the point estimates.
  [[nodiscard]] double value(double g_siemens) const;
};

// Throws InvalidArgument for bad options or data the form cannot be fitted to, NumericalError
// when the likelihood cannot be maximised.
ReadNoiseFit fit_read_noise(const ReadNoiseData& data, const ReadNoiseFitOptions& options = {});

std::string format_report(const ReadNoiseFit& fit);
// Model generic: g_max, clip = false, and read_q_coefficient, read_q_exponent, read_q_max, t_read
// (pcm form) or read_sigma_polynomial = [c_k / g_max] (polynomial form).
std::string device_file_toml(const ReadNoiseFit& fit, const std::string& name,
                             const std::string& source);

}  // namespace kirchhoff::fitting
