"""Threads ingesting and querying one LSHRS at once; the GIL is released in C++."""

from __future__ import annotations

import threading

import numpy as np

from lshrs import LSHRS

from conftest import clustered

DIM = 32


def test_threads_ingest_and_query_at_once(prefix, redis_url):
    data, labels = clustered(4000, DIM)
    lsh = LSHRS(dim=DIM, num_perm=64, redis_url=redis_url, redis_prefix=prefix, buffer_size=100)
    lsh.index(range(0, 4000, 2), data[0::2])  # even ids first, queried below
    errors, answers = [], []

    def writer(k):
        try:
            for i in range(1 + 2 * k, 4000, 8):
                lsh.ingest(i, data[i])
            lsh.flush()
        except Exception as exc:
            errors.append(exc)

    def reader(k):
        try:
            for i in range(2 * k, 4000, 40):
                answers.append((i, lsh.query(data[i], top_k=5)))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(answers) == 400
    for i, ids in answers:  # even ids were flushed before the readers started
        assert ids and labels[ids[0]] == labels[i]
    assert lsh.stats()["storage"]["ids"] == 4000
    for i in range(1, 4000, 97):  # every odd id written by the writers is findable
        assert i in lsh.query(data[i], top_k=None)
    lsh.close()


def test_python_keeps_running_while_cpp_indexes(prefix, redis_url):
    data = np.random.default_rng(0).standard_normal((100_000, DIM)).astype(np.float32)
    lsh = LSHRS(dim=DIM, num_perm=64, redis_url=redis_url, redis_prefix=prefix)
    started = threading.Event()

    def work():
        started.set()
        lsh.index(np.arange(100_000), data)

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    spins = 0
    while t.is_alive():
        spins += 1
    t.join()
    # With the GIL held through index(), this loop could not run until it returned.
    assert spins > 10_000, spins
    assert lsh.stats()["storage"]["ids"] == 100_000
    lsh.clear()
    lsh.close()
