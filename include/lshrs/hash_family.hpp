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
// `<prefix>:meta` and in model directories, by name); keys keep one layout for
// all. Only hyperplane indexes are readable by the original Python package.
//
// A HashFamily is an id handed out by the family registry (band_hasher.hpp):
// the three above are registered first, with these fixed values; a family
// registered later gets the next value, which is valid in this process only
// (its name is what meta and models record).
//
// Thread safety: safe from any thread; names are looked up in the registry,
// which a mutex guards.
#pragma once

#include "lshrs/export.hpp"
#include <string>
#include <string_view>

namespace lshrs {

enum class HashFamily { kHyperplane, kCrossPolytope, kKMeans };

// How projections are drawn from a seed. Part of an index's shared
// configuration only through the projections it produces: an index's meta and
// a model directory store the projections themselves.
enum class ProjectionGenerator {
  // numpy: `np.random.default_rng(seed)` (SeedSequence -> PCG64) and its
  // `standard_normal` (numpy's 256-level ziggurat), float64 draws rounded to
  // float32 — bit for bit what the original package computes for the seed.
  // Seeds are 0 … 2^64-1 (numpy refuses negative ones). Like numpy, the
  // ziggurat's rare wedge and tail draws (~0.7%) call libm's exp and log1p,
  // so it matches the numpy that runs on the same C library (glibc here).
  kNumpy,
  // lshrs-v0, this library's generator before numpy's became the default:
  // xoshiro256** (Blackman & Vigna 2018) seeded with four successive SplitMix64
  // outputs started at `seed`; u = (next() >> 11) · 2^-53 mapped to [-1, 1) as
  // 2u - 1; Marsaglia's polar method (x, y uniform, s = x²+y², reject s >= 1 or
  // s == 0, f = sqrt(-2·ln(s)/s), emit x·f then y·f) with ln from frexp and an
  // atanh series, so no libm difference can change a bit; each double rounded
  // to float32. Mirrored by tests/oracle/projections.py. Kept for indexes
  // created from a seed alone by earlier versions.
  kLshrsV0,
};

// "hyperplane", "cross-polytope", "k-means" or a registered family's name, as
// written in models and on the command line; "unknown" for an id never handed out.
LSHRS_API std::string_view family_name(HashFamily family) noexcept;

// Inverse of family_name() over the registered families; InvalidArgument
// naming `name` for anything else.
LSHRS_API HashFamily parse_family(std::string_view name);

}  // namespace lshrs
