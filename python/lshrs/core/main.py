"""LSHRS: the index, with the original package's interface, on the C++ core.

Hashing, Redis traffic and cosine reranking run in C++ with the GIL released,
so threads that ingest and query at once scale. Bad input raises before
anything is written: a batch is validated whole first. As in the original
(redis-py), nothing connects at construction: the first read or write does,
after its arguments were checked.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import tempfile
import threading
import types
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np

from .. import _core
from .._arrays import as_ids, as_matrix, as_seed as _seed, as_vector
from .._errors import (Error, InvalidArgumentError, ModelNotFoundError, RerankUnavailableError,
                       python_error, zero_vector_message)
from ..hash.lsh import LSHHasher
from ..storage.redis import (RedisStorage, _is_native, _python_store, _settings,
                             _without_password)

VectorFetchFn = Callable[[Sequence[int]], np.ndarray]
CandidateScores = list[tuple[int, float]]

_FORMATS = {"postgres": "postgres", "pg": "postgres", "parquet": "parquet", "pq": "parquet",
            "npy": "npy", "fvecs": "fvecs"}
_ZERO_TOLERANCE = 1e-8  # the core's: every component within it of 0 is a zero vector
_MAX_COUNT = 2**63 - 1   # counts (top_k, dim, ...) the core takes: what fits its size_t and more
FAMILIES = ("hyperplane", "cross-polytope", "k-means")


class _DefaultNumPerm(int):
    """num_perm's default, 128: for cross-polytope and k-means with num_bands and
    rows_per_band given, num_perm left at it means their product."""


_NUM_PERM_DEFAULT = _DefaultNumPerm(128)


def _fetcher(dim: int, fn: Any) -> Any:
    if fn is None or isinstance(fn, _core.VectorFetcher):
        return fn
    if not callable(fn):
        raise InvalidArgumentError(
            f"vector_fetch_fn must be callable (ids -> array (len(ids), {dim})), "
            f"got {type(fn).__name__}")
    return _core.callback_fetcher(dim, fn)


def _attribute_texts(attributes: Optional[Sequence[Optional[dict]]], n: int) -> Optional[list[str]]:
    """One JSON text per id ("" for None) from ``attributes``; None when none is given.
    The library checks what a filter can read (a flat object); here only that each is a dict."""
    if attributes is None:
        return None
    if isinstance(attributes, (str, bytes, dict)) or not isinstance(attributes, Sequence):
        raise InvalidArgumentError(
            f"attributes must be a list with one dict (or None) per id, got {type(attributes).__name__}")
    if len(attributes) != n:
        raise InvalidArgumentError(
            f"{n} ids but {len(attributes)} attributes; give one dict (or None) per id")
    texts = []
    for i, a in enumerate(attributes):
        if a is None:
            texts.append("")
            continue
        if not isinstance(a, Mapping):
            raise InvalidArgumentError(
                f"attributes[{i}] must be a dict such as {{'lang': 'en'}} or None, got {a!r:.80}")
        try:
            texts.append(json.dumps(a, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"attributes[{i}] cannot be stored as JSON: {exc}") from None
    return texts


def _positive(name: str, value: Any, allow_none: bool = False, words: str = "") -> Optional[int]:
    """``value`` as an int > 0; refused in the original's words ("… must be greater than zero")."""
    if value is None and allow_none:
        return None
    words = words or name
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgumentError(f"{words} must be an integer greater than zero, "
                                   f"got {name}={value!r}")
    if value <= 0:
        got = f"{value!r}" if words == name else f"{name}={value!r}"
        raise InvalidArgumentError(f"{words} must be greater than zero (got {got})")
    if value > _MAX_COUNT:
        raise InvalidArgumentError(f"{name} must be at most 2**63 - 1 (got {name}={value!r})")
    return int(value)


def _probes(value: Any, name: str = "probes") -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidArgumentError(f"{name} must be an integer >= 0 or None, got {value!r}")
    if value > _core.MAX_PROBES:
        raise InvalidArgumentError(
            f"{name} must be at most {_core.MAX_PROBES} extra buckets per query (got "
            f"{name}={value!r}); 0 reads only each band's own bucket")
    return int(value)


