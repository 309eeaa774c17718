"""Sources and fetchers: PostgreSQL (real server), Parquet via DuckDB, .npy, .fvecs."""

from __future__ import annotations

import uuid

import numpy as np
import psycopg2
import pytest

from lshrs import LSHRS
from lshrs.io.npy import iter_fvecs_vectors, iter_npy_vectors, npy_fetcher
from lshrs.io.parquet import iter_parquet_vectors, parquet_fetcher, write_parquet
from lshrs.io.postgres import DEFAULT_POSTGRES_BATCH_SIZE, iter_postgres_vectors, postgres_fetcher

from conftest import clustered

DIM = 8


@pytest.fixture
def pg_table(pg_dsn):
    data, _ = clustered(250, DIM)
    table = "items_" + uuid.uuid4().hex[:8]
    conn = psycopg2.connect(pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (doc_id bigint PRIMARY KEY, embedding real[], "
                    f"category text)")
        for i, v in enumerate(data):
            cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)",
                        (i, [float(x) for x in v], "a%" if i % 2 else "b"))
    yield table, data
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE {table}")
    conn.close()


def collect(batches):
    ids, vecs = [], []
    for batch_ids, batch in batches:
        assert isinstance(batch_ids, list) and batch.dtype == np.float32
        ids += batch_ids
        vecs.append(batch)
    return ids, np.vstack(vecs)


def test_postgres_table_streams_in_batches(pg_dsn, pg_table):
    table, data = pg_table
    assert DEFAULT_POSTGRES_BATCH_SIZE == 10_000
    sizes = [len(i) for i, _ in iter_postgres_vectors(
        dsn=pg_dsn, table=table, index_column="doc_id", batch_size=100, order_by="doc_id")]
    assert sizes == [100, 100, 50]
    ids, vecs = collect(iter_postgres_vectors(dsn=pg_dsn, table=table, index_column="doc_id",
                                              order_by="doc_id"))
    assert ids == list(range(250))
    np.testing.assert_array_equal(vecs, data)


def test_postgres_where_clause_with_percent_s_params(pg_dsn, pg_table):
    table, _ = pg_table
    ids, _ = collect(iter_postgres_vectors(
        dsn=pg_dsn, table=table, index_column="doc_id", where_clause="doc_id < %s AND category = %s",
        params=[20, "a%"], order_by="doc_id"))
    assert ids == list(range(1, 20, 2))
    ids, _ = collect(iter_postgres_vectors(
        dsn=pg_dsn, fetch_query=f"SELECT doc_id, embedding FROM {table} WHERE doc_id >= %s "
                                f"AND category LIKE 'a%%' ORDER BY doc_id", params=[240]))
    assert ids == [241, 243, 245, 247, 249]
    ids, _ = collect(iter_postgres_vectors(dsn=pg_dsn, table=table, index_column="doc_id",
                                           limit=7, order_by="doc_id DESC"))
    assert ids == list(range(249, 242, -1))


def test_postgres_connection_factory(pg_dsn, pg_table):
    table, data = pg_table
    ids, vecs = collect(iter_postgres_vectors(
        connection_factory=lambda: psycopg2.connect(pg_dsn), table=table, index_column="doc_id",
        where_clause="doc_id < %s", params=[30], order_by="doc_id", batch_size=8))
    assert ids == list(range(30))
    np.testing.assert_array_equal(vecs, data[:30])


def test_postgres_bad_input(pg_dsn, pg_table):
    table, _ = pg_table
    with pytest.raises(ValueError, match="nope"):
        list(iter_postgres_vectors(dsn=pg_dsn, table=table, index_column="nope"))
    with pytest.raises(ValueError, match="placeholders"):
        list(iter_postgres_vectors(dsn=pg_dsn, table=table, where_clause="doc_id < %s"
                                   " AND doc_id > %s", params=[1]))


