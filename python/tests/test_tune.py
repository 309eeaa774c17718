"""lshrs.tune and lshrs.train_kmeans: plain Python results, a saved model that
Python and the CLI query with its query defaults, and Ctrl-C that stops them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import lshrs
from lshrs import LSHRS

from conftest import ROOT, clustered, keys_of
from test_interop import cli

DIM = 16


def small_set():
    data, _ = clustered(2400, DIM, seed=13, clusters=40, noise=0.15)
    return data


def test_tune_recommends_a_model_python_and_the_cli_query_with_its_defaults(
        tmp_path, redis_url, prefix):
    data = small_set()
    seen = []
    # One probe budget and one cap, so the recommendation's defaults are known to matter.
    result = lshrs.tune(data, target_recall=0.8, k=5, families=["hyperplane"], bands=[4, 8],
                        probes=[6], max_candidates=[400], queries_per_half=40,
                        save_model=tmp_path / "model", progress=seen.append)
    best = result.recommended
    assert isinstance(best, lshrs.TunePoint) and best in result.points
    assert best.family == "hyperplane" and (best.probes, best.max_candidates) == (6, 400)
    assert best.recall >= 0.8 and best.held_out_recall >= 0.8 and best.queries_per_second > 0
    assert result.frontier and all(isinstance(p, lshrs.TunePoint) for p in result.frontier)
    assert result.model == str(tmp_path / "model") and not result.cancelled
    assert (result.tuning_queries, result.held_out_queries) == (40, 40)
    assert seen and {"message", "configs_done", "configs_total", "point"} <= set(seen[0])
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert meta["query_defaults"] == {"probes": 6, "max_candidates": 400}
    assert (meta["config"]["num_bands"], meta["config"]["rows_per_band"]) == (best.bands,
                                                                             best.rows)

    np.save(tmp_path / "q.npy", data[:30])
    loaded = LSHRS.load_from_disk(tmp_path / "model",
                                  redis_config={"url": redis_url, "prefix": prefix},
                                  vector_fetch_fn=lambda ids: data[list(ids)])
    with loaded:
        assert loaded.query_defaults == {"probes": 6, "max_candidates": 400}
        loaded.index(range(len(data)), data)
        ours = [loaded.query(v, top_k=10) for v in data[:30]]
        assert ours == [loaded.query(v, top_k=10, probes=6) for v in data[:30]]
        # Without the defaults the answers differ: they are really used.
        assert ours != [loaded.query(v, top_k=10, probes=0) for v in data[:30]]
        assert loaded.query(data[0], top_k=3, rerank=True)[0][0] == 0

    def cli_ids(*extra):
        out = cli("query", tmp_path / "q.npy", "--redis", redis_url, "--prefix", prefix,
                  "--json", "-k", 10, *extra)
        return [json.loads(line)["ids"] for line in out.splitlines() if line.strip()]

    assert cli_ids("--model", tmp_path / "model") == ours
    assert cli_ids() == ours  # the meta Python wrote records the defaults too
    with LSHRS.open(prefix, redis_url=redis_url) as opened:
        assert opened.query_defaults == {"probes": 6, "max_candidates": 400}
        assert [opened.query(v, top_k=10) for v in data[:30]] == ours


def test_tune_in_redis_leaves_nothing_behind_and_reads_k_means(tmp_path, redis_url, rclient):
    data = small_set()
    before = set(rclient.scan_iter(match="pytune-*"))
    result = lshrs.tune(data, target_recall=0.8, k=5, families=["k-means", "cross-polytope"],
                        bands=[2], probes=[0, 4], queries_per_half=30, redis_url=redis_url,
                        prefix="pytune")
    assert {p.family for p in result.points} == {"k-means", "cross-polytope"}
    assert all(p.bytes_per_vector and p.bytes_per_vector > 0 for p in result.points)
    assert set(rclient.scan_iter(match="pytune-*")) == before
    assert result.model is None


def test_tune_progress_false_cancels_with_what_was_measured():
    calls = []

    def progress(info):
        calls.append(info)
        return info["point"] is None  # stop after the first measured point

    result = lshrs.tune(small_set(), k=5, families=["hyperplane"], bands=[4, 8],
                        queries_per_half=30, progress=progress)
    assert result.cancelled and len(result.points) == 1


def test_save_model_into_a_non_empty_directory_is_refused_before_tuning(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "x").write_text("x")
    with pytest.raises(ValueError, match="not an empty directory"):
        lshrs.tune(small_set(), save_model=tmp_path / "model")


def test_train_kmeans_progress_and_errors():
    data = small_set()
    seen = []
    centroids = lshrs.train_kmeans(data, 2, 4, iterations=3, progress=seen.append)
    assert centroids.shape == (32, DIM)
    assert {s["band"] for s in seen} == {0, 1} and max(s["iteration"] for s in seen) <= 3

    def stop(info):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        lshrs.train_kmeans(data, 2, 4, progress=stop)
    with pytest.raises(ValueError):
        lshrs.train_kmeans(data[:10], 1, 8)  # fewer usable rows than 256 centroids


INTERRUPTED = textwrap.dedent("""
    import sys, time
    import numpy as np
    import lshrs
    rng = np.random.default_rng(0)
    data = rng.standard_normal((int(sys.argv[2]), 48)).astype(np.float32)
    print("started", flush=True)
    start = time.monotonic()
    try:
        if sys.argv[1] == "tune":
            lshrs.tune(data, target_recall=0.999, families=["k-means", "cross-polytope",
                       "hyperplane"], bands=[1, 2, 4, 8, 16], queries_per_half=400)
        else:
            lshrs.train_kmeans(data, 8, 9, iterations=200, sample_size=len(data))
    except KeyboardInterrupt:
        print("interrupted", time.monotonic() - start, flush=True)
        sys.exit(3)
    print("finished", time.monotonic() - start, flush=True)
""")


@pytest.mark.parametrize("what, rows", [("tune", 20000), ("train_kmeans", 20000)])
def test_ctrl_c_stops_within_half_a_second(what, rows):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "python"), os.path.join(os.environ.get("LSHRS_BUILD_DIR", ""), "python"),
         env.get("PYTHONPATH", "")])
    proc = subprocess.Popen([sys.executable, "-c", INTERRUPTED, what, str(rows)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(1.5)  # well inside the C++ call
        assert proc.poll() is None, proc.communicate()
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, (out, err)
    assert out.startswith("interrupted"), out
    # ~0.5 s asked; the margin is for a loaded test machine (interpreter exit included).
    assert waited < 1.5, waited
