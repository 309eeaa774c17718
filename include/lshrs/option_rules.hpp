// lshrs — the range rules of the options that take a real number, written
// once.
//
// Index's validation (IndexOptions::similarity_threshold, QueryOptions::top_p
// and min_similarity) and front ends that check a value as it is typed (the
// CLI's flag validators) apply the same rule from here, each naming the value
// its own way ("top_p must be …" from the library, "--top-p: must be …" from
// the CLI). Each function returns what is wrong with `value`, e.g.
// "must be in (0, 1] (got 2)", or nothing when it is in range.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "lshrs/export.hpp"

namespace lshrs {

// In (0, 1): the cosine around which pairs start to become candidates.
LSHRS_API std::optional<std::string> similarity_threshold_problem(double value);
// In (0, 1]: the fraction of candidates a top_p query keeps.
LSHRS_API std::optional<std::string> top_p_problem(double value);
// In [-1, 1]: a cosine.
LSHRS_API std::optional<std::string> min_similarity_problem(double value);

}  // namespace lshrs
