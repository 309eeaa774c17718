"""Bucket membership in Redis, on the C++ RedisStore (pipelines, Cluster, URLs).

Keys are the original package's: ``<prefix>:<band>:bucket:<hex>`` sets of
decimal ids. :class:`LSHRS` given a plain ``RedisStorage`` talks to Redis
entirely through the C++ store (with the GIL released); a subclass that
overrides the storage protocol is called back method by method instead.
``client`` and ``pipeline()`` hand out a redis-py client for code that talks to
Redis directly. Nothing connects at construction, as with redis-py: the first
command does.
"""

from __future__ import annotations

import threading
from numbers import Integral
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence, Tuple

try:  # redis-py: the client users reach for (.client, .pipeline()); optional.
    import redis
except ImportError:  # pragma: no cover - python3-redis is installed by scripts/setup
    redis = None

from .. import _core
from .._arrays import as_ids
from .._errors import InvalidArgumentError, python_error

BucketOperation = Tuple[int, bytes, int]
"""``(band_id, signature bytes, id)``: one id to put in one bucket."""

_PROTOCOL = ("batch_add", "get_bucket", "remove_indices", "clear", "close")
# What a RedisStorage is made from (pickled), and what it builds from that (not pickled).
_SETTINGS = ("host", "port", "db", "prefix", "decode_responses", "max_connections", "url",
             "cluster", "timeout")
_RUNTIME = ("_store", "_pool", "_client", "_client_checked", "_lock", "_password")
_CLUSTER_MODES = ("auto", "on", "off")


class RedisStorage:
    """Redis-backed bucket storage.

    ``url`` (ours) takes precedence over host/port/db: ``redis://[user[:password]@]host[:port][/db]``
    or ``unix:///path.sock``. ``cluster`` (ours) is ``"auto"`` (ask the server), ``"on"`` or
    ``"off"``. The password is never printed, pickled or saved. Connections open on the first
    command, not here (as redis-py's do); ``client`` is a redis-py client on a connection pool
    of ``max_connections``.

    Thread safety: every method may be called from many threads at once.
    """

    def __init__(self, *, host: str = "localhost", port: int = 6379, db: int = 0,
                 password: Optional[str] = None, decode_responses: bool = False,
                 prefix: str = "lsh", max_connections: int = 50, url: Optional[str] = None,
                 cluster: str = "auto", timeout: float = 5.0) -> None:
        if cluster not in _CLUSTER_MODES:
            raise InvalidArgumentError(f'cluster must be "auto", "on" or "off", not {cluster!r}')
        if not timeout >= 0:
            raise InvalidArgumentError(f"timeout must be >= 0 seconds, not {timeout!r}")
        for name, value, top in (("port", port, 65535), ("db", db, 2**31 - 1),
                                 ("max_connections", max_connections, 2**31 - 1)):
            if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value <= top:
                raise InvalidArgumentError(f"{name} must be an integer in [0, {top}], "
                                           f"got {name}={value!r}")
        self.host, self.port, self.db, self.prefix = host, int(port), int(db), prefix
        self.decode_responses = decode_responses
        self.max_connections = int(max_connections)
        self.url, self.cluster, self.timeout = url, cluster, timeout
        self._password = password
        self._lock = threading.Lock()
        self._store: Any = None  # the C++ RedisStore, made by the first command
        self._pool: Any = None
        self._client: Any = None
        self._client_checked = False
        self._pooled_client()

    def _pooled_client(self) -> Any:
        """The redis-py client on our pool (host/port/db settings; None with a URL)."""
        if self._client is None and redis is not None and not self.url:
            self._pool = redis.ConnectionPool(
                host=self.host, port=self.port, db=self.db, password=self._password,
                decode_responses=self.decode_responses, max_connections=self.max_connections)
            self._client = redis.Redis(connection_pool=self._pool)
        return self._client

    def _connect(self) -> Any:
        """The C++ store, created (and so connected) on first use."""
        store = self._store
        if store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = _core.RedisStore(
                            url=self.url or "", host=self.host, port=self.port, db=self.db,
                            password=self._password or "",
                            pool_size=max(1, min(self.max_connections, 64)),
                            cluster=self.cluster, timeout=self.timeout)
                    except Exception as exc:
                        raise python_error(exc) from None
                store = self._store
        return store

    # -- redis-py access, for users who reach for it -------------------------------------
    @property
    def client(self) -> Any:
        """A redis-py client on the same server; a ``redis.cluster.RedisCluster`` when
        the store routes by Redis Cluster (``cluster="auto"`` asks the server)."""
        if self._client_checked:
            return self._client
        import redis as redis_py  # an ImportError here names the missing package

        clustered = self.cluster == "on" or (
            self.cluster == "auto" and self._connect().describe().startswith("redis-cluster://"))
        kwargs = {"password": self._password, "decode_responses": self.decode_responses}
        if clustered:
            from redis.cluster import RedisCluster

            self._close_client()
            self._client = (RedisCluster.from_url(self.url, **kwargs) if self.url
                            else RedisCluster(host=self.host, port=self.port, **kwargs))
        elif self.url:
            self._client = self._client or redis_py.Redis.from_url(self.url, **kwargs)
        else:
            self._pooled_client()
        self._client_checked = True
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
        return self._members([(int(band_id), bytes(hash_val))])[0]

    def get_buckets(self, buckets: Sequence[Tuple[int, bytes]]) -> list[set[int]]:
        """Members of many buckets in one round trip (ours). A subclass that
        overrides get_bucket, or never called our constructor, is asked bucket by bucket."""
        if "_store" not in vars(self) or type(self).get_bucket is not RedisStorage.get_bucket:
            return [self.get_bucket(b, h) for b, h in buckets]
        return self._members([(int(b), bytes(h)) for b, h in buckets])

    def _members(self, refs: list) -> list[set[int]]:
        try:
            return [set(m) for m in self._connect().members(self.prefix, refs)]
        except Exception as exc:
            raise python_error(exc) from None

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
        try:
            self._connect().remove(self.prefix, as_ids(list(indices)))
        except Exception as exc:
            raise python_error(exc) from None

    def clear(self) -> None:
        """Deletes every key of the prefix."""
        try:
            self._connect().clear(self.prefix)
        except Exception as exc:
            raise python_error(exc) from None

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._pool is not None:
            self._pool.disconnect()
            self._pool = None

    def close(self) -> None:
        """Closes the redis-py client and its pool; the next command reconnects."""
        self._close_client()
        self._client_checked = False

    def _is_native(self) -> bool:
        """True when built by our constructor with no protocol method overridden: then
        LSHRS talks to the C++ store directly, bypassing Python."""
        if "_store" not in vars(self):
            return False
        return all(getattr(type(self), name) is getattr(RedisStorage, name) for name in _PROTOCOL)

    def _native(self) -> Any:
        """The C++ store (connecting it) when :meth:`_is_native`, else None."""
        return self._connect() if self._is_native() else None

    def __repr__(self) -> str:
        if "_store" not in vars(self):
            where = "unconnected"
        elif self._store is not None:
            where = self._store.describe()
        else:
            where = _without_password(self.url) or f"redis://{self.host}:{self.port}/{self.db}"
        return f"RedisStorage({where}, prefix={getattr(self, 'prefix', None)!r})"

    # Pickled: the settings (never the password) and a subclass's own attributes;
    # connections are made again after unpickling. An object our constructor did
    # not build pickles as any object does.
    def __getstate__(self) -> dict:
        state = dict(vars(self))
        if "_store" in state:
            for name in _RUNTIME:
                state.pop(name, None)
            state["url"] = _without_password(state.get("url"))
            state["__lshrs_settings__"] = True
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if state.pop("__lshrs_settings__", False):
            RedisStorage.__init__(self, **{name: state.pop(name) for name in _SETTINGS})
        self.__dict__.update(state)


