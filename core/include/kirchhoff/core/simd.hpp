// Hot loops are compiled twice, for AVX2 and for the x86-64 baseline, and the CPU picks one at
// run time. Both give the same bits: they use only correctly rounded IEEE operations and no FMA
// contraction (-ffp-contract=off). Defining KIRCHHOFF_BASELINE_ISA_ONLY compiles the baseline
// alone: tests/core use it to check that both paths produce the committed digests.
#pragma once

#if defined(KIRCHHOFF_BASELINE_ISA_ONLY) || !defined(__x86_64__)
#define KIRCHHOFF_SIMD_CLONES
#else
#define KIRCHHOFF_SIMD_CLONES [[gnu::target_clones("avx2", "default")]]
#endif
