#include "kirchhoff/crossbar/mapping.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "kirchhoff/core/error.hpp"

namespace kirchhoff::crossbar {

void MappingOptions::validate() const {
  if (!(std::isfinite(g_min_siemens) && std::isfinite(g_max_siemens) && g_min_siemens >= 0.0 &&
        g_max_siemens > g_min_siemens)) {
    throw InvalidArgument(
        fmt::format("mapping conductance range [g_min, g_max] = [{}, {}] S; allowed: 0 <= g_min < "
                    "g_max, finite",
                    g_min_siemens, g_max_siemens));
  }
  if (!(std::isfinite(weight_scale) && weight_scale >= 0.0)) {
    throw InvalidArgument(fmt::format(
        "mapping weight_scale is {}; allowed: 0 (from the matrix) or a finite value > 0",
        weight_scale));
  }
  if (slices < 1 || slices > 16) {
    throw InvalidArgument(fmt::format("mapping slices is {}; allowed: 1 ... 16", slices));
  }
  if (slices > 1 || quantize) {
    if (!(std::isfinite(base) && base >= 2.0 && base <= 65536.0)) {
      throw InvalidArgument(
          fmt::format("mapping base is {}; allowed: 2 ... 65536 (significance ratio)", base));
    }
  }
  if (quantize && base != std::floor(base)) {
    throw InvalidArgument(fmt::format(
        "mapping base is {}; bit slicing (quantize = true) needs an integer base", base));
  }
}

std::uint32_t MappingOptions::polarities() const noexcept {
  return scheme == MappingScheme::differential ? 2u : 1u;
}

double MappingOptions::slice_coefficient(std::uint32_t k) const {
  if (k >= slices) {
    throw InvalidArgument(fmt::format("slice {} of a mapping with {} slices", k, slices));
  }
  if (slices == 1) return 1.0;
  const double full = std::pow(base, static_cast<double>(slices)) - 1.0;
  return std::pow(base, static_cast<double>(k)) * (base - 1.0) / full;
}

double MappingOptions::unit_conductance_siemens() const noexcept {
  return scheme == MappingScheme::differential ? delta_g_siemens() : 0.5 * delta_g_siemens();
}

const ConductanceMatrix& MappedWeights::at(std::uint32_t slice, std::uint32_t polarity) const {
  const std::size_t index = std::size_t{slice} * options.polarities() + polarity;
  if (polarity >= options.polarities() || index >= conductances.size()) {
    throw InvalidArgument(
        fmt::format("no conductance matrix for slice {}, polarity {}", slice, polarity));
  }
  return conductances[index];
}

ConductanceMatrix& MappedWeights::at(std::uint32_t slice, std::uint32_t polarity) {
  return const_cast<ConductanceMatrix&>(std::as_const(*this).at(slice, polarity));
}

Eigen::VectorXd weight_scales(const Eigen::MatrixXd& w, const MappingOptions& options) {
  const Eigen::Index outputs = w.cols();
  if (options.weight_scale > 0.0) return Eigen::VectorXd::Constant(outputs, options.weight_scale);
  Eigen::VectorXd scale(outputs);
  if (options.scaling == WeightScaling::per_layer) {
    const double m = w.size() == 0 ? 0.0 : w.cwiseAbs().maxCoeff();
    scale.setConstant(m > 0.0 ? m : 1.0);
  } else {
    for (Eigen::Index j = 0; j < outputs; ++j) {
      const double m = w.rows() == 0 ? 0.0 : w.col(j).cwiseAbs().maxCoeff();
      scale(j) = m > 0.0 ? m : 1.0;
    }
  }
  return scale;
}

void weight_digits(double w, const MappingOptions& options, std::span<double> u) {
  const std::uint32_t k_count = options.slices;
  if (u.size() != k_count) {
    throw InvalidArgument(
        fmt::format("weight_digits: {} outputs for {} slices", u.size(), k_count));
  }
  w = std::clamp(w, -1.0, 1.0);
  const double b = options.base;
  if (k_count == 1) {
    u[0] = options.quantize ? std::round(w * (b - 1.0)) / (b - 1.0) : w;
    return;
  }
  const double full = std::pow(b, static_cast<double>(k_count)) - 1.0;
  if (options.quantize) {
    // Unsigned base-B digits of the rounded magnitude, all carrying the sign of w.
    double q = std::round(std::abs(w) * full);
    const double sign = w < 0.0 ? -1.0 : 1.0;
    for (std::uint32_t k = k_count; k-- > 0;) {
      const double place = std::pow(b, static_cast<double>(k));
      const double d = std::min(std::floor(q / place), b - 1.0);
      q -= d * place;
      u[k] = sign * d / (b - 1.0);
    }
    return;
  }
  // Signed digits, nearest first; the least significant digit takes the analog residual.
  double r = w * full;
  for (std::uint32_t k = k_count - 1; k >= 1; --k) {
    const double place = std::pow(b, static_cast<double>(k));
    const double d = std::clamp(std::round(r / place), -(b - 1.0), b - 1.0);
    r -= d * place;
    u[k] = d / (b - 1.0);
  }
  u[0] = std::clamp(r, -(b - 1.0), b - 1.0) / (b - 1.0);
}

MappedWeights map_weights(const Eigen::MatrixXd& w, const MappingOptions& options) {
  options.validate();
  if (w.rows() == 0 || w.cols() == 0) {
    throw InvalidArgument(fmt::format("weight matrix is empty ({} x {})", w.rows(), w.cols()));
  }
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      if (!std::isfinite(w(i, j))) {
        throw InvalidArgument(fmt::format(
            "weight (input {}, output {}) is {}; weights must be finite", i, j, w(i, j)));
      }
    }
  }
  MappedWeights mapped;
  mapped.options = options;
  mapped.scale = weight_scales(w, options);
  const std::uint32_t pol = options.polarities();
  mapped.conductances.assign(std::size_t{options.slices} * pol,
                             ConductanceMatrix(w.rows(), w.cols()));
  const double dg = options.delta_g_siemens();
  const double g_min = options.g_min_siemens;
  const double g_mid = options.g_mid_siemens();
  std::vector<double> u(options.slices);
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      weight_digits(w(i, j) / mapped.scale(j), options, u);
      for (std::uint32_t k = 0; k < options.slices; ++k) {
        if (pol == 2) {
          mapped.at(k, 0)(i, j) = g_min + std::max(u[k], 0.0) * dg;
          mapped.at(k, 1)(i, j) = g_min + std::max(-u[k], 0.0) * dg;
        } else {
          mapped.at(k, 0)(i, j) = g_mid + u[k] * (0.5 * dg);
        }
      }
    }
  }
  return mapped;
}

