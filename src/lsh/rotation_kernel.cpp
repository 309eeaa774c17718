#include "lsh/rotation_kernel.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "lsh/fht_kernel.hpp"
#include "lsh/target_clones.hpp"

namespace lshrs::detail {
namespace {

// The reference rule: strict greater, so the first largest |x| wins.
[[gnu::always_inline]] inline std::size_t scalar_argmax(const float* x, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t j = 1; j < n; ++j) {
    if (std::fabs(x[j]) > std::fabs(x[best])) best = j;
  }
  return best;
}

// The same answer in two passes the compiler vectorises: for finite floats,
// |x| orders as the integer bits with the sign cleared, so the largest is an
// integer max and the first index holding it an integer min. A NaN (from an
// overflow to inf - inf) orders above everything as bits but never wins a
// float comparison: such a row takes the scalar rule.
[[gnu::always_inline]] inline std::size_t first_argmax(const float* x, std::size_t n) {
  constexpr std::int32_t kInfBits = 0x7f800000;
  std::int32_t top = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::int32_t a = std::bit_cast<std::int32_t>(x[j]) & 0x7fffffff;
    top = a > top ? a : top;
  }
  if (top > kInfBits) return scalar_argmax(x, n);
  const std::int32_t end = static_cast<std::int32_t>(n);
  std::int32_t first = end;
  for (std::int32_t j = 0; j < end; ++j) {
    const std::int32_t a = std::bit_cast<std::int32_t>(x[j]) & 0x7fffffff;
    const std::int32_t at = a == top ? j : end;
    first = at < first ? at : first;
  }
  return static_cast<std::size_t>(first);
}

}  // namespace

LSHRS_TARGET_CLONES
void rotate_block(const float* vectors, std::size_t count, std::size_t dim, const float* sign,
                  std::size_t padded, float* block, std::uint32_t* codes) {
  for (std::size_t i = 0; i < count; ++i) {
    float* __restrict x = block + i * padded;
    const float* __restrict v = vectors + i * dim;
    for (std::size_t j = 0; j < dim; ++j) x[j] = v[j] * sign[j];
    std::fill(x + dim, x + padded, 0.0f);
    fht_in_place(x, padded);
    for (std::size_t round = 1; round < 3; ++round) {
      const float* __restrict s = sign + round * padded;
      for (std::size_t j = 0; j < padded; ++j) x[j] *= s[j];
      fht_in_place(x, padded);
    }
    const std::size_t best = first_argmax(x, padded);
    codes[i] = static_cast<std::uint32_t>(2 * best + (x[best] < 0.0f ? 1 : 0));
  }
}

}  // namespace lshrs::detail
