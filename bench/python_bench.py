#!/usr/bin/env python3
"""The Python binding's cost, next to the C++ it wraps, on the same data and server.

1. LSHRS.index() of N vectors vs `lshrs index` (the C++ CLI) on the same .npy;
2. per-query overhead of LSHRS.query() over the C++ Index::query time it wraps
   (QueryResult.elapsed, measured inside the C++ call);
3. N Python threads querying one LSHRS at once (the GIL is released in C++)
   next to N std::threads querying one C++ Index (bench/query_threads.cpp),
   over Redis and over the memory store, with the load average.

Needs LSHRS_BENCH_REDIS_URL (scripts/bench starts a private redis-server) and
PYTHONPATH=python:<build>/python. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import redis

from lshrs import LSHRS


def drop(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*", count=10000):
        client.delete(key)
    client.close()


def cli_index_rate(cli: Path, url: str, path: Path, args: argparse.Namespace) -> float:
    prefix = "bench-cli-" + uuid.uuid4().hex[:8]
    out = subprocess.run(
        [str(cli), "index", str(path), "--redis", url, "--prefix", prefix, "--num-perm",
         str(args.num_perm), "--bands", str(args.bands), "--rows-per-band",
         str(args.num_perm // args.bands), "--json", "-q"],
        check=True, capture_output=True, text=True).stdout
    drop(url, prefix)
    return float(json.loads(out)["rows_per_second"])


def python_index_rate(url: str, data: np.ndarray, args: argparse.Namespace) -> float:
    prefix = "bench-py-" + uuid.uuid4().hex[:8]
    lsh = LSHRS(dim=data.shape[1], num_perm=args.num_perm, num_bands=args.bands,
                rows_per_band=args.num_perm // args.bands, redis_url=url, redis_prefix=prefix)
    t0 = time.perf_counter()
    lsh.index(np.arange(len(data)), data)
    rate = len(data) / (time.perf_counter() - t0)
    lsh.close()
    drop(url, prefix)
    return rate


class Recorder:
    """Forwards to the C++ Index and sums the time each query spent inside it."""

    def __init__(self, index):
        self.index, self.cpp_us = index, 0

    def query(self, *a):
        r = self.index.query(*a)
        self.cpp_us += r[3]
        return r


def python_threads_qps(lsh: LSHRS, queries: np.ndarray, threads: int, top_k: int) -> float:
    """Queries/s of `threads` Python threads calling LSHRS.query on their share."""
    per_thread = len(queries) // threads

    def work(k: int) -> None:
        for q in queries[k * per_thread:(k + 1) * per_thread]:
            lsh.query(q, top_k=top_k)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return threads * per_thread / (time.perf_counter() - t0)


def cpp_threads_qps(exe: Path, model: Path, queries: Path, counts: list[int], top_k: int,
                    store: list[str]) -> dict[int, float]:
    """Queries/s of the same counts of std::threads on one C++ Index (bench/query_threads.cpp)."""
    out = subprocess.run([str(exe), str(model), str(queries), str(top_k),
                          ",".join(map(str, counts)), *store],
                         check=True, capture_output=True, text=True).stdout
    return {r["threads"]: r["qps"] for r in map(json.loads, out.splitlines())}


def memory_index(lsh: LSHRS, data: np.ndarray):
    """A C++ Index over a MemoryStore with lsh's configuration and projections,
    filled with `data`: swapped in for lsh._index, LSHRS.query runs the same
    binding without Redis (the package has no public memory storage)."""
    from lshrs import _core

    index = _core.Index(dim=lsh.dim, num_perm=lsh.num_perm, num_bands=lsh.num_bands,
                        rows_per_band=lsh.rows_per_band,
                        similarity_threshold=lsh.similarity_threshold,
                        buffer_size=lsh.buffer_size, seed=lsh.seed, prefix=lsh.redis_prefix,
                        store=_core.MemoryStore(), projections=np.array(lsh._index.projections))
    index.index(np.arange(len(data), dtype=np.int64), data)
    return index


def threads_section(lsh: LSHRS, data: np.ndarray, queries: np.ndarray, tmp: Path,
                    args: argparse.Namespace) -> None:
    """Python threads on LSHRS.query next to std::threads on the C++ Index, per
    store and thread count, in alternating rounds (medians of --repeats)."""
    counts = [int(c) for c in args.threads.split(",")]
    model, qpath, base = tmp / "model", tmp / "q.npy", tmp / "v.npy"
    lsh.save_to_disk(model)
    np.save(qpath, queries)
    redis_index = lsh._index
    stores = {"redis": (redis_index, ["redis", os.environ["LSHRS_BENCH_REDIS_URL"]]),
              "memory": (memory_index(lsh, data), ["memory", str(base)])}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| store | threads | C++ Index, std::threads | C++ × one thread "
          "| LSHRS.query, Python threads | Python × one thread | Python / C++ |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, (index, store_args) in stores.items():
        py: dict[int, list[float]] = {c: [] for c in counts}
        cpp: dict[int, list[float]] = {c: [] for c in counts}
        lsh._index = index
        python_threads_qps(lsh, queries[:200], 1, args.top_k)  # warm up
        for _ in range(args.repeats):
            for c in counts:
                py[c].append(python_threads_qps(lsh, queries, c, args.top_k))
            for c, qps in cpp_threads_qps(args.query_threads, model, qpath, counts, args.top_k,
                                          store_args).items():
                cpp[c].append(qps)
        lsh._index = redis_index
        py_one, cpp_one = statistics.median(py[counts[0]]), statistics.median(cpp[counts[0]])
        for c in counts:
            p, q = statistics.median(py[c]), statistics.median(cpp[c])
            print(f"| {name} | {c} | {q:,.0f} q/s | ×{q / cpp_one:.2f} | {p:,.0f} q/s "
                  f"| ×{p / py_one:.2f} | {100 * p / q:.0f}% |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cli", type=Path, required=True)
    p.add_argument("--query-threads", type=Path,
                   help="bench/query_threads.cpp's binary (lshrs_query_threads); "
                        "default: beside the CLI's build tree")
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--bands", type=int, default=16)
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--threads", default="1,2,4", help="thread counts, comma-separated")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--parts", default="index,query,threads",
                   help="which measures to run, comma-separated (index, query, threads)")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if args.query_threads is None:
        args.query_threads = args.cli.parents[2] / "bench" / "lshrs_query_threads"
    url = os.environ["LSHRS_BENCH_REDIS_URL"]
    rng = np.random.default_rng(1)
    data = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "v.npy"
        np.save(path, data)
        if "index" in parts:
            cli_rates, py_rates = [], []
            for _ in range(args.repeats):  # alternate, so load changes hit both alike
                cli_rates.append(cli_index_rate(args.cli, url, path, args))
                py_rates.append(python_index_rate(url, data, args))
            cli_rate, py_rate = statistics.median(cli_rates), statistics.median(py_rates)
            print(f"| index {args.n:,} × {args.dim} ({args.bands} bands × "
                  f"{args.num_perm // args.bands} rows) | CLI {cli_rate:,.0f} vectors/s "
                  f"| LSHRS.index() {py_rate:,.0f} vectors/s | {100 * py_rate / cli_rate:.0f}% |")

        prefix = "bench-q-" + uuid.uuid4().hex[:8]
        lsh = LSHRS(dim=args.dim, num_perm=args.num_perm, num_bands=args.bands,
                    rows_per_band=args.num_perm // args.bands, redis_url=url,
                    redis_prefix=prefix)
        lsh.index(np.arange(len(data)), data)
        queries = data[rng.integers(0, len(data), args.queries)]
        for q in queries[:200]:  # warm the connection pool
            lsh.query(q)
        if "query" in parts:
            rec = Recorder(lsh._index)
            lsh._index = rec
            t0 = time.perf_counter()
            for q in queries:
                lsh.query(q)
            wall_us = (time.perf_counter() - t0) * 1e6
            lsh._index = rec.index
            per_py, per_cpp = wall_us / args.queries, rec.cpp_us / args.queries
            print(f"| query, top-10, {args.queries} sequential | C++ Index::query "
                  f"{per_cpp:.1f} µs | LSHRS.query() {per_py:.1f} µs "
                  f"| overhead {100 * (per_py - per_cpp) / per_cpp:.1f}% |")
        if "threads" in parts:
            threads_section(lsh, data, queries, tmp, args)
        lsh.close()
        drop(url, prefix)

if __name__ == "__main__":
    main()
