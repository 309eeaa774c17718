#include "index/index_options.hpp"

#include <string>

#include "lshrs/error.hpp"
#include "lshrs/band_hasher.hpp"
#include "lshrs/option_rules.hpp"
#include "lshrs/safe_text.hpp"
#include "lshrs/tuning.hpp"

namespace lshrs::detail {
namespace {

std::string str(std::size_t v) { return std::to_string(v); }

}  // namespace

void check_probes(std::optional<std::size_t> probes, std::optional<std::size_t> max_candidates,
                  const std::string& what) {
  if (probes && *probes > kMaxProbes) {
    throw InvalidArgument(what + "probes (" + str(*probes) + ") exceeds the supported " +
                          str(kMaxProbes) +
                          " extra buckets per query; 0 reads only each band's own bucket");
  }
  if (max_candidates && *max_candidates == 0) {
    throw InvalidArgument(what + "max_candidates must be greater than zero (got 0)");
  }
}

std::string kmeans_needs_centroids(const std::string& prefix) {
  return "prefix \"" + quote_user_text(prefix) +
         "\": a k-means index needs its trained centroids, which no seed gives: pass its model "
         "directory (`lshrs train --family k-means ... --save-model DIR`, then --model DIR), or "
         "the centroids that k-means training returned";
}

IndexConfig resolve_config(const IndexOptions& o) {
  if (o.dim == 0) throw InvalidArgument("dim must be positive (got 0)");
  if (o.num_perm == 0) throw InvalidArgument("num_perm must be positive (got 0)");
  // Before choose_bands(), whose search grows with num_perm.
  if (o.num_perm > kMaxHyperplanes) {
    throw InvalidArgument("num_perm " + str(o.num_perm) + " exceeds the supported " +
                          str(kMaxHyperplanes) + " hyperplanes");
  }
  if (o.buffer_size == 0) throw InvalidArgument("buffer_size must be positive (got 0)");
  validate_prefix(o.prefix);
  check_probes(o.query_defaults.probes, o.query_defaults.max_candidates, "query_defaults: ");
  if (o.family == HashFamily::kKMeans && o.projections.empty()) {
    throw ConfigurationError(kmeans_needs_centroids(o.prefix));
  }
  if (o.family == HashFamily::kKMeans && !o.num_bands) {
    throw InvalidArgument("a k-means index needs num_bands and rows_per_band (bits per band) as "
                          "its centroids were trained: take them from its model directory");
  }
  if (o.num_bands.has_value() != o.rows_per_band.has_value()) {
    throw InvalidArgument("give both num_bands and rows_per_band, or neither to choose them "
                          "from similarity_threshold");
  }
  if (o.expected_size && *o.expected_size == 0) {
    throw InvalidArgument("expected_size must be positive (got 0): leave it unset when unknown");
  }
  IndexConfig c;
  c.family = o.family;
  c.dim = o.dim;
  c.num_perm = o.num_perm;
  c.similarity_threshold = o.similarity_threshold;
  c.buffer_size = o.buffer_size;
  c.seed = o.seed;
  c.projection_generator = o.projection_generator;
  c.prefix = o.prefix;
  c.query_defaults = o.query_defaults;
  if (o.num_bands) {
    c.num_bands = *o.num_bands;
    c.rows_per_band = *o.rows_per_band;
  } else if (o.expected_size || o.family == HashFamily::kCrossPolytope) {
    const SizeBasedBands chosen = size_based_bands(o.family, o.dim, o.expected_size, o.num_perm);
    c.num_bands = chosen.bands;
    c.rows_per_band = chosen.rows;
    c.num_perm = chosen.bands * chosen.rows;
    c.expected_size = o.expected_size;
  } else {
    if (const auto problem = similarity_threshold_problem(o.similarity_threshold)) {
      throw InvalidArgument("similarity_threshold " + *problem);
    }
    const BandConfig chosen = choose_bands(o.num_perm, o.similarity_threshold);
    c.num_bands = chosen.bands;
    c.rows_per_band = chosen.rows;
  }
  validate_shape(c.dim, c.num_bands, c.rows_per_band);
  hash_family_traits(c.family).check_shape(c.dim, c.num_bands, c.rows_per_band);
  // validate_shape() bounded the product, so it cannot have wrapped around.
  if (c.num_bands * c.rows_per_band != c.num_perm) {
    throw InvalidArgument("num_bands · rows_per_band must equal num_perm (got " +
                          str(c.num_bands) + " · " + str(c.rows_per_band) +
                          " != " + str(c.num_perm) + ")");
  }
  return c;
}

void validate_query_options(const QueryOptions& o, bool has_fetcher) {
  if (o.top_k && *o.top_k == 0) throw InvalidArgument("top_k must be greater than zero");
  if (const auto problem = o.top_p ? top_p_problem(*o.top_p) : std::nullopt) {
    throw InvalidArgument("top_p " + *problem);
  }
  if (const auto problem = o.min_similarity ? min_similarity_problem(*o.min_similarity)
                                            : std::nullopt) {
    throw InvalidArgument("min_similarity " + *problem);
  }
  check_probes(o.probes, o.max_candidates, "");
  if (o.filter_effort && *o.filter_effort == 0) {
    throw InvalidArgument("filter_effort must be greater than zero (candidates a filtered query examines)");
  }
  if (o.reranks() && !has_fetcher) {
    throw InvalidArgument("reranking (rerank, top_p or min_similarity) needs a VectorFetcher: "
                          "pass one to the Index");
  }
}

}  // namespace lshrs::detail

namespace lshrs {

IndexOptions options_from_model(Model model, std::string prefix) {
  IndexOptions o = options_from_model(model.config, std::move(prefix));
  o.query_defaults = model.query_defaults;
  o.projections = std::move(model.projections);
  return o;
}

IndexOptions options_from_model(const ModelConfig& c, std::string prefix) {
  IndexOptions o;
  o.dim = c.dim;
  o.num_perm = c.num_perm;
  o.num_bands = c.num_bands;
  o.rows_per_band = c.rows_per_band;
  o.similarity_threshold = c.similarity_threshold;
  o.buffer_size = c.buffer_size;
  o.seed = c.seed;
  o.family = c.family;
  o.prefix = std::move(prefix);
  return o;
}

}  // namespace lshrs
