// lshrs — which locality-sensitive hash family an index uses.
//
// kHyperplane   random hyperplanes (Charikar 2002), one bit per hyperplane;
//               the default, and the only family the Python package `lshrs`
//               can read: choose it when Python clients share the index.
// kCrossPolytope cross-polytope LSH (Andoni, Indyk, Laarhoven, Razenshteyn and
//               Schmidt, NeurIPS 2015), as FALCONN implements it: a pseudo-random
//               rotation, then the nearest of the 2·d' signed axes; more recall
//               per probed bucket than hyperplanes at the same bucket size.
// kKMeans       spherical k-means (kmeans.hpp): data-dependent, trained on the
//               user's vectors; each band's bucket is its nearest of 2^bits
//               centroids (an IVF partition per band). Fewest candidates for a
//               recall, but needs training and a model directory.
// The family is part of an index's shared configuration (recorded in
// `<prefix>:meta` and in model directories); keys keep one layout for all.
// Only hyperplane indexes are readable by the original Python package.
//
// Thread safety: pure functions.
#pragma once

#include "lshrs/export.hpp"
#include <string>
#include <string_view>

namespace lshrs {

enum class HashFamily { kHyperplane, kCrossPolytope, kKMeans };

// "hyperplane", "cross-polytope" or "k-means", as written in models and on the command line.
LSHRS_API std::string_view family_name(HashFamily family) noexcept;

// Inverse of family_name(); InvalidArgument naming `name` for anything else.
LSHRS_API HashFamily parse_family(std::string_view name);

}  // namespace lshrs
