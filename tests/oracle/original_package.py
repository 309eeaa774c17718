#!/usr/bin/env python3
"""What the ORIGINAL Python package `lshrs` writes to and reads from Redis for
LSHRS(dim, num_bands, rows_per_band, seed) with no model file, rewritten with
numpy and redis-py (python3-redis) only, so that lshrs's C++ core is checked
against the original's recipe rather than against itself.

  original_package.py build URL PREFIX SEED BANDS ROWS VECS.npy IDS.i64 QUERIES.npy TOPK OUT.txt
      Projections as LSHHasher draws them: rng = np.random.default_rng(SEED),
      then per band rng.standard_normal((ROWS, dim)).astype(np.float32).
      Indexes every vector: per band the key
      PREFIX:<band>:bucket:<np.packbits(P_b @ v > 0, bitorder="little") hex>,
      SADD of the id as decimal ASCII, through a redis-py pipeline. Then
      queries each row of QUERIES the original's way (SMEMBERS of the query's
      bucket in every band, collision counts, top TOPK by count descending,
      then id ascending) and writes one line per query: `id:count id:count ...`.
  original_package.py check URL PREFIX SEED BANDS ROWS VECS.npy IDS.i64
      Recomputes every vector's keys and checks that the bucket keys under
      PREFIX (SCAN PREFIX:*:bucket:*) hold exactly the expected ids.

Exits 1 with a message on a mismatch, 3 when a dot product is so close to 0
that float32 summation order could flip its bit (the caller chose bad data).
"""
import sys
from collections import Counter, defaultdict

import numpy as np
import redis


def projections(seed, bands, rows, dim):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((rows, dim)).astype(np.float32) for _ in range(bands)]


def keys_of(prefix, proj, v):
    keys = []
    for b, p in enumerate(proj):
        if np.min(np.abs(p.astype(np.float64) @ v.astype(np.float64))) < 1e-4:
            print(f"original_package.py: ambiguous sign in band {b}", file=sys.stderr)
            sys.exit(3)
        bits = np.packbits((p @ v > 0).astype(np.uint8), bitorder="little")
        keys.append(f"{prefix}:{b}:bucket:{bits.tobytes().hex()}")
    return keys


def build(r, prefix, proj, vecs, ids, queries, top_k, out):
    pipe = r.pipeline(transaction=False)
    for idx, v in zip(ids, vecs):
        for key in keys_of(prefix, proj, v):
            pipe.sadd(key, str(int(idx)))
    pipe.execute()
    with open(out, "w") as f:
        for q in queries:
            counts = Counter()
            for key in keys_of(prefix, proj, q):
                counts.update(int(m) for m in r.smembers(key))
            best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
            f.write(" ".join(f"{i}:{c}" for i, c in best) + "\n")


def check(r, prefix, proj, vecs, ids):
    expected = defaultdict(set)
    for idx, v in zip(ids, vecs):
        for key in keys_of(prefix, proj, v):
            expected[key].add(int(idx))
    found = {}
    for key in r.scan_iter(match=f"{prefix}:*:bucket:*", count=1000):
        key = key.decode()
        found[key] = {int(m) for m in r.smembers(key)}
    if found != expected:
        missing = sorted(set(expected) - set(found))[:3]
        extra = sorted(set(found) - set(expected))[:3]
        wrong = [k for k in expected if k in found and found[k] != expected[k]][:3]
        sys.exit(f"original_package.py: layout differs: missing {missing}, unexpected {extra}, "
                 f"wrong members in {wrong}")


def main():
    mode, url, prefix = sys.argv[1:4]
    seed, bands, rows = (int(a) for a in sys.argv[4:7])
    vecs = np.load(sys.argv[7]).astype(np.float32)
    ids = np.fromfile(sys.argv[8], dtype="<i8")
    assert len(ids) == len(vecs), (len(ids), len(vecs))
    proj = projections(seed, bands, rows, vecs.shape[1])
    r = redis.Redis.from_url(url)
    if mode == "build":
        build(r, prefix, proj, vecs, ids, np.load(sys.argv[9]).astype(np.float32),
              int(sys.argv[10]), sys.argv[11])
    elif mode == "check":
        check(r, prefix, proj, vecs, ids)
    else:
        sys.exit(f"original_package.py: unknown mode {mode!r}")


if __name__ == "__main__":
    main()
