#include "lshrs/hash_family.hpp"

#include "lshrs/error.hpp"

namespace lshrs {

std::string_view family_name(HashFamily family) noexcept {
  switch (family) {
    case HashFamily::kCrossPolytope: return "cross-polytope";
    case HashFamily::kKMeans: return "k-means";
    case HashFamily::kHyperplane: break;
  }
  return "hyperplane";
}

HashFamily parse_family(std::string_view name) {
  if (name == "hyperplane") return HashFamily::kHyperplane;
  if (name == "cross-polytope") return HashFamily::kCrossPolytope;
  if (name == "k-means") return HashFamily::kKMeans;
  throw InvalidArgument("unknown hash family \"" + std::string(name) +
                        "\": use hyperplane (readable by the Python package), cross-polytope or "
                        "k-means (trained: `lshrs train`)");
}

}  // namespace lshrs
