// lshrs internal — the two Lua scripts of the range protocol: one hash per
// range of kRangeIds consecutive ids holds their committed signatures and,
// while writers are at work, the record of every bucket that may hold one of
// them (the argument is in redis_store_ranges.cpp).
//
// A range key <prefix>:sigs:<floor(id / kRangeIds)> is a hash of
//   <id>        the id's committed record: its signature (bands concatenated)
//               and the extras written with it (store/range_record.hpp),
//               committed and removed as one value; an id without a field
//               is not indexed (or was never tracked)
// and, only while the range is busy:
//   n           a counter bumped by every begin, end and expired lease; it
//               starts at the server's time in µs whenever the range turns
//               busy, so it never repeats a value across busy periods
//   p<token>    an actor at work, valued with its lease deadline (s)
//   t<token>    that actor's record: msgpack triples (id, committed signature
//               when it began or "", its target or "") for its ids
// A clean range has no n, no p and no t fields; it is then small enough for
// Redis' listpack encoding at default settings (128 fields of <= 64 bytes):
// the end that cleans a range reloads it if the busy fields had made Redis
// convert it to a hash table (it never converts back by itself). No script
// deletes and recreates a key (see compact()).
//
// kRangeBeginScript KEYS[1] = range key, ARGV = token, lease seconds, the
// signature length w of the caller's layout, then pairs (id, target record
// or "") of this actor's batch (none for a repair). A committed value that
// is not a record of w-byte signatures (its tail's sections must account
// for every byte), of a batch id (checked before anything is written) or of
// an id the records name, is foreign data: an error reply
// "LSHRSDATA <message naming the key and id>". Otherwise it drops expired
// leases, records the actor; returns
//   {n, sole, committed of each batch id, entries, other ids, their committed}
// with sole = 1 when the range was clean, entries the flat triples of every
// record present before this call, other ids those entries name outside the
// batch. A repair of a clean range returns {0} and records nothing.
//
// kRangeEndScript KEYS[1], ARGV = token, the n begin returned, sole, the
// number c of pairs to commit, then pairs (id, signature): the first c are
// committed (a target, or "" to delete), the others name signatures whose
// buckets this actor added without committing them (a repair). Returns 0
// when the range is clean again, 1 when another actor is still at work (it
// ends later and takes over), 2 when a repair is due (also when this actor's
// lease had expired: it then records its pairs again first).
//
// Thread safety: constants.
#pragma once

#include <cstddef>