def test_create_signatures_from_postgres_and_rerank_with_pg_fetcher(pg_dsn, pg_table, prefix,
                                                                    redis_url):
    table, data = pg_table
    fetch = postgres_fetcher(dsn=pg_dsn, table=table, index_column="doc_id")
    lsh = LSHRS(dim=DIM, num_perm=32, redis_url=redis_url, redis_prefix=prefix,
                vector_fetch_fn=fetch)
    lsh.create_signatures(format="pg", dsn=pg_dsn, table=table, index_column="doc_id",
                          vector_column="embedding", batch_size=64)
    assert lsh.stats()["storage"]["ids"] == 250
    pairs = lsh.query(data[12], top_p=1.0, top_k=3)
    assert pairs[0][0] == 12 and pairs[0][1] == pytest.approx(1.0, abs=1e-5)
    lsh.close()


def test_parquet_round_trip_without_pyarrow(tmp_path, prefix, redis_url):
    data, _ = clustered(120, DIM)
    path = tmp_path / "v.parquet"
    write_parquet(path, np.arange(1000, 1120), data)
    ids, vecs = collect(iter_parquet_vectors(path, batch_size=50))
    assert ids == list(range(1000, 1120))
    np.testing.assert_array_equal(vecs, data)
    lsh = LSHRS(dim=DIM, num_perm=32, redis_url=redis_url, redis_prefix=prefix,
                vector_fetch_fn=parquet_fetcher(path))
    lsh.create_signatures(format="parquet", source=str(path))
    assert lsh.query(data[3], top_k=1, top_p=1.0)[0][0] == 1003
    with pytest.raises(ValueError, match="document_id"):
        list(iter_parquet_vectors(path, index_column="document_id"))
    lsh.close()


def test_npy_and_fvecs_sources(tmp_path, prefix, redis_url):
    data, _ = clustered(90, DIM)
    np.save(tmp_path / "v.npy", data)
    ids, vecs = collect(iter_npy_vectors(tmp_path / "v.npy", batch_size=40))
    assert ids == list(range(90))
    np.testing.assert_array_equal(vecs, data)
    with open(tmp_path / "v.fvecs", "wb") as f:
        for v in data:
            np.array([DIM], dtype="<i4").tofile(f)
            v.astype("<f4").tofile(f)
    ids, vecs = collect(iter_fvecs_vectors(tmp_path / "v.fvecs"))
    np.testing.assert_array_equal(vecs, data)
    lsh = LSHRS(dim=DIM, num_perm=32, redis_url=redis_url, redis_prefix=prefix,
                vector_fetch_fn=npy_fetcher(tmp_path / "v.npy"))
    lsh.create_signatures(format="npy", path=tmp_path / "v.npy")
    assert lsh.query(data[44], top_p=1.0, top_k=1) == [(44, pytest.approx(1.0, abs=1e-5))]
    lsh.index([44])  # vectors fetched by the built-in fetcher
    with pytest.raises(ValueError, match="missing.npy"):
        lsh.create_signatures(format="npy", path=tmp_path / "missing.npy")
    lsh.close()


def test_npy_fetcher_in_memory_or_mapped_gives_the_same_rows(tmp_path):
    data, _ = clustered(50, DIM)
    np.save(tmp_path / "v.npy", data.astype(np.float64))  # rounded to float32 either way
    ids = np.array([49, 3, 77, 0, 3], dtype=np.int64)  # 77 is not a row
    got = [npy_fetcher(tmp_path / "v.npy", in_memory=m).fetch(ids) for m in (None, True, False)]
    for found, rows in got:
        np.testing.assert_array_equal(found, [49, 3, 0, 3])
        np.testing.assert_array_equal(rows, data[[49, 3, 0, 3]].astype(np.float32))


def test_postgres_down_is_a_source_error_not_redis():
    """PostgreSQL unreachable (nothing listens on port 1): SourceUnavailableError, a
    built-in ConnectionError, never redis-py's ConnectionError (which means Redis)."""
    import redis
    import lshrs

    with pytest.raises(lshrs.SourceUnavailableError) as info:
        list(iter_postgres_vectors(dsn="postgresql://app:Pw0rdSecret@127.0.0.1:1/db", table="t"))
    assert isinstance(info.value, ConnectionError)
    assert isinstance(info.value, lshrs.SourceError)
    assert not isinstance(info.value, redis.exceptions.ConnectionError)
    assert not isinstance(info.value, lshrs.StorageError)
    assert "PostgreSQL" in str(info.value)
    assert "Pw0rdSecret" not in str(info.value)
