"""Would subtracting the data's mean before hashing help? (numpy only, no lshrs)

TF-IDF + truncated SVD without centering leaves every vector with a share of
the first singular direction, so the set sits in a cone and random
hyperplanes / rotations split it unevenly (FALCONN's documentation advises
centering for this reason). This measures the cone (norm of the mean, cos of
each vector with it, cosine of random pairs) and simulates LSH with L
independent tables of K hash functions, without multi-probe, on the raw and
on the centred vectors, reranking by the original cosine either way (so
recall = share of the true top-k among the candidates). It prints, for each,
the candidates per query needed to reach each recall (linear interpolation
between table counts), which is what reranking costs.

  /usr/bin/python3 bench/scale/centering.py BASE.npy QUERIES.npy TRUTH.npy \
      [--family hyperplane|cross-polytope] [--k-bits 12] [--tables 192] [--queries 300]
"""
import argparse
import time

import numpy as np


def codes(x, family, k, rng, dim):
    """One table's hash of every row of x (int64): K bits, or K cross-polytope hashes."""
    if family == "hyperplane":
        bits = (x @ rng.standard_normal((k, dim)).astype(np.float32).T > 0).astype(np.int64)
        return (bits << np.arange(k)).sum(1)
    code = np.zeros(len(x), np.int64)
    for _ in range(k):
        # A Gaussian matrix stands in for the fast pseudo-random rotation.
        y = x @ rng.standard_normal((dim, dim)).astype(np.float32).T
        a = np.abs(y).argmax(1)
        code = code * (2 * dim) + 2 * a + (y[np.arange(len(x)), a] < 0)
    return code


def simulate(base, queries, truth, family, k, tables, seed):
    """(tables, recall, candidates per query) after every 4 tables."""
    rng = np.random.default_rng(seed)
    dim = base.shape[1]
    seen = np.zeros((len(queries), len(base)), bool)
    true = np.zeros_like(seen)
    true[np.arange(len(queries))[:, None], truth] = True
    out = []
    both = np.vstack([base, queries])
    for t in range(tables):
        c = codes(both, family, k, rng, dim)
        seen |= c[len(base):, None] == c[None, :len(base)]
        if (t + 1) % 4 == 0:
            out.append((t + 1, (seen & true).sum() / true.sum(), seen.sum(1).mean()))
    return out


def candidates_at(curve, target):
    prev = None
    for point in curve:
        if point[1] >= target:
            if prev is None:
                return point[2]
            f = (target - prev[1]) / (point[1] - prev[1])
            return prev[2] + f * (point[2] - prev[2])
        prev = point
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base")
    p.add_argument("queries")
    p.add_argument("truth")
    p.add_argument("--family", choices=["hyperplane", "cross-polytope"], default="hyperplane")
    p.add_argument("--k-bits", type=int, default=12, help="hash functions per table")
    p.add_argument("--tables", type=int, default=192)
    p.add_argument("--queries", type=int, default=300, dest="nq")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    base = np.load(a.base).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = np.load(a.queries).astype(np.float32)[: a.nq]
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth = np.load(a.truth)[: a.nq, :10]
    mean = base.mean(0)
    pick = np.random.default_rng(0).integers(0, len(base), (20000, 2))
    pairs = (base[pick[:, 0]] * base[pick[:, 1]]).sum(1)
    print(f"{a.base}: {base.shape[0]} x {base.shape[1]}; |mean| {np.linalg.norm(mean):.3f}; "
          f"cos(v, mean) p10/p50/p90 {np.percentile(base @ (mean / np.linalg.norm(mean)), [10, 50, 90]).round(3)}; "
          f"random-pair cos p10/p50/p90 {np.percentile(pairs, [10, 50, 90]).round(3)}")
    for centred in (False, True):
        shift = mean if centred else 0
        t = time.time()
        curve = simulate(base - shift, queries - shift, truth, a.family, a.k_bits, a.tables, a.seed)
        cells = []
        for target in (0.8, 0.9, 0.95):
            c = candidates_at(curve, target)
            cells.append(f"@{target}: " + ("-" if c is None else f"{c:,.0f}"))
        print(f"{a.family} K={a.k_bits} {'centred' if centred else 'raw    '}: candidates/query {', '.join(cells)}; "
              f"{curve[-1][0]} tables: recall {curve[-1][1]:.3f} at {curve[-1][2]:,.0f} ({time.time() - t:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
