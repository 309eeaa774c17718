// The leftovers rule of Index::open (see leftovers.hpp).
#include "index/leftovers.hpp"

#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"
#include "store/key_parse.hpp"

namespace lshrs::detail {
namespace {

using redis::KeyKind;

// The hex digits of a bucket key: what follows its last ':'.
std::size_t hex_digits(const std::string& key) { return key.size() - key.rfind(':') - 1; }

[[noreturn]] void refuse(BucketStore& store, const std::string& prefix, const std::string& key,
                         const std::string& why) {
  const std::string p = quote_user_text(prefix);
  throw ConfigurationError("prefix \"" + p + "\" in " + store.describe() + " has no meta (" + p +
                           ":meta) but holds keys of an index (e.g. '" + quote_user_text(key) +
                           "'): " + why +
                           "; no index is created over them. Delete them first (lshrs clear "
                           "--prefix " + p + ", or clear()), or use another prefix");
}

}  // namespace

void refuse_leftovers(BucketStore& store, const std::string& prefix, const StoreLayout& layout) {
  using Class = BucketStore::KeyClass;
  for (const std::string& key : store.sample_keys(prefix, Class::kSignatures, 1)) {
    refuse(store, prefix, key,
           "lshrs writes signature records only after its meta, so the meta was deleted and "
           "the layout is unknown");
  }
  for (const std::string& key : store.sample_keys(prefix, Class::kBuckets, kLeftoverSample)) {
    const KeyKind kind = redis::classify_key(prefix, key);
    if (kind.band >= layout.bands || hex_digits(key) != 2 * layout.band_bytes) {
      refuse(store, prefix, key,
             "band " + std::to_string(kind.band) + " of " + std::to_string(hex_digits(key) / 2) +
                 "-byte signatures does not fit " + std::to_string(layout.bands) + " bands of " +
                 std::to_string(layout.band_bytes) + " bytes");
    }
  }
}

}  // namespace lshrs::detail
