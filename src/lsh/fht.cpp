// The fast Walsh-Hadamard transform (public entry point); its body is in
// fht_kernel.hpp, shared with the cross-polytope rotation kernel.
#include <bit>
#include <string>

#include "lsh/fht_kernel.hpp"
#include "lsh/target_clones.hpp"
#include "lshrs/cross_polytope.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

// One clone per instruction set, picked once at load time; same bits in each.
LSHRS_TARGET_CLONES void fht_dispatch(float* v, std::size_t n) {
  detail::fht_in_place(v, n);
}

}  // namespace

void fast_hadamard_transform(std::span<float> x) {
  const std::size_t n = x.size();
  if (n == 0 || !std::has_single_bit(n)) {
    throw InvalidArgument("fast_hadamard_transform: size " + std::to_string(n) +
                          " is not a power of two");
  }
  fht_dispatch(x.data(), n);
}

}  // namespace lshrs
