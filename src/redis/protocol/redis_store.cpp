// RedisStore: the round-trip helper, bucket reads and the meta key. Writes
// and removal, with the protocol that lets concurrent writers of one id
// converge, are in redis_store_write.cpp.
#include "lshrs/redis_store.hpp"

#include <algorithm>

#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"
#include "store/key_parse.hpp"
#include "redis/protocol/redis_store_impl.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/protocol/store_options.hpp"
#include "redis/transport/url.hpp"

namespace lshrs {
namespace {

using redis::Command;
using redis::Reply;

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::int64_t parse_member(const std::string& member, std::string_view key) {
  if (const auto id = redis::parse_member_id(member)) return *id;
  throw StorageError("Redis bucket '" + quote_user_text(key) + "' holds member '" +
                     quote_user_text(member, 40) + "', which is not an id as lshrs writes them (a decimal integer >= 0, digits "
                     "only); is another application writing under this prefix? Remove it "
                     "(SREM) or clear the index");
}

RedisStore::Impl::Impl(RedisOptions opts, std::unique_ptr<redis::Transport> t, redis::RetryPolicy r)
    : options(std::move(opts)), transport(std::move(t)), retry(r) {
  if (options.pipeline_chunk == 0) options.pipeline_chunk = 1;
  if (options.lease.count() < 1) {
    throw InvalidArgument("the lease of " + std::to_string(options.lease.count()) +
                          " s: a writer's lease must be at least 1 second");
  }
}

void RedisStore::Impl::fail(std::string_view what, const std::string& detail) const {
  throw StorageError("Redis " + std::string(what) + " failed on " + transport->describe() + ": " +
                     detail);
}

std::vector<Reply> RedisStore::Impl::run(std::span<const Command> commands, std::string_view what,
                                         bool allow_errors) {
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (std::size_t start = 0; start < commands.size(); start += options.pipeline_chunk) {
    const auto chunk = commands.subspan(start, std::min(options.pipeline_chunk, commands.size() - start));
    std::vector<Reply> got;
    try {
      // Connection loss only: the transport has retried transient replies.
      got = redis::with_retry(retry, [&] { return transport->execute(chunk); });
    } catch (const ConnectionError& e) {
      throw ConnectionError("Redis " + std::string(what) + " on " + transport->describe() +
                            " gave up after " + std::to_string(retry.attempts) +
                            " attempts: " + e.what() +
                            ". The call may be repeated as is once the server is reachable");
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (got[i].is_error() && !allow_errors) {
        const Command& cmd = chunk[i];
        // The transport tried retry_attempts times already: say so, so that
        // the caller knows a later repeat of the call may succeed.
        const bool transient = redis::is_transient_error(got[i].error_code());
        fail(what, "'" + got[i].text + "' in reply to " + cmd.argv[0] + " " +
                       std::string(cmd.key()) +
                       (transient ? " (still, after " + std::to_string(retry.attempts) +
                                        " attempts; the call may be repeated as is later)"
                                  : ""));
      }
      replies.push_back(std::move(got[i]));
    }
  }
  return replies;
}

RedisStore::RedisStore(RedisOptions options) {
  const redis::TransportOptions t = redis::transport_options(options);
  impl_ = std::make_unique<Impl>(std::move(options), redis::make_transport(t), t.retry);
}

RedisStore::RedisStore(RedisOptions options, std::unique_ptr<redis::Transport> transport) {
  const redis::RetryPolicy retry = redis::retry_policy(options);
  impl_ = std::make_unique<Impl>(std::move(options), std::move(transport), retry);
}

RedisStore::~RedisStore() = default;

const RedisOptions& RedisStore::options() const noexcept { return impl_->options; }

std::string RedisStore::describe() const { return impl_->transport->describe(); }

std::optional<StoreAddress> RedisStore::address() const {
  const redis::Endpoint ep = redis::resolve_endpoint(impl_->options);
  if (!ep.address.unix_path.empty()) return StoreAddress{ep.address.unix_path, 0, ep.settings.db};
  return StoreAddress{ep.address.host, ep.address.port, ep.settings.db};
}

std::vector<std::vector<std::int64_t>> RedisStore::do_members(std::string_view prefix,
                                                              std::span<const BucketRef> buckets) {
  std::vector<Command> reads;
  reads.reserve(buckets.size());
  for (const BucketRef& ref : buckets) {
    reads.emplace_back(
        std::vector<std::string>{"SMEMBERS", bucket_key(prefix, ref.band, as_bytes(ref.signature))});
    // The ids arrive parsed, in Reply::integers: no string per member.
    reads.back().shape = redis::ReplyShape::kIntegerArray;
    reads.back().replica_ok = true;  // a query's read: a replica may answer (read_from_replicas)
  }
  auto replies = impl_->run(reads, "members");
  std::vector<std::vector<std::int64_t>> out(buckets.size());
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].elements.empty()) {
      out[i] = std::move(replies[i].integers);
      continue;
    }
    // A member that is not a decimal id made the reply generic: name it.
    out[i].reserve(replies[i].elements.size());
    for (const Reply& m : replies[i].elements) {
      out[i].push_back(parse_member(m.text, reads[i].key()));
    }
  }
  return out;
}

std::optional<std::string> RedisStore::do_load_meta(std::string_view prefix) {
  const Command get(std::vector<std::string>{"GET", meta_key(prefix)});
  auto replies = impl_->run(std::span(&get, 1), "load_meta");
  std::optional<std::string> meta;
  if (!replies.front().is_nil()) meta = std::move(replies.front().text);
  return meta;
}

bool RedisStore::do_store_meta_if_absent(std::string_view prefix, std::string_view meta) {
  const Command set(std::vector<std::string>{"SET", meta_key(prefix), std::string(meta), "NX"});
  const auto replies = impl_->run(std::span(&set, 1), "store_meta_if_absent");
  return !replies.front().is_nil();
}

}  // namespace lshrs
