"""Parquet files as vectors, read by DuckDB inside the C++ core (no pyarrow).

``source`` is a file, a glob (``"shards/*.parquet"``) or a directory. The id
column may be int32/int64/uint64; the vector column FLOAT[]/DOUBLE[] or a
fixed-size list. Batches stream, so memory stays bounded.
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Union

import numpy as np

from .. import _core
from . import _batches

DEFAULT_PARQUET_BATCH_SIZE = 10_000


def _native_source(source: Union[str, os.PathLike], index_column: str = "index",
                   vector_column: str = "vector",
                   batch_size: int = DEFAULT_PARQUET_BATCH_SIZE) -> Any:
    return _core.parquet_source(os.fspath(source), index_column, vector_column, int(batch_size))


def iter_parquet_vectors(source: Union[str, os.PathLike], *, index_column: str = "index",
                         vector_column: str = "vector",
                         batch_size: int = DEFAULT_PARQUET_BATCH_SIZE
                         ) -> Iterator[tuple[list[int], np.ndarray]]:
    """Yields ``(ids, float32 (n, dim) array)`` batches of at most ``batch_size`` rows."""
    yield from _batches.iterate(_native_source(source, index_column, vector_column, batch_size))


def parquet_fetcher(source: Union[str, os.PathLike], *, index_column: str = "index",
                    vector_column: str = "vector") -> Any:
    """A built-in vector_fetch_fn over Parquet files (ours): pass it to LSHRS."""
    return _core.parquet_fetcher(os.fspath(source), index_column, vector_column)


def write_parquet(path: Union[str, os.PathLike], ids: Any, vectors: Any, *,
                  index_column: str = "index", vector_column: str = "vector") -> None:
    """Writes an id column (BIGINT) and a vector column (FLOAT[]) (ours; sample data)."""
    _core.write_parquet(os.fspath(path), np.ascontiguousarray(ids, dtype=np.int64),
                        np.ascontiguousarray(vectors, dtype=np.float32), index_column,
                        vector_column)


__all__ = ["DEFAULT_PARQUET_BATCH_SIZE", "iter_parquet_vectors", "parquet_fetcher"]