namespace lshrs::redis {

#define LSHRS_RANGE_PRELUDE                                                                 \
  "local k = KEYS[1]\n"                                                                     \
  "local tok = ARGV[1]\n"                                                                   \
  "local tm = redis.call('TIME')\n"                                                         \
  "local now = tonumber(tm[1])\n"                                                           \
  "local base = tm[1] .. string.format('%06d', tonumber(tm[2]))\n"                           \
  "local ty = redis.call('TYPE', k).ok\n"                                                   \
  "if ty ~= 'hash' and ty ~= 'none' then\n"                                                 \
  "  return redis.error_reply('WRONGTYPE lshrs signature range ' .. k .. ' holds a ' .. " \
  "ty .. ', not signatures; is another application writing under this prefix?')\n"         \
  "end\n"

inline constexpr const char* kRangeBeginScript = LSHRS_RANGE_PRELUDE
    "local w = tonumber(ARGV[3])\n"
    "local nb = (#ARGV - 3) / 2\n"
    "local ids = {}\n"
    "for i = 1, nb do ids[i] = ARGV[2 + 2 * i] end\n"
    // A record (store/range_record.hpp): the w-byte signature, then an
    // 'e' (101) section of 8 bytes, then an 'a' (97) section of 4 length
    // bytes and that many more, ending the value.
    "local function record(v)\n"
    "  local at = w + 1\n"
    "  if #v < w then return false end\n"
    "  if string.byte(v, at) == 101 then\n"
    "    local e = string.sub(v, at + 1, at + 8)\n"
    "    if #e < 8 or string.byte(e, 1) > 127 or e == string.rep('\\0', 8) then return false end\n"
    "    at = at + 9\n"
    "  end\n"
    "  if at <= #v and string.byte(v, at) == 97 and at + 4 <= #v then\n"
    "    local a, b, c, d = string.byte(v, at + 1, at + 4)\n"
    "    at = at + 5 + ((a * 256 + b) * 256 + c) * 256 + d\n"
    "  end\n"
    "  return at == #v + 1\n"
    "end\n"
    "local function foreign(vals, names)\n"
    "  for i = 1, #names do\n"
    "    local v = vals[i]\n"
    "    if v and not record(v) then\n"
    "      return redis.error_reply('LSHRSDATA signature range ' .. k .. ' holds a record of ' .. "
    "#v .. ' bytes for id ' .. names[i] .. ', not a ' .. w .. '-byte signature of this index; is "
    "another application writing under this prefix? Delete the field (HDEL ' .. k .. ' ' .. "
    "names[i] .. ') or clear the index')\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local cur = {}\n"
    "if nb > 0 then cur = redis.call('HMGET', k, unpack(ids)) end\n"
    "local bad = foreign(cur, ids)\n"
    "if bad then return bad end\n"
    "local n = redis.call('HGET', k, 'n')\n"
    "local sole = 1\n"
    "local entries = {}\n"
    "local prev = ''\n"
    "if n then\n"
    "  sole = 0\n"
    "  local f = redis.call('HGETALL', k)\n"
    "  for i = 1, #f, 2 do\n"
    "    local b = string.byte(f[i], 1)\n"
    "    if b == 112 then\n"
    "      if string.sub(f[i], 2) ~= tok and tonumber(f[i + 1]) < now then\n"
    "        redis.call('HDEL', k, f[i])\n"
    "        redis.call('HINCRBY', k, 'n', 1)\n"
    "      end\n"
    "    elseif b == 116 then\n"
    "      if string.sub(f[i], 2) == tok then prev = f[i + 1] end\n"
    "      local v = {cmsgpack.unpack(f[i + 1])}\n"
    "      for j = 1, #v do entries[#entries + 1] = v[j] end\n"
    "    end\n"
    "  end\n"
    "elseif nb == 0 then\n"
    "  return {0}\n"
    "end\n"
    "local seen = {}\n"
    "for i = 1, nb do seen[ids[i]] = true end\n"
    "local others = {}\n"
    "for j = 1, #entries, 3 do\n"
    "  local id = entries[j]\n"
    "  if not seen[id] then seen[id] = true; others[#others + 1] = id end\n"
    "end\n"
    "local ocur = {}\n"
    "if #others > 0 then ocur = redis.call('HMGET', k, unpack(others)) end\n"
    "bad = foreign(ocur, others)\n"
    "if bad then return bad end\n"
    "local args = {'p' .. tok, tostring(now + tonumber(ARGV[2]))}\n"
    "if nb > 0 then\n"
    "  local parts = {prev}\n"
    "  for i = 1, nb do parts[#parts + 1] = cmsgpack.pack(ids[i], cur[i] or '', ARGV[3 + 2 * i]) end\n"
    "  args[3] = 't' .. tok\n"
    "  args[4] = table.concat(parts)\n"
    "end\n"
    "if n then\n"
    "  n = redis.call('HINCRBY', k, 'n', 1)\n"
    "  redis.call('HSET', k, unpack(args))\n"
    "else\n"
    "  redis.call('HSET', k, 'n', base, unpack(args))\n"
    "  n = tonumber(base)\n"
    "end\n"
    "return {n, sole, cur, entries, others, ocur}\n";

inline constexpr const char* kRangeEndScript = LSHRS_RANGE_PRELUDE
    "local nb = (#ARGV - 4) / 2\n"
    "local ncommit = tonumber(ARGV[4])\n"
    "local function commit()\n"
    "  local set, del = {}, {}\n"
    "  for i = 1, ncommit do\n"
    "    local id, sig = ARGV[3 + 2 * i], ARGV[4 + 2 * i]\n"
    "    if sig == '' then del[#del + 1] = id else set[#set + 1] = id; set[#set + 1] = sig end\n"
    "  end\n"
    "  if #set > 0 then redis.call('HSET', k, unpack(set)) end\n"
    "  if #del > 0 then redis.call('HDEL', k, unpack(del)) end\n"
    "end\n"
    // The busy fields made Redis convert the hash to a hash table, which it
    // never undoes; reloading it (DUMP, RESTORE REPLACE) lets Redis choose
    // the small encoding again by its own limits. Never DEL and recreate: in
    // a slot being migrated a script may not write a key that went missing,
    // so the recreate would fail after the DEL (pcall: the key may be gone).
    "local function compact()\n"
    "  local e = redis.pcall('OBJECT', 'ENCODING', k)\n"
    "  if e ~= 'hashtable' then return end\n"
    "  redis.call('RESTORE', k, 0, redis.call('DUMP', k), 'REPLACE')\n"
    "end\n"
    "local mine = redis.call('HDEL', k, 'p' .. tok)\n"
    "if mine == 0 then\n"
    "  if nb > 0 then\n"
    "    local ids = {}\n"
    "    for i = 1, nb do ids[i] = ARGV[3 + 2 * i] end\n"
    "    local cur = redis.call('HMGET', k, unpack(ids))\n"
    "    local parts = {redis.call('HGET', k, 't' .. tok) or ''}\n"
    "    for i = 1, nb do parts[#parts + 1] = cmsgpack.pack(ids[i], cur[i] or '', ARGV[4 + 2 * i]) end\n"
    "    if redis.call('HEXISTS', k, 'n') == 0 then redis.call('HSET', k, 'n', base) end\n"
    "    redis.call('HINCRBY', k, 'n', 1)\n"
    "    redis.call('HSET', k, 't' .. tok, table.concat(parts))\n"
    "  end\n"
    "  commit()\n"
    "  return 2\n"
    "end\n"
    "commit()\n"
    "local n = redis.call('HINCRBY', k, 'n', 1)\n"
    "if ARGV[3] == '1' and n == tonumber(ARGV[2]) + 1 then\n"
    "  redis.call('HDEL', k, 'n', 't' .. tok)\n"
    "  compact()\n"
    "  return 0\n"
    "end\n"
    "local f = redis.call('HGETALL', k)\n"
    "local busy = false\n"
    "local drop = {'n'}\n"
    "for i = 1, #f, 2 do\n"
    "  local b = string.byte(f[i], 1)\n"
    "  if b == 112 then\n"
    "    if tonumber(f[i + 1]) < now then\n"
    "      redis.call('HDEL', k, f[i])\n"
    "      n = redis.call('HINCRBY', k, 'n', 1)\n"
    "    else busy = true end\n"
    "  elseif b == 116 then drop[#drop + 1] = f[i] end\n"
    "end\n"
    "if busy then return 1 end\n"
    "if n == tonumber(ARGV[2]) + 1 then\n"
    "  redis.call('HDEL', k, unpack(drop))\n"
    "  compact()\n"
    "  return 0\n"
    "end\n"
    "return 2\n";

#undef LSHRS_RANGE_PRELUDE

}  // namespace lshrs::redis
