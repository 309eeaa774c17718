"""Conversions at the boundary: numpy in, numpy out, copies only when needed."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import InvalidArgumentError


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None:
        return f"array of shape {tuple(shape)} and dtype {dtype}"
    return type(value).__name__


def _float32(value: Any, what: str, expected: str) -> np.ndarray:
    """float32 C order: the array itself when it already is one (no copy)."""
    try:
        return np.asarray(value, dtype=np.float32, order="C")
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"{what} must be {expected}, got {_describe(value)}: {exc}") from None


def as_matrix(vectors: Any, dim: int, what: str = "vectors") -> np.ndarray:
    """(n, dim) float32 C-contiguous: no copy when it already is one."""
    arr = _float32(vectors, what, f"numbers of shape (n, {dim})")
    if arr.ndim == 1 and arr.shape[0] == dim:
        arr = arr.reshape(1, dim)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise InvalidArgumentError(
            f"Vectors must have shape (n, {dim}); {what} has shape {arr.shape}"
        )
    return arr


def as_vector(vector: Any, dim: int, what: str = "vector") -> np.ndarray:
    """(dim,) float32 C-contiguous: no copy when it already is one."""
    arr = _float32(vector, what, f"{dim} numbers")
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr.reshape(-1)
    if arr.shape != (dim,):
        raise InvalidArgumentError(
            f"{what} dimension does not match: {what} must have shape ({dim},), "
            f"got shape {arr.shape}")
    return arr


def as_ids(indices: Any, what: str = "indices") -> np.ndarray:
    """1-D int64 ids; refuses floats, bools and negatives with the value named."""
    if isinstance(indices, (int, np.integer)) and not isinstance(indices, bool):
        indices = [indices]
    arr = np.asarray(indices)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == object and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   for v in arr.reshape(-1)):
        big = max(arr.reshape(-1))  # Python ints beyond int64/uint64
        if big > np.iinfo(np.int64).max:
            raise InvalidArgumentError(f"{what} holds an id above 2^63-1: {big}")
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"{what} must be integers, got {_describe(arr)} (first: {arr.reshape(-1)[0]!r})"
        )
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise InvalidArgumentError(f"{what} holds an id above 2^63-1: {arr.max()}")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(f"{what} must be non-negative, got {int(arr.min())}")
    return arr


def as_seed(value: Any, what: str = "seed") -> int:
    """A seed: an integer in [0, 2**64 - 1] (TypeError for other types, as numpy's)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an integer in [0, 2**64 - 1] or None, "
                        f"got {type(value).__name__} {value!r}")
    if not 0 <= value <= 2**64 - 1:
        raise InvalidArgumentError(f"{what} must be an integer in [0, 2**64 - 1] or None "
                                   f"(got {what}={value!r})")
    return int(value)
