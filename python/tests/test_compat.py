"""Drop-in behaviour the original's users rely on beyond signatures: nothing
connects before the first use, a prefix holding another configuration is
rebuilt with clear(), pickles travel, and any object with the storage protocol
(mocks included) is called back rather than taken for our own store."""

from __future__ import annotations

import pickle
import re
import socket
import threading
from unittest.mock import MagicMock, patch

import numpy as np
import pytest
import redis

import lshrs
from lshrs import LSHRS
from lshrs.storage.redis import RedisStorage

from conftest import clustered, keys_of

DIM = 16
CPP_NAMES = re.compile(r"::|--model|\bk(On|Off|Auto)\b|IndexOptions|RedisOptions")


def free_port() -> int:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- nothing connects before the first read or write ------------------------------------

def test_construction_with_no_server_succeeds_and_first_use_raises():
    port = free_port()
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=2, num_perm=8, redis_host="127.0.0.1",
                redis_port=port)
    assert repr(lsh).startswith("LSHRS(dim=16, num_perm=8")
    lsh.flush()  # nothing buffered: nothing to send
    with pytest.raises(redis.exceptions.ConnectionError) as info:
        lsh.query(np.ones(DIM, np.float32))
    assert isinstance(info.value, lshrs.Error) and str(port) in str(info.value)
    with pytest.raises(redis.exceptions.ConnectionError):
        lsh.index([1], np.ones((1, DIM), np.float32))


def test_bad_arguments_are_refused_before_connecting():
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=2, num_perm=8, redis_host="127.0.0.1",
                redis_port=free_port())
    zero = np.zeros(DIM, np.float32)
    with pytest.raises(ValueError, match="^Cannot index zero vector"):
        lsh.ingest(0, zero)
    with pytest.raises(ValueError, match="^Cannot index zero vector"):
        lsh.query(zero)
    with pytest.raises(ValueError, match="^Cannot index zero vector"):
        lsh.index([1, 2], np.vstack([np.ones(DIM, np.float32), zero]))
    with pytest.raises(ValueError, match="finite"):
        lsh.index([1], np.full((1, DIM), np.nan, np.float32))
    with pytest.raises(ValueError, match="^top_k must be greater than zero"):
        lsh.query(np.ones(DIM, np.float32), top_k=0)
    with pytest.raises(ValueError, match=r"^top_p must be within the range \(0, 1\]"):
        lsh.query(np.ones(DIM, np.float32), top_p=1.5)
    with pytest.raises(ValueError, match="non-negative"):
        lsh.ingest(-1, np.ones(DIM, np.float32))


def test_original_wording_of_constructor_errors():
    with pytest.raises(ValueError, match="^dimensionality must be greater than zero"):
        LSHRS(dim=0)
    with pytest.raises(ValueError, match="^num_perm must be greater than zero"):
        LSHRS(dim=DIM, num_perm=0)
    with pytest.raises(ValueError, match="^buffer_size must be greater than zero"):
        LSHRS(dim=DIM, buffer_size=0)
    with pytest.raises(ValueError, match=r"^num_bands \* rows_per_band must equal num_perm"):
        LSHRS(dim=DIM, num_bands=3, rows_per_band=3, num_perm=10)


def test_save_to_disk_needs_no_server(tmp_path):
    lsh = LSHRS(dim=DIM, num_perm=8, num_bands=4, rows_per_band=2, seed=9, buffer_size=100,
                redis_host="127.0.0.1", redis_port=free_port())
    lsh.save_to_disk(tmp_path / "m")
    loaded = LSHRS.load_from_disk(tmp_path / "m", redis_config={"port": free_port()})
    assert loaded._config == lsh._config and loaded._config["buffer_size"] == 100
    for a, b in zip(lsh._hasher.projections, loaded._hasher.projections):
        np.testing.assert_array_equal(a, b)


# -- the rebuild script: a prefix holding another configuration --------------------------

def test_rebuild_over_a_prefix_of_another_configuration(prefix, redis_hostport, rclient):
    host, port = redis_hostport
    data, labels = clustered(200, DIM)
    old = LSHRS(dim=DIM, num_perm=32, num_bands=4, rows_per_band=8, seed=1, redis_host=host,
                redis_port=port, redis_prefix=prefix)
    old.index(range(200), data)
    old.close()
    before = keys_of(rclient, prefix)

    lsh = LSHRS(dim=DIM, num_perm=32, num_bands=8, rows_per_band=4, seed=2, redis_host=host,
                redis_port=port, redis_prefix=prefix)  # construction succeeds
    for use in (lambda: lsh.query(data[0]), lambda: lsh.index([1], data[:1]),
                lambda: lsh.delete([1]), lambda: lsh.stats()):
        with pytest.raises(ValueError) as info:
            use()
        message = str(info.value)
        assert isinstance(info.value, lshrs.ConfigurationError)
        assert "num_bands=4, rows_per_band=8, seed=1" in message  # what the prefix holds
        assert "num_bands=8, rows_per_band=4, seed=2" in message  # what was asked
        assert "clear()" in message and not CPP_NAMES.search(message), message
    assert keys_of(rclient, prefix) == before  # nothing was written

    lsh.clear()
    lsh.index(range(200), data)
    assert labels[lsh.query(data[7], top_k=1)[0]] == labels[7]
    lsh.close()
    again = LSHRS(dim=DIM, num_perm=32, num_bands=4, rows_per_band=8, seed=1, redis_host=host,
                  redis_port=port, redis_prefix=prefix)
    with pytest.raises(ValueError, match="clear()"):  # now the old configuration is the other
        again.query(data[0])


