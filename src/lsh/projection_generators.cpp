// The seeded projection generators of hasher.hpp: numpy's (the default) and
// lshrs-v0 (src/random.hpp).
#include <string>

#include "lsh/numpy_random.hpp"
#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"
#include "lsh/random.hpp"

namespace lshrs {

std::string_view projection_generator_name(ProjectionGenerator generator) noexcept {
  return generator == ProjectionGenerator::kLshrsV0 ? "lshrs-v0" : "numpy";
}

ProjectionGenerator parse_projection_generator(std::string_view name) {
  if (name == "numpy") return ProjectionGenerator::kNumpy;
  if (name == "lshrs-v0") return ProjectionGenerator::kLshrsV0;
  throw InvalidArgument("unknown projection generator \"" + std::string(name) +
                        "\": choose numpy (the default) or lshrs-v0");
}

std::vector<float> generate_projections(std::uint64_t seed, std::size_t rows, std::size_t dim,
                                        ProjectionGenerator generator) {
  if (dim != 0 && rows > kMaxProjectionValues / dim) validate_shape(dim, 1, rows);  // throws
  std::vector<float> out(rows * dim);
  if (generator == ProjectionGenerator::kLshrsV0) {
    detail::NormalGenerator normal(seed);
    for (float& x : out) x = static_cast<float>(normal.next());
  } else {
    // numpy's astype(np.float32): round to nearest, as the cast does.
    detail::Pcg64 rng(seed);
    for (float& x : out) x = static_cast<float>(detail::standard_normal(rng));
  }
  return out;
}

}  // namespace lshrs
