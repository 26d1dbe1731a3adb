// What every benchmark shares (docs/performance.md, "Benchmarks"): the context it prints (kernel
// level, BLAS core and build) and the fair dense-product baseline, the faster of OpenBLAS and
// Eigen on the same shapes, one thread, measured in the same run.
#pragma once

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <string>

#include "kirchhoff/core/blas.hpp"
#include "kirchhoff/core/blas_eigen.hpp"
#include "kirchhoff/core/kernels.hpp"

namespace kirchhoff::bench {

// Best of `repeats` runs of f, in seconds.
template <class F>
double best_seconds(F&& f, int repeats) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

struct ProductBaseline {
  double blas_s = 0.0;   // OpenBLAS gemm
  double eigen_s = 0.0;  // Eigen's product as compiled here
  [[nodiscard]] double best_s() const { return std::min(blas_s, eigen_s); }
};

// C (m × n) = A (m × k) · B (k × n) in Scalar: OpenBLAS and Eigen, best of `repeats`.
template <class Scalar>
ProductBaseline product_baseline(Eigen::Index m, Eigen::Index n, Eigen::Index k, int repeats = 20) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const Matrix a = Matrix::Random(m, k), b = Matrix::Random(k, n);
  Matrix c(m, n);
  ProductBaseline t;
  t.blas_s = best_seconds(
      [&] {
        blas::multiply(a, b, c);
        benchmark::DoNotOptimize(c.data());
      },
      repeats);
  t.eigen_s = best_seconds(
      [&] {
        c.noalias() = a * b;
        benchmark::DoNotOptimize(c.data());
      },
      repeats);
  return t;
}

inline void add_kernel_context() {
  benchmark::AddCustomContext("kirchhoff_kernels", kernels_in_use().text());
  benchmark::AddCustomContext("blas", blas::configuration());
}

}  // namespace kirchhoff::bench

// BENCHMARK_MAIN with the kernel context, and glibc's mmap threshold raised as the kirchhoff
// program raises it (apps/src/cli.cpp), so that trials allocate as they do there.
#define KIRCHHOFF_BENCHMARK_MAIN()                                      \
  int main(int argc, char** argv) {                                     \
    ::mallopt(M_MMAP_THRESHOLD, 256 << 20);                             \
    ::mallopt(M_TRIM_THRESHOLD, 512 << 20);                             \
    ::benchmark::Initialize(&argc, argv);                               \
    if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    ::kirchhoff::bench::add_kernel_context();                           \
    ::benchmark::RunSpecifiedBenchmarks();                              \
    ::benchmark::Shutdown();                                            \
    return 0;                                                           \
  }