# -- pickling ---------------------------------------------------------------------------

class LockedStorage(RedisStorage):
    """Like the original's test mock: a RedisStorage subclass that never calls our
    constructor and holds a lock, so it cannot be pickled."""

    def __init__(self):
        self.buckets: dict = {}
        self.lock = threading.Lock()

    def batch_add(self, operations):
        for band, sig, idx in operations:
            self.buckets.setdefault((band, sig), set()).add(idx)

    def get_bucket(self, band_id, hash_val):
        return set(self.buckets.get((band_id, hash_val), ()))

    def remove_indices(self, indices):
        for members in self.buckets.values():
            members.difference_update(indices)

    def clear(self):
        self.buckets.clear()

    def close(self):
        pass


class PlainStorage(LockedStorage):
    """The same without the lock: it pickles, so it travels with the index."""

    def __init__(self):
        self.buckets = {}


def test_pickle_round_trip_with_an_unpicklable_storage():
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=4, num_perm=16, seed=7, buffer_size=64,
                storage=LockedStorage(), redis_port=free_port(), redis_prefix="pickled")
    lsh.ingest(3, np.ones(DIM, np.float32))
    clone = pickle.loads(pickle.dumps(lsh))
    assert clone._config == lsh._config and clone._config["buffer_size"] == 64
    for a, b in zip(lsh._hasher.projections, clone._hasher.projections):
        np.testing.assert_array_equal(a, b)
    # The storage did not travel: the clone has a RedisStorage of the same settings,
    # not connected until used.
    assert type(clone.storage) is RedisStorage and clone.storage.prefix == "pickled"
    assert repr(clone) == repr(lsh)


def test_pickle_round_trip_with_a_picklable_storage():
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=4, num_perm=16, seed=7,
                storage=PlainStorage())
    lsh.index([5], np.ones((1, DIM), np.float32))
    clone = pickle.loads(pickle.dumps(lsh))
    assert type(clone.storage) is PlainStorage
    assert clone.query(np.ones(DIM, np.float32)) == [5]


def test_redis_storage_pickles_its_settings_not_its_password(redis_url):
    store = RedisStorage(url=redis_url, prefix="p", password="s3cret", max_connections=7)
    blob = pickle.dumps(store)
    assert b"s3cret" not in blob
    clone = pickle.loads(blob)
    assert (clone.url, clone.prefix, clone.max_connections) == (redis_url, "p", 7)


# -- duck-typed storage: mocks are called, not unwrapped ---------------------------------

def test_a_spec_mock_storage_is_called_back():
    storage = MagicMock(spec=RedisStorage)
    storage.get_bucket.return_value = {3}
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=4, num_perm=16, storage=storage,
                buffer_size=1000)
    lsh.ingest(3, np.ones(DIM, np.float32))
    storage.batch_add.assert_not_called()
    lsh.flush()
    storage.batch_add.assert_called_once()
    operations = storage.batch_add.call_args[0][0]
    assert [(band, idx) for band, _, idx in operations] == [(b, 3) for b in range(4)]
    assert lsh.query(np.ones(DIM, np.float32)) == [3]
    assert storage.get_bucket.call_count == 4
    lsh.close()
    storage.close.assert_called_once()
    storage._native.assert_not_called()  # never taken for our own store


def test_buffer_size_counts_band_operations_as_the_original():
    storage = MagicMock(spec=RedisStorage)
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=4, num_perm=16, storage=storage,
                buffer_size=8)  # 8 band operations: two vectors of 4 bands
    lsh.ingest(0, np.ones(DIM, np.float32))
    assert len(lsh._buffer) == 4 and lsh.stats()["buffer_size"] == 8
    storage.batch_add.assert_not_called()
    lsh.ingest(1, np.ones(DIM, np.float32))
    storage.batch_add.assert_called_once()
    assert len(storage.batch_add.call_args[0][0]) == 8 and len(lsh._buffer) == 0


def test_a_patched_redis_storage_class_receives_the_settings():
    with patch("lshrs.core.main.RedisStorage") as storage_cls:
        lsh = LSHRS(dim=DIM, redis_max_connections=75, redis_prefix="x")
    storage_cls.assert_called_once()
    assert storage_cls.call_args.kwargs["max_connections"] == 75
    assert lsh.storage is storage_cls.return_value


def test_redis_storage_builds_a_redis_py_pool_without_connecting():
    port = free_port()
    store = RedisStorage(host="127.0.0.1", port=port, max_connections=9, prefix="p")
    pool = store._pool  # redis-py's: made here, connected by its first command
    assert pool.max_connections == 9 and pool.connection_kwargs["port"] == port
    with pytest.raises(redis.exceptions.ConnectionError):
        store.get_bucket(0, b"\x00")  # the first command connects
    store.close()


def test_the_core_asks_get_buckets_only_of_a_class_that_defines_it():
    # A MagicMock invents get_buckets on the instance (returning a mock that iterates
    # as nothing); the core's store must call the real get_bucket instead.
    from lshrs import _core

    mock = MagicMock()
    mock.get_bucket.return_value = {3, 5}
    store = _core.PythonStore(mock)
    assert store.members("p", [(0, b"\x01"), (1, b"\x02")]) == [[3, 5], [3, 5]]
    assert mock.get_bucket.call_count == 2 and not mock.get_buckets.called

    class Batched:
        def get_buckets(self, refs):
            return [{7} for _ in refs]

    assert _core.PythonStore(Batched()).members("p", [(0, b"\x01")]) == [[7]]
