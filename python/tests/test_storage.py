"""Pluggable storage: Python objects with the RedisStorage protocol."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

from lshrs import LSHRS
from lshrs.hash.lsh import LSHHasher
from lshrs.storage.redis import RedisStorage

from conftest import clustered

DIM = 24


class DictStorage:
    """The protocol, in memory, counting calls."""

    def __init__(self):
        self.buckets = defaultdict(set)
        self.calls = defaultdict(int)
        self.closed = False
        self.threads = set()

    def batch_add(self, operations):
        self.calls["batch_add"] += 1
        self.threads.add(threading.get_ident())
        for band, sig, idx in operations:
            assert isinstance(sig, bytes)
            self.buckets[(band, sig)].add(idx)

    def get_bucket(self, band_id, hash_val):
        self.calls["get_bucket"] += 1
        return set(self.buckets.get((band_id, hash_val), ()))

    def remove_indices(self, indices):
        self.calls["remove_indices"] += 1
        for members in self.buckets.values():
            members.difference_update(indices)

    def clear(self):
        self.calls["clear"] += 1
        self.buckets.clear()

    def close(self):
        self.closed = True


def test_python_storage_object_receives_the_buckets():
    data, labels = clustered(200, DIM)
    store = DictStorage()
    lsh = LSHRS(dim=DIM, num_bands=8, rows_per_band=8, num_perm=64, storage=store, seed=11)
    lsh.index(range(200), data)
    hasher = LSHHasher(8, 8, DIM, seed=11)
    for band, sig in enumerate(hasher.hash_vector(data[5])):
        assert 5 in store.buckets[(band, sig)]
    ids = lsh.query(data[5], top_k=10)
    assert ids[0] == 5 or labels[ids[0]] == labels[5]
    assert store.calls["get_bucket"] == 8
    lsh.delete([5])
    assert 5 not in lsh.query(data[5], top_k=None)
    lsh.clear()
    assert not store.buckets
    lsh.close()
    assert store.closed


def test_storage_exception_reaches_the_caller_and_buffer_is_kept():
    class Failing(DictStorage):
        fail = True

        def batch_add(self, operations):
            if self.fail:
                raise OSError("disk on fire")
            super().batch_add(operations)

    store = Failing()
    lsh = LSHRS(dim=DIM, num_perm=32, storage=store)
    data, _ = clustered(10, DIM)
    with pytest.raises(OSError, match="disk on fire"):
        lsh.index(range(10), data)
    store.fail = False
    lsh.flush()  # the buffer survived the failure
    assert 3 in lsh.query(data[3])


def test_storage_without_the_protocol_is_refused():
    with pytest.raises(ValueError, match="get_bucket"):
        LSHRS(dim=DIM, storage=object())


def test_redis_storage_subclass_without_base_constructor(redis_url, prefix, rclient):
    class Custom(RedisStorage):
        def __init__(self, client, prefix):  # never calls RedisStorage.__init__
            self._c = client
            self.prefix = prefix

        def batch_add(self, operations):
            pipe = self._c.pipeline()
            for band, sig, idx in operations:
                pipe.sadd(self.bucket_key(band, sig), idx)
            pipe.execute()

        def get_bucket(self, band_id, hash_val):
            return {int(x) for x in self._c.smembers(self.bucket_key(band_id, hash_val))}

        def remove_indices(self, indices):
            for key in self._c.scan_iter(match=f"{self.prefix}:*:bucket:*"):
                self._c.srem(key, *indices)

        def clear(self):
            for key in self._c.scan_iter(match=f"{self.prefix}:*"):
                self._c.delete(key)

        def close(self):
            pass

    data, _ = clustered(100, DIM)
    lsh = LSHRS(dim=DIM, num_perm=32, storage=Custom(rclient, prefix))
    lsh.index(range(100), data)
    assert 9 in lsh.query(data[9])
    # Same keys as the C++ RedisStore writes: a native client reads them.
    host_native = LSHRS(dim=DIM, num_perm=32, redis_url=redis_url, redis_prefix=prefix)
    assert host_native.query(data[9]) == lsh.query(data[9])


def test_redis_storage_protocol_methods_and_client(redis_url, prefix):
    store = RedisStorage(url=redis_url, prefix=prefix)
    assert store.bucket_key(3, b"\x01\xab") == f"{prefix}:3:bucket:01ab"
    store.batch_add([(0, b"\x01", 5), (0, b"\x01", 6), (1, b"\x02", 5)])
    store.add_to_bucket(1, b"\x02", 9)
    assert store.get_bucket(0, b"\x01") == {5, 6}
    assert store.get_buckets([(1, b"\x02"), (2, b"\x00")]) == [{5, 9}, set()]
    assert store.client.smembers(f"{prefix}:1:bucket:02") == {b"5", b"9"}
    with store.pipeline() as pipe:
        pipe.sadd(f"{prefix}:4:bucket:ff", 1)
    assert store.get_bucket(4, b"\xff") == {1}
    store.remove_indices([5])
    assert store.get_bucket(1, b"\x02") == {9}
    store.clear()
    assert store.get_bucket(1, b"\x02") == set()
    store.close()


def test_overriding_one_method_routes_through_python(redis_url, prefix):
    seen = []

    class Spy(RedisStorage):
        def get_bucket(self, band_id, hash_val):
            seen.append(band_id)
            return super().get_bucket(band_id, hash_val)

    data, _ = clustered(30, DIM)
    lsh = LSHRS(dim=DIM, num_bands=4, rows_per_band=8, num_perm=32,
                storage=Spy(url=redis_url, prefix=prefix))
    lsh.index(range(30), data)
    assert 2 in lsh.query(data[2])
    assert sorted(seen) == [0, 1, 2, 3]  # one call per band, through the override
    lsh.close()


def test_many_threads_through_a_python_storage():
    data, _ = clustered(400, DIM)
    store = DictStorage()
    lock = threading.Lock()
    orig = store.batch_add

    def locked(ops):
        with lock:
            orig(ops)

    store.batch_add = locked
    lsh = LSHRS(dim=DIM, num_perm=32, storage=store, buffer_size=10)
    errors = []

    start_together = threading.Barrier(4)

    def work(start):
        try:
            start_together.wait()
            mine = list(range(start, 400, 4))
            # index() flushes from the calling thread: ten flushes per thread,
            # so the storage is called from several threads whatever the
            # scheduling (a flush may take another thread's rows, never all).
            for k in range(0, len(mine), 10):
                ids = mine[k:k + 10]
                lsh.index(ids, data[ids])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(i in lsh.query(data[i], top_k=None) for i in range(400))
    assert len(store.threads) > 1


def test_cluster_storage_hands_out_a_cluster_client(cluster_url, prefix):
    from redis.cluster import RedisCluster

    store = RedisStorage(url=cluster_url, cluster="on", prefix=prefix)
    store.batch_add([(b, bytes([b]), 7) for b in range(16)])  # keys on many slots
    assert isinstance(store.client, RedisCluster)
    assert store.get_buckets([(b, bytes([b])) for b in range(16)]) == [{7}] * 16
    store.clear()
    assert store.get_bucket(3, b"\x03") == set()
    store.close()
