"""PostgreSQL tables or queries as vectors.

With ``dsn`` the rows stream through the C++ core (libpq, a server-side cursor
in a READ ONLY transaction, the GIL released). With ``connection_factory`` (a
callable returning a DB-API connection, e.g. psycopg with pooling or TLS
settings of your own) they stream through that connection's cursor.

``where_clause``, ``order_by`` and ``fetch_query`` are SQL you own; values go in
``params`` with the original's ``%s`` placeholders (``%%`` for a literal %).
``fetch_query`` replaces the generated SELECT and must return (id, vector).
Vectors may be real[]/double precision[], pgvector text ``[1,2,3]``, array
text ``{1,2,3}`` or bytea of little-endian float32.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from .. import _core
from .._errors import InvalidArgumentError, SourceError
from . import _batches

DEFAULT_POSTGRES_BATCH_SIZE = 10_000

_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> tuple[str, int]:
    """%s → $1, $2 … and %% → %; returns the SQL and the placeholder count."""
    count = 0

    def repl(m: re.Match) -> str:
        nonlocal count
        if m.group(0) == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(repl, sql), count


def _quote_identifier(name: str) -> str:
    parts = re.findall(r'"(?:[^"]|"")*"|[^.]+', name)
    if not parts:
        raise InvalidArgumentError(f"bad table name {name!r}")
    return ".".join(p if p.startswith('"') else '"' + p.replace('"', '""') + '"' for p in parts)


def _select(table: str, index_column: str, vector_column: str, limit: Optional[int],
            where_clause: Optional[str], order_by: Optional[str],
            fetch_query: Optional[str]) -> str:
    if fetch_query:
        return fetch_query
    sql = (f"SELECT {_quote_identifier(index_column)}, {_quote_identifier(vector_column)} "
           f"FROM {_quote_identifier(table)}")
    if where_clause:
        sql += f" WHERE {where_clause}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def _native_source(*, dsn: Optional[str] = None, connection_factory: Any = None,
                   table: str = "vectors", index_column: str = "id",
                   vector_column: str = "embedding", batch_size: int = DEFAULT_POSTGRES_BATCH_SIZE,
                   limit: Optional[int] = None, where_clause: Optional[str] = None,
                   order_by: Optional[str] = None, params: Optional[Sequence[Any]] = None,
                   fetch_query: Optional[str] = None) -> Any:
    if limit is not None and (isinstance(limit, bool) or int(limit) < 0):
        raise InvalidArgumentError(f"limit must be >= 0, got {limit!r}")
    values = [str(p) for p in (params or [])]
    if fetch_query or values:
        sql, count = _numbered(_select(table, index_column, vector_column, limit, where_clause,
                                       order_by, fetch_query))
        if count != len(values):
            raise InvalidArgumentError(
                f"the SQL has {count} %s placeholders but params has {len(values)} values")
        return _core.postgres_source(dsn=dsn or "", table="", id_column=index_column,
                                     vector_column=vector_column, where="", order_by="",
                                     limit=None, query=sql, params=values,
                                     batch_size=int(batch_size))
    return _core.postgres_source(dsn=dsn or "", table=table, id_column=index_column,
                                 vector_column=vector_column,
                                 where=(where_clause or "").replace("%%", "%"),
                                 order_by=order_by or "", limit=limit, query="", params=[],
                                 batch_size=int(batch_size))


def _parse_vector(value: Any, row_id: Any, column: str) -> np.ndarray:
    if value is None:
        raise SourceError(f"id {row_id}, column {column}: NULL vector")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(value), dtype="<f4").astype(np.float32)
    if isinstance(value, str):
        text = value.strip().strip("[]{}")
        try:
            return np.array([float(x) for x in text.split(",")], dtype=np.float32)
        except ValueError:
            raise SourceError(f"id {row_id}, column {column}: not a vector: {value[:40]!r}") from None
    return np.asarray(value, dtype=np.float32)


def _iter_dbapi(connection_factory: Callable[[], Any], sql: str, params: Sequence[Any],
                batch_size: int, column: str) -> Iterator[tuple[list[int], np.ndarray]]:
    conn = connection_factory()
    try:
        try:
            cursor = conn.cursor(name="lshrs_vectors")  # server-side where supported
        except TypeError:
            cursor = conn.cursor()
        cursor.itersize = batch_size
        cursor.execute(sql, tuple(params) if params else None)
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                break
            ids = [int(r[0]) for r in rows]
            vectors = [_parse_vector(r[1], r[0], column) for r in rows]
            if len({v.shape for v in vectors}) != 1:
                raise SourceError(f"column {column}: vectors of different lengths in one batch")
            yield ids, np.vstack(vectors)
        cursor.close()
    finally:
        conn.close()


def iter_postgres_vectors(*, dsn: Optional[str] = None,
                          connection_factory: Optional[Callable[[], Any]] = None,
                          table: str = "vectors", index_column: str = "id",
                          vector_column: str = "embedding",
                          batch_size: int = DEFAULT_POSTGRES_BATCH_SIZE,
                          limit: Optional[int] = None, where_clause: Optional[str] = None,
                          order_by: Optional[str] = None, params: Optional[Sequence[Any]] = None,
                          fetch_query: Optional[str] = None
                          ) -> Iterator[tuple[list[int], np.ndarray]]:
    """Yields ``(ids, float32 (n, dim) array)`` batches of at most ``batch_size`` rows."""
    if connection_factory is not None:
        sql = _select(table, index_column, vector_column, limit, where_clause, order_by,
                      fetch_query)
        yield from _iter_dbapi(connection_factory, sql, params or (), int(batch_size),
                               vector_column)
        return
    yield from _batches.iterate(_native_source(
        dsn=dsn, table=table, index_column=index_column, vector_column=vector_column,
        batch_size=batch_size, limit=limit, where_clause=where_clause, order_by=order_by,
        params=params, fetch_query=fetch_query))


def postgres_fetcher(*, dsn: str, table: str = "vectors", index_column: str = "id",
                     vector_column: str = "embedding") -> Any:
    """A built-in vector_fetch_fn (ours): ``WHERE id = ANY($1)`` on the table."""
    return _core.postgres_fetcher(dsn=dsn, table=table, id_column=index_column,
                                  vector_column=vector_column)


__all__ = ["DEFAULT_POSTGRES_BATCH_SIZE", "iter_postgres_vectors", "postgres_fetcher"]
