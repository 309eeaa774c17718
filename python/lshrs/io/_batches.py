"""Batches of a C++ VectorSource as Python values.

The format modules (npy, parquet, postgres) iterate their sources through
here, and _sources (the create_signatures dispatcher) imports those modules:
keeping this helper apart makes the imports run one way, with no cycle.
"""

from __future__ import annotations

from typing import Any


def iterate(source: Any):
    """(list of ids, (n, dim) float32 array) per batch of a _core.VectorSource."""
    while True:
        batch = source.next()
        if batch is None:
            return
        ids, vectors = batch
        yield ids.tolist(), vectors
