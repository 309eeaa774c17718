// lshrs — an index's resolved configuration, and how an index is opened.
//
// IndexOptions (index.hpp) is what a user asks for: bands and rows may be
// left empty to be chosen, a size may be given to choose them. IndexConfig is
// what an open index *is*: every choice made, nothing optional. Index keeps
// one (Index::config()), and the model file and `<prefix>:meta` record its
// ModelConfig part, so the three read the same fields instead of each
// dereferencing optionals.
//
// OpenOptions are leveldb's create_if_missing / error_if_exists: what
// Index::open does when the store already holds, or does not hold, an index
// under the prefix.
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "lshrs/hasher.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/query_defaults.hpp"

namespace lshrs {

// The ModelConfig base is the [shared] part a model directory and the meta
// record (dim, num_perm, num_bands, rows_per_band, similarity_threshold,
// buffer_size, seed, family); slicing an IndexConfig gives it. The rest is
// per client.
struct IndexConfig : ModelConfig {
  // How the projections were drawn from `seed`; meaningless for an index
  // opened from given or stored projections (they are the truth then).
  ProjectionGenerator projection_generator = ProjectionGenerator::kNumpy;
  // Namespace of every key of the index in the store.
  std::string prefix = "lsh";
  // The size bands and rows were chosen for, when they were (tuning.hpp).
  std::optional<std::size_t> expected_size;
  // What a query that leaves probes / max_candidates empty uses.
  QueryDefaults query_defaults;
};

struct OpenOptions {
  // No index under the prefix: create the one the IndexOptions describe
  // (its meta is written by the first flush of a validated batch). False:
  // refuse with IndexNotFound naming the prefix.
  bool create_if_missing = true;
  // An index already under the prefix: refuse with IndexAlreadyExists naming
  // the prefix, even when it matches. False: open it (its config must match
  // the IndexOptions, ConfigurationError otherwise).
  bool error_if_exists = false;
};

}  // namespace lshrs
