// LSHRS_TARGET_CLONES: one clone of a kernel per instruction set (AVX2 and the
// baseline), picked once at load time through an ifunc; every clone computes
// the same bits. ThreadSanitizer builds take the baseline only: an ifunc
// resolver runs during relocation, before the TSan runtime is initialised,
// and the binary crashes before main().
#pragma once

#if defined(__SANITIZE_THREAD__)
#define LSHRS_TARGET_CLONES
#else
#define LSHRS_TARGET_CLONES [[gnu::target_clones("avx2", "default")]]
#endif
