"""Bucket membership in Redis, on the C++ RedisStore (pipelines, Cluster, URLs).

Keys are the original package's: ``<prefix>:<band>:bucket:<hex>`` sets of
decimal ids. :class:`LSHRS` given a plain ``RedisStorage`` talks to Redis
entirely through the C++ store (with the GIL released); a subclass that
overrides the storage protocol is called back method by method instead.
``client`` and ``pipeline()`` hand out a redis-py client (python3-redis,
imported on first use) for code that talks to Redis directly.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence, Tuple

from .. import _core
from .._arrays import as_ids

BucketOperation = Tuple[int, bytes, int]
"""``(band_id, signature bytes, id)``: one id to put in one bucket."""

_PROTOCOL = ("batch_add", "get_bucket", "remove_indices", "clear", "close")


class RedisStorage:
    """Redis-backed bucket storage.

    ``url`` (ours) takes precedence over host/port/db: ``redis://[user[:password]@]host[:port][/db]``
    or ``unix:///path.sock``. ``cluster`` (ours) is ``"auto"`` (ask the server), ``"on"`` or
    ``"off"``. The password is never printed, pickled or saved.

    Thread safety: every method may be called from many threads at once.
    """

    def __init__(self, *, host: str = "localhost", port: int = 6379, db: int = 0,
                 password: Optional[str] = None, decode_responses: bool = False,
                 prefix: str = "lsh", max_connections: int = 50, url: Optional[str] = None,
                 cluster: str = "auto", timeout: float = 5.0) -> None:
        self.host, self.port, self.db, self.prefix = host, int(port), int(db), prefix
        self.decode_responses = decode_responses
        self.max_connections = int(max_connections)
        self.url, self.cluster, self.timeout = url, cluster, timeout
        self._password = password
        self._client: Any = None
        self._store = _core.RedisStore(
            url=url or "", host=host, port=int(port), db=int(db), password=password or "",
            pool_size=max(1, min(int(max_connections), 64)), cluster=cluster, timeout=timeout)

    # -- redis-py access, for users who reach for it -------------------------------------
    @property
    def client(self) -> Any:
        """A redis-py client on the same server (created on first use); a
        ``redis.cluster.RedisCluster`` when the store routes by Redis Cluster."""
        if self._client is None:
            import redis  # lazily: the C++ store does not need it

            if self._store.describe().startswith("redis-cluster://"):
                from redis.cluster import RedisCluster

                kwargs = {"password": self._password, "decode_responses": self.decode_responses}
                self._client = (RedisCluster.from_url(self.url, **kwargs) if self.url
                                else RedisCluster(host=self.host, port=self.port, **kwargs))
            elif self.url:
                self._client = redis.Redis.from_url(self.url, password=self._password,
                                                    decode_responses=self.decode_responses)
            else:
                self._client = redis.Redis(host=self.host, port=self.port, db=self.db,
                                           password=self._password,
                                           decode_responses=self.decode_responses,
                                           max_connections=self.max_connections)
        return self._client

    @contextmanager
    def pipeline(self) -> Iterator[Any]:
        """A non-transactional redis-py pipeline, executed when the block ends."""
        pipe = self.client.pipeline(transaction=False)
        try:
            yield pipe
            pipe.execute()
        finally:
            pipe.reset()

    # -- the storage protocol ------------------------------------------------------------
    def bucket_key(self, band_id: int, hash_val: bytes) -> str:
        return f"{self.prefix}:{int(band_id)}:bucket:{bytes(hash_val).hex()}"

    def add_to_bucket(self, band_id: int, hash_val: bytes, index: int) -> None:
        self.batch_add([(band_id, hash_val, index)])

    def get_bucket(self, band_id: int, hash_val: bytes) -> set[int]:
        return set(self._store.members(self.prefix, [(int(band_id), bytes(hash_val))])[0])

    def get_buckets(self, buckets: Sequence[Tuple[int, bytes]]) -> list[set[int]]:
        """Members of many buckets in one round trip (ours). A subclass that
        overrides get_bucket, or never called our constructor, is asked bucket by bucket."""
        if "_store" not in vars(self) or type(self).get_bucket is not RedisStorage.get_bucket:
            return [self.get_bucket(b, h) for b, h in buckets]
        refs = [(int(b), bytes(h)) for b, h in buckets]
        return [set(m) for m in self._store.members(self.prefix, refs)]

    def batch_add(self, operations: Sequence[BucketOperation]) -> None:
        """One variadic SADD per distinct bucket, in one pipeline."""
        by_key: dict[str, list[int]] = defaultdict(list)
        for band_id, hash_val, index in operations:
            by_key[self.bucket_key(band_id, hash_val)].append(int(as_ids(index)[0]))
        if not by_key:
            return
        with self.pipeline() as pipe:
            for key, ids in by_key.items():
                pipe.sadd(key, *ids)

    def remove_indices(self, indices: Sequence[int]) -> None:
        self._store.remove(self.prefix, as_ids(list(indices)))

    def clear(self) -> None:
        """Deletes every key of the prefix."""
        self._store.clear(self.prefix)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _native(self) -> Any:
        """The C++ store, when no protocol method is overridden (then LSHRS bypasses Python)."""
        if "_store" not in vars(self):
            return None
        for name in _PROTOCOL:
            if getattr(type(self), name) is not getattr(RedisStorage, name):
                return None
        return self._store

    def __repr__(self) -> str:
        where = self._store.describe() if "_store" in vars(self) else "unconnected"
        return f"RedisStorage({where}, prefix={self.prefix!r})"

    def __getstate__(self) -> dict:
        state = {k: getattr(self, k, None) for k in ("host", "port", "db", "prefix",
                 "decode_responses", "max_connections", "url", "cluster", "timeout")}
        state["url"] = _without_password(state["url"])
        return state

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)  # type: ignore[misc]


def _native_store(storage: Any) -> Any:
    return storage._native() if isinstance(storage, RedisStorage) else None


def _check_protocol(storage: Any) -> None:
    missing = [m for m in _PROTOCOL if not callable(getattr(storage, m, None))]
    if missing:
        from .._errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"storage {type(storage).__name__} lacks {', '.join(missing)}: a storage object "
            f"needs batch_add(operations), get_bucket(band_id, hash_val), "
            f"remove_indices(indices), clear() and close()")


def _without_password(url: Optional[str]) -> Optional[str]:
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = (f"{user}@" if user else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))




__all__ = ["BucketOperation", "RedisStorage"]