Eigen::MatrixXd unmap_weights(const MappedWeights& mapped) {
  const MappingOptions& options = mapped.options;
  options.validate();
  const std::uint32_t pol = options.polarities();
  if (mapped.conductances.size() != std::size_t{options.slices} * pol) {
    throw InvalidArgument(fmt::format("{} conductance matrices for {} slices x {} polarities",
                                      mapped.conductances.size(), options.slices, pol));
  }
  const Eigen::Index rows = mapped.conductances[0].rows();
  const Eigen::Index cols = mapped.conductances[0].cols();
  for (const auto& g : mapped.conductances) {
    if (g.rows() != rows || g.cols() != cols) {
      throw InvalidArgument(
          fmt::format("conductance matrices of different shapes: {} x {} and {} x {}", rows, cols,
                      g.rows(), g.cols()));
    }
  }
  if (mapped.scale.size() != cols) {
    throw InvalidArgument(fmt::format("{} scales for {} outputs", mapped.scale.size(), cols));
  }
  const double unit = options.unit_conductance_siemens();
  const double g_mid = options.g_mid_siemens();
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(rows, cols);
  for (std::uint32_t k = 0; k < options.slices; ++k) {
    const double c = options.slice_coefficient(k);
    Eigen::MatrixXd u = pol == 2 ? Eigen::MatrixXd((mapped.at(k, 0) - mapped.at(k, 1)) / unit)
                                 : Eigen::MatrixXd((mapped.at(k, 0).array() - g_mid) / unit);
    w += c * u;
  }
  return w * mapped.scale.asDiagonal();
}

}  // namespace kirchhoff::crossbar