def _family(value: Any) -> str:
    if value not in FAMILIES:
        raise InvalidArgumentError(
            f"family must be one of {', '.join(map(repr, FAMILIES))}, got {value!r}")
    return value


def _format_kind(format: Any) -> str:
    kind = _FORMATS.get(format.lower()) if isinstance(format, str) else None
    if kind is None:
        raise InvalidArgumentError(
            f"Unsupported format {format!r}: use 'postgres' (or 'pg'), 'parquet' (or 'pq'), "
            f"'npy' or 'fvecs'")
    return kind


def _bad_row(matrix: np.ndarray, ids: Optional[np.ndarray]) -> Optional[str]:
    """The core's message for the first zero or non-finite row, or None: the check the
    core makes, done here when nothing is connected yet (so it comes first)."""
    finite = np.isfinite(matrix)
    ok = finite.all(axis=1) & (np.abs(matrix) > _ZERO_TOLERANCE).any(axis=1)
    if ok.all():
        return None
    i = int(np.argmin(ok))
    what = f"query vector {i}" if ids is None else f"vector for id {int(ids[i])} (row {i})"
    if not finite[i].all():
        j = int(np.argmin(finite[i]))
        return (f"{what} has a non-finite value ({float(matrix[i, j])}) at component {j}; "
                f"clean the embedding first")
    where = f"query, row {i}" if ids is None else f"id {int(ids[i])}, row {i}"
    return (zero_vector_message(where) +
            "its cosine similarity is undefined; drop it or fix the embedding")


class _BufferView:
    """``LSHRS._buffer``, read-only: its length is the original's buffer length, the
    band operations (vectors × bands) that wait for flush(). Asks the index's buffer
    (not the store) on every len()."""

    def __init__(self, owner: "LSHRS") -> None:
        self._owner = owner

    def __len__(self) -> int:
        index = self._owner._opened
        return 0 if index is None else index.buffered() * self._owner.num_bands

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        return f"<LSHRS buffer: {len(self)} band operations waiting for flush()>"

    def _read_only(self, *args: Any) -> None:
        raise TypeError("LSHRS._buffer is a read-only view of the core's buffer (it holds "
                        "hashed vectors, not band operations): ingest() vectors instead")

    append = extend = insert = clear = _read_only


