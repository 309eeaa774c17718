#include "lshrs/hash_family.hpp"

#include "lshrs/error.hpp"

namespace lshrs {

std::string_view family_name(HashFamily family) noexcept {
  return family == HashFamily::kCrossPolytope ? "cross-polytope" : "hyperplane";
}

HashFamily parse_family(std::string_view name) {
  if (name == "hyperplane") return HashFamily::kHyperplane;
  if (name == "cross-polytope") return HashFamily::kCrossPolytope;
  throw InvalidArgument("unknown hash family \"" + std::string(name) +
                        "\": use hyperplane (readable by the Python package) or cross-polytope");
}

}  // namespace lshrs
