// Fuzzes the decoder of the range protocol's begin reply (range_reply.hpp):
// the signatures committed for a batch and the records of writers at work,
// as a tampered or foreign server might send them. The bytes describe a
// reply tree (a small grammar: integer, string, nil, array; depth <= 4) and
// the batch size. Properties: a StorageError of one line, or a state whose
// parts agree (one committed entry per batch id, records in triples, one
// committed entry per other id, every dirty signature the signature part of
// a well-formed per-id record, store/range_record.hpp).
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "redis/protocol/range_reply.hpp"

namespace {

using lshrs::redis::Reply;

using Bytes = lshrs::fuzz::ByteReader;

Reply build(Bytes& in, int depth) {
  Reply r;
  switch (in.next() % 4) {
    case 0:
      r.kind = Reply::Kind::kInteger;
      r.integer = static_cast<std::int8_t>(in.next());
      break;
    case 1: {
      r.kind = Reply::Kind::kString;
      const std::size_t n = in.next() % 24;
      for (std::size_t i = 0; i < n; ++i) r.text.push_back(static_cast<char>(in.next()));
      break;
    }
    case 2:
      r.kind = Reply::Kind::kNil;
      break;
    default:
      r.kind = Reply::Kind::kArray;
      if (depth < 4) {
        const std::size_t n = in.next() % 8;
        for (std::size_t i = 0; i < n; ++i) r.elements.push_back(build(in, depth + 1));
      }
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in{data, size};
  const std::size_t batch = in.next() % 4;
  const std::size_t row_bytes = 1 + in.next() % 6;
  Reply reply = build(in, 0);
  try {
    const lshrs::redis::RangeState s = lshrs::redis::parse_range_begin(reply, "p:sigs:0", batch, row_bytes);
    if (s.n == 0) return 0;
    lshrs::fuzz::require(s.committed.size() == batch, "committed entries != batch ids");
    lshrs::fuzz::require(s.entries.size() % 3 == 0, "records not in triples");
    lshrs::fuzz::require(s.others.size() == s.other_committed.size(), "other ids != their committed");
    for (const auto& [id, sigs] : s.dirty) {
      for (const std::string_view sig : sigs) {
        const bool from_a_record = std::any_of(s.entries.begin(), s.entries.end(), [&](const std::string& e) {
          return e.data() == sig.data() && e.size() >= row_bytes;
        });
        lshrs::fuzz::require(from_a_record && sig.size() == row_bytes,
                             "a dirty signature not the signature part of a record");
      }
    }
  } catch (const lshrs::StorageError& e) {
    lshrs::fuzz::require_one_line(e.what());
  }
  return 0;
}
