// RedisStore: what the server does that can lose an index's keys without an
// error reply. A Redis whose maxmemory-policy evicts any key (allkeys-*)
// drops buckets and signature ranges under memory pressure, and nothing
// tells the client; INFO says which policy runs and how many keys went.
#include <charconv>
#include <string>

#include "lshrs/error.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/protocol/redis_store_impl.hpp"

namespace lshrs {
namespace {

using redis::Command;
using redis::Reply;

// The value of `field` in an INFO reply ("field:value\r\n" lines), or empty.
std::string_view info_field(std::string_view info, std::string_view field) {
  for (std::size_t pos = 0; pos < info.size();) {
    std::size_t end = info.find('\n', pos);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > field.size() && line.substr(0, field.size()) == field && line[field.size()] == ':') {
      return line.substr(field.size() + 1);
    }
    pos = end + 1;
  }
  return {};
}

}  // namespace

std::vector<std::string> RedisStore::do_server_warnings() {
  std::vector<std::string> warnings;
  const std::vector<Command> info = {Command({"INFO", "memory"}, 0), Command({"INFO", "stats"}, 0)};
  impl_->transport->for_each_master([&](const std::string& node, const redis::NodeExecutor& run) {
    std::vector<Reply> replies;
    try {
      replies = run(info);
    } catch (const Error&) {
      return;  // a warning is best effort: the caller's own request reports a lost link
    }
    if (replies.size() != 2 || replies[0].is_error() || replies[1].is_error()) return;  // INFO renamed or refused
    const std::string_view policy = info_field(replies[0].text, "maxmemory_policy");
    const std::string_view evicted_text = info_field(replies[1].text, "evicted_keys");
    std::uint64_t evicted = 0;
    std::from_chars(evicted_text.data(), evicted_text.data() + evicted_text.size(), evicted);
    // volatile-* policies evict only keys with a TTL, and an index's keys have none.
    if (policy.starts_with("allkeys-")) {
      warnings.push_back("redis at " + node + " evicts keys when it is full (maxmemory-policy " +
                         std::string(policy) +
                         "): it can drop buckets of this index without an error; set "
                         "maxmemory-policy noeviction for index data");
    }
    if (evicted > 0) {
      warnings.push_back("redis at " + node + " has evicted " + std::to_string(evicted) +
                         " keys since it started (maxmemory-policy now " +
                         std::string(policy.empty() ? "unknown" : policy) +
                         "): keys of this index may be among them; compare `lshrs stats` with what "
                         "you indexed");
    }
  });
  return warnings;
}

}  // namespace lshrs
