"""The C++ source behind each create_signatures format.

Imports the format modules; they import only _batches, never this module."""

from __future__ import annotations

from typing import Any, Optional

from .. import _core
from .._errors import InvalidArgumentError
from .parquet import _native_source as parquet_source
from .postgres import _native_source as postgres_source


def _take(kwargs: dict, allowed: set, what: str) -> dict:
    unknown = set(kwargs) - allowed
    if unknown:
        raise InvalidArgumentError(
            f"unknown {what} options {sorted(unknown)}; expected some of {sorted(allowed)}")
    return kwargs


def open_source(kind: str, kwargs: dict) -> Optional[Any]:
    """A _core.VectorSource, or None when batches must come through Python
    (PostgreSQL through a caller's DB-API connection_factory)."""
    if kind == "postgres":
        if kwargs.get("connection_factory") is not None:
            return None
        return postgres_source(**kwargs)
    if kind == "parquet":
        args = dict(kwargs)
        path = args.pop("source", None) or args.pop("path", None)
        if path is None:
            raise InvalidArgumentError("format='parquet' needs source= (a file, glob or directory)")
        _take(args, {"index_column", "vector_column", "batch_size"}, "parquet")
        return parquet_source(path, **args)
    args = _take(dict(kwargs), {"path", "ids", "batch_size"} if kind == "npy"
                 else {"path", "batch_size"}, kind)
    if "path" not in args:
        raise InvalidArgumentError(f"format={kind!r} needs path=")
    if kind == "npy":
        return _core.npy_source(str(args["path"]), None if args.get("ids") is None
                                else str(args["ids"]), int(args.get("batch_size", 10_000)))
    return _core.fvecs_source(str(args["path"]), int(args.get("batch_size", 10_000)))
