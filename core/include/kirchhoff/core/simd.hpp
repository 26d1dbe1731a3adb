// Hot loops compiled for every kernel level (kernels.hpp) and run at the active one:
//
//   with_kernel_level([&] { for (...) out[i] = ...; });
//
// The body is inlined (gnu::flatten) into three functions compiled for AVX-512, AVX2 + FMA and
// the x86-64 baseline. All three give the same bits: the project never contracts a·b + c into an
// FMA (-ffp-contract=off) and uses only correctly rounded IEEE operations in these loops, so a
// level changes their speed, not their results (the digest tests run each level).
#pragma once

#include "kirchhoff/core/kernels.hpp"

#if defined(__x86_64__)
#define KIRCHHOFF_TARGET_AVX2 "avx2,fma,bmi,bmi2,lzcnt,popcnt,f16c,movbe"
#if defined(__clang__)
#define KIRCHHOFF_TARGET_AVX512 "avx512f,avx512cd,avx512bw,avx512dq,avx512vl," KIRCHHOFF_TARGET_AVX2
#else
// GCC's generic tuning vectorises with 256-bit registers even where AVX-512 is enabled.
#define KIRCHHOFF_TARGET_AVX512 \
  "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,prefer-vector-width=512," KIRCHHOFF_TARGET_AVX2
#endif
#endif

namespace kirchhoff {
namespace simd_detail {

#if defined(__x86_64__)
template <class Body>
[[gnu::flatten, gnu::target(KIRCHHOFF_TARGET_AVX512)]] inline void run_avx512(Body& body) {
  body();
}
template <class Body>
[[gnu::flatten, gnu::target(KIRCHHOFF_TARGET_AVX2)]] inline void run_avx2(Body& body) {
  body();
}
#endif
template <class Body>
[[gnu::flatten]] inline void run_portable(Body& body) {
  body();
}

}  // namespace simd_detail

// Runs body() compiled for the active kernel level.
template <class Body>
inline void with_kernel_level(Body&& body) {
#if defined(__x86_64__)
  switch (kernel_level()) {
    case KernelLevel::avx512:
      simd_detail::run_avx512(body);
      return;
    case KernelLevel::avx2:
      simd_detail::run_avx2(body);
      return;
    case KernelLevel::portable:
      break;
  }
#endif
  simd_detail::run_portable(body);
}

}  // namespace kirchhoff
