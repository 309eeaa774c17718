"""NumPy .npy and TEXMEX .fvecs files, memory-mapped by the C++ core (ours)."""

from __future__ import annotations

import os
from typing import Any, Iterator, Optional, Union

import numpy as np

from .. import _core
from . import _batches

PathLike = Union[str, os.PathLike]


def iter_npy_vectors(path: PathLike, *, ids: Optional[PathLike] = None,
                     batch_size: int = 10_000) -> Iterator[tuple[list[int], np.ndarray]]:
    """Batches of a (n, dim) float32/float64 .npy; ids are row numbers unless an
    int64 ids .npy is given."""
    source = _core.npy_source(os.fspath(path), None if ids is None else os.fspath(ids),
                              int(batch_size))
    yield from _batches.iterate(source)


def iter_fvecs_vectors(path: PathLike, *, batch_size: int = 10_000
                       ) -> Iterator[tuple[list[int], np.ndarray]]:
    """Batches of an .fvecs file; ids are row numbers."""
    yield from _batches.iterate(_core.fvecs_source(os.fspath(path), int(batch_size)))


def npy_fetcher(path: PathLike, *, ids: Optional[PathLike] = None,
                in_memory: Optional[bool] = None) -> Any:
    """A built-in vector_fetch_fn reading rows of a .npy file by id.

    in_memory: True copies the rows into memory at open (transparent huge
    pages: reranks score scattered rows faster than through the mapping),
    False reads the mapping, None (default) copies when the rows take at most
    a quarter of physical memory.
    """
    return _core.npy_fetcher(os.fspath(path), None if ids is None else os.fspath(ids), in_memory)


__all__ = ["iter_npy_vectors", "iter_fvecs_vectors", "npy_fetcher"]
