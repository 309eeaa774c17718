// lshrs internal — the body of the fast Walsh-Hadamard transform, inlined into
// each CPU-specific clone of its callers (fht.cpp, rotation_kernel.cpp) so
// that the AVX2 clone runs its butterflies 8 floats wide. The operations and
// their order are the same in every clone (adds and subtracts only, no
// contraction), so every clone gives the same bits.
//
// Thread safety: pure function of its arguments.
#pragma once

#include <cstddef>

namespace lshrs::detail {

// Radix-2, level by level. Butterflies of span h >= 8 run over contiguous
// runs of h floats, which the compiler vectorises; the first three levels
// work inside groups of 8 and are fused into one pass over the data (the same
// additions in the same order as three separate levels).
[[gnu::always_inline]] inline void fht_in_place(float* v, std::size_t n) {
  std::size_t h = 1;
  if (n >= 8) {
    for (std::size_t i = 0; i < n; i += 8) {
      float* w = v + i;
      const float a0 = w[0] + w[1], a1 = w[0] - w[1], a2 = w[2] + w[3], a3 = w[2] - w[3];
      const float a4 = w[4] + w[5], a5 = w[4] - w[5], a6 = w[6] + w[7], a7 = w[6] - w[7];
      const float b0 = a0 + a2, b1 = a1 + a3, b2 = a0 - a2, b3 = a1 - a3;
      const float b4 = a4 + a6, b5 = a5 + a7, b6 = a4 - a6, b7 = a5 - a7;
      w[0] = b0 + b4, w[1] = b1 + b5, w[2] = b2 + b6, w[3] = b3 + b7;
      w[4] = b0 - b4, w[5] = b1 - b5, w[6] = b2 - b6, w[7] = b3 - b7;
    }
    h = 8;
  }
  for (; h < n; h <<= 1) {
    for (std::size_t i = 0; i < n; i += 2 * h) {
      float* __restrict lo = v + i;  // the halves never overlap: no alias checks
      float* __restrict hi = v + i + h;
      for (std::size_t j = 0; j < h; ++j) {
        const float a = lo[j], b = hi[j];
        lo[j] = a + b;
        hi[j] = a - b;
      }
    }
  }
}

}  // namespace lshrs::detail
