// Test support: an in-memory stand-in for a single redis-server behind the
// redis::Transport seam (src/redis/transport/transport.hpp), so that RedisStore's own
// logic (key layout, batching, reply handling, SCAN loops) runs in the `unit`
// label with no server. It implements only the commands RedisStore sends on
// main: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD GET SET [NX] EXISTS DEL
// UNLINK MEMORY USAGE SCAN MATCH COUNT. Anything else gets an "ERR unknown
// command" reply, so a store that starts sending a new command fails loudly
// here instead of passing against a fake that guessed.
//
// It is NOT a substitute for the integration suites: no wire, no pipelining,
// no cluster routing, no connection failures.
//
// Thread safety: execute(), for_each_master() and describe() may be called
// concurrently (one mutex guards the keyspace), as the Transport contract asks.
#pragma once

#include <fnmatch.h>

#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "redis/transport/transport.hpp"

namespace lshrs::testing {

class FakeRedisTransport final : public redis::Transport {
 public:
  std::vector<redis::Reply> execute(std::span<const redis::Command> commands) override {
    std::lock_guard lock(mu_);
    std::vector<redis::Reply> out;
    out.reserve(commands.size());
    for (const auto& cmd : commands) out.push_back(run(cmd));
    return out;
  }

  void for_each_master(
      const std::function<void(const std::string&, const redis::NodeExecutor&)>& fn) override {
    fn("fake", [this](std::span<const redis::Command> cmds) { return execute(cmds); });
  }

  std::string describe() const override { return "fake-redis (in memory)"; }

  // How many keys the fake holds, for tests that check nothing leaked.
  std::size_t key_count() const {
    std::lock_guard lock(mu_);
    return keys_.size();
  }

 private:
  struct Value {
    bool is_set = false;
    std::string text;
    std::set<std::string> members;
  };
  using Reply = redis::Reply;

  static Reply integer(long long v) {
    Reply r;
    r.kind = Reply::Kind::kInteger;
    r.integer = v;
    return r;
  }
  static Reply text(Reply::Kind kind, std::string s) {
    Reply r;
    r.kind = kind;
    r.text = std::move(s);
    return r;
  }
  static Reply error(std::string s) { return text(Reply::Kind::kError, std::move(s)); }
  static Reply wrong_type() {
    return error("WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  static Reply array(std::vector<Reply> elements) {
    Reply r;
    r.kind = Reply::Kind::kArray;
    r.elements = std::move(elements);
    return r;
  }

  // The set at `key`, created if absent; nullptr if the key holds a string.
  Value* set_at(const std::string& key, bool create) {
    auto it = keys_.find(key);
    if (it == keys_.end()) {
      if (!create) return nullptr;
      it = keys_.emplace(key, Value{true, {}, {}}).first;
    }
    return &it->second;
  }

  // SMEMBERS in the shape asked: parsed ids only when every member is one,
  // as the real reply builder does (transport.hpp, ReplyShape).
  static Reply members_reply(const std::set<std::string>& members, redis::ReplyShape shape) {
    Reply r = array({});
    if (shape == redis::ReplyShape::kIntegerArray) {
      std::vector<std::int64_t> ids;
      bool all = true;
      for (const auto& m : members) {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), v);
        if (ec != std::errc() || end != m.data() + m.size() || m.empty()) {
          all = false;
          break;
        }
        ids.push_back(v);
      }
      if (all) {
        r.integers = std::move(ids);
        return r;
      }
    }
    for (const auto& m : members) r.elements.push_back(text(Reply::Kind::kString, m));
    return r;
  }

  // SCAN in key order (the map is sorted). The cursor is "k" + the last key
  // visited, so the next step resumes after it and deleting keys between
  // steps (as clear() does) cannot make it skip keys that still exist.
  Reply scan(const std::vector<std::string>& a) {
    std::string pattern = "*";
    std::size_t count = 10;
    for (std::size_t i = 2; i + 1 < a.size(); i += 2) {
      if (a[i] == "MATCH") pattern = a[i + 1];
      if (a[i] == "COUNT") count = std::stoul(a[i + 1]);
    }
    auto it = a[1] == "0" ? keys_.begin() : keys_.upper_bound(a[1].substr(1));
    std::vector<Reply> found;
    std::string last;
    for (std::size_t visited = 0; it != keys_.end() && visited < count; ++it, ++visited) {
      last = it->first;
      if (fnmatch(pattern.c_str(), it->first.c_str(), 0) == 0) {
        found.push_back(text(Reply::Kind::kString, it->first));
      }
    }
    const std::string next = it == keys_.end() ? "0" : "k" + last;
    return array({text(Reply::Kind::kString, next), array(std::move(found))});
  }

  Reply run(const redis::Command& cmd) {
    const auto& a = cmd.argv;
    const std::string& verb = a.at(0);
    if (verb == "SADD" || verb == "SREM") {
      const bool add = verb == "SADD";
      Value* v = set_at(a.at(1), add);
      if (v == nullptr) return integer(0);
      if (!v->is_set) return wrong_type();
      long long changed = 0;
      for (std::size_t i = 2; i < a.size(); ++i) {
        changed += add ? v->members.insert(a[i]).second : v->members.erase(a[i]);
      }
      if (v->members.empty()) keys_.erase(a[1]);
      return integer(changed);
    }
    if (verb == "SMEMBERS" || verb == "SCARD" || verb == "SISMEMBER" || verb == "SMISMEMBER") {
      static const std::set<std::string> kEmpty;
      const Value* v = set_at(a.at(1), false);
      if (v != nullptr && !v->is_set) return wrong_type();
      const auto& members = v != nullptr ? v->members : kEmpty;
      if (verb == "SMEMBERS") return members_reply(members, cmd.shape);
      if (verb == "SCARD") return integer(static_cast<long long>(members.size()));
      if (verb == "SISMEMBER") return integer(members.count(a.at(2)) ? 1 : 0);
      std::vector<Reply> flags;
      for (std::size_t i = 2; i < a.size(); ++i) flags.push_back(integer(members.count(a[i]) ? 1 : 0));
      return array(std::move(flags));
    }
    if (verb == "GET") {
      const auto it = keys_.find(a.at(1));
      if (it == keys_.end()) return Reply{};
      if (it->second.is_set) return wrong_type();
      return text(Reply::Kind::kString, it->second.text);
    }
    if (verb == "SET") {
      const bool nx = a.size() > 3 && a[3] == "NX";
      if (nx && keys_.count(a.at(1))) return Reply{};
      keys_[a.at(1)] = Value{false, a.at(2), {}};
      return text(Reply::Kind::kStatus, "OK");
    }
    if (verb == "EXISTS" || verb == "DEL" || verb == "UNLINK") {
      long long n = 0;
      for (std::size_t i = 1; i < a.size(); ++i) {
        n += static_cast<long long>(verb == "EXISTS" ? keys_.count(a[i]) : keys_.erase(a[i]));
      }
      return integer(n);
    }
    if (verb == "MEMORY" && a.size() == 3 && a[1] == "USAGE") {
      const auto it = keys_.find(a[2]);
      if (it == keys_.end()) return Reply{};
      // A rough size: the point is a positive figure per existing key.
      std::size_t bytes = 48 + it->first.size() + it->second.text.size();
      for (const auto& m : it->second.members) bytes += 16 + m.size();
      return integer(static_cast<long long>(bytes));
    }
    if (verb == "SCAN") return scan(a);
    return error("ERR unknown command '" + verb + "' (not in FakeRedisTransport)");
  }

  mutable std::mutex mu_;
  std::map<std::string, Value> keys_;
};

}  // namespace lshrs::testing
