"""An index written through Python is read by the CLI (the C++ Index) with
identical results, and the reverse."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from lshrs import LSHRS

from conftest import cli_path, clustered

DIM = 16


def cli(*args):
    exe = cli_path()
    if not exe.exists():
        pytest.fail(f"the lshrs CLI is not built at {exe} (set LSHRS_CLI or LSHRS_BUILD_DIR)")
    done = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def cli_query(redis_url, prefix, queries_path, top_k=10):
    out = cli("query", queries_path, "--redis", redis_url, "--prefix", prefix, "--json",
              "-k", top_k)
    return [json.loads(line)["ids"] for line in out.splitlines() if line.strip()]


def test_python_index_read_by_cli(tmp_path, redis_url, prefix):
    data, _ = clustered(500, DIM)
    np.save(tmp_path / "q.npy", data[:25])
    with LSHRS(dim=DIM, num_perm=64, num_bands=16, rows_per_band=4, seed=77,
               redis_url=redis_url, redis_prefix=prefix) as lsh:
        lsh.index(range(500), data)
        ours = [lsh.query(v, top_k=10) for v in data[:25]]
    assert cli_query(redis_url, prefix, tmp_path / "q.npy") == ours
    assert any(len(ids) > 1 for ids in ours)


def test_cli_index_read_by_python(tmp_path, redis_url, prefix):
    data, _ = clustered(500, DIM, seed=3)
    np.save(tmp_path / "v.npy", data)
    np.save(tmp_path / "q.npy", data[:25])
    cli("index", tmp_path / "v.npy", "--redis", redis_url, "--prefix", prefix, "--num-perm", 64,
        "--bands", 8, "--rows-per-band", 8, "--seed", 5, "--save-model", tmp_path / "model", "-q")
    theirs = cli_query(redis_url, prefix, tmp_path / "q.npy")
    with LSHRS(dim=DIM, num_perm=64, num_bands=8, rows_per_band=8, seed=5, redis_url=redis_url,
               redis_prefix=prefix) as lsh:
        assert [lsh.query(v, top_k=10) for v in data[:25]] == theirs
    loaded = LSHRS.load_from_disk(tmp_path / "model", redis_config={"url": redis_url})
    with loaded:
        assert [loaded.query(v, top_k=10) for v in data[:25]] == theirs
        assert loaded.stats()["storage"]["ids"] == 500
