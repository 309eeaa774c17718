"""Vector normalisation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import InvalidArgumentError


def l2_norm(vector: Any) -> np.ndarray:
    """``vector`` scaled to unit length (row by row for a 2-D array), as float32.

    Raises ValueError (lshrs.InvalidArgumentError) for a zero vector or row."""
    arr = np.asarray(vector, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise InvalidArgumentError("Cannot normalize zero vector")
    return arr / norms
