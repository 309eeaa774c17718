// lshrs — model directories and the store's self-description.
//
// A model directory is what the Python package's save_to_disk() writes and
// load_from_disk() reads, and both tools read each other's:
//   metadata.json    {"version", "config": {dim, num_perm, num_bands,
//                    rows_per_band, similarity_threshold, buffer_size, seed},
//                    "redis_config": {host, port, db, password, prefix,
//                    decode_responses, max_connections}}; the password is
//                    always written as "<REDACTED>" and never read back.
//                    A tuned model adds a top-level "query_defaults":
//                    {"probes", "max_candidates" (null: no cap)} that the
//                    Python package's loader ignores; written only when set,
//                    so other models stay exactly the Python package's format.
//   projections.npz  a deflate zip of arr_0.npy … arr_{b-1}.npy, band i's
//                    hyperplanes as float32 (rows_per_band, dim), C order.
// Loading checks everything (files, JSON types, shapes, counts, sizes before
// inflating) and throws ConfigurationError naming the file and the problem.
//
// The same model, serialised by encode_meta(), is what an index stores under
// `<prefix>:meta`, so a client can open an index from the store alone.
//
// Thread safety: free functions without shared state.
#pragma once

#include "lshrs/config.hpp"
#include "lshrs/export.hpp"
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/hash_family.hpp"
#include "lshrs/query_defaults.hpp"

namespace lshrs {

struct ModelConfig {
  std::size_t dim = 0;
  std::size_t num_perm = 0;
  std::size_t num_bands = 0;
  std::size_t rows_per_band = 0;
  double similarity_threshold = 0.5;
  std::size_t buffer_size = 10'000;
  std::uint64_t seed = 42;
  // An extra "family" key in "config", written only for the other families,
  // so a hyperplane model stays exactly the Python package's format. For
  // cross-polytope, num_perm counts hashes, rows_per_band hashes per band, and
  // the "projections" are the rotation signs, projection_width() per hash.
  // For k-means, rows_per_band is the bits per band, num_perm bands · bits,
  // and the "projections" are the 2^bits centroids of each band (kmeans.hpp).
  HashFamily family = HashFamily::kHyperplane;
};

// Values stored per row: dim for hyperplanes and k-means centroids, 3·d'
// signs for cross-polytopes (d' the next power of two >= dim).
LSHRS_API std::size_t projection_width(const ModelConfig& config);
// Rows stored per band (the shape of each band's array in projections.npz):
// rows_per_band, or 2^rows_per_band centroids for k-means. Call it on a
// validated config (k-means bits are at most kMaxKMeansBits).
LSHRS_API std::size_t projection_rows_per_band(const ModelConfig& config);
// Every value a model stores: num_bands · projection_rows_per_band · width.
LSHRS_API std::size_t projection_values(const ModelConfig& config);

// Connection settings recorded for the Python package; never a password.
struct ModelRedisConfig {
  std::string host = "localhost";
  int port = 6379;
  int db = 0;
  std::string prefix = "lsh";
  bool decode_responses = false;
  int max_connections = 50;
};

struct Model {
  // The release that wrote it: ours (above the original package's 0.1.1b2,
  // whose format this is). Read, never checked: both packages ignore it.
  std::string version = LSHRS_VERSION_STRING;
  ModelConfig config;
  ModelRedisConfig redis;
  // Row-major (num_bands·r) × projection_width(config), r =
  // projection_rows_per_band(config); band i is rows i·r … i·r+r-1.
  std::vector<float> projections;
  // How to query it (query_defaults.hpp); empty() unless tuned.
  QueryDefaults query_defaults;
};

// Creates `dir` if needed and writes both files (each via a temporary file
// renamed into place, so a crash never leaves a half-written model).
// Throws InvalidArgument if the model is inconsistent (bands·rows ≠ num_perm,
// projections not num_perm·dim finite values) and ConfigurationError if the
// directory or a file cannot be written.
LSHRS_API void save_model(const std::filesystem::path& dir, const Model& model);

// Reads a model directory written by save_model() or by the Python package.
// float64 arrays and uncompressed (np.savez) archives are accepted; Fortran
// order, other dtypes and non-finite values are not. A JSON null seed (Python
// seed=None) reads as 0: the projections, not the seed, define the model.
LSHRS_API Model load_model(const std::filesystem::path& dir);

// Compact, self-checking serialisation of version, config and projections for
// the store (redis settings are not included): one JSON line with the format
// tag "lshrs-meta/1", the config, the query defaults when set, the value count and an FNV-1a 64 checksum
// of the payload, then '\n' and the projections as little-endian float32.
// encode_meta() throws InvalidArgument for an inconsistent model;
// decode_meta() throws ConfigurationError for anything malformed.
LSHRS_API std::string encode_meta(const Model& model);
LSHRS_API Model decode_meta(std::string_view bytes);

}  // namespace lshrs
