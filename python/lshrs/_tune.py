"""lshrs.tune and lshrs.train_kmeans (ours): the C++ tuner and k-means training.

Both run in C++ with the GIL released, so other Python threads keep running;
Ctrl-C stops them (KeyboardInterrupt) at the next check: between tuning
steps and during measurement within ~0.1 s, during k-means training after the
current Lloyd iteration (training cannot be interrupted inside one), and not
while the tuner computes the exact neighbours or builds one candidate index.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from . import _core
from ._arrays import as_matrix
from ._errors import Error, InvalidArgumentError, python_error
from .core.main import FAMILIES, _positive, _probes, _seed


@dataclass(frozen=True)
class TunePoint:
    """One measured configuration: an index (family, bands, rows) queried with
    ``probes`` and ``max_candidates`` (None: every candidate reranked)."""

    family: str
    bands: int
    rows: int                 # hashes per band (k-means: bits per band)
    bits_per_band: int
    seed: int
    probes: int
    max_candidates: Optional[int]
    recall: float             # recall@k on the tuning queries, by similarity
    held_out_recall: float    # the same on the held-out queries
    recall_by_id: float
    held_out_recall_by_id: float
    mean_candidates: float    # distinct ids found per query
    fraction_read: float      # vectors fetched per query / vectors indexed
    queries_per_second: float  # reranked, one thread
    bytes_per_vector: Optional[float]  # the store's memory per vector (None: in memory)
    ingest_vectors_per_second: float


@dataclass(frozen=True)
class TuneResult:
    """What :func:`tune` measured. ``recommended`` is the fastest point whose
    recall meets the target on both query halves (None if none did);
    ``frontier`` the Pareto-optimal points by recall (desc); ``model`` the
    directory the recommendation was saved to (``save_model``), for
    :meth:`LSHRS.load_from_disk` and ``lshrs index --model``."""

    recommended: Optional[TunePoint]
    frontier: list[TunePoint]
    points: list[TunePoint]
    warnings: list[str] = field(default_factory=list)
    model: Optional[str] = None
    indexed: int = 0
    tuning_queries: int = 0
    held_out_queries: int = 0
    cancelled: bool = False   # the progress callback returned False


def _counts(name: str, values: Optional[Sequence[int]]) -> list[int]:
    if values is None:
        return []
    if isinstance(values, (int, np.integer)):
        values = [values]
    return [_probes(v) if name == "probes" else _positive(name, v) for v in values]


def _rows(vectors: Any) -> np.ndarray:
    if np.ndim(vectors) != 2 or 0 in np.shape(vectors):
        raise InvalidArgumentError(
            f"vectors must be a non-empty 2-D array (n, dim), got shape {np.shape(vectors)}")
    return as_matrix(vectors, np.shape(vectors)[1])


def _check_save_dir(save_model: Union[str, os.PathLike]) -> str:
    path = Path(save_model)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InvalidArgumentError(
            f"save_model: {str(path)!r} exists and is not an empty directory; give a new or "
            f"empty directory for the tuned model")
    return os.fspath(path)


def tune(vectors: Any, *, target_recall: float = 0.95, k: int = 10,
         redis_url: Optional[str] = None, families: Optional[Sequence[str]] = None,
         save_model: Optional[Union[str, os.PathLike]] = None,
         progress: Optional[Callable[[dict], Any]] = None, queries: Any = None,
         bands: Optional[Sequence[int]] = None, probes: Optional[Sequence[int]] = None,
         max_candidates: Sequence[Optional[int]] = (None,), queries_per_half: int = 200,
         sample_size: Optional[int] = None, max_bytes_per_vector: Optional[float] = None,
         seed: int = 42, prefix: str = "lshrs-tune") -> TuneResult:
    """Measures index configurations on ``vectors`` ((n, dim); ids are row numbers)
    and recommends the fastest whose reranked recall@``k`` reaches ``target_recall``
    on tuning and held-out queries (``queries``, or 2 × ``queries_per_half`` rows
    drawn from ``vectors`` and left out of the index).

    ``families``: any of "hyperplane", "cross-polytope", "k-means" (default:
    cross-polytope and hyperplane, as ``lshrs tune``). ``redis_url``: measure in
    that Redis (candidates under ``<prefix>-<i>``, deleted afterwards); None: in
    memory (no bytes/vector). ``save_model``: a new or empty directory to save the
    recommendation in, with its probes / max_candidates as query defaults.
    ``progress(info)``: called after each step with a dict (message, configs_done,
    configs_total, point); returning False stops early (``cancelled``).
    ``bands``, ``probes``, ``max_candidates``, ``sample_size``,
    ``max_bytes_per_vector``, ``seed``: as ``lshrs tune`` (docs/tuning.md).
    """
    base = _rows(vectors)
    query_rows = None if queries is None else as_matrix(queries, base.shape[1], "queries")
    if isinstance(target_recall, bool) or not isinstance(target_recall, (int, float)) or \
            not 0 < target_recall < 1:
        raise InvalidArgumentError(f"target_recall must be in (0, 1), got {target_recall!r}")
    families = ["cross-polytope", "hyperplane"] if families is None else \
        [families] if isinstance(families, str) else list(families)
    for f in families:
        if f not in FAMILIES:
            raise InvalidArgumentError(
                f"families: {f!r} is not one of {', '.join(map(repr, FAMILIES))}")
    caps = [None if m is None else _positive("max_candidates", m) for m in max_candidates]
    store = None
    if redis_url is not None:
        try:
            store = _core.RedisStore(url=redis_url)
        except Error as exc:
            raise python_error(exc) from None
    try:
        report = _core.tune(
            base, query_rows, target_recall=float(target_recall), k=_positive("k", k),
            families=families, bands=_counts("bands", bands),
            probes=_counts("probes", probes), max_candidates=caps,
            queries_per_half=_positive("queries_per_half", queries_per_half), margin=0.01,
            sample_size=_positive("sample_size", sample_size, allow_none=True),
            max_bytes_per_vector=None if max_bytes_per_vector is None
            else float(max_bytes_per_vector),
            seed=_seed(seed), prefix=prefix, store=store, progress=progress,
            save_model=None if save_model is None else _check_save_dir(save_model))
    except Error as exc:
        raise python_error(exc) from None
    points = [TunePoint(**p) for p in report["points"]]
    chosen = report["recommended"]
    return TuneResult(recommended=None if chosen is None else points[chosen],
                      frontier=[points[i] for i in report["frontier"]], points=points,
                      warnings=list(report["warnings"]), model=report["model"],
                      indexed=report["indexed"], tuning_queries=report["tuning_queries"],
                      held_out_queries=report["held_out_queries"],
                      cancelled=report["cancelled"])


def train_kmeans(vectors: Any, bands: int, bits: int, *, iterations: int = 10,
                 sample_size: int = 50000, seed: int = 42,
                 progress: Optional[Callable[[dict], Any]] = None) -> np.ndarray:
    """Trains spherical k-means centroids for a k-means index: ``bands`` bands of
    ``2**bits`` unit-norm centroids each, every band on its own seeded sample of
    ``sample_size`` rows of ``vectors`` ((n, dim); zero and non-finite rows are
    skipped), at most ``iterations`` Lloyd iterations. Returns a float32 array
    ``(bands * 2**bits, dim)``: pass it as ``LSHRS(family="k-means",
    num_bands=bands, rows_per_band=bits, projections=...)``. The same rows,
    arguments and seed give the same centroids. ``progress(info)`` is called after
    each iteration (band, iteration, mean_similarity, ...); raising in it stops
    training, as Ctrl-C does (after the current iteration)."""
    rows = _rows(vectors)
    bits = _positive("bits", bits)
    if bits > _core.MAX_KMEANS_BITS:
        raise InvalidArgumentError(
            f"bits must be at most {_core.MAX_KMEANS_BITS} (2**bits centroids per band), "
            f"got {bits}")
    try:
        return _core.train_kmeans(rows, bands=_positive("bands", bands), bits=bits,
                                  iterations=_positive("iterations", iterations),
                                  sample_size=_positive("sample_size", sample_size),
                                  seed=_seed(seed), progress=progress)
    except Error as exc:
        raise python_error(exc) from None
