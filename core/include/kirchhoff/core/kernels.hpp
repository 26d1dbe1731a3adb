// Kernel levels: the instruction set the hot loops run with, chosen at run time
// (docs/performance.md, "ISA policy").
//
//   portable  x86-64 baseline (SSE2); the BLAS core Prescott (SSE3)
//   avx2      AVX2 + FMA (x86-64-v3); the BLAS core Haswell
//   avx512    AVX-512 F/CD/BW/DQ/VL (x86-64-v4); the BLAS core SkylakeX
//
// The project's own kernels (random transforms, device models, DAC/ADC) give the same bits at
// every level: no FMA contraction, only correctly rounded IEEE operations. The dense products go
// through the BLAS (blas.hpp), whose kernels differ per level in their summation order, so a
// result is bitwise reproducible on one level (any threads, ranks, shards, resume) and recorded
// with its level and BLAS core in the results' provenance.
//
// The level is, in order: set_kernel_level(), the environment variable KIRCHHOFF_KERNELS, the
// best level this CPU has. The BLAS core is fixed when OpenBLAS loads, from OPENBLAS_CORETYPE:
// the kirchhoff program sets it and starts itself again when it differs (apps/src/cli.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kirchhoff {

enum class KernelLevel : std::uint8_t { portable, avx2, avx512 };

inline constexpr std::array<KernelLevel, 3> kKernelLevels = {
    KernelLevel::portable, KernelLevel::avx2, KernelLevel::avx512};

// The environment variable that chooses the level (same names as --kernels).
inline constexpr const char* kKernelsVariable = "KIRCHHOFF_KERNELS";

[[nodiscard]] std::string_view kernel_level_name(KernelLevel level) noexcept;
[[nodiscard]] std::optional<KernelLevel> parse_kernel_level(std::string_view name) noexcept;
// The same, throwing InvalidArgument that names `where` (an option or variable), the value and
// the levels allowed.
[[nodiscard]] KernelLevel kernel_level_from_text(std::string_view name, std::string_view where);
// "portable, avx2, avx512"
[[nodiscard]] std::string kernel_level_names();

[[nodiscard]] bool kernel_level_supported(KernelLevel level) noexcept;  // by this CPU
[[nodiscard]] KernelLevel best_kernel_level() noexcept;

// The active level. A value of KIRCHHOFF_KERNELS that is not a level, or a level this CPU lacks,
// throws InvalidArgument naming the variable (so does every later call until it is fixed or
// set_kernel_level is called).
[[nodiscard]] KernelLevel kernel_level();
// Throws InvalidArgument when this CPU cannot run `level`.
void set_kernel_level(KernelLevel level);

// The OpenBLAS core whose kernels a level uses (the value of OPENBLAS_CORETYPE).
[[nodiscard]] std::string_view blas_core_for(KernelLevel level) noexcept;

// What computes results in this process: the active level and the core OpenBLAS runs. Two
// results are bitwise comparable when both are the same.
struct KernelsInUse {
  std::string level;      // kernel_level_name(kernel_level())
  std::string blas_core;  // blas::core()
  [[nodiscard]] std::string text() const { return level + " (BLAS core " + blas_core + ")"; }
  [[nodiscard]] bool operator==(const KernelsInUse&) const = default;
};
[[nodiscard]] KernelsInUse kernels_in_use();

}  // namespace kirchhoff
