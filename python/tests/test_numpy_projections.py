"""Same seed, same projections as the original package (numpy's default_rng):
the C++ core's default generator reproduces numpy (src/lsh/numpy_random.hpp)."""

from __future__ import annotations

import numpy as np
import pytest

from lshrs import LSHRS
from lshrs.hash.lsh import LSHHasher


def numpy_projections(seed, bands, rows, dim):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((rows, dim)).astype(np.float32) for _ in range(bands)]


@pytest.mark.parametrize("seed,bands,rows,dim", [(42, 16, 8, 64), (0, 4, 32, 3), (2**40 + 7, 32, 4, 128)])
def test_hasher_projections_equal_numpys(seed, bands, rows, dim):
    ours = LSHHasher(bands, rows, dim, seed=seed).projections
    for a, b in zip(ours, numpy_projections(seed, bands, rows, dim)):
        np.testing.assert_array_equal(a, b)


def test_lshrs_writes_the_buckets_numpy_projections_give(prefix, redis_url, rclient):
    dim, bands, rows = 24, 8, 8
    v = np.random.default_rng(1).standard_normal(dim).astype(np.float32)
    lsh = LSHRS(dim=dim, num_bands=bands, rows_per_band=rows, num_perm=64, seed=42,
                redis_url=redis_url, redis_prefix=prefix)
    lsh.index([5], v[None, :])
    for band, proj in enumerate(numpy_projections(42, bands, rows, dim)):
        bits = (proj @ v > 0).astype(np.uint8)
        key = f"{prefix}:{band}:bucket:{np.packbits(bits, bitorder='little').tobytes().hex()}"
        assert rclient.smembers(key) == {b"5"}
    lsh.close()
