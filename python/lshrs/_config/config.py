"""Value types shared by the hasher and the index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class HashSignatures:
    """The band signatures of one vector: one ``bytes`` per band.

    Band ``b``'s bytes are the sign bits of its ``rows_per_band`` hyperplanes,
    packed least-significant-bit first; they name the Redis bucket
    ``<prefix>:<b>:bucket:<hex>``.
    """

    bands: tuple[bytes, ...]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.bands)

    def __len__(self) -> int:
        return len(self.bands)

    def __getitem__(self, index: int) -> bytes:
        return self.bands[index]

    def as_tuple(self) -> tuple[bytes, ...]:
        return self.bands
