"""LSHRS over the real redis-server: the original API, end to end."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import lshrs
import lshrs.storage.redis
from lshrs import LSHRS
from lshrs.hash.lsh import LSHHasher

from conftest import clustered, keys_of

DIM = 32


def make(prefix, redis_hostport, **kw):
    host, port = redis_hostport
    kw.setdefault("dim", DIM)
    kw.setdefault("num_perm", 64)
    return LSHRS(redis_host=host, redis_port=port, redis_prefix=prefix, **kw)


def test_package_exports_the_original_names():
    assert lshrs.__all__ == ["LSHRS", "lshrs"]
    assert lshrs.lshrs is LSHRS
    from lshrs.core.main import CandidateScores, VectorFetchFn  # noqa: F401


def test_index_then_query_finds_the_cluster(prefix, redis_hostport):
    data, labels = clustered(400, DIM)
    with make(prefix, redis_hostport, num_bands=16, rows_per_band=4) as lsh:
        lsh.index(list(range(400)), data)
        ids = lsh.query(data[3], top_k=10)
        assert isinstance(ids, list) and all(isinstance(i, int) for i in ids)
        assert ids[0] == 3 or labels[ids[0]] == labels[3]
        assert sum(labels[i] == labels[3] for i in ids) >= 8
        assert lsh.get_top_k(data[3], topk=5) == ids[:5]


def test_keys_are_the_original_layout(prefix, redis_hostport, rclient):
    vector = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    with make(prefix, redis_hostport, num_bands=8, rows_per_band=8, seed=5) as lsh:
        lsh.index([77], vector[None, :])
        hasher = LSHHasher(8, 8, DIM, seed=5)
        for band, sig in enumerate(hasher.hash_vector(vector)):
            key = f"{prefix}:{band}:bucket:{sig.hex()}"
            assert rclient.smembers(key) == {b"77"}, key


def test_ingest_is_buffered_until_flush(prefix, redis_hostport):
    data, _ = clustered(50, DIM)
    with make(prefix, redis_hostport, buffer_size=1000) as lsh:
        for i in range(50):
            lsh.ingest(i, data[i])
        assert lsh.query(data[0]) == []
        assert lsh.stats()["buffered"] == 50
        lsh.flush()
        assert 0 in lsh.query(data[0])


def test_top_p_returns_pairs_with_true_cosines(prefix, redis_hostport):
    data, _ = clustered(300, DIM)

    def fetch(ids):
        return data[ids]

    with make(prefix, redis_hostport, vector_fetch_fn=fetch, num_bands=16, rows_per_band=4) as lsh:
        lsh.index(range(300), data)
        pairs = lsh.query(data[10], top_k=None, top_p=0.5)
        assert pairs and all(isinstance(p, tuple) and len(p) == 2 for p in pairs)
        candidates = lsh.query(data[10], top_k=None)
        assert len(pairs) == max(1, int(np.ceil(len(candidates) * 0.5)))
        q = data[10] / np.linalg.norm(data[10])
        for i, score in pairs:
            expected = float(data[i] @ q / np.linalg.norm(data[i]))
            assert score == pytest.approx(expected, abs=1e-5)
        scores = [s for _, s in pairs]
        assert scores == sorted(scores, reverse=True)
        assert pairs[0][0] == 10
        assert lsh.get_above_p(data[10], p=0.5) == pairs
        capped = lsh.query(data[10], top_k=3, top_p=0.5)
        assert capped == pairs[:3]


def test_delete_and_clear(prefix, redis_hostport, rclient):
    data, _ = clustered(100, DIM)
    with make(prefix, redis_hostport) as lsh:
        lsh.index(range(100), data)
        assert 5 in lsh.query(data[5], top_k=None)
        lsh.delete(5)
        lsh.delete([6, 7])
        found = lsh.query(data[5], top_k=None) + lsh.query(data[6], top_k=None)
        assert not {5, 6, 7} & set(found)
        lsh.clear()
        # Only the index's self-description stays (rewritten so the index stays usable).
        assert list(keys_of(rclient, prefix)) == [f"{prefix}:meta".encode()]
        assert lsh.query(data[8]) == []
        lsh.index([8], data[8:9])  # still usable after clear
        assert lsh.query(data[8]) == [8]


def test_stats_has_original_keys_and_bucket_sizes(prefix, redis_hostport):
    data, _ = clustered(200, DIM)
    with make(prefix, redis_hostport, num_bands=8, rows_per_band=8, buffer_size=123) as lsh:
        lsh.index(range(200), data)
        s = lsh.stats()
    assert {k: s[k] for k in ("dimension", "num_perm", "num_bands", "rows_per_band",
                              "buffer_size", "redis_prefix")} == {
        "dimension": DIM, "num_perm": 64, "num_bands": 8, "rows_per_band": 8,
        "buffer_size": 123, "redis_prefix": prefix}
    assert s["similarity_threshold"] == 0.5
    storage = s["storage"]
    assert storage["ids"] == 200
    assert storage["buckets"] == sum(storage["buckets_per_band"])
    assert len(storage["buckets_per_band"]) == 8
    assert storage["max_bucket_size"] >= storage["p50_bucket_size"] >= 1
    # The test server keeps every key, and every id is in one bucket per band.
    assert storage["warnings"] == []
    assert storage["unfinished_ranges"] == 0


def test_bands_chosen_from_threshold_when_not_given(prefix, redis_hostport):
    from lshrs.utils.br import get_optimal_config

    with make(prefix, redis_hostport, num_perm=128, similarity_threshold=0.7) as lsh:
        assert (lsh.num_bands, lsh.rows_per_band) == get_optimal_config(128, 0.7)


def test_save_and_load_round_trip(prefix, redis_hostport, tmp_path):
    data, _ = clustered(100, DIM)
    host, port = redis_hostport
    with make(prefix, redis_hostport, redis_password=None, seed=9) as lsh:
        lsh.index(range(100), data)
        expected = [lsh.query(v) for v in data[:10]]
        lsh.save_to_disk(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert meta["config"]["dim"] == DIM and meta["config"]["seed"] == 9
    assert meta["redis_config"]["prefix"] == prefix
    assert meta["redis_config"]["port"] == port
    assert meta["redis_config"]["password"] == "<REDACTED>"
    with np.load(tmp_path / "model" / "projections.npz") as npz:
        assert len(npz.files) == meta["config"]["num_bands"]
        assert npz["arr_0"].dtype == np.float32
    loaded = LSHRS.load_from_disk(tmp_path / "model", redis_config={"host": host})
    with loaded:
        assert [loaded.query(v) for v in data[:10]] == expected
        assert repr(loaded) == repr(lsh)


def test_password_never_saved_or_pickled(prefix, redis_hostport, rclient, tmp_path):
    secret = "hunter2-" + prefix
    user = "u" + prefix
    rclient.execute_command("ACL", "SETUSER", user, "on", f">{secret}", "~*", "+@all")
    host, port = redis_hostport
    try:
        url = f"redis://{user}:{secret}@{host}:{port}/0"
        lsh = LSHRS(dim=DIM, num_perm=64, redis_url=url, redis_prefix=prefix)
        lsh.index([1], np.ones((1, DIM), np.float32))
        blob = pickle.dumps(lsh)
        assert secret.encode() not in blob
        lsh.save_to_disk(tmp_path / "m")
        for f in (tmp_path / "m").iterdir():
            assert secret.encode() not in f.read_bytes()
        assert secret not in repr(lsh) + repr(lsh.storage) + str(lsh.stats())
        lsh.close()
        wrong = LSHRS(dim=DIM, redis_url=f"redis://{user}:wrong-{secret}@{host}:{port}/0")
        with pytest.raises(ValueError) as info:  # a wrong password: refused, not echoed
            wrong.query(np.ones(DIM, np.float32))
        assert secret not in str(info.value)
        # Our own user and password in redis_password: also never written out.
        lsh = LSHRS(dim=DIM, num_perm=64, storage=lshrs.storage.redis.RedisStorage(
            url=f"redis://{user}@{host}:{port}/0", password=secret, prefix=prefix))
        assert secret.encode() not in pickle.dumps(lsh.storage)
        lsh.close()
    finally:
        rclient.execute_command("ACL", "DELUSER", user)


def test_pickle_round_trip(prefix, redis_hostport):
    data, _ = clustered(60, DIM)
    with make(prefix, redis_hostport, seed=3) as lsh:
        lsh.index(range(60), data)
        clone = pickle.loads(pickle.dumps(lsh))
        assert clone.query(data[4]) == lsh.query(data[4])
        assert repr(clone) == repr(lsh)
        clone.close()


def test_repr_is_the_original_format(prefix, redis_hostport):
    with make(prefix, redis_hostport, num_bands=4, rows_per_band=16) as lsh:
        assert repr(lsh) == (f"LSHRS(dim={DIM}, num_perm=64, num_bands=4, rows_per_band=16, "
                             f"redis_prefix='{prefix}')")


def test_query_batch_equals_single_queries(prefix, redis_hostport):
    data, _ = clustered(200, DIM)
    with make(prefix, redis_hostport) as lsh:
        lsh.index(range(200), data)
        batch = lsh.query_batch(data[:20], top_k=5)
        assert batch == [lsh.query(v, top_k=5) for v in data[:20]]


def test_probes_and_max_candidates(prefix, redis_hostport):
    data, _ = clustered(300, DIM, noise=0.3)

    def fetch(ids):
        return data[ids]

    with make(prefix, redis_hostport, vector_fetch_fn=fetch, num_bands=4, rows_per_band=16) as lsh:
        lsh.index(range(300), data)
        plain = set(lsh.query(data[0], top_k=None))
        probed = set(lsh.query(data[0], top_k=None, probes=4))
        assert plain <= probed and len(probed) > len(plain)
        limited = lsh.query(data[0], top_k=None, rerank=True, max_candidates=3)
        assert len(limited) == 3
        close = lsh.query(data[0], top_k=None, min_similarity=0.9)
        assert close and all(s >= 0.9 for _, s in close)


def test_numpy_inputs_are_not_copied_when_float32():
    from lshrs._arrays import as_matrix

    a = np.zeros((3, DIM), dtype=np.float32)
    assert as_matrix(a, DIM) is a or np.shares_memory(as_matrix(a, DIM), a)
    b = np.zeros((3, DIM), dtype=np.float64)
    assert as_matrix(b, DIM).dtype == np.float32


def test_redis_url_and_cluster(prefix, cluster_url):
    data, _ = clustered(200, DIM)
    with LSHRS(dim=DIM, num_perm=64, redis_url=cluster_url, redis_cluster="on",
               redis_prefix=prefix) as lsh:
        lsh.index(range(200), data)
        assert 17 in lsh.query(data[17])
        assert lsh.stats()["storage"]["ids"] == 200
        lsh.clear()


def test_saved_model_names_the_storage_server(prefix, redis_hostport, tmp_path):
    from lshrs.storage.redis import RedisStorage

    host, port = redis_hostport
    lsh = LSHRS(dim=DIM, storage=RedisStorage(host=host, port=port, prefix=prefix))
    lsh.index([], [])  # an empty batch is a no-op, as in the original
    lsh.save_to_disk(tmp_path / "m")
    redis_config = json.loads((tmp_path / "m" / "metadata.json").read_text())["redis_config"]
    assert (redis_config["host"], redis_config["port"], redis_config["prefix"]) == (host, port, prefix)
    lsh.close()
