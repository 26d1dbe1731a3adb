// Weight → conductance mapping and its inverse (docs/crossbar-mapping.md).
//
// Orientation: a weight matrix W is inputs × outputs (rows = inputs, columns = outputs), the
// orientation of the array itself (array.hpp): y_j = Σ_i W_ij x_i, i.e. y = Wᵀx. A layer stored
// as outputs × inputs (PyTorch's Linear.weight) is passed transposed.
//
// Each weight is first normalised by its scale (one per layer or one per output column),
// w = W_ij / s_j ∈ [−1, 1] (values beyond the scale are clipped), then split into `slices`
// signed digits u_k ∈ [−1, 1] of significance c_k = B^k (B − 1) / (B^K − 1) (k = 0 the least
// significant; Σ_k c_k = 1, so w = Σ_k c_k u_k), and each digit is stored on a device pair
// (differential) or a single device around the mid conductance (offset schemes):
//
//   differential     G⁺ = G_min + max(u, 0) ΔG,  G⁻ = G_min + max(−u, 0) ΔG,  u = (G⁺ − G⁻)/ΔG
//   offset_*         G = G_mid + u ΔG/2,  u = (G − G_mid)/(ΔG/2),  G_mid = (G_min + G_max)/2
//
// with ΔG = G_max − G_min. offset_digital subtracts G_mid Σ_i V_i digitally after the ADC;
// offset_reference adds to each tile a reference column of cells programmed to G_mid whose
// current is subtracted from every column before the ADC (tiles, mvm.hpp).
//
// Digits: with quantize = false (several analog pairs of different significance) the digits
// are signed, nearest-first: d_k = clamp(round(r / B^k), ±(B − 1)) from the most significant
// down, the least significant slice takes the remaining analog residual (|d_0| ≤ B − 1 always),
// u_k = d_k / (B − 1). With quantize = true (weight bit slicing; B an integer ≥ 2) |w| is
// rounded to an integer q ∈ [0, B^K − 1] in units of the LSB and q's base-B digits carry the
// sign of w (one slice of log2 B bits per array, as in CrossSim). With K = 1 the weight is
// analog (quantize = false) or rounded to B − 1 levels per sign.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "kirchhoff/crossbar/array.hpp"

namespace kirchhoff::crossbar {

enum class MappingScheme : std::uint8_t {
  differential,      // a device pair per digit, W ∝ G⁺ − G⁻ (unused side at G_min)
  offset_digital,    // one device per digit around G_mid, offset subtracted digitally
  offset_reference,  // one device per digit, a reference column at G_mid per tile
};

enum class WeightScaling : std::uint8_t {
  per_layer,   // one scale for the matrix: max |W| (or weight_scale)
  per_column,  // one scale per output column: max_i |W_ij| (or weight_scale)
};

struct MappingOptions {
  MappingScheme scheme = MappingScheme::differential;
  WeightScaling scaling = WeightScaling::per_layer;
  // > 0: the weight magnitude mapped to full scale (every column the same); 0: from the matrix.
  double weight_scale = 0.0;
  std::uint32_t slices = 1;  // K: digits (arrays) per weight, 1 ... 16
  double base = 2.0;         // B: significance ratio of consecutive slices, >= 2 (K > 1)
  bool quantize = false;     // bit slicing: round to integers in units of the LSB digit
  // Conductance range of the mapping (S); 0 <= g_min < g_max.
  double g_min_siemens = 0.0;
  double g_max_siemens = 0.0;

  // Throws InvalidArgument naming the option that is outside what is allowed.
  void validate() const;
  // 2 for differential (G⁺, G⁻), 1 for the offset schemes.
  [[nodiscard]] std::uint32_t polarities() const noexcept;
  // c_k = B^k (B − 1)/(B^K − 1) for K > 1; 1 for K = 1.
  [[nodiscard]] double slice_coefficient(std::uint32_t k) const;
  [[nodiscard]] double delta_g_siemens() const noexcept { return g_max_siemens - g_min_siemens; }
  [[nodiscard]] double g_mid_siemens() const noexcept {
    return 0.5 * (g_min_siemens + g_max_siemens);
  }
  // The conductance difference that one unit of digit u produces: ΔG (differential) or ΔG/2.
  [[nodiscard]] double unit_conductance_siemens() const noexcept;
};

// A mapped weight matrix: per output its scale, and per (slice, polarity) an inputs × outputs
// conductance matrix (S). conductances[k * polarities + p]: slice k (0 = least significant),
// polarity p (0 = G⁺ or the single device, 1 = G⁻).
struct MappedWeights {
  MappingOptions options;
  Eigen::VectorXd scale;
  std::vector<ConductanceMatrix> conductances;

  [[nodiscard]] const ConductanceMatrix& at(std::uint32_t slice, std::uint32_t polarity) const;
  [[nodiscard]] ConductanceMatrix& at(std::uint32_t slice, std::uint32_t polarity);
};

// The per-output scales a mapping uses for W (a zero column under per_column scaling gets
// scale 1, so that it maps to G_min / G_mid without dividing by zero).
[[nodiscard]] Eigen::VectorXd weight_scales(const Eigen::MatrixXd& w,
                                            const MappingOptions& options);

// The signed digits u_k ∈ [−1, 1] (k = 0 least significant) of one normalised weight w
// (clipped to [−1, 1] first).
void weight_digits(double w, const MappingOptions& options, std::span<double> u);

// Maps W (inputs × outputs) to target conductances. Throws InvalidArgument for an empty matrix,
// a non-finite weight or invalid options.
[[nodiscard]] MappedWeights map_weights(const Eigen::MatrixXd& w, const MappingOptions& options);

// The inverse map: W_ij = s_j Σ_k c_k u_k with u_k from the conductances. Read back without
// programming error it returns W (or its quantised value) to rounding: |ΔW| ≤ 8 K ε s_j.
// Throws InvalidArgument when the layout or shapes do not match the options.
[[nodiscard]] Eigen::MatrixXd unmap_weights(const MappedWeights& mapped);

}  // namespace kirchhoff::crossbar
