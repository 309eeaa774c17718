// lshrs internal — the value of one id's field in its signature range
// (<prefix>:sigs:<id / 128>): the per-id record that signatures, attributes
// (filters) and expiry (TTL) share, so that all three are written by one
// commit of the range protocol and removed with the id by one HDEL.
//
//   record := signature [ 'e' expiry ] [ 'a' length attributes ]
//     signature   the id's band signatures concatenated, StoreLayout::row_bytes()
//     expiry      8 bytes, big-endian: Unix time in milliseconds, > 0
//     length      4 bytes, big-endian: the attributes' size, which ends the value
//     attributes  opaque to the store
// The explicit length makes the tail check itself: a value another writer
// left that happens to have a tag byte after row_bytes() is refused unless
// its every byte is accounted for.
//
// Why one field per id rather than a field per kind: a range then keeps 128
// fields, Redis' default hash-max-listpack-entries, so small records stay in
// the listpack encoding (a few bytes of overhead per id instead of ~60 in a
// hash table), HLEN still counts ids, and a removal cannot leave a part
// behind. A record without extras is the signature alone, byte for byte what
// releases before records wrote, so their indexes read unchanged.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "lshrs/store.hpp"

namespace lshrs {

inline constexpr char kRecordExpiryTag = 'e';
inline constexpr char kRecordAttributesTag = 'a';

// `signature` followed by the sections `extras` holds.
std::string encode_record(std::string_view signature, const RecordExtras& extras);

struct RecordView {
  std::string_view signature;
  RecordExtras extras;
};

// Splits `value` for a layout of `signature_bytes` per id; nullopt when it
// is shorter, or its tail is not the sections above in that order (another
// application's data, or a newer release's: the caller names key and id).
std::optional<RecordView> decode_record(std::string_view value, std::size_t signature_bytes);

// The signature part of a record already known to be well formed (or of a
// bare signature): its first `signature_bytes` bytes.
inline std::string_view record_signature(std::string_view value, std::size_t signature_bytes) {
  return value.substr(0, signature_bytes);
}

}  // namespace lshrs
