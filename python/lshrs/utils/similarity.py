"""Cosine similarity, computed by the C++ core (the reranker's own code)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._errors import InvalidArgumentError


def cosine_similarity(query: Any, candidates: Any) -> np.ndarray:
    """Cosine of ``query`` (dim,) with each row of ``candidates`` (n, dim); zero rows
    score 0, a zero query raises ValueError."""
    q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
    c = np.ascontiguousarray(candidates, dtype=np.float32)
    if c.ndim == 1:
        c = c.reshape(1, -1)
    if c.ndim != 2 or c.shape[1] != q.shape[0]:
        raise InvalidArgumentError(
            f"candidates must have shape (n, {q.shape[0]}), got shape {c.shape}")
    if not np.any(q):
        raise InvalidArgumentError("Cannot normalize zero vector (the query)")
    return _core.cosine_similarities(q, c)


def top_k_cosine(query: Any, candidates: Any, *, k: int) -> list[tuple[int, float]]:
    """(position, cosine) of the ``k`` most similar rows, best first (ties: lower position)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    scores = cosine_similarity(query, candidates)
    order = np.lexsort((np.arange(scores.size), -scores))[:k]
    return [(int(i), float(scores[i])) for i in order]
