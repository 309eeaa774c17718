"""Random-hyperplane hashing (Charikar 2002), computed by the C++ core."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._arrays import as_matrix, as_seed, as_vector
from .._config.config import HashSignatures
from .._errors import Error, InvalidArgumentError, python_error


class LSHHasher:
    """Banded random-projection signatures.

    ``num_bands`` bands of ``rows_per_band`` hyperplanes over ``dim``
    dimensions, drawn from ``seed``. Immutable; safe to use from many threads
    (hashing releases the GIL).
    """

    def __init__(self, num_bands: int, rows_per_band: int, dim: int, seed: int = 42) -> None:
        for name, value in (("num_bands", num_bands), ("rows_per_band", rows_per_band),
                            ("dim", dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
                    not 0 < value < 2**63:
                raise InvalidArgumentError(
                    f"{name} must be an integer greater than zero, got {name}={value!r}")
        try:
            self._hasher = _core.Hasher(int(dim), int(num_bands), int(rows_per_band),
                                        as_seed(seed))
        except Error as exc:
            raise python_error(exc) from None
        self.num_bands = int(num_bands)
        self.rows_per_band = int(rows_per_band)
        self.dim = int(dim)
        self.seed = seed

    @classmethod
    def _from_projections(cls, projections: np.ndarray, num_bands: int, rows_per_band: int) -> "LSHHasher":
        self = cls.__new__(cls)
        matrix = np.ascontiguousarray(projections, dtype=np.float32)
        self._hasher = _core.Hasher(matrix.shape[1], num_bands, rows_per_band, matrix)
        self.num_bands, self.rows_per_band, self.dim = num_bands, rows_per_band, matrix.shape[1]
        self.seed = None
        return self

    @property
    def projections(self) -> list[np.ndarray]:
        """One read-only float32 ``(rows_per_band, dim)`` array per band."""
        matrix = self._hasher.projections
        r = self.rows_per_band
        return [matrix[b * r:(b + 1) * r] for b in range(self.num_bands)]

    def _signature_bytes(self, matrix: np.ndarray) -> np.ndarray:
        return self._hasher.hash(matrix)  # (n, bands, band_bytes) uint8

    def hash_vector(self, vector: Any) -> HashSignatures:
        sig = self._signature_bytes(as_vector(vector, self.dim).reshape(1, -1))[0]
        return HashSignatures(tuple(row.tobytes() for row in sig))

    def hash_batch(self, vectors: Any) -> list[HashSignatures]:
        """Signatures of every row of a 2-D ``(n, dim)`` array (a 1-D vector is refused:
        hash_vector() takes one)."""
        if np.ndim(vectors) != 2:
            raise InvalidArgumentError(
                f"vectors must be a 2-D array of shape (n, {self.dim}), got {np.ndim(vectors)} "
                f"dimension(s); hash_vector() takes one vector")
        sigs = self._signature_bytes(as_matrix(vectors, self.dim))
        return [HashSignatures(tuple(row.tobytes() for row in sig)) for sig in sigs]

    def __repr__(self) -> str:
        return (f"LSHHasher(num_bands={self.num_bands}, rows_per_band={self.rows_per_band}, "
                f"dim={self.dim}, seed={self.seed})")
