// lshrs internal — refusing to create an index over another one's leftovers.
//
// A prefix without <prefix>:meta is new to Index::open, unless it holds keys
// of ours. The rule (docs/cli.md, "Where the index lives"):
//  - signature records (<prefix>:sigs:<r>, or <prefix>:sig:<id> of early
//    releases) are written only by lshrs, always after its meta: their
//    presence without a meta means the meta was deleted, and nothing tells
//    the layout any more. Refused.
//  - bucket keys alone are what the Python package writes (it keeps no meta
//    and no signatures): adopted when every sampled key fits the layout being
//    opened (band < bands, signature hex of 2 x band_bytes digits), refused
//    otherwise — a mix of two layouts would answer neither's queries.
// A store that cannot list its keys (BucketStore::sample_keys) passes.
//
// Thread safety: pure function over a thread-safe store.
#pragma once

#include <string>

#include "lshrs/store.hpp"

namespace lshrs::detail {

// Bucket keys sampled per creation (store.hpp, sample_keys): the first ones
// SCAN meets; a signature record is looked for until one is found.
inline constexpr std::size_t kLeftoverSample = 16;

// ConfigurationError naming the prefix, a leftover key and `lshrs clear
// --prefix P`, when `prefix` (which has no meta) holds keys that a new index
// of `layout` must not be written over.
void refuse_leftovers(BucketStore& store, const std::string& prefix, const StoreLayout& layout);

}  // namespace lshrs::detail
