// The fast Walsh-Hadamard transform. Butterflies of span h >= 8 run over
// contiguous runs of h floats, which the compiler vectorises; the first three
// levels work inside groups of 8 and are fused into one pass over the data.
#include <bit>
#include <string>

#include "lshrs/cross_polytope.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

void butterflies_within_8(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 8) {
    float* v = x + i;
    const float a0 = v[0] + v[1], a1 = v[0] - v[1], a2 = v[2] + v[3], a3 = v[2] - v[3];
    const float a4 = v[4] + v[5], a5 = v[4] - v[5], a6 = v[6] + v[7], a7 = v[6] - v[7];
    const float b0 = a0 + a2, b1 = a1 + a3, b2 = a0 - a2, b3 = a1 - a3;
    const float b4 = a4 + a6, b5 = a5 + a7, b6 = a4 - a6, b7 = a5 - a7;
    v[0] = b0 + b4, v[1] = b1 + b5, v[2] = b2 + b6, v[3] = b3 + b7;
    v[4] = b0 - b4, v[5] = b1 - b5, v[6] = b2 - b6, v[7] = b3 - b7;
  }
}

}  // namespace

void fast_hadamard_transform(std::span<float> x) {
  const std::size_t n = x.size();
  if (n == 0 || !std::has_single_bit(n)) {
    throw InvalidArgument("fast_hadamard_transform: size " + std::to_string(n) +
                          " is not a power of two");
  }
  float* v = x.data();
  std::size_t h = 1;
  if (n >= 8) {
    butterflies_within_8(v, n);
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

}  // namespace lshrs
