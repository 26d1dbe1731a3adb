#include "kirchhoff/core/blas.hpp"

#include <cblas.h>

#include <mutex>

namespace kirchhoff::blas {

namespace {

// OpenBLAS starts with a thread per core; the engine's tasks each multiply their own block.
void one_thread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

CBLAS_TRANSPOSE to_cblas(Op op) {
  return op == Op::transpose ? CblasTrans : CblasNoTrans;
}

blasint to_int(std::int64_t value) {
  return static_cast<blasint>(value);
}

}  // namespace

void gemm(Op op_a, Op op_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
          const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
          double* c, std::int64_t ldc) {
  one_thread();
  cblas_dgemm(CblasColMajor, to_cblas(op_a), to_cblas(op_b), to_int(m), to_int(n), to_int(k), alpha,
              a, to_int(lda), b, to_int(ldb), beta, c, to_int(ldc));
}

void gemm(Op op_a, Op op_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
          const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
          std::int64_t ldc) {
  one_thread();
  cblas_sgemm(CblasColMajor, to_cblas(op_a), to_cblas(op_b), to_int(m), to_int(n), to_int(k), alpha,
              a, to_int(lda), b, to_int(ldb), beta, c, to_int(ldc));
}

std::string core() {
  return openblas_get_corename();
}

std::string configuration() {
  return openblas_get_config();
}

}  // namespace kirchhoff::blas
