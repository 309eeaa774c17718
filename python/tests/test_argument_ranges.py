"""Integers out of the core's range and fetch results of the wrong shape are
refused with the package's exception and one line naming the argument, never
pybind11's "incompatible function arguments" signature dump."""

from __future__ import annotations

import numpy as np
import pytest

import lshrs
from lshrs import LSHRS
from lshrs.hash.lsh import LSHHasher
from lshrs.storage.redis import RedisStorage

from conftest import clustered

DIM = 16


def one_line(err: pytest.ExceptionInfo, *words: str) -> str:
    text = str(err.value)
    assert "\n" not in text and "incompatible function arguments" not in text, text
    for word in words:
        assert word in text, text
    return text


@pytest.fixture
def lsh():
    # Nothing here connects: every refusal comes before the first use.
    return LSHRS(dim=DIM, num_perm=16, num_bands=4, rows_per_band=4,
                 redis_url="redis://127.0.0.1:1/0")


V = np.ones(DIM, dtype=np.float32)


@pytest.mark.parametrize("kwargs, name", [
    (dict(top_k=2**70), "top_k"), (dict(top_k=2**64), "top_k"),
    (dict(probes=2**64), "probes"), (dict(probes=2**70), "probes"),
    (dict(probes=10**6), "probes"), (dict(max_candidates=2**64), "max_candidates")])
def test_query_counts_out_of_range(lsh, kwargs, name):
    with pytest.raises(ValueError) as err:
        lsh.query(V, **kwargs)
    one_line(err, name)


def test_get_top_k_out_of_range(lsh):
    with pytest.raises(ValueError) as err:
        lsh.get_top_k(V, topk=2**70)
    one_line(err, "top_k")


@pytest.mark.parametrize("kwargs, name", [
    (dict(seed=-1), "seed"), (dict(seed=2**64), "seed"), (dict(dim=2**70), "dim"),
    (dict(buffer_size=2**64), "buffer_size"), (dict(redis_port=2**70), "port"),
    (dict(redis_db=-1), "db")])
def test_constructor_integers_out_of_range(kwargs, name):
    args = dict(dim=DIM, num_perm=16)
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        LSHRS(**args)
    one_line(err, name)


def test_seed_of_another_type_is_a_type_error():
    with pytest.raises(TypeError) as err:
        LSHRS(dim=DIM, seed=1.5)
    one_line(err, "seed")
    with pytest.raises(ValueError) as err:
        LSHHasher(4, 4, DIM, seed=-1)
    one_line(err, "seed")
    with pytest.raises(ValueError) as err:
        LSHHasher(4, 2**64, DIM)
    one_line(err, "rows_per_band")


@pytest.mark.parametrize("ids", [[2**63], np.array([2**63], dtype=np.uint64),
                                 np.array([2**64 - 1], dtype=np.uint64), [2**64], [2**70]])
def test_ids_at_or_above_2_63(lsh, ids):
    with pytest.raises(ValueError) as err:
        lsh.index(ids, V.reshape(1, -1))
    one_line(err, "indices", "above 2^63-1")
    with pytest.raises(ValueError) as err:
        lsh.delete(ids)
    one_line(err, "indices", "above 2^63-1")


def test_ingest_id_at_2_63(lsh):
    with pytest.raises(ValueError) as err:
        lsh.ingest(2**63, V)
    one_line(err, "index", "above 2^63-1")
    with pytest.raises(ValueError) as err:
        lsh.ingest(2**70, V)
    one_line(err, "index", "above 2^63-1")


def test_train_and_tune_arguments_out_of_range():
    data = clustered(300, DIM)[0]
    with pytest.raises(ValueError) as err:
        lshrs.train_kmeans(data, 2**64, 4)
    one_line(err, "bands")
    with pytest.raises(ValueError) as err:
        lshrs.train_kmeans(data, 1, 40)
    one_line(err, "bits")
    with pytest.raises(ValueError) as err:
        lshrs.train_kmeans(data, 1, 4, seed=-1)
    one_line(err, "seed")
    with pytest.raises(ValueError) as err:
        lshrs.tune(data, k=2**70)
    one_line(err, "k")
    with pytest.raises(ValueError) as err:
        lshrs.tune(data, probes=[2**64])
    one_line(err, "probes")


@pytest.mark.parametrize("shape", ["transposed", "flat", "short"])
def test_fetch_result_of_the_wrong_shape(redis_url, prefix, shape):
    data = clustered(200, DIM, seed=4)[0]

    def fetch(ids):
        rows = data[list(ids)]
        if shape == "transposed":
            return rows.T.copy()
        if shape == "flat":
            return rows.reshape(-1)
        return rows[:-1]

    with LSHRS(dim=DIM, num_perm=16, num_bands=4, rows_per_band=4, redis_url=redis_url,
               redis_prefix=prefix, vector_fetch_fn=fetch) as lsh:
        lsh.index(range(200), data)
        with pytest.raises(ValueError) as err:
            lsh.query(data[0], top_p=0.5)
        n = len(lsh.query(data[0], top_k=None))
        assert n >= 2
        got = {"transposed": f"({DIM}, {n})", "flat": f"({n * DIM},)",
               "short": f"({n - 1}, {DIM})"}[shape]
        one_line(err, "vector_fetch_fn", got, f"({n}, {DIM})")
