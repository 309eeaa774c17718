// The row checks shared by Index's entry points and the fetchers that score
// rows in place (see vector_checks.hpp).
#include "util/vector_checks.hpp"

#include <cmath>
#include <string>

#include "lshrs/error.hpp"

namespace lshrs::util {
namespace {

std::string str(std::size_t v) { return std::to_string(v); }

void validate_row(std::span<const float> row, const std::string& what) {
  bool nonzero = false;
  for (std::size_t j = 0; j < row.size(); ++j) {
    if (!std::isfinite(row[j])) {
      throw InvalidArgument(what + " has a non-finite value (" + std::to_string(row[j]) +
                            ") at component " + str(j) + "; clean the embedding first");
    }
    nonzero = nonzero || std::fabs(row[j]) > kZeroTolerance;
  }
  if (!nonzero) {
    throw InvalidArgument(what + " is a zero vector: its cosine similarity is undefined; "
                          "drop it or fix the embedding");
  }
}

}  // namespace

void validate_batch(std::span<const std::int64_t> ids, std::span<const float> vectors,
                    std::size_t dim) {
  // Divided, not multiplied: ids.size() · dim could wrap around.
  if (vectors.size() % dim != 0 || vectors.size() / dim != ids.size()) {
    throw InvalidArgument("vectors hold " + str(vectors.size()) + " floats, not " +
                          str(ids.size()) + " ids × dim " + str(dim) + " (row-major n × dim)");
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0) {
      throw InvalidArgument("id " + std::to_string(ids[i]) + " (row " + str(i) +
                            ") is negative; ids must be >= 0");
    }
    validate_row(vectors.subspan(i * dim, dim),
                 "vector for id " + std::to_string(ids[i]) + " (row " + str(i) + ")");
  }
}

void validate_fetched(std::span<const std::int64_t> ids, std::span<const float> vectors,
                      std::size_t dim) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    try {
      validate_row(vectors.subspan(i * dim, dim), "the vector");
    } catch (const InvalidArgument& e) {
      // Ranking it with cosine 0 would hide broken data in the user's datastore.
      throw SourceError("candidate id " + std::to_string(ids[i]),
                        std::string(e.what()) +
                            " (as returned by the vector fetcher); fix the "
                            "stored vector or remove the id from the index");
    }
  }
}

void validate_queries(std::span<const float> vectors, std::size_t dim) {
  if (vectors.empty() || vectors.size() % dim != 0) {
    throw InvalidArgument("query holds " + str(vectors.size()) +
                          " floats; expected a positive multiple of dim " + str(dim));
  }
  for (std::size_t i = 0; i < vectors.size() / dim; ++i) {
    validate_row(vectors.subspan(i * dim, dim), "query vector " + str(i));
  }
}

}  // namespace lshrs::util