class LSHRS:
    """Redis-backed LSH index for cosine similarity.

    ``num_bands``/``rows_per_band``: give both or neither (then chosen for
    ``similarity_threshold``, a cosine; see lshrs.utils.br). ``buffer_size``:
    band operations (vectors × bands) buffered by ingest() before a flush, as
    in the original. ``storage``: a :class:`RedisStorage` or any object with
    its protocol (a mock too: it is called, never unwrapped). Ours:
    ``redis_url`` (``redis://…``, ``unix://…``) and ``redis_cluster``
    (``"auto"``, ``"on"``, ``"off"``).

    ``family`` (ours): ``"hyperplane"`` (the default, the only family the
    original package reads), ``"cross-polytope"`` or ``"k-means"``. For those
    two, ``num_perm`` left at its default means ``num_bands * rows_per_band``;
    for k-means ``rows_per_band`` is the bits per band and ``projections`` the
    trained centroids (:func:`lshrs.train_kmeans`, shape ``(num_bands *
    2**rows_per_band, dim)``). ``projections`` (ours) replace the ones drawn
    from ``seed`` (hyperplanes ``(num_perm, dim)``). An existing index of any
    family opens with :meth:`open` or :meth:`load_from_disk`.

    Nothing connects here: the first read or write does, after its arguments
    were checked. If the prefix holds an index of another configuration, that
    first use refuses (ValueError, naming both); ``clear()`` deletes it first.

    Thread safety: any number of threads may ingest, index, query and delete
    at once; writes become visible to queries once flushed.
    """

    def __init__(self, *, dim: int, num_perm: int = _NUM_PERM_DEFAULT,
                 num_bands: Optional[int] = None,
                 rows_per_band: Optional[int] = None, similarity_threshold: float = 0.5,
                 buffer_size: int = 10000, vector_fetch_fn: Optional[VectorFetchFn] = None,
                 storage: Any = None, redis_host: str = "localhost", redis_port: int = 6379,
                 redis_db: int = 0, redis_password: Optional[str] = None,
                 redis_prefix: str = "lsh", redis_max_connections: int = 50,
                 decode_responses: bool = False, seed: Optional[int] = 42,
                 redis_url: Optional[str] = None, redis_cluster: str = "auto",
                 family: str = "hyperplane", projections: Optional[np.ndarray] = None,
                 _projections: Optional[np.ndarray] = None,
                 _query_defaults: Optional[Mapping[str, Any]] = None) -> None:
        self.family = _family(family)
        self.dim = _positive("dim", dim, words="dimensionality")
        if (num_bands is None) != (rows_per_band is None):
            raise InvalidArgumentError(
                f"give both num_bands and rows_per_band or neither, got num_bands={num_bands!r}, "
                f"rows_per_band={rows_per_band!r}")
        _positive("num_bands", num_bands, allow_none=True)
        _positive("rows_per_band", rows_per_band, allow_none=True)
        if (num_perm is _NUM_PERM_DEFAULT and family != "hyperplane" and num_bands is not None
                and num_bands * rows_per_band <= _MAX_COUNT):
            num_perm = num_bands * rows_per_band
        self.num_perm = _positive("num_perm", num_perm)
        if num_bands is not None and num_bands * rows_per_band != self.num_perm:
            raise InvalidArgumentError(
                f"num_bands * rows_per_band must equal num_perm (got {num_bands} * "
                f"{rows_per_band} = {num_bands * rows_per_band}, num_perm={self.num_perm})")
        if projections is not None and _projections is not None:
            raise InvalidArgumentError("give projections once (projections=, not _projections=)")
        if projections is None:
            projections = _projections
        if family == "k-means" and projections is None:
            raise InvalidArgumentError(
                "family='k-means' needs its trained centroids, which no seed gives: pass "
                "projections=lshrs.train_kmeans(vectors, num_bands, rows_per_band), or open a "
                "trained index with LSHRS.load_from_disk(model_dir) or LSHRS.open(prefix)")
        self.similarity_threshold = float(similarity_threshold)
        self.buffer_size = _positive("buffer_size", buffer_size)
        self.seed = secrets.randbits(63) if seed is None else _seed(seed)
        defaults = dict(_query_defaults or {})
        probes = _probes(defaults.get("probes") or 0)
        max_candidates = _positive("max_candidates", defaults.get("max_candidates"),
                                   allow_none=True)
        self.vector_fetch_fn = vector_fetch_fn
        self.redis_config = {"host": redis_host, "port": int(redis_port), "db": int(redis_db),
                             "prefix": redis_prefix, "decode_responses": bool(decode_responses),
                             "max_connections": int(redis_max_connections), "url": redis_url,
                             "cluster": redis_cluster}
        if storage is None:
            storage = RedisStorage(host=redis_host, port=redis_port, db=redis_db,
                                   password=redis_password, decode_responses=decode_responses,
                                   prefix=redis_prefix, max_connections=redis_max_connections,
                                   url=redis_url, cluster=redis_cluster)
        # Saved models and pickles describe the server the storage really uses.
        self.redis_config.update(_settings(storage) or {})
        self.storage = storage
        self._python_store = None
        if not _is_native(storage):
            self._python_store = _python_store(storage)
        prefix = getattr(storage, "prefix", None)
        self.redis_prefix = prefix if isinstance(prefix, str) and prefix else redis_prefix
        args = dict(dim=self.dim, num_perm=self.num_perm, num_bands=num_bands,  # as asked
                    rows_per_band=rows_per_band, similarity_threshold=self.similarity_threshold,
                    seed=self.seed, prefix=self.redis_prefix, family=self.family,
                    probes=probes, max_candidates=max_candidates,
                    projections=None if projections is None
                    else np.ascontiguousarray(projections, dtype=np.float32))
        try:
            # The same index on an in-memory store: the core checks the configuration
            # and draws the projections here, without the network.
            self._offline = _core.Index(**args, buffer_size=self.buffer_size,
                                        store=_core.MemoryStore())
        except Error as exc:
            raise python_error(exc) from None
        self.num_bands = self._offline.num_bands
        self.rows_per_band = self._offline.rows_per_band
        # What the core made of it (cross-polytope chooses its own bands for a budget).
        self.num_perm = self._offline.config["num_perm"]
        # The core's buffer counts vectors; the original's buffer_size counts band operations.
        self._open_args = dict(args, buffer_size=-(-self.buffer_size // self.num_bands),
                               fetcher=_fetcher(self.dim, vector_fetch_fn))
        self._opened: Any = None
        self._open_lock = threading.Lock()
        self._hasher: Optional[LSHHasher] = None  # the original's attribute: hyperplanes only
        if self.family == "hyperplane":
            self._hasher = LSHHasher._from_projections(self._offline.projections, self.num_bands,
                                                       self.rows_per_band)
            self._hasher.seed = self.seed

    @property
    def query_defaults(self) -> dict:
        """``probes`` and ``max_candidates`` a query that gives none uses (ours): a tuned
        model's or index's recommendation, else 0 probes and no cap."""
        config = self._offline.config
        return {"probes": config["probes"], "max_candidates": config["max_candidates"]}

    # -- the index in the store, opened by the first read or write --------------------------
    def _bucket_store(self) -> Any:
        if self._python_store is None:
            store = self.storage._native()  # connects
            if store is not None:
                return store
            # Its class changed since construction: call it back instead.
            self._python_store = _python_store(self.storage)
        return self._python_store

    def _open(self) -> Any:
        with self._open_lock:
            if self._opened is None:
                try:
                    self._opened = _core.Index(**self._open_args, store=self._bucket_store())
                except Error as exc:
                    raise python_error(exc) from None
            return self._opened

    @property
    def _index(self) -> Any:
        """The core's Index over the store (opening it on first use)."""
        index = self._opened
        return index if index is not None else self._open()

    @_index.setter
    def _index(self, index: Any) -> None:
        self._opened = index

    # -- the original's private attributes, read-only --------------------------------------
    @property
    def _config(self) -> Mapping[str, Any]:
        """The configuration as the original keeps it (and model files hold it)."""
        return types.MappingProxyType({
            "dim": self.dim, "num_perm": self.num_perm, "num_bands": self.num_bands,
            "rows_per_band": self.rows_per_band,
            "similarity_threshold": self.similarity_threshold,
            "buffer_size": self.buffer_size, "seed": self.seed})

    @property
    def _dim(self) -> int:
        return self.dim

    @property
    def _buffer(self) -> _BufferView:
        return _BufferView(self)

    def _resolve_loader(self, format: str) -> Callable[..., Any]:
        """The iter_*_vectors function of a create_signatures format."""
        kind = _format_kind(format)
        if kind == "postgres":
            from ..io.postgres import iter_postgres_vectors as loader
        elif kind == "parquet":
            from ..io.parquet import iter_parquet_vectors as loader
        elif kind == "npy":
            from ..io.npy import iter_npy_vectors as loader
        else:
            from ..io.npy import iter_fvecs_vectors as loader
        return loader

    def _check_rows(self, matrix: np.ndarray, ids: Optional[np.ndarray] = None) -> None:
        """Before the index is open, the core's row checks, so they precede connecting."""
        if self._opened is None:
            problem = _bad_row(matrix, ids)
            if problem:
                raise InvalidArgumentError(problem)

    # -- writing -------------------------------------------------------------------------
    def create_signatures(self, *, format: str = "postgres", **loader_kwargs: Any) -> None:
        """Streams every vector of a source into the index, batch by batch.

        ``format``: ``"postgres"``/``"pg"`` (kwargs of iter_postgres_vectors),
        ``"parquet"``/``"pq"`` (``source`` and the kwargs of iter_parquet_vectors),
        and ours ``"npy"``/``"fvecs"`` (``path``, ``batch_size``; npy also ``ids``).
        """
        kind = _format_kind(format)
        from ..io import _sources

        try:
            source = _sources.open_source(kind, loader_kwargs)
            if source is None:  # a Python DB-API connection: batches come through Python
                from ..io.postgres import iter_postgres_vectors

                for ids, vectors in iter_postgres_vectors(**loader_kwargs):
                    self.index(ids, vectors)
                return
            self._index.ingest_from(source)
        except Error as exc:
            raise python_error(exc) from None

    def ingest(self, index: int, vector: Any, *, attributes: Optional[dict] = None) -> None:
        """Buffers one vector under ``index``; flushed when the buffer is full.
        ``attributes`` (ours): a flat dict for filters, e.g. ``{"lang": "en"}``."""
        ids = as_ids(index, "index")
        if ids.size != 1:
            raise InvalidArgumentError(f"index must be one integer id, got {index!r}")
        v = as_vector(vector, self.dim)
        texts = _attribute_texts([attributes], 1)
        self._check_rows(v.reshape(1, -1), ids)
        try:
            self._index.ingest(int(ids[0]), v, texts[0] if texts else "")
        except Error as exc:
            raise python_error(exc) from None

    def flush(self) -> None:
        """Writes buffered vectors to the store."""
        if self._opened is None:
            return  # nothing was ingested: nothing to write, no need to connect
        try:
            self._opened.flush()
        except Error as exc:
            raise python_error(exc) from None

    def index(self, indices: Sequence[int], vectors: Any = None, *,
              attributes: Optional[Sequence[Optional[dict]]] = None) -> None:
        """Hashes and stores a batch (vectors None: fetched through vector_fetch_fn).
        ``attributes`` (ours): one flat dict (or None) per id, for filters."""
        ids = as_ids(indices)
        texts = _attribute_texts(attributes, ids.size)
        if texts is not None and vectors is None:
            raise InvalidArgumentError("attributes need the vectors: pass vectors= as well")
        if ids.size == 0 and (vectors is None or len(vectors) == 0):
            return
        if vectors is None:
            if self.vector_fetch_fn is None:
                raise RerankUnavailableError(
                    "index(indices) without vectors needs vector_fetch_fn to fetch them")
            try:
                self._index.index_fetch(ids)
            except Error as exc:
                raise python_error(exc) from None
            return
        matrix = as_matrix(vectors, self.dim)
        if matrix.shape[0] != ids.size:
            raise InvalidArgumentError(
                f"Number of indices does not match number of vectors: {ids.size} indices but "
                f"{matrix.shape[0]} vectors; give one id per row")
        self._check_rows(matrix, ids)
        try:
            self._index.index(ids, matrix, texts)
        except Error as exc:
            raise python_error(exc) from None

    def attributes(self, indices: Sequence[int]) -> list[Optional[dict]]:
        """Each id's stored attributes (ours): a dict, or None for an id without
        attributes or not indexed. Buffered writes are read once flushed."""
        ids = as_ids(indices)
        try:
            return [None if t is None else json.loads(t) for t in self._index.attributes(ids)]
        except Error as exc:
            raise python_error(exc) from None

    # -- reading -------------------------------------------------------------------------
    def _query_args(self, top_k: Optional[int], top_p: Optional[float],
                    min_similarity: Optional[float], probes: Optional[int],
                    max_candidates: Optional[int], rerank: bool, filter: Optional[str] = None,
                    filter_effort: Optional[int] = None) -> "_core.QueryOptions":
        top_k = _positive("top_k", top_k, allow_none=True)
        # The ranges and the rerank rule are the library's (option_rules.hpp,
        # QueryOptions::reranks); checked here to raise the original's error types.
        if top_p is not None:
            if isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.integer,
                                                                 np.floating)):
                raise InvalidArgumentError(
                    f"top_p must be within the range (0, 1], got {top_p!r} (not a number)")
            top_p = float(top_p)
            if _core.top_p_problem(top_p):
                raise InvalidArgumentError(f"top_p must be within the range (0, 1] (got {top_p!r})")
        if min_similarity is not None:
            min_similarity = float(min_similarity)
            problem = _core.min_similarity_problem(min_similarity)
            if problem:
                raise InvalidArgumentError(f"min_similarity {problem}")
        if _core.reranks(top_p, min_similarity, bool(rerank)) and self.vector_fetch_fn is None:
            raise RerankUnavailableError(
                "reranking (top_p, min_similarity, rerank) needs vector_fetch_fn: pass "
                "LSHRS(vector_fetch_fn=...) to fetch candidate vectors")
        options = _core.QueryOptions()
        options.top_k = top_k
        options.top_p = top_p
        options.min_similarity = min_similarity
        options.rerank = bool(rerank)
        options.max_candidates = _positive("max_candidates", max_candidates, allow_none=True)
        options.probes = _probes(probes)
        if filter is not None:
            if not isinstance(filter, str):
                raise InvalidArgumentError(
                    f"filter must be a string such as '.year > 2020', got {filter!r}")
            options.filter = filter
        options.filter_effort = _positive("filter_effort", filter_effort, allow_none=True)
        return options

    @staticmethod
    def _result(result: tuple) -> Union[list[int], CandidateScores]:
        ids, sims = result[0], result[1]
        if sims is None:
            return ids.tolist()
        return list(zip(ids.tolist(), sims.tolist()))

    def query(self, vector: Any, *, top_k: Optional[int] = 10, top_p: Optional[float] = None,
              probes: Optional[int] = None, max_candidates: Optional[int] = None,
              min_similarity: Optional[float] = None,
              rerank: bool = False, filter: Optional[str] = None,
              filter_effort: Optional[int] = None) -> Union[list[int], CandidateScores]:
        """Ids by band collisions, or ``(id, cosine)`` pairs when reranking.

        top_p keeps the best ``max(1, ceil(candidates * top_p))`` by cosine,
        capped by top_k (None: no cap). Ours: ``probes`` (multi-probe budget:
        extra buckets over all bands; None: the index's default, a tuned
        model's or 0), ``max_candidates`` (rerank at most this many; None: the
        index's default), ``min_similarity``, ``filter`` (only ids whose
        attributes pass it, in Redis vector sets' FILTER syntax such as
        ``'.year > 2020 and .lang == "en"'``; docs/filters.md) and
        ``filter_effort`` (most candidates a filtered query examines; None:
        100 × top_k).
        """
        options = self._query_args(top_k, top_p, min_similarity, probes, max_candidates, rerank,
                                   filter, filter_effort)
        v = as_vector(vector, self.dim)
        self._check_rows(v.reshape(1, -1))
        try:
            return self._result(self._index.query(v, options))
        except Error as exc:
            raise python_error(exc) from None

    def query_batch(self, vectors: Any, *, top_k: Optional[int] = 10,
                    top_p: Optional[float] = None, probes: Optional[int] = None,
                    max_candidates: Optional[int] = None, min_similarity: Optional[float] = None,
                    rerank: bool = False, filter: Optional[str] = None,
                    filter_effort: Optional[int] = None) -> list:
        """``query`` for every row of a 2-D array, in one store round trip (ours)."""
        options = self._query_args(top_k, top_p, min_similarity, probes, max_candidates, rerank,
                                   filter, filter_effort)
        matrix = as_matrix(vectors, self.dim)
        self._check_rows(matrix)
        try:
            return [self._result(r) for r in self._index.query_batch(matrix, options)]
        except Error as exc:
            raise python_error(exc) from None

    def get_top_k(self, vector: Any, topk: int = 10) -> list[int]:
        """The ``topk`` ids sharing the most buckets with ``vector``."""
        return self.query(vector, top_k=topk)  # type: ignore[return-value]

    def get_above_p(self, vector: Any, p: float = 0.95) -> CandidateScores:
        """``(id, cosine)`` of the best ``max(1, ceil(candidates * p))`` candidates."""
        return self.query(vector, top_k=None, top_p=p)  # type: ignore[return-value]

    # -- maintenance ---------------------------------------------------------------------
    def delete(self, indices: Union[int, Sequence[int]]) -> None:
        """Removes ids from every bucket (buffered ones too)."""
        ids = as_ids(indices)
        try:
            self._index.remove(ids)
        except Error as exc:
            raise python_error(exc) from None

    def clear(self) -> None:
        """Deletes every key of the prefix (after flushing); the index stays usable.
        Also what makes a prefix that holds an index of another configuration new."""
        try:
            if self._opened is None:  # whatever the prefix holds, ours or not
                self._bucket_store().clear(self.redis_prefix)
            else:
                self._opened.clear()
        except Error as exc:
            raise python_error(exc) from None

    def stats(self) -> dict:
        """The original keys (dimension, num_perm, …, redis_prefix) and ours:
        seed, store, buffered (vectors), and ``storage`` (ids, buckets, bucket sizes,
        ``warnings``: an evicting server, buckets lost)."""
        try:
            info = self._index.stats()
        except Error as exc:
            raise python_error(exc) from None
        info["buffer_size"] = self.buffer_size
        return info

    def save_to_disk(self, path: Union[str, os.PathLike]) -> None:
        """Writes ``metadata.json`` and ``projections.npz`` (the original's format)."""
        index = self._opened if self._opened is not None else self._offline
        try:
            index.save(os.fspath(path))
        except Error as exc:
            raise python_error(exc) from None
        meta_path = Path(path) / "metadata.json"
        meta = json.loads(meta_path.read_text())
        meta.setdefault("config", {})["buffer_size"] = self.buffer_size
        redis = meta.setdefault("redis_config", {})
        for key in ("host", "port", "db", "decode_responses", "max_connections"):
            redis[key] = self.redis_config[key]
        redis["prefix"] = self.redis_prefix
        redis["password"] = "<REDACTED>"
        fd, tmp = tempfile.mkstemp(dir=path, prefix=".metadata.")
        with os.fdopen(fd, "w") as out:
            json.dump(meta, out, indent=2)
        os.replace(tmp, meta_path)

    @classmethod
    def load_from_disk(cls, path: Union[str, os.PathLike], *, redis_config: Optional[dict] = None,
                       vector_fetch_fn: Optional[VectorFetchFn] = None,
                       storage: Any = None) -> "LSHRS":
        """An index from a model directory; ``redis_config`` overrides its Redis settings
        (host, port, db, password, prefix, decode_responses, max_connections; ours: url, cluster).

        Reads every model the lshrs tool, the C++ library and the original package write:
        any family (its projections, cross-polytope signs or k-means centroids) and a
        tuned model's query defaults, which queries then use when they give no
        ``probes`` / ``max_candidates``."""
        directory = Path(path)
        for needed in (directory, directory / "metadata.json", directory / "projections.npz"):
            if not needed.exists():
                raise ModelNotFoundError(f"model {needed} not found (looked for {path!s})")
        try:
            config, redis, projections = _core.load_model(os.fspath(directory))
        except Error as exc:
            raise python_error(exc) from None
        redis.update(redis_config or {})
        unknown = set(redis) - {"host", "port", "db", "password", "prefix", "decode_responses",
                                "max_connections", "url", "cluster"}
        if unknown:
            raise InvalidArgumentError(f"unknown redis_config keys: {sorted(unknown)}")
        return cls(dim=config["dim"], num_perm=config["num_perm"], num_bands=config["num_bands"],
                   rows_per_band=config["rows_per_band"],
                   similarity_threshold=config["similarity_threshold"],
                   buffer_size=config["buffer_size"], seed=config["seed"],
                   vector_fetch_fn=vector_fetch_fn, storage=storage,
                   redis_host=redis["host"], redis_port=redis["port"], redis_db=redis["db"],
                   redis_password=redis.get("password"), redis_prefix=redis["prefix"],
                   redis_max_connections=redis["max_connections"],
                   decode_responses=redis["decode_responses"], redis_url=redis.get("url"),
                   redis_cluster=redis.get("cluster", "auto"), family=config["family"],
                   projections=projections, _query_defaults=config)

    @classmethod
    def open(cls, prefix: str = "lsh", *, redis_url: Optional[str] = None,
             redis_host: str = "localhost", redis_port: int = 6379, redis_db: int = 0,
             redis_password: Optional[str] = None, redis_max_connections: int = 50,
             decode_responses: bool = False, redis_cluster: str = "auto", storage: Any = None,
             vector_fetch_fn: Optional[VectorFetchFn] = None,
             buffer_size: int = 10000) -> "LSHRS":
        """The index already under ``prefix`` (ours), adopted from its ``<prefix>:meta``:
        whatever its family and configuration, written by this package, the lshrs tool or
        the C++ library; nothing is repeated. Queries use the query defaults its creator
        recorded (a tuned model's probes / max_candidates). Connects now, to read the
        meta; ConfigurationError (a ValueError) when the prefix holds no index. An index
        the original package wrote has no meta: open it with ``LSHRS(...)`` and its
        configuration."""
        if not isinstance(prefix, str) or not prefix:
            raise InvalidArgumentError(f"prefix must be a non-empty string, got {prefix!r}")
        if storage is None:
            storage = RedisStorage(host=redis_host, port=redis_port, db=redis_db,
                                   password=redis_password, decode_responses=decode_responses,
                                   prefix=prefix, max_connections=redis_max_connections,
                                   url=redis_url, cluster=redis_cluster)
        else:
            theirs = getattr(storage, "prefix", None)
            if isinstance(theirs, str) and theirs and theirs != prefix:
                raise InvalidArgumentError(
                    f"storage has prefix {theirs!r} but open() was asked for {prefix!r}: give "
                    f"a storage of that prefix, or no storage")
        store = storage._native() if _is_native(storage) else None
        if store is None:
            store = _python_store(storage)
        try:
            found = _core.Index.open_existing(store, prefix)
            config, projections = found.config, np.array(found.projections)
            found.close()
        except Error as exc:
            raise python_error(exc) from None
        redis = _settings(storage) or {}
        return cls(dim=config["dim"], num_perm=config["num_perm"], num_bands=config["num_bands"],
                   rows_per_band=config["rows_per_band"],
                   similarity_threshold=config["similarity_threshold"], buffer_size=buffer_size,
                   seed=config["seed"], vector_fetch_fn=vector_fetch_fn, storage=storage,
                   redis_host=redis.get("host", redis_host),
                   redis_port=redis.get("port", redis_port), redis_db=redis.get("db", redis_db),
                   redis_prefix=prefix, redis_max_connections=redis_max_connections,
                   decode_responses=decode_responses, redis_url=redis.get("url", redis_url),
                   redis_cluster=redis.get("cluster", redis_cluster), family=config["family"],
                   projections=projections, _query_defaults=config)

    def close(self) -> None:
        """Flushes (raising any error) and closes the storage."""
        if self._opened is not None:
            try:
                self._opened.close()
            except Error as exc:
                raise python_error(exc) from None
        close = getattr(self.storage, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> "LSHRS":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        family = "" if self.family == "hyperplane" else f", family={self.family!r}"
        return (f"LSHRS(dim={self.dim}, num_perm={self.num_perm}, num_bands={self.num_bands}, "
                f"rows_per_band={self.rows_per_band}, redis_prefix={self.redis_prefix!r}{family})")

    # -- pickling: configuration and projections, never the password --------------------
    # A storage object that pickles travels along; one that does not (locks, sockets)
    # is replaced on unpickling by a RedisStorage of redis_config, as in the original.
    def __getstate__(self) -> dict:
        self.flush()
        state = {"dim": self.dim, "num_perm": self.num_perm, "num_bands": self.num_bands,
                 "rows_per_band": self.rows_per_band,
                 "similarity_threshold": self.similarity_threshold,
                 "buffer_size": self.buffer_size, "seed": self.seed,
                 "redis_config": dict(self.redis_config, prefix=self.redis_prefix,
                                      url=_without_password(self.redis_config["url"])),
                 "projections": np.array(self._offline.projections),
                 "family": self.family, "query_defaults": self.query_defaults}
        if self._python_store is not None:
            try:
                pickle.dumps(self.storage)
                state["storage"] = self.storage
            except Exception:
                pass
        try:
            pickle.dumps(self.vector_fetch_fn)
            state["vector_fetch_fn"] = self.vector_fetch_fn
        except Exception:  # lambdas, closures: the caller passes them again
            state["vector_fetch_fn"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        redis = state["redis_config"]
        self.__init__(  # type: ignore[misc]
            dim=state["dim"], num_perm=state["num_perm"], num_bands=state["num_bands"],
            rows_per_band=state["rows_per_band"],
            similarity_threshold=state["similarity_threshold"], buffer_size=state["buffer_size"],
            seed=state["seed"], vector_fetch_fn=state.get("vector_fetch_fn"),
            storage=state.get("storage"), redis_host=redis["host"], redis_port=redis["port"],
            redis_db=redis["db"], redis_prefix=redis["prefix"],
            redis_max_connections=redis["max_connections"],
            decode_responses=redis["decode_responses"], redis_url=redis["url"],
            redis_cluster=redis["cluster"], family=state.get("family", "hyperplane"),
            projections=state["projections"], _query_defaults=state.get("query_defaults"))
