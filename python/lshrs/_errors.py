"""Exceptions raised by lshrs.

Every one derives from :class:`Error` and from the built-in type users of the
original package already catch, so ``except ValueError`` keeps working:

=========================  ====================================================
``InvalidArgumentError``   ``ValueError``: bad vectors, ids or arguments
``ConfigurationError``     ``ValueError``: an index or model disagrees with ours
``SourceError``            ``ValueError``: unreadable or malformed input data
``SourceUnavailableError`` ``SourceError`` and the built-in ``ConnectionError``:
                           the source's server (PostgreSQL) is unreachable or
                           timed out — never redis-py's, which means Redis
``RerankUnavailableError`` ``RuntimeError``: reranking without vector_fetch_fn
``ModelNotFoundError``     ``FileNotFoundError``: missing model directory/files
``RedisConnectionError``   redis-py's ``ConnectionError`` (built-in
                           ``ConnectionError`` when redis-py is absent)
``StorageError``           redis-py's ``RedisError`` (``RuntimeError`` without
                           redis-py): the store failed
=========================  ====================================================
"""

from __future__ import annotations

try:  # redis-py is optional: only its exception classes are used here.
    from redis.exceptions import ConnectionError as _RedisConnectionBase
    from redis.exceptions import RedisError as _RedisErrorBase
except ImportError:  # pragma: no cover - python3-redis is installed by scripts/setup
    _RedisConnectionBase = ConnectionError
    _RedisErrorBase = RuntimeError


class Error(Exception):
    """Base class of every error lshrs raises."""


class InvalidArgumentError(Error, ValueError):
    """Bad vectors, ids or arguments; nothing was written."""


class ConfigurationError(Error, ValueError):
    """An index, model file or store disagrees with this client's configuration."""


class SourceError(Error, ValueError):
    """A vector source or fetcher could not read or parse its input."""


class SourceUnavailableError(SourceError, ConnectionError):
    """A vector source's or fetcher's server (PostgreSQL) is unreachable, dropped the
    connection or did not answer in time; retrying later may succeed. The built-in
    ConnectionError, not redis-py's: ``except redis.ConnectionError`` means Redis."""


class RerankUnavailableError(Error, RuntimeError):
    """Reranking (top_p, min_similarity) was asked without a vector_fetch_fn."""


class ModelNotFoundError(Error, FileNotFoundError):
    """A model directory or one of its files is missing."""


class StorageError(Error, _RedisErrorBase):
    """The bucket store failed; nothing acknowledged was lost."""


class RedisConnectionError(StorageError, _RedisConnectionBase):
    """Redis is unreachable (refused, reset, timed out)."""
