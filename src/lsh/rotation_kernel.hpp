// lshrs internal — the inner loop of cross-polytope hashing: three rounds of
// sign flips and Hadamard transforms of a block of rows, and the signed
// argmax of each result. Compiled once per instruction set (AVX2 and the
// SSE2 baseline) and picked at load time; every clone uses the same
// multiplies, adds and compares in the same order, so the codes and rotated
// coordinates are bit-identical whichever runs (pinned by
// tests/unit/cross_polytope_bits_test.cpp).
//
// Thread safety: pure function of its arguments (writes only `block`, `codes`).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lshrs::detail {

// Rotates rows vectors[i·dim … i·dim+dim) for i < count by one hash's signs
// (3 rows of `padded` ±1 values) into block[i·padded …], and writes each
// row's code 2·argmax|x| + (x < 0) to codes[i]. The first largest |x| wins.
void rotate_block(const float* vectors, std::size_t count, std::size_t dim, const float* sign,
                  std::size_t padded, float* block, std::uint32_t* codes);

}  // namespace lshrs::detail