def _is_native(storage: Any) -> bool:
    """``storage`` is a RedisStorage (its real class, not a mock's spec) that LSHRS
    may bypass for the C++ store. Never connects."""
    return issubclass(type(storage), RedisStorage) and storage._is_native()


def _settings(storage: Any) -> Optional[dict]:
    """The server settings of a RedisStorage built by our constructor, else None."""
    if not (issubclass(type(storage), RedisStorage) and "_store" in vars(storage)):
        return None
    return {k: getattr(storage, k) for k in (
        "host", "port", "db", "decode_responses", "max_connections", "url", "cluster")}


class _BucketByBucket:
    """The original protocol of a storage whose ``get_buckets`` its class does not
    define (a mock makes one up on access): the core then asks get_bucket() per bucket."""

    def __init__(self, storage: Any) -> None:
        self._storage = storage

    def batch_add(self, operations: Any) -> Any:
        return self._storage.batch_add(operations)

    def get_bucket(self, band_id: int, hash_val: bytes) -> Any:
        return self._storage.get_bucket(band_id, hash_val)

    def remove_indices(self, indices: Any) -> Any:
        return self._storage.remove_indices(indices)

    def clear(self) -> Any:
        return self._storage.clear()

    def close(self) -> Any:
        return self._storage.close()


def _python_store(storage: Any) -> Any:
    """The core's store calling ``storage`` back (any object with the protocol, a mock
    too): its own ``get_buckets`` (ours) only when its class defines one."""
    _check_protocol(storage)
    if hasattr(storage, "get_buckets") and not callable(getattr(type(storage), "get_buckets", None)):
        storage = _BucketByBucket(storage)
    return _core.PythonStore(storage)


def _check_protocol(storage: Any) -> None:
    missing = [m for m in _PROTOCOL if not callable(getattr(storage, m, None))]
    if missing:
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
