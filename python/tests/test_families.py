"""Every hash family from Python: an index the CLI built (hyperplane,
cross-polytope, k-means) is opened by LSHRS.open(prefix) and by
LSHRS.load_from_disk(model) and answers exactly as `lshrs query` does; the
constructor builds cross-polytope and k-means indexes the CLI then reads."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lshrs
from lshrs import LSHRS

from conftest import clustered
from test_interop import cli, cli_query

DIM = 24
FAMILIES = ["hyperplane", "cross-polytope", "k-means"]


def cli_index(tmp_path, redis_url, prefix, family, base):
    """Indexes base with the CLI; returns the model directory it used or saved."""
    model = tmp_path / "model"
    if family == "k-means":
        cli("train", "--family", "k-means", "--base", base, "--bands", 1, "--rows-per-band", 6,
            "--save-model", model, "-q")
        cli("index", base, "--redis", redis_url, "--prefix", prefix, "--model", model, "-q")
    else:
        cli("index", base, "--redis", redis_url, "--prefix", prefix, "--family", family,
            "--bands", 6, "--rows-per-band", 2 if family == "cross-polytope" else 8,
            "--seed", 9, "--save-model", model, "-q")
    return model


@pytest.fixture
def data(tmp_path):
    base, _ = clustered(800, DIM, seed=21)
    np.save(tmp_path / "base.npy", base)
    queries = base[:40] + 0.02 * np.random.default_rng(5).standard_normal((40, DIM)).astype(
        np.float32)
    np.save(tmp_path / "q.npy", queries)
    return base, queries


@pytest.mark.parametrize("family", FAMILIES)
def test_cli_index_of_every_family_opened_and_loaded_by_python(tmp_path, redis_url, prefix,
                                                                 data, family):
    base, queries = data
    model = cli_index(tmp_path, redis_url, prefix, family, tmp_path / "base.npy")
    theirs = cli_query(redis_url, prefix, tmp_path / "q.npy")
    assert sum(len(ids) for ids in theirs) > 40  # the comparison is not vacuous

    with LSHRS.open(prefix, redis_url=redis_url) as opened:
        assert opened.family == family
        assert [opened.query(v, top_k=10) for v in queries] == theirs
        assert opened.stats()["storage"]["ids"] == 800
        assert opened.stats()["family"] == family
    loaded = LSHRS.load_from_disk(model, redis_config={"url": redis_url, "prefix": prefix})
    with loaded:
        assert loaded.family == family
        assert [loaded.query(v, top_k=10) for v in queries] == theirs
        assert loaded.query_batch(queries, top_k=10) == theirs


@pytest.mark.parametrize("family", ["cross-polytope", "k-means"])
def test_constructor_builds_other_families_the_cli_reads(tmp_path, redis_url, prefix, data,
                                                         family):
    base, queries = data
    kwargs = dict(num_bands=6, rows_per_band=2)
    if family == "k-means":
        centroids = lshrs.train_kmeans(base, 2, 5, seed=3)
        assert centroids.shape == (2 * 32, DIM) and centroids.dtype == np.float32
        assert np.allclose(np.linalg.norm(centroids, axis=1), 1, atol=1e-4)
        # Deterministic: the same rows, arguments and seed give the same centroids.
        assert np.array_equal(centroids, lshrs.train_kmeans(base, 2, 5, seed=3))
        kwargs = dict(num_bands=2, rows_per_band=5, projections=centroids)
    with LSHRS(dim=DIM, family=family, redis_url=redis_url, redis_prefix=prefix,
               **kwargs) as lsh:
        assert lsh.family == family and lsh.num_perm == kwargs["num_bands"] * kwargs[
            "rows_per_band"]
        assert f"family={family!r}" in repr(lsh)
        lsh.index(range(len(base)), base)
        ours = [lsh.query(v, top_k=10) for v in queries]
        lsh.save_to_disk(tmp_path / "saved")
    assert cli_query(redis_url, prefix, tmp_path / "q.npy") == ours
    meta = json.loads((tmp_path / "saved" / "metadata.json").read_text())
    assert meta["config"]["family"] == family
    out = cli("query", tmp_path / "q.npy", "--redis", redis_url, "--model", tmp_path / "saved",
              "--prefix", prefix, "--json")
    assert [json.loads(line)["ids"] for line in out.splitlines() if line.strip()] == ours


def test_k_means_without_centroids_is_refused_in_python_terms():
    with pytest.raises(ValueError) as err:
        LSHRS(dim=DIM, family="k-means", num_bands=1, rows_per_band=4)
    text = str(err.value)
    assert "train_kmeans" in text and "::" not in text and "--model" not in text
    with pytest.raises(ValueError, match="family must be one of"):
        LSHRS(dim=DIM, family="minhash")


def test_open_of_an_empty_prefix_names_it_without_cpp_names(redis_url, prefix):
    with pytest.raises(ValueError) as err:
        LSHRS.open(prefix, redis_url=redis_url)
    text = str(err.value)
    assert prefix in text and "LSHRS(" in text
    assert "::" not in text and "IndexOptions" not in text and "lshrs index" not in text


def test_buffer_length_reads_the_buffer_not_the_store(redis_url, prefix, data):
    base, _ = data
    lsh = LSHRS(dim=DIM, num_perm=16, num_bands=4, rows_per_band=4, redis_url=redis_url,
                redis_prefix=prefix, buffer_size=100000)
    for i in range(10):
        lsh.ingest(i, base[i])
    calls = []
    real = lsh._opened
    lsh._opened = type("Spy", (), {
        "buffered": lambda self: real.buffered(),
        "stats": lambda self: calls.append("stats") or real.stats()})()
    assert len(lsh._buffer) == 10 * 4
    assert calls == []  # Index.stats() would scan the prefix in Redis
    lsh._opened = real
    lsh.flush()
    assert len(lsh._buffer) == 0
    lsh.close()
