// Kernel levels and the BLAS products (core/kernels.hpp, core/blas.hpp).
#include "kirchhoff/core/kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kirchhoff/core/blas.hpp"
#include "kirchhoff/core/error.hpp"
#include "support/expect.hpp"

namespace kirchhoff {
namespace {

TEST(KernelLevels, NamesRoundTripAndTheBestLevelIsSupported) {
  for (KernelLevel level : kKernelLevels) {
    EXPECT_EQ(parse_kernel_level(kernel_level_name(level)), level);
  }
  EXPECT_FALSE(parse_kernel_level("AVX2").has_value());
  EXPECT_TRUE(kernel_level_supported(KernelLevel::portable));
  EXPECT_TRUE(kernel_level_supported(best_kernel_level()));
  EXPECT_EQ(kernel_level_names(), "portable, avx2, avx512");
}

TEST(KernelLevels, TextThatIsNotALevelIsRefusedNamingWhereAndTheLevels) {
  EXPECT_THROW_MSG((void)kernel_level_from_text("sse4", "option --kernels"), InvalidArgument,
                   "option --kernels is 'sse4'; allowed: portable, avx2, avx512");
  for (KernelLevel level : kKernelLevels) {
    if (kernel_level_supported(level)) continue;
    EXPECT_THROW_MSG(set_kernel_level(level), InvalidArgument, "which this CPU cannot run");
  }
}

TEST(KernelLevels, SetLevelIsTheActiveOneAndInUse) {
  const KernelLevel before = kernel_level();
  set_kernel_level(KernelLevel::portable);
  EXPECT_EQ(kernel_level(), KernelLevel::portable);
  EXPECT_EQ(kernels_in_use().level, "portable");
  EXPECT_EQ(kernels_in_use().blas_core, blas::core());
  set_kernel_level(before);
}

// C = op(A) op(B) + beta C against the sums in long double, with leading dimensions larger than
// the rows (blocks of bigger matrices), in double and float.
template <class T>
void check_gemm(blas::Op op_a, blas::Op op_b) {
  const std::int64_t m = 7, n = 5, k = 9, pad = 3;
  std::mt19937 random(42);
  std::uniform_real_distribution<T> value(-1, 1);
  const std::int64_t a_rows = op_a == blas::Op::none ? m : k;
  const std::int64_t b_rows = op_b == blas::Op::none ? k : n;
  const std::int64_t lda = a_rows + pad, ldb = b_rows + pad, ldc = m + pad;
  std::vector<T> a(static_cast<std::size_t>(lda * (op_a == blas::Op::none ? k : m)));
  std::vector<T> b(static_cast<std::size_t>(ldb * (op_b == blas::Op::none ? n : k)));
  std::vector<T> c(static_cast<std::size_t>(ldc * n));
  for (T& x : a) x = value(random);
  for (T& x : b) x = value(random);
  for (T& x : c) x = value(random);
  const std::vector<T> c0 = c;
  const T alpha = T(1.5), beta = T(0.5);
  blas::gemm(op_a, op_b, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  const auto at = [](const std::vector<T>& x, std::int64_t ld, std::int64_t i, std::int64_t j) {
    return static_cast<long double>(x[static_cast<std::size_t>(j * ld + i)]);
  };
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      long double sum = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        sum += (op_a == blas::Op::none ? at(a, lda, i, p) : at(a, lda, p, i)) *
               (op_b == blas::Op::none ? at(b, ldb, p, j) : at(b, ldb, j, p));
      }
      const long double expected = alpha * sum + beta * at(c0, ldc, i, j);
      const double tolerance = sizeof(T) == 4 ? 1e-5 : 1e-14;
      EXPECT_NEAR(static_cast<double>(at(c, ldc, i, j)), static_cast<double>(expected),
                  tolerance * 16)
          << i << "," << j;
    }
  }
  for (std::int64_t j = 0; j < n; ++j) {  // the padding rows of C are not written
    for (std::int64_t i = m; i < ldc; ++i) {
      EXPECT_EQ(c[static_cast<std::size_t>(j * ldc + i)],
                c0[static_cast<std::size_t>(j * ldc + i)]);
    }
  }
}

TEST(Blas, GemmInDoubleAndFloatWithTransposesAndLeadingDimensions) {
  for (blas::Op op_a : {blas::Op::none, blas::Op::transpose}) {
    for (blas::Op op_b : {blas::Op::none, blas::Op::transpose}) {
      check_gemm<double>(op_a, op_b);
      check_gemm<float>(op_a, op_b);
    }
  }
}

TEST(Blas, NamesItsCoreAndBuild) {
  EXPECT_FALSE(blas::core().empty());
  EXPECT_CONTAINS(blas::configuration(), "OpenBLAS");
}

}  // namespace
}  // namespace kirchhoff
