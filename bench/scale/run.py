"""`scripts/bench scale`: how lshrs' query cost grows with n, next to its peers.

For each data set (clustered at several sizes; man-page embeddings) it
computes exact neighbours, then measures in the same run:
  * lshrs through a local redis-server with default settings (`lshrs bench`,
    one client thread, reranked through the .npy fetcher) for each configuration;
  * brute force, hnswlib and FAISS (IVF-Flat) on the same vectors and queries;
  * the Redis write ceiling: redis-benchmark's pipelined SADD rate / bands.
and prints Markdown tables (what docs/benchmarks.md records) plus a JSON file.

Configurations are lshrs bench flag strings: `--config NAME=FLAGS`, repeatable.
A configuration with `--family k-means` (and `--bands`, `--rows-per-band`,
optionally `--iterations`, `--sample`, `--seed`) is first trained on the base
by `lshrs train` into a model directory under --data, then benched with
`--model DIR` and the rest of its flags.
With `--sweep-probes 0,16,64,...` each configuration's index is built once
(kept in Redis) and queried through `lshrs query` at every probe budget, which
gives recall and speed along the probe axis; `--cost-growth` then reads off,
for each size, the cheapest budget that reaches `--target-recall`, and prints
the issue's table: query time at each n at equal recall, and its ratio to the
smallest n.

Unless --no-tune, each data set also gets the tuner's recommendation: `lshrs
tune --base B --target-recall T --save-model DIR` (its search
narrowed by --tune-flags so it stays minutes at 1M; its progress goes to
stderr), then the saved model measured like every configuration (`lshrs bench
--model DIR --keep`) and queried through `lshrs query` WITHOUT probe flags,
so the model's recorded query defaults (kept in <prefix>:meta) are what
applies; the harness checks that they did (same candidates as the bench at
the model's probes). The row "tuner's recommendation" carries the tuner's
wall time. The tuner draws its own queries from the base rows (200 to pick
on, 200 to check on, left out of its indexes), so the row's queries Q are
all unseen by it.
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
import peers  # noqa: E402

# What a user gets with no flags (the configuration measured on the data:
# k-means, calibrated probes; docs/tuning.md), the automatic size rule for
# each random family (bits per band from n, bands from the default 128-bit
# budget), and cross-polytope with 1.5, 2 and 2.5 times that budget (12, 16
# and 20 bands of two hashes at 1M: more bands reach a recall with fewer
# probes and fewer candidates to score, for more Redis memory).
DEFAULT_CONFIGS = ["no-flags=", "hyperplane=--family hyperplane",
                   "cross-polytope=--family cross-polytope",
                   "cross-polytope-192=--family cross-polytope --num-perm 192",
                   "cross-polytope-256=--family cross-polytope --num-perm 256",
                   "cross-polytope-320=--family cross-polytope --num-perm 320"]


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


# `lshrs train` flags: a configuration whose flags say `--family k-means` is
# trained on the base first (these flags), then benched with `--model DIR`
# (the rest of its flags).
TRAIN_FLAGS = {"--family", "--bands", "--rows-per-band", "--bits", "--iterations", "--sample", "--seed"}


def train_if_needed(cli, base, name, flags, workdir):
    """(bench flags, training seconds or None): k-means configurations are
    trained into a model directory that the bench then reads."""
    words = shlex.split(flags)
    if "k-means" not in words:
        return flags, None
    train, rest = [], []
    i = 0
    while i < len(words):
        width = 2 if i + 1 < len(words) and not words[i + 1].startswith("--") else 1
        (train if words[i] in TRAIN_FLAGS else rest).extend(words[i:i + width])
        i += width
    model = os.path.join(workdir, f"model-{os.path.basename(base).replace('.npy', '')}-{name}")
    cmd = [cli, "train", "--base", base, "--save-model", model, "-q"] + train
    datasets.log(f"  training: {shlex.join(cmd)}")
    t = time.time()
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    return shlex.join(["--model", model] + rest), time.time() - t


def run_lshrs(cli, redis, base, queries, truth, name, flags, k, workdir, keep=False):
    out = os.path.join(workdir, f"lshrs-{os.path.basename(base)}-{name}.json")
    bench_flags, train_seconds = train_if_needed(cli, base, name, flags, workdir)
    cmd = [cli, "bench", "--base", base, "--queries", queries, "--truth", truth, "-k", str(k),
           "--redis", redis, "--prefix", f"scale-{name}", "--overwrite", "--json", out, "-q"] + shlex.split(bench_flags)
    if keep:
        cmd.append("--keep")
    t = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        r = json.load(f)
    r["wall_seconds"] = time.time() - t
    r["flags"] = flags
    r["train_seconds"] = train_seconds
    return r


# What the tuner searches by default: cross-polytope (the family that reaches
# the targets), four band counts, probe budgets up to 2048 (the man-page set
# needs ~1024 at 16 bands; a configuration's sweep stops at the first budget
# meeting the target, so the clustered sets stop near 64; at 1M, 20 bands met
# 0.95 at 16 probes with 1,020 candidates, 12 bands only near 48 with ~1,500).
# Each configuration costs one full index build: ~4 builds per data set (at
# 100k the tuner takes ~15 s of its own CPU, most of it building; ~10x at 1M).
DEFAULT_TUNE_FLAGS = ("--families cross-polytope --bands 12,14,16,20 "
                      "--probes 0,16,24,32,48,64,128,256,512,768,1024,1536,2048")
# The text set's neighbours are spread thin (cross-polytope needed ~1,000
# probes there): the tuner also tries k-means (its default bands, 1, 2 and 4),
# trained per candidate, and cross-polytope at its own default bands.
DEFAULT_TEXT_TUNE_FLAGS = ("--families cross-polytope,k-means "
                           "--probes 0,4,8,12,16,24,32,64,128,256,512,1024")


def sweep_probes(cli, redis, base, queries, truth, name, flags, probes, workdir):
    """Queries a kept index at each probe budget (None: no --probes flag, the
    index's own query default): a row per budget."""
    truth_ids = np.load(truth)
    k = truth_ids.shape[1]
    base_rows = np.load(base, mmap_mode="r")
    query_rows = np.load(queries)
    model_flags = shlex.split(flags)
    rows = []
    for p in probes:
        out = os.path.join(workdir, f"sweep-{name}-p{p}.jsonl")
        cmd = [cli, "query", queries, "--redis", redis, "--prefix", f"scale-{name}",
               "--vectors", base, "--rerank", "-k", str(k), "--json"]
        if p is not None:
            cmd += ["--probes", str(p)]
        if "--max-candidates" in model_flags:
            cmd += ["--max-candidates", model_flags[model_flags.index("--max-candidates") + 1]]
        with open(out, "w") as f:
            subprocess.run(cmd, check=True, stdout=f)
        found, cands, times = [], [], []
        with open(out) as f:
            for line in f:
                o = json.loads(line)
                found.append(o["ids"])
                cands.append(o.get("candidates", 0))
                times.append(o["time_us"])
        mean_us = float(np.mean(times))
        rows.append({"probes": p, **peers.recalls(found, truth_ids, base_rows, query_rows), "mean_us": mean_us,
                     "p50_ms": float(np.median(times)) / 1000, "queries_per_second": 1e6 / mean_us,
                     "candidates": float(np.mean(cands))})
        datasets.log(f"  probes {'(index default)' if p is None else p}: recall {rows[-1]['recall']:.3f}, {rows[-1]['queries_per_second']:,.0f} q/s, "
                     f"{rows[-1]['candidates']:,.0f} candidates")
    return rows


def run_tuned(args, label, base, queries, truth, tune_flags):
    """The tuner's recommendation for one data set, measured like the others.

    Returns a table row (None when the tuner found no configuration meeting
    the target, which is logged)."""
    slug = os.path.basename(base).replace(".npy", "")
    model = os.path.join(args.data, f"tuned-{slug}")
    report = os.path.join(args.data, f"tune-{slug}.json")
    shutil.rmtree(model, ignore_errors=True)  # --save-model wants a new or empty directory
    # No --queries: the tuner draws its tuning and held-out queries from the
    # base rows (leaving them out of its own indexes), so the 1,000 queries
    # this row is measured on are all unseen by it.
    cmd = [args.lshrs, "tune", "--base", base, "--target-recall", str(args.target_recall),
           "--k", str(args.k), "--redis", args.redis, "--prefix", "scale-tune", "--save-model", model,
           "--json", report] + shlex.split(tune_flags)
    datasets.log(f"{label}: tuning: {shlex.join(cmd)}")
    t = time.time()
    # Progress (stderr) and the frontier table (stdout) both go to our log.
    rc = subprocess.run(cmd, stdout=sys.stderr).returncode
    tune_seconds = time.time() - t
    if rc != 0 or not os.path.isdir(model):
        datasets.log(f"{label}: the tuner recommended nothing (exit {rc}) after {tune_seconds:.0f} s")
        return None
    with open(report) as f:
        tuned = json.load(f)
    point = tuned["points"][tuned["recommended"]]
    with open(os.path.join(model, "metadata.json")) as f:
        defaults = json.load(f)["query_defaults"]
    datasets.log(f"{label}: tuned in {tune_seconds:.0f} s: {point['family']} {point['bands']} x "
                 f"{point['rows_per_band']}, probes {defaults['probes']}, max candidates "
                 f"{defaults['max_candidates']}")
    # The machine's speed moves between minutes (a VM): the write ceiling the
    # ingest is compared with is measured right before this build, and the
    # queries are run --repeat times, reported as their median and range.
    ceiling_before = redis_sadd_ceiling(args.redis)
    r = run_lshrs(args.lshrs, args.redis, base, queries, truth, "tuned", f"--model {shlex.quote(model)}", args.k,
                  args.data, keep=True)
    # The bench applies the model's defaults (it records what it used); the
    # query path must too, reading them from <prefix>:meta alone.
    if r["config"]["probes"] != defaults["probes"]:
        raise RuntimeError(f"lshrs bench --model used probes {r['config']['probes']}, the model says "
                           f"{defaults['probes']}")
    repeats = sweep_probes(args.lshrs, args.redis, base, queries, truth, "tuned", "", [None] * args.repeat, args.data)
    qps = sorted(x["queries_per_second"] for x in repeats)
    row = dict(repeats[0], queries_per_second=float(np.median(qps)))
    subprocess.run([args.lshrs, "clear", "--redis", args.redis, "--prefix", "scale-tuned", "--yes"],
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bench_cands = next(m["mean_candidates"] for m in r["modes"] if m["mode"].startswith("reranked, one by one"))
    if abs(row["candidates"] - bench_cands) > 1e-6 * max(1.0, bench_cands):
        raise RuntimeError(f"lshrs query without --probes read {row['candidates']:.1f} candidates per query, "
                           f"the bench at the model's probes {defaults['probes']} read {bench_cands:.1f}: "
                           "the index's query defaults did not apply")
    n = r["base_rows"]
    return {"method": f"lshrs tuner's recommendation ({point['family']} {point['bands']} x {point['rows_per_band']}, "
                      f"probes {defaults['probes']}; tuned in {tune_seconds:,.0f} s)",
            "recall": row["recall"], "recall_by_id": row["recall_by_id"],
            "queries_per_second": row["queries_per_second"], "p50_ms": row["p50_ms"],
            "candidates": row["candidates"], "fraction_read": row["candidates"] / n,
            "bytes_per_vector": r.get("bytes_per_vector"),
            "ingest_vectors_per_second": r["ingest"]["vectors_per_second"],
            "queries_per_second_runs": qps, "ceiling_before_build": ceiling_before,
            "bands": point["bands"], "tuner": {"seconds": tune_seconds, "flags": tune_flags,
                                              "recommended": point, "query_defaults": defaults,
                                              "bench_reranked_candidates": bench_cands}}


def cheapest_at(sweep, target):
    """The fastest sweep point whose recall reaches the target, or None."""
    ok = [r for r in sweep if r["recall"] >= target]
    return max(ok, key=lambda r: r["queries_per_second"]) if ok else None


def cost_growth_table(results, target):
    lines = [f"### Cost growth at recall@10 >= {target} (cheapest probe budget per size)", "",
             "| n | configuration | probes | recall@10 | mean query ms | q/s | candidates | fraction read | time / smallest n |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    first = {}
    for res in results:
        for name, sweep in res.get("sweeps", {}).items():
            best = cheapest_at(sweep, target)
            if best is None:
                lines.append(f"| {res['n']:,} | {name} | - | (max {max(r['recall'] for r in sweep):.3f}) | - | - | - | - | - |")
                continue
            first.setdefault(name, best["mean_us"])
            lines.append(f"| {res['n']:,} | {name} | {best['probes']} | {best['recall']:.3f} | {best['mean_us'] / 1000:.3f} | "
                         f"{best['queries_per_second']:,.0f} | {best['candidates']:,.0f} | {best['candidates'] / res['n']:.3%} | "
                         f"{best['mean_us'] / first[name]:.2f} |")
    return "\n".join(lines) + "\n"


def lshrs_rows(r, n):
    rows = []
    for m in r["modes"]:
        if not m["mode"].startswith("reranked, one by one"):
            continue
        # lshrs bench counts recall by similarity as peers.recall does, with
        # the id count beside it.
        rows.append({"method": f"lshrs {r['config_name']} ({r['flags'] or 'defaults'})",
                     "recall": m["recall"], "recall_by_id": m["recall_by_id"],
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
    for r in rows:
        if r.get("queries_per_second_runs"):
            runs = ", ".join(f"{q:,.0f}" for q in r["queries_per_second_runs"])
            lines.append(f"\n{r['method']}: q/s of {len(r['queries_per_second_runs'])} runs {runs} (median in the "
                         f"table); ingest {r['ingest_vectors_per_second']:,.0f} vectors/s = "
                         f"{r['ingest_vs_ceiling']:.2f} of the SADD ceiling measured just before its build "
                         f"({r['ceiling_before_build']:,.0f}/s ÷ {r['bands']} bands)")
    return "\n".join(lines) + "\n"


def measure(label, base_path, query_path, args, configs, ceiling, tune_flags):
    """Every configuration and peer on one data set."""
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
    sweeps = {}
    for name, flags in configs:
        datasets.log(f"{label}: lshrs {name} {flags}")
        r = run_lshrs(args.lshrs, args.redis, base_path, query_path, truth_path, name, flags, args.k, args.data,
                      keep=bool(args.sweep_probes))
        r["config_name"] = name
        if args.sweep_probes:
            sweeps[name] = sweep_probes(args.lshrs, args.redis, base_path, query_path, truth_path, name, flags,
                                        [int(p) for p in args.sweep_probes.split(",")], args.data)
            for row in sweeps[name]:
                rows.append({"method": f"lshrs {name} ({flags or 'defaults'}), probes {row['probes']}",
                             "recall": row["recall"], "recall_by_id": row["recall_by_id"],
                             "queries_per_second": row["queries_per_second"],
                             "candidates": row["candidates"], "fraction_read": row["candidates"] / n,
                             "bytes_per_vector": r.get("bytes_per_vector"),
                             "ingest_vectors_per_second": r["ingest"]["vectors_per_second"]})
            subprocess.run([args.lshrs, "clear", "--redis", args.redis, "--prefix", f"scale-{name}", "--yes"],
                           check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            continue
        for row in lshrs_rows(r, n):
            if ceiling and row.get("bands"):
                row["ingest_vs_ceiling"] = row["ingest_vectors_per_second"] / (ceiling / row["bands"])
            rows.append(row)
    if not args.no_tune:
        tuned = run_tuned(args, label, base_path, query_path, truth_path, tune_flags)
        if tuned:
            tuned["ingest_vs_ceiling"] = tuned["ingest_vectors_per_second"] / (tuned["ceiling_before_build"] / tuned["bands"])
            rows.append(tuned)
    if not args.no_peers:
        datasets.log(f"{label}: peers")
        rows.append(peers.brute_force(np.asarray(base), queries, truth, args.k))
        rows.extend(peers.hnswlib_peer(np.asarray(base), queries, truth, args.k))
        rows.extend(peers.faiss_ivf_peer(np.asarray(base), queries, truth, args.k))
    return {"data": label, "n": n, "dim": base.shape[1], "queries": len(queries), "rows": rows, "sweeps": sweeps}


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
    p.add_argument("--sweep-probes", default=None, help="probe budgets to query each kept index at, e.g. 0,16,64")
    p.add_argument("--target-recall", type=float, default=0.95,
                   help="for the cost-growth table and the tuner")
    p.add_argument("--no-tune", action="store_true", help="skip the tuner's recommendation")
    p.add_argument("--tune-flags", default=None,
                   help=f"extra `lshrs tune` flags narrowing its search, for every set (default: clustered "
                        f"{DEFAULT_TUNE_FLAGS!r}; man pages {DEFAULT_TEXT_TUNE_FLAGS!r})")
    p.add_argument("--repeat", type=int, default=3,
                   help="query the tuner's index this many times (median q/s reported, every run kept)")
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
            results.append(measure(f"clustered {n:,} x 128", b, q, args, configs, ceiling,
                                   args.tune_flags or DEFAULT_TUNE_FLAGS))
            print(table(results[-1]["data"], results[-1]["rows"]), flush=True)
    if args.sweep_probes and any(r.get("sweeps") for r in results):
        print(cost_growth_table(results, args.target_recall), flush=True)
    if "manpages" in sets:
        b, q = datasets.man_pages(args.data)
        results.append(measure("man-page TF-IDF+SVD x 256", b, q, args, configs, ceiling,
                               args.tune_flags or DEFAULT_TEXT_TUNE_FLAGS))
        print(table(results[-1]["data"], results[-1]["rows"]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sadd_ceiling": ceiling, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
