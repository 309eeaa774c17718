"""The original package's README examples, run as written.

Only the server addresses are substituted (the test servers listen on random
ports) and, in the quick start, `from lshrs import LSHRS` is added: the README
imports `lshrs` but calls `LSHRS`, which both names the same class here.
"""

from __future__ import annotations

import os
import uuid

import numpy as np
import psycopg2
import pytest

from lshrs.io.parquet import write_parquet

QUICK_START = '''
import numpy as np
from lshrs import lshrs

def fetch_vectors(indices: list[int]) -> np.ndarray:
    # Replace with your vector store retrieval (PostgreSQL, disk, object store, etc.)
    embeddings = np.load("vectors.npy")
    return embeddings[indices]

lsh = LSHRS(
    dim=768,
    num_perm=256,
    redis_host="localhost",
    redis_prefix="demo",
    vector_fetch_fn=fetch_vectors,
)

# Stream index construction from PostgreSQL
lsh.create_signatures(
    format="postgres",
    dsn="postgresql://user:pass@localhost/db",
    table="documents",
    index_column="doc_id",
    vector_column="embedding",
)

# Insert an ad-hoc document
lsh.ingest(42, np.random.randn(768).astype(np.float32))

# Retrieve candidates
query = np.random.randn(768).astype(np.float32)
top10 = lsh.get_top_k(query, topk=10)
reranked = lsh.get_above_p(query, p=0.2)
'''

POSTGRES_EXAMPLE = '''
lsh.create_signatures(
    format="postgres",
    dsn="postgresql://reader:secret@analytics.db/search",
    table="embeddings",
    index_column="item_id",
    vector_column="embedding",
    batch_size=5_000,
    where_clause="updated_at >= NOW() - INTERVAL '1 day'",
)
'''

PARQUET_EXAMPLE = '''
for ids, batch in iter_parquet_vectors(
    "captures/2024-01-embeddings.parquet",
    index_column="document_id",
    vector_column="embedding",
    batch_size=8_192,
):
    lsh.index(ids, batch)
'''


@pytest.fixture
def pg(pg_dsn):
    conn = psycopg2.connect(pg_dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def run(code, namespace, redis_hostport, pg_dsn, prefix, dsn_in_code):
    host, port = redis_hostport
    code = code.replace('redis_host="localhost",', f'redis_host="{host}", redis_port={port},')
    code = code.replace('redis_prefix="demo"', f'redis_prefix="{prefix}"')
    code = code.replace(dsn_in_code, pg_dsn)
    exec(compile(code, "README", "exec"), namespace)
    return namespace


def test_quick_start(tmp_path, monkeypatch, pg, pg_dsn, redis_hostport, prefix):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((300, 768)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", vectors)
    monkeypatch.chdir(tmp_path)
    with pg.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS documents")
        cur.execute("CREATE TABLE documents (doc_id bigint, embedding real[])")
        for i, v in enumerate(vectors):
            cur.execute("INSERT INTO documents VALUES (%s, %s)", (i, v.tolist()))
    ns = run("from lshrs import LSHRS\n" + QUICK_START, {}, redis_hostport, pg_dsn, prefix,
             "postgresql://user:pass@localhost/db")
    lsh = ns["lsh"]
    assert lsh.stats()["storage"]["ids"] == 300
    assert lsh.stats()["buffered"] == 1  # ingest(42) waits for a flush
    assert isinstance(ns["top10"], list) and len(ns["top10"]) <= 10
    assert all(isinstance(i, int) and 0 <= i < 300 for i in ns["top10"])
    assert all(-1 <= s <= 1 for _, s in ns["reranked"])
    lsh.flush()
    assert lsh.stats()["storage"]["ids"] == 300  # id 42 was replaced, not added
    assert lsh.get_top_k(vectors[7], topk=1) == [7]
    assert lsh.get_above_p(vectors[7], p=0.01)[0] == (7, pytest.approx(1.0, abs=1e-5))
    lsh.clear()
    lsh.close()


def test_ingestion_examples(tmp_path, monkeypatch, pg, pg_dsn, redis_url, prefix):
    from lshrs import LSHRS
    from lshrs.io.parquet import iter_parquet_vectors

    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((40, 16)).astype(np.float32)
    table = "embeddings"
    with pg.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TABLE {table} (item_id bigint, embedding real[], "
                    f"updated_at timestamptz)")
        for i, v in enumerate(vectors):
            age = "1 hour" if i < 25 else "3 days"
            cur.execute(f"INSERT INTO {table} VALUES (%s, %s, NOW() - INTERVAL '{age}')",
                        (i, v.tolist()))
    lsh = LSHRS(dim=16, num_perm=32, redis_url=redis_url, redis_prefix=prefix)
    run(POSTGRES_EXAMPLE, {"lsh": lsh}, ("unused", 0), pg_dsn, prefix,
        "postgresql://reader:secret@analytics.db/search")
    assert lsh.stats()["storage"]["ids"] == 25  # only the rows updated within a day

    monkeypatch.chdir(tmp_path)
    os.mkdir("captures")
    write_parquet("captures/2024-01-embeddings.parquet", np.arange(100, 140), vectors,
                  index_column="document_id", vector_column="embedding")
    run(PARQUET_EXAMPLE, {"lsh": lsh, "iter_parquet_vectors": iter_parquet_vectors},
        ("unused", 0), pg_dsn, prefix, "unused-" + uuid.uuid4().hex)
    assert lsh.stats()["storage"]["ids"] == 65
    assert 130 in lsh.query(vectors[30])
    lsh.close()
