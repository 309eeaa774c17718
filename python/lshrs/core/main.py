"""LSHRS: the index, with the original package's interface, on the C++ core.

Hashing, Redis traffic and cosine reranking run in C++ with the GIL released,
so threads that ingest and query at once scale. Bad input raises before
anything is written: a batch is validated whole first.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .. import _core
from .._arrays import as_ids, as_matrix, as_vector
from .._errors import InvalidArgumentError, ModelNotFoundError, RerankUnavailableError
from ..storage.redis import RedisStorage, _check_protocol, _native_store, _without_password

VectorFetchFn = Callable[[Sequence[int]], np.ndarray]
CandidateScores = list[tuple[int, float]]

_FORMATS = {"postgres": "postgres", "pg": "postgres", "parquet": "parquet", "pq": "parquet",
            "npy": "npy", "fvecs": "fvecs"}


def _fetcher(dim: int, fn: Any) -> Any:
    if fn is None or isinstance(fn, _core.VectorFetcher):
        return fn
    if not callable(fn):
        raise InvalidArgumentError(
            f"vector_fetch_fn must be callable (ids -> array (len(ids), {dim})), "
            f"got {type(fn).__name__}")
    return _core.callback_fetcher(dim, fn)


def _positive(name: str, value: Any, allow_none: bool = False) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class LSHRS:
    """Redis-backed LSH index for cosine similarity.

    ``num_bands``/``rows_per_band``: give both or neither (then chosen for
    ``similarity_threshold``, a cosine; see lshrs.utils.br). ``storage``: a
    :class:`RedisStorage` or any object with its protocol. Ours:
    ``redis_url`` (``redis://…``, ``unix://…``) and ``redis_cluster``
    (``"auto"``, ``"on"``, ``"off"``).

    Thread safety: any number of threads may ingest, index, query and delete
    at once; writes become visible to queries once flushed.
    """

    def __init__(self, *, dim: int, num_perm: int = 128, num_bands: Optional[int] = None,
                 rows_per_band: Optional[int] = None, similarity_threshold: float = 0.5,
                 buffer_size: int = 10000, vector_fetch_fn: Optional[VectorFetchFn] = None,
                 storage: Any = None, redis_host: str = "localhost", redis_port: int = 6379,
                 redis_db: int = 0, redis_password: Optional[str] = None,
                 redis_prefix: str = "lsh", redis_max_connections: int = 50,
                 decode_responses: bool = False, seed: Optional[int] = 42,
                 redis_url: Optional[str] = None, redis_cluster: str = "auto",
                 _projections: Optional[np.ndarray] = None) -> None:
        self.dim = _positive("dim", dim)
        self.num_perm = _positive("num_perm", num_perm)
        if (num_bands is None) != (rows_per_band is None):
            raise InvalidArgumentError(
                f"give both num_bands and rows_per_band or neither, got num_bands={num_bands!r}, "
                f"rows_per_band={rows_per_band!r}")
        _positive("num_bands", num_bands, allow_none=True)
        _positive("rows_per_band", rows_per_band, allow_none=True)
        self.similarity_threshold = float(similarity_threshold)
        self.buffer_size = _positive("buffer_size", buffer_size)
        self.seed = secrets.randbits(63) if seed is None else int(seed)
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
        elif isinstance(storage, RedisStorage) and "_store" in vars(storage):
            # Saved models and pickles describe the server the storage really uses.
            self.redis_config.update({k: getattr(storage, k) for k in (
                "host", "port", "db", "decode_responses", "max_connections", "url", "cluster")})
        self.storage = storage
        store = _native_store(storage)
        if store is None:
            _check_protocol(storage)
            store = _core.PythonStore(storage)
        prefix = getattr(storage, "prefix", None) or redis_prefix
        self.redis_prefix = prefix
        self._index = _core.Index(
            dim=self.dim, num_perm=self.num_perm, num_bands=num_bands, rows_per_band=rows_per_band,
            similarity_threshold=self.similarity_threshold, buffer_size=self.buffer_size,
            seed=self.seed, prefix=prefix, store=store,
            fetcher=_fetcher(self.dim, vector_fetch_fn),
            projections=None if _projections is None
            else np.ascontiguousarray(_projections, dtype=np.float32))
        self.num_bands = self._index.num_bands
        self.rows_per_band = self._index.rows_per_band

    # -- writing -------------------------------------------------------------------------
    def create_signatures(self, *, format: str = "postgres", **loader_kwargs: Any) -> None:
        """Streams every vector of a source into the index, batch by batch.

        ``format``: ``"postgres"``/``"pg"`` (kwargs of iter_postgres_vectors),
        ``"parquet"``/``"pq"`` (``source`` and the kwargs of iter_parquet_vectors),
        and ours ``"npy"``/``"fvecs"`` (``path``, ``batch_size``; npy also ``ids``).
        """
        kind = _FORMATS.get(str(format).lower()) if isinstance(format, str) else None
        if kind is None:
            raise InvalidArgumentError(
                f"Unknown format {format!r}: use 'postgres' (or 'pg'), 'parquet' (or 'pq'), "
                f"'npy' or 'fvecs'")
        from ..io import _sources

        source = _sources.open_source(kind, loader_kwargs)
        if source is None:  # a Python DB-API connection: batches come through Python
            from ..io.postgres import iter_postgres_vectors

            for ids, vectors in iter_postgres_vectors(**loader_kwargs):
                self.index(ids, vectors)
            return
        self._index.ingest_from(source)

    def ingest(self, index: int, vector: Any) -> None:
        """Buffers one vector under ``index``; flushed when the buffer is full."""
        ids = as_ids(index, "index")
        if ids.size != 1:
            raise InvalidArgumentError(f"index must be one integer id, got {index!r}")
        self._index.ingest(int(ids[0]), as_vector(vector, self.dim))

    def flush(self) -> None:
        """Writes buffered vectors to the store."""
        self._index.flush()

    def index(self, indices: Sequence[int], vectors: Any = None) -> None:
        """Hashes and stores a batch (vectors None: fetched through vector_fetch_fn)."""
        ids = as_ids(indices)
        if ids.size == 0 and (vectors is None or len(vectors) == 0):
            return
        if vectors is None:
            if self.vector_fetch_fn is None:
                raise RerankUnavailableError(
                    "index(indices) without vectors needs vector_fetch_fn to fetch them")
            self._index.index_fetch(ids)
            return
        matrix = as_matrix(vectors, self.dim)
        if matrix.shape[0] != ids.size:
            raise InvalidArgumentError(
                f"{ids.size} indices but {matrix.shape[0]} vectors: give one id per row")
        self._index.index(ids, matrix)

    # -- reading -------------------------------------------------------------------------
    def _query_args(self, top_k: Optional[int], top_p: Optional[float],
                    min_similarity: Optional[float], probes: Optional[int],
                    max_candidates: Optional[int], rerank: bool) -> tuple:
        top_k = _positive("top_k", top_k, allow_none=True)
        # The ranges and the rerank rule are the library's (option_rules.hpp,
        # QueryOptions::reranks); checked here to raise the original's error types.
        if top_p is not None:
            if isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.floating)):
                raise InvalidArgumentError(f"top_p must be a number, got {top_p!r}")
            top_p = float(top_p)
            problem = _core.top_p_problem(top_p)
            if problem:
                raise InvalidArgumentError(f"top_p {problem}")
        if min_similarity is not None:
            min_similarity = float(min_similarity)
            problem = _core.min_similarity_problem(min_similarity)
            if problem:
                raise InvalidArgumentError(f"min_similarity {problem}")
        if _core.reranks(top_p, min_similarity, bool(rerank)) and self.vector_fetch_fn is None:
            raise RerankUnavailableError(
                "reranking (top_p, min_similarity, rerank) needs vector_fetch_fn: pass "
                "LSHRS(vector_fetch_fn=...) to fetch candidate vectors")
        if probes is not None and (isinstance(probes, bool) or not isinstance(probes, (int, np.integer))
                                   or probes < 0):
            raise InvalidArgumentError(f"probes must be an integer >= 0 or None, got {probes!r}")
        max_candidates = _positive("max_candidates", max_candidates, allow_none=True)
        return (top_k, top_p, min_similarity, bool(rerank), max_candidates,
                None if probes is None else int(probes))

    @staticmethod
    def _result(result: tuple) -> Union[list[int], CandidateScores]:
        ids, sims = result[0], result[1]
        if sims is None:
            return ids.tolist()
        return list(zip(ids.tolist(), sims.tolist()))

    def query(self, vector: Any, *, top_k: Optional[int] = 10, top_p: Optional[float] = None,
              probes: Optional[int] = None, max_candidates: Optional[int] = None,
              min_similarity: Optional[float] = None,
              rerank: bool = False) -> Union[list[int], CandidateScores]:
        """Ids by band collisions, or ``(id, cosine)`` pairs when reranking.

        top_p keeps the best ``max(1, ceil(candidates * top_p))`` by cosine,
        capped by top_k (None: no cap). Ours: ``probes`` (multi-probe budget:
        extra buckets over all bands; None: the index's default, a tuned
        model's or 0), ``max_candidates`` (rerank at most this many; None: the
        index's default), ``min_similarity``.
        """
        args = self._query_args(top_k, top_p, min_similarity, probes, max_candidates, rerank)
        return self._result(self._index.query(as_vector(vector, self.dim), *args))

    def query_batch(self, vectors: Any, *, top_k: Optional[int] = 10,
                    top_p: Optional[float] = None, probes: Optional[int] = None,
                    max_candidates: Optional[int] = None, min_similarity: Optional[float] = None,
                    rerank: bool = False) -> list:
        """``query`` for every row of a 2-D array, in one store round trip (ours)."""
        args = self._query_args(top_k, top_p, min_similarity, probes, max_candidates, rerank)
        return [self._result(r)
                for r in self._index.query_batch(as_matrix(vectors, self.dim), *args)]

    def get_top_k(self, vector: Any, topk: int = 10) -> list[int]:
        """The ``topk`` ids sharing the most buckets with ``vector``."""
        return self.query(vector, top_k=topk)  # type: ignore[return-value]

    def get_above_p(self, vector: Any, p: float = 0.95) -> CandidateScores:
        """``(id, cosine)`` of the best ``max(1, ceil(candidates * p))`` candidates."""
        return self.query(vector, top_k=None, top_p=p)  # type: ignore[return-value]

    # -- maintenance ---------------------------------------------------------------------
    def delete(self, indices: Union[int, Sequence[int]]) -> None:
        """Removes ids from every bucket (buffered ones too)."""
        self._index.remove(as_ids(indices))

    def clear(self) -> None:
        """Deletes every key of the prefix; the index stays usable."""
        self._index.clear()

    def stats(self) -> dict:
        """The original keys (dimension, num_perm, …, redis_prefix) and ours:
        seed, store, buffered, and ``storage`` (ids, buckets, bucket sizes)."""
        return self._index.stats()

    def save_to_disk(self, path: Union[str, os.PathLike]) -> None:
        """Writes ``metadata.json`` and ``projections.npz`` (the original's format)."""
        self._index.save(os.fspath(path))
        meta_path = Path(path) / "metadata.json"
        meta = json.loads(meta_path.read_text())
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
        (host, port, db, password, prefix, decode_responses, max_connections; ours: url, cluster)."""
        directory = Path(path)
        for needed in (directory, directory / "metadata.json", directory / "projections.npz"):
            if not needed.exists():
                raise ModelNotFoundError(f"model {needed} not found (looked for {path!s})")
        config, redis, projections = _core.load_model(os.fspath(directory))
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
                   redis_cluster=redis.get("cluster", "auto"), _projections=projections)

    def close(self) -> None:
        """Flushes (raising any error) and closes the storage."""
        self._index.close()
        close = getattr(self.storage, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> "LSHRS":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"LSHRS(dim={self.dim}, num_perm={self.num_perm}, num_bands={self.num_bands}, "
                f"rows_per_band={self.rows_per_band}, redis_prefix={self.redis_prefix!r})")

    # -- pickling: configuration and projections, never the password --------------------
    def __getstate__(self) -> dict:
        self.flush()
        state = {"dim": self.dim, "num_perm": self.num_perm, "num_bands": self.num_bands,
                 "rows_per_band": self.rows_per_band,
                 "similarity_threshold": self.similarity_threshold,
                 "buffer_size": self.buffer_size, "seed": self.seed,
                 "redis_config": dict(self.redis_config, prefix=self.redis_prefix,
                                      url=_without_password(self.redis_config["url"])),
                 "projections": np.array(self._index.projections)}
        if _native_store(self.storage) is None:
            state["storage"] = self.storage
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
            redis_cluster=redis["cluster"], _projections=state["projections"])

