#include "redis/range_reply.hpp"

#include "lshrs/error.hpp"

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

RangeState parse_range_begin(Reply& reply, const std::string& key, std::size_t batch) {
  const auto bad = [&] {
    return StorageError("Redis returned an unexpected reply to the signature range script on '" + key + "'");
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
      if (!s.entries[k].empty()) d.push_back(s.entries[k]);
    }
  }
  return s;
}

}  // namespace lshrs::redis
