#!/usr/bin/env python3
"""The Python binding's cost, next to the C++ it wraps, on the same data and server.

1. LSHRS.index() of N vectors vs `lshrs index` (the C++ CLI) on the same .npy;
2. per-query overhead of LSHRS.query() over the C++ Index::query time it wraps
   (QueryResult.elapsed, measured inside the C++ call);
3. threads querying one LSHRS at once (the GIL is released in C++).

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


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cli", type=Path, required=True)
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--bands", type=int, default=16)
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    url = os.environ["LSHRS_BENCH_REDIS_URL"]
    rng = np.random.default_rng(1)
    data = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.npy"
        np.save(path, data)
        cli_rates, py_rates = [], []
        for _ in range(args.repeats):  # alternate, so load changes hit both alike
            cli_rates.append(cli_index_rate(args.cli, url, path, args))
            py_rates.append(python_index_rate(url, data, args))
    cli_rate, py_rate = statistics.median(cli_rates), statistics.median(py_rates)
    print(f"| index {args.n:,} × {args.dim} ({args.bands} bands × {args.num_perm // args.bands} rows) "
          f"| CLI {cli_rate:,.0f} vectors/s | LSHRS.index() {py_rate:,.0f} vectors/s "
          f"| {100 * py_rate / cli_rate:.0f}% |")

    prefix = "bench-q-" + uuid.uuid4().hex[:8]
    lsh = LSHRS(dim=args.dim, num_perm=args.num_perm, num_bands=args.bands,
                rows_per_band=args.num_perm // args.bands, redis_url=url, redis_prefix=prefix)
    lsh.index(np.arange(len(data)), data)
    queries = data[rng.integers(0, len(data), args.queries)]
    for q in queries[:200]:  # warm the connection pool
        lsh.query(q)
    rec = Recorder(lsh._index)
    lsh._index = rec
    t0 = time.perf_counter()
    for q in queries:
        lsh.query(q)
    wall_us = (time.perf_counter() - t0) * 1e6
    lsh._index = rec.index
    per_py, per_cpp = wall_us / args.queries, rec.cpp_us / args.queries
    print(f"| query, top-10, {args.queries} sequential | C++ Index::query {per_cpp:.1f} µs "
          f"| LSHRS.query() {per_py:.1f} µs | overhead {100 * (per_py - per_cpp) / per_cpp:.1f}% |")

    base = None
    for threads in (1, 2, 4, 8):
        per_thread = args.queries // threads

        def work(k: int) -> None:
            for q in queries[k * per_thread:(k + 1) * per_thread]:
                lsh.query(q)

        pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
        t0 = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        qps = threads * per_thread / (time.perf_counter() - t0)
        base = base or qps
        print(f"| {threads} threads querying | {qps:,.0f} queries/s | ×{qps / base:.2f} |")
    lsh.close()
    drop(url, prefix)


if __name__ == "__main__":
    main()
