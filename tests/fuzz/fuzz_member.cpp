// Fuzzes the bucket member rule (store/key_parse.hpp, parse_member_id): what
// a query accepts from a Redis set that another process may have written.
// Properties: an accepted member is an id >= 0 whose canonical decimal text
// is exactly the member (so "-5", "+7", "007" and " 1" are never ids), and
// the reply parser's fast path agrees with it (it calls the same function).
#include <string>

#include "fuzz_support.hpp"
#include "store/key_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view member = lshrs::fuzz::as_view(data, size);
  const auto id = lshrs::redis::parse_member_id(member);
  if (!id) return 0;
  lshrs::fuzz::require(*id >= 0, "a negative member accepted");
  lshrs::fuzz::require(std::to_string(*id) == member, "a non-canonical member accepted");
  return 0;
}
