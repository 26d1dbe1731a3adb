// Dense matrix products through the BLAS: OpenBLAS, with the kernels of the core its kernel
// level names (kernels.hpp) and one thread per call, since the engine owns the parallel layout
// (each of its tasks calls the BLAS on its own block).
//
// Matrices are column-major (Eigen's default) with leading dimensions, as in CBLAS.
#pragma once

#include <cstdint>
#include <string>

namespace kirchhoff::blas {

enum class Op : std::uint8_t { none, transpose };

// C (m × n) = alpha · op(A) · op(B) + beta · C, op(A) m × k, op(B) k × n.
void gemm(Op op_a, Op op_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
          const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
          double* c, std::int64_t ldc);
void gemm(Op op_a, Op op_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
          const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
          std::int64_t ldc);

// The core whose kernels OpenBLAS runs ("SkylakeX", "Haswell", ...), fixed when it loaded.
[[nodiscard]] std::string core();
// OpenBLAS's version and build ("OpenBLAS 0.3.21 DYNAMIC_ARCH ...").
[[nodiscard]] std::string configuration();

}  // namespace kirchhoff::blas
