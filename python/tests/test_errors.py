"""Bad input raises the documented exception and leaves the index unchanged."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import redis

import lshrs
from lshrs import LSHRS

from conftest import clustered, keys_of

DIM = 16


@pytest.fixture
def lsh(prefix, redis_hostport):
    host, port = redis_hostport
    data, _ = clustered(50, DIM)
    index = LSHRS(dim=DIM, num_perm=32, redis_host=host, redis_port=port, redis_prefix=prefix)
    index.index(range(50), data)
    yield index
    index.close()


def good(n=3):
    return clustered(n, DIM, seed=99)[0]


BAD_BATCHES = [
    ("wrong dim", [1, 2, 3], lambda: np.ones((3, DIM + 1), np.float32), "shape"),
    ("zero vector", [1, 2, 3], lambda: np.vstack([good(2), np.zeros((1, DIM), np.float32)]), "zero"),
    ("nan", [1, 2, 3], lambda: np.where(np.eye(3, DIM, dtype=bool), np.nan, good()), "finite"),
    ("negative id", [1, -2, 3], good, "-2"),
    ("float id", [1.5, 2, 3], good, "integers"),
    ("count mismatch", [1, 2], good, "2 indices but 3 vectors"),
    ("strings", [1, 2, 3], lambda: [["a"] * DIM] * 3, "numbers"),
]


@pytest.mark.parametrize("name,ids,vectors,needle", BAD_BATCHES, ids=[b[0] for b in BAD_BATCHES])
def test_bad_batch_is_refused_and_nothing_written(lsh, rclient, prefix, name, ids, vectors, needle):
    before = keys_of(rclient, prefix)
    with pytest.raises(ValueError) as info:
        lsh.index(ids, vectors())
    assert isinstance(info.value, lshrs.Error)
    assert needle.lower() in str(info.value).lower()
    assert "\n" not in str(info.value)
    lsh.flush()
    assert keys_of(rclient, prefix) == before


def test_bad_ingest_leaves_the_buffer_empty(lsh, rclient, prefix):
    before = keys_of(rclient, prefix)
    with pytest.raises(ValueError):
        lsh.ingest(7, np.zeros(DIM, np.float32))
    with pytest.raises(ValueError):
        lsh.ingest(-1, good(1)[0])
    with pytest.raises(ValueError):
        lsh.ingest(7, np.ones(DIM - 1, np.float32))
    assert lsh.stats()["buffered"] == 0
    lsh.flush()
    assert keys_of(rclient, prefix) == before


@pytest.mark.parametrize("top_p", [0, -0.1, 1.5, float("nan")])
def test_top_p_outside_range(lsh, top_p):
    with pytest.raises(ValueError, match="top_p"):
        lsh.query(good(1)[0], top_p=top_p)


def test_zero_query_vector(lsh):
    with pytest.raises(ValueError, match="(?i)zero"):
        lsh.query(np.zeros(DIM, np.float32))


def test_rerank_without_fetcher_is_runtime_error(lsh):
    for call in (lambda: lsh.query(good(1)[0], top_p=0.5),
                 lambda: lsh.get_above_p(good(1)[0]),
                 lambda: lsh.index([1, 2])):
        with pytest.raises(RuntimeError) as info:
            call()
        assert isinstance(info.value, lshrs.Error)


def test_missing_model_dir_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        LSHRS.load_from_disk(tmp_path / "nowhere")
    assert isinstance(info.value, lshrs.Error)
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "metadata.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="projections.npz"):
        LSHRS.load_from_disk(tmp_path / "half")


def test_unreachable_redis_is_redis_connection_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lsh = LSHRS(dim=DIM, redis_host="127.0.0.1", redis_port=port)  # connects on first use
    with pytest.raises(redis.exceptions.ConnectionError) as info:
        lsh.query(good(1)[0])
    assert isinstance(info.value, lshrs.Error)
    assert str(port) in str(info.value)


def test_unknown_format_and_bad_arguments(lsh):
    with pytest.raises(ValueError, match="csv"):
        lsh.create_signatures(format="csv")
    with pytest.raises(ValueError, match="num_bands"):
        LSHRS(dim=DIM, num_bands=4)
    with pytest.raises(ValueError, match="dim"):
        LSHRS(dim=0)
    with pytest.raises(ValueError, match="top_k"):
        lsh.query(good(1)[0], top_k=0)


def test_config_mismatch_with_existing_index_is_refused(lsh, redis_hostport, prefix):
    host, port = redis_hostport
    other = LSHRS(dim=DIM, num_perm=32, seed=1234, redis_host=host, redis_port=port,
                  redis_prefix=prefix)
    with pytest.raises(ValueError, match="prefix") as info:  # refused on first use
        other.query(good(1)[0])
    assert isinstance(info.value, lshrs.ConfigurationError)
