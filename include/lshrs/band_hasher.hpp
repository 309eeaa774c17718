// lshrs — the one interface of every hash family, and the registry that
// builds a family's hasher from an index's configuration.
//
// A BandHasher turns each vector into num_bands() band signatures of
// band_bytes() bytes (signatures.hpp); the bytes of a band name its bucket.
// For a query it also says which buckets to read: its own in every band, then
// the cheapest perturbed ones (multi-probe). Its model() is the matrix that
// `<prefix>:meta` and model directories store: hyperplanes (hasher.hpp),
// rotation signs (cross_polytope.hpp) or centroids (kmeans.hpp).
//
// Families are registered by name (hash_family.hpp gives the ids). The three
// built-in ones are registered before anything else can run; another family
// registers itself once, with a factory, and is then opened, stored and
// reopened by name like the built-ins: adding a family is one file pair and
// one register_hash_family() call (see tests/unit/fourth_family_test.cpp).
//
// Thread safety: a BandHasher is immutable after construction, and all its
// methods may run concurrently. The registry is guarded by a mutex; a
// factory is called without it held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lshrs/export.hpp"
#include "lshrs/hash_family.hpp"
#include "lshrs/signatures.hpp"

namespace lshrs {

class LSHRS_API BandHasher {
 public:
  virtual ~BandHasher() = default;

  virtual HashFamily family() const noexcept = 0;
  virtual std::size_t dim() const noexcept = 0;
  virtual std::size_t num_bands() const noexcept = 0;
  virtual std::size_t band_bytes() const noexcept = 0;
  // A band holds at most 2^band_bits() distinct buckets.
  virtual std::size_t band_bits() const noexcept = 0;
  // The matrix meta and model directories store for this family, row-major.
  virtual const std::vector<float>& model() const noexcept = 0;

  // Signatures of n = vectors.size()/dim() vectors (row-major n × dim). Only
  // the shape is checked; Index validates values before hashing.
  virtual Signatures hash(std::span<const float> vectors) const = 0;

  // The buckets n queries (row-major n × dim) read: query i's are
  // out[first[i]] … out[first[i+1]-1], its own bucket in every band, then up
  // to `probes` perturbed ones, cheapest first. This default reads the own
  // buckets only: a family without a probe order still answers queries.
  virtual std::vector<BucketRef> query_buckets(std::span<const float> queries, std::size_t probes,
                                               std::vector<std::size_t>& first) const;

 protected:
  BandHasher() = default;
  BandHasher(const BandHasher&) = default;
  BandHasher& operator=(const BandHasher&) = default;
};

// What a family's factory is given: the shape of an index's configuration,
// its seed, and the stored model matrix (empty: derive it from the seed; a
// trained family refuses that).
struct BandHasherSpec {
  HashFamily family = HashFamily::kHyperplane;
  std::size_t dim = 0;
  std::size_t num_bands = 0;
  std::size_t rows_per_band = 0;  // the family's per-band parameter (bits, hashes)
  std::uint64_t seed = 0;
  ProjectionGenerator generator = ProjectionGenerator::kNumpy;
  std::vector<float> model;
};

using BandHasherFactory = std::function<std::shared_ptr<const BandHasher>(BandHasherSpec)>;

// What the registry knows of a family before any hasher of it exists: how to
// build one, and what configurations and stored models are valid for it, so
// options, meta and model directories are checked before anything is built.
// The defaults are the hyperplanes': rows_per_band rows of dim values a band.
struct HashFamilyTraits {
  BandHasherFactory make;
  // Model rows per band (k-means: 2^bits centroids).
  std::function<std::size_t(std::size_t rows_per_band)> model_rows_per_band =
      [](std::size_t rows_per_band) { return rows_per_band; };
  // Values per model row (cross-polytope: three rounds of signs of the padded dim).
  std::function<std::size_t(std::size_t dim)> model_width = [](std::size_t dim) { return dim; };
  // Refuses, with InvalidArgument, a shape this family cannot hash with,
  // beyond validate_shape() (hasher.hpp), which every family must pass.
  std::function<void(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band)>
      check_shape = [](std::size_t, std::size_t, std::size_t) {};
};

// Registers a family under `name` (as meta and models will record it) and
// returns its id. InvalidArgument when the name is empty or taken, or
// traits.make is empty.
LSHRS_API HashFamily register_hash_family(std::string name, HashFamilyTraits traits);

// The traits `family` was registered with; InvalidArgument for an
// unregistered id. Registered traits never change or move.
LSHRS_API const HashFamilyTraits& hash_family_traits(HashFamily family);

// The hasher of spec.family, built by its registered factory;
// InvalidArgument for an unregistered id.
LSHRS_API std::shared_ptr<const BandHasher> make_band_hasher(BandHasherSpec spec);

}  // namespace lshrs
