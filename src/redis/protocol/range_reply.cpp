#include "redis/protocol/range_reply.hpp"

#include "lshrs/error.hpp"
#include "store/range_record.hpp"
#include "util/printable.hpp"

namespace lshrs::redis {
namespace {

std::vector<std::optional<std::string>> optional_strings(Reply& r) {
  std::vector<std::optional<std::string>> out;
  for (Reply& e : r.elements) {
    if (e.kind == Reply::Kind::kString) {
      out.emplace_back(std::move(e.text));
    } else {
      out.emplace_back();
    }
  }
  return out;
}

}  // namespace

RangeState parse_range_begin(Reply& reply, const std::string& key, std::size_t batch, std::size_t row_bytes) {
  const auto bad = [&] {
    return StorageError("Redis returned an unexpected reply to the signature range script on '" + key + "'");
  };
  // The script checked each record's length and first tail byte; the rest
  // of the tail is checked here, before any of it names a bucket.
  const auto check = [&](const std::string& whose, const std::optional<std::string>& record) {
    if (!record || decode_record(*record, row_bytes)) return;
    throw StorageError("signature range '" + key + "' holds a malformed record of " +
                       std::to_string(record->size()) + " bytes for " + whose +
                       " (not a " + std::to_string(row_bytes) +
                       "-byte signature with lshrs' extras); is another application or a newer "
                       "lshrs writing under this prefix? Delete the field (HDEL) or clear the index");
  };
  if (!reply.is_array() || reply.elements.empty() || reply.elements[0].kind != Reply::Kind::kInteger) throw bad();
  RangeState s;
  s.n = reply.elements[0].integer;
  if (s.n == 0) return s;
  if (reply.elements.size() != 6) throw bad();
  s.sole = reply.elements[1].integer == 1;
  s.committed = optional_strings(reply.elements[2]);
  for (Reply& e : reply.elements[3].elements) s.entries.push_back(std::move(e.text));
  for (Reply& e : reply.elements[4].elements) s.others.push_back(std::move(e.text));
  s.other_committed = optional_strings(reply.elements[5]);
  if (s.committed.size() != batch || s.entries.size() % 3 != 0 ||
      s.other_committed.size() != s.others.size()) {
    throw bad();
  }
  for (std::size_t j = 0; j + 2 < s.entries.size(); j += 3) {
    auto& d = s.dirty[s.entries[j]];
    for (std::size_t k = j + 1; k <= j + 2; ++k) {
      if (s.entries[k].empty()) continue;
      check("id " + util::printable(s.entries[j], 40), s.entries[k]);
      d.push_back(record_signature(s.entries[k], row_bytes));
    }
  }
  for (const auto& c : s.committed) check("an id of this write", c);
  for (std::size_t k = 0; k < s.others.size(); ++k) check("id " + util::printable(s.others[k], 40), s.other_committed[k]);
  return s;
}

}  // namespace lshrs::redis
