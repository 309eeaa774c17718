// lshrs internal — recognising the keys of one prefix among SCAN results.
//
// `SCAN MATCH <prefix>:*` also returns keys of longer prefixes (prefix "a"
// matches "a:b:0:bucket:ff"). The layout makes ownership decidable from the
// key's tail alone: a key belongs to prefix P iff it is P + ":" + one of
//   meta | sig:<decimal id> | sigs:<decimal range> | <decimal band>:bucket:<lowercase hex>
// and no key can be read both ways, because the last two components tell the
// kind ("meta"; "sig" or "sigs" + digits; "bucket" + hex) and the kind fixes
// how many components follow P.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lshrs::redis {

struct KeyKind {
  enum class Kind { kForeign, kMeta, kSignature, kSignatureRange, kBucket };
  Kind kind = Kind::kForeign;
  std::uint32_t band = 0;   // kBucket
  std::int64_t range = 0;   // kSignatureRange
};

// What `key` is to `prefix` (kForeign: not one of its keys).
KeyKind classify_key(std::string_view prefix, std::string_view key);

// A bucket member as lshrs and the Python package write it: an id >= 0 in
// canonical decimal (digits only: no sign, no leading zero but "0" itself,
// within int64); nullopt for anything else ("-5", "+7", "007", "1.5", "abc",
// ""), which another application must have written. The one rule for every
// read of members (RedisStore's query reads and its reply parser).
std::optional<std::int64_t> parse_member_id(std::string_view text);

// `text` with the glob characters of SCAN MATCH (* ? [ ] \) backslash-escaped.
std::string glob_escape(std::string_view text);

}  // namespace lshrs::redis
