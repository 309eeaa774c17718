"""`scripts/bench scale`: how lshrs' query cost grows with n, next to its peers.

For each data set (clustered at several sizes; man-page embeddings) it
computes exact neighbours, then measures in the same run:
  * lshrs through a local redis-server with default settings (`lshrs bench`,
    one client thread, reranked through the .npy fetcher) for each configuration;
  * brute force, hnswlib and FAISS (IVF-Flat) on the same vectors and queries;
  * the Redis write ceiling: redis-benchmark's pipelined SADD rate / bands.
and prints Markdown tables (what docs/benchmarks.md records) plus a JSON file.

Configurations are lshrs bench flag strings: `--config NAME=FLAGS`, repeatable.
"""
import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
import peers  # noqa: E402

DEFAULT_CONFIGS = ["default="]


def redis_sadd_ceiling(url):
    """Pipelined SADD requests per second that redis-benchmark reaches here."""
    from urllib.parse import urlparse

    u = urlparse(url)
    out = subprocess.run(["redis-benchmark", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 6379),
                          "-n", "2000000", "-P", "64", "-r", "100000000", "-q", "-t", "sadd", "--csv"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if cells and cells[0].startswith("SADD"):
            return float(cells[1])
    raise RuntimeError(f"no SADD line in redis-benchmark output: {out!r}")


def run_lshrs(cli, redis, base, queries, truth, name, flags, k, workdir):
    out = os.path.join(workdir, f"lshrs-{os.path.basename(base)}-{name}.json")
    cmd = [cli, "bench", "--base", base, "--queries", queries, "--truth", truth, "-k", str(k),
           "--redis", redis, "--prefix", f"scale-{name}", "--overwrite", "--json", out, "-q"] + shlex.split(flags)
    t = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        r = json.load(f)
    r["wall_seconds"] = time.time() - t
    r["flags"] = flags
    return r


def lshrs_rows(r, n):
    rows = []
    for m in r["modes"]:
        if not m["mode"].startswith("reranked, one by one"):
            continue
        rows.append({"method": f"lshrs {r['config_name']} ({r['flags'] or 'defaults'})", "recall": m["recall"],
                     "queries_per_second": m["queries_per_second"], "p50_ms": m.get("p50_ms"),
                     "candidates": m.get("mean_candidates"),
                     "fraction_read": (m.get("mean_candidates") or 0) / n,
                     "bytes_per_vector": r.get("bytes_per_vector"),
                     "ingest_vectors_per_second": r["ingest"]["vectors_per_second"],
                     "bands": r["config"].get("num_bands")})
    return rows


def table(title, rows):
    lines = [f"### {title}", "",
             "| method | recall@10 | queries/s | fraction read | candidates/query | bytes/vector | ingest vec/s | build vec/s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def f(v, fmt):
        return "-" if v is None else format(v, fmt)
    for r in rows:
        lines.append(f"| {r['method']} | {r['recall']:.3f} | {r['queries_per_second']:,.0f} | "
                     f"{f(r.get('fraction_read'), '.4%')} | {f(r.get('candidates'), ',.0f')} | "
                     f"{f(r.get('bytes_per_vector'), ',.0f')} | {f(r.get('ingest_vectors_per_second'), ',.0f')} | "
                     f"{f(r.get('build_vectors_per_second'), ',.0f')} |")
    return "\n".join(lines) + "\n"


def measure(label, base_path, query_path, args, configs, ceiling):
    base = np.load(base_path, mmap_mode="r")
    queries = np.load(query_path)
    n = len(base)
    truth_path = base_path.replace(".npy", f"-truth{args.k}.npy")
    if not os.path.exists(truth_path):
        t = time.time()
        np.save(truth_path, peers.exact_neighbours(base, queries, args.k))
        datasets.log(f"{label}: exact neighbours in {time.time() - t:.1f} s")
    truth = np.load(truth_path)
    rows = []
    for name, flags in configs:
        datasets.log(f"{label}: lshrs {name} {flags}")
        r = run_lshrs(args.lshrs, args.redis, base_path, query_path, truth_path, name, flags, args.k, args.data)
        r["config_name"] = name
        for row in lshrs_rows(r, n):
            if ceiling and row.get("bands"):
                row["ingest_vs_ceiling"] = row["ingest_vectors_per_second"] / (ceiling / row["bands"])
            rows.append(row)
    if not args.no_peers:
        datasets.log(f"{label}: peers")
        rows.append(peers.brute_force(np.asarray(base), queries, truth, args.k))
        rows.extend(peers.hnswlib_peer(np.asarray(base), queries, truth, args.k))
        rows.extend(peers.faiss_ivf_peer(np.asarray(base), queries, truth, args.k))
    return {"data": label, "n": n, "dim": base.shape[1], "queries": len(queries), "rows": rows}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lshrs", required=True, help="the lshrs CLI binary")
    p.add_argument("--redis", required=True, help="redis:// URL of a local redis-server (default settings)")
    p.add_argument("--data", default="build/scale-data", help="cache directory for data sets and results")
    p.add_argument("--sizes", default="100000,300000,1000000", help="clustered set sizes")
    p.add_argument("--sets", default="clustered,manpages", help="which data sets")
    p.add_argument("--config", action="append", help="NAME=lshrs bench flags (repeatable)")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--json", default=None, help="write all results here")
    args = p.parse_args()
    os.makedirs(args.data, exist_ok=True)
    configs = [c.split("=", 1) for c in (args.config or DEFAULT_CONFIGS)]
    ceiling = redis_sadd_ceiling(args.redis)
    print(f"# scale benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}; redis-benchmark pipelined SADD ceiling: {ceiling:,.0f}/s\n")
    results = []
    sets = args.sets.split(",")
    if "clustered" in sets:
        for n in [int(s) for s in args.sizes.split(",")]:
            b, q = datasets.clustered(args.data, n)
            results.append(measure(f"clustered {n:,} x 128", b, q, args, configs, ceiling))
            print(table(results[-1]["data"], results[-1]["rows"]), flush=True)
    if "manpages" in sets:
        b, q = datasets.man_pages(args.data)
        results.append(measure("man-page TF-IDF+SVD x 256", b, q, args, configs, ceiling))
        print(table(results[-1]["data"], results[-1]["rows"]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sadd_ceiling": ceiling, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
