// lshrs internal — which signature layout an index's meta declares.
//
// Metas written since signatures moved into range hashes carry
// "signatures": "ranges/128" in their header line; an index whose meta lacks
// it was written by an earlier release and keeps one <prefix>:sig:<id> key
// per id, so RedisStore keeps the per-id protocol for it. Readers that do
// not know the field (earlier releases) ignore it.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

namespace lshrs {

inline constexpr const char* kMetaSignatureRanges = "ranges/128";

// True iff `meta`'s header line is JSON declaring kMetaSignatureRanges;
// false for anything else, a damaged meta included.
bool meta_declares_signature_ranges(std::string_view meta);

}  // namespace lshrs
