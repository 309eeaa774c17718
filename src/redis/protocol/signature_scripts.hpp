// lshrs internal — the two Lua scripts that keep each id's signature key the
// record of every bucket that may hold the id, under any number of concurrent
// writers and removers (the argument is in redis_store_write.cpp).
//
// A signature key <prefix>:sig:<id> is in one of two forms:
//  - clean: a string, the id's signature (its bands concatenated). Its
//    buckets, and only those, hold the id. What every idle id looks like, and
//    what earlier releases wrote.
//  - busy: a hash, while writers or removers are at work or a repair is due:
//      c            the committed signature (absent: the id is deleted)
//      n            a counter, bumped by every begin, end and expired lease;
//                   a new hash starts it at the server's time in µs, so it
//                   never repeats a value across clean/busy cycles of the
//                   key (an end compares it with the value its begin saw)
//      d<sig>       a signature whose buckets may hold the id ("dirty")
//      p<token>     an actor at work, valued with its lease deadline (s)
//
// kBeginScript KEYS[1]=signature key, ARGV = token, target signature ("" for
// none), lease seconds. Registers the actor and its target as dirty; returns
// {n, committed or nil, dirty signatures...}.
//
// kEndScript KEYS[1], ARGV = token, target ("" for none), the n begin
// returned, commit ("1": make target the committed signature, "" deleting;
// "0": a repair, leave it). Returns 0 when the key is clean again (this
// actor's bucket writes were the last and complete), 1 when another actor is
// still at work (it ends later and takes over), 2 when a repair is due.
//
// Thread safety: constants.
#pragma once

namespace lshrs::redis {

// Shared prelude: the key's current form as a hash, expired leases dropped.
#define LSHRS_SIG_PRELUDE                                                              \
  "local k = KEYS[1]\n"                                                                \
  "local tm = redis.call('TIME')\n"                                                    \
  "local now = tonumber(tm[1])\n"                                                      \
  "local base = tm[1] .. string.format('%06d', tonumber(tm[2]))\n"                      \
  "local t = redis.call('TYPE', k).ok\n"                                               \
  "if t == 'string' then\n"                                                            \
  "  local c = redis.call('GET', k)\n"                                                 \
  "  redis.call('DEL', k)\n"                                                           \
  "  redis.call('HSET', k, 'c', c, 'd' .. c, '1', 'n', base)\n"                        \
  "elseif t == 'none' then\n"                                                          \
  "  redis.call('HSET', k, 'n', base)\n"                                               \
  "elseif t ~= 'hash' then\n"                                                          \
  "  return redis.error_reply('WRONGTYPE lshrs signature key ' .. k .. ' holds a ' .. " \
  "t .. ', not a signature; is another application writing under this prefix?')\n"     \
  "end\n"                                                                              \
  "local function expire_leases()\n"                                                   \
  "  local f = redis.call('HGETALL', k)\n"                                             \
  "  local busy = false\n"                                                             \
  "  for i = 1, #f, 2 do\n"                                                            \
  "    if string.byte(f[i], 1) == 112 then\n"                                          \
  "      if tonumber(f[i + 1]) < now then\n"                                           \
  "        redis.call('HDEL', k, f[i])\n"                                              \
  "        redis.call('HINCRBY', k, 'n', 1)\n"                                         \
  "      else busy = true end\n"                                                       \
  "    end\n"                                                                          \
  "  end\n"                                                                            \
  "  return busy\n"                                                                    \
  "end\n"

inline constexpr const char* kBeginScript = LSHRS_SIG_PRELUDE
    "expire_leases()\n"
    "if ARGV[2] ~= '' then redis.call('HSET', k, 'd' .. ARGV[2], '1') end\n"
    "redis.call('HSET', k, 'p' .. ARGV[1], now + tonumber(ARGV[3]))\n"
    "local n = redis.call('HINCRBY', k, 'n', 1)\n"
    "local out = {n, false}\n"
    "local f = redis.call('HGETALL', k)\n"
    "for i = 1, #f, 2 do\n"
    "  local b = string.byte(f[i], 1)\n"
    "  if f[i] == 'c' then out[2] = f[i + 1]\n"
    "  elseif b == 100 then out[#out + 1] = string.sub(f[i], 2) end\n"
    "end\n"
    "return out\n";

inline constexpr const char* kEndScript = LSHRS_SIG_PRELUDE
    "local mine = redis.call('HDEL', k, 'p' .. ARGV[1])\n"
    "if ARGV[2] ~= '' then redis.call('HSET', k, 'd' .. ARGV[2], '1') end\n"
    "if ARGV[4] == '1' then\n"
    "  if ARGV[2] == '' then redis.call('HDEL', k, 'c') else redis.call('HSET', k, 'c', ARGV[2]) end\n"
    "end\n"
    "redis.call('HINCRBY', k, 'n', 1)\n"
    "if expire_leases() then return 1 end\n"
    "if mine == 1 and tonumber(redis.call('HGET', k, 'n')) == tonumber(ARGV[3]) + 1 then\n"
    // SET replaces the hash in one command: a DEL first would leave the
    // key missing, and in a slot being migrated the SET would then be
    // refused mid-script ("non local key") with the dirty set already gone.
    "  local c = redis.call('HGET', k, 'c')\n"
    "  if c then redis.call('SET', k, c) else redis.call('DEL', k) end\n"
    "  return 0\n"
    "end\n"
    "return 2\n";

#undef LSHRS_SIG_PRELUDE

}  // namespace lshrs::redis
