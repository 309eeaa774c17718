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


# -- the extension's messages, worded for Python users ----------------------------------
# The C++ core names its own API (Index::open, RedisOptions::cluster, kOff, the
# CLI's --model); the Python layer passes every error of the extension through
# python_error(), which says the same in this package's terms.

import re as _re  # noqa: E402

_CONFIG_MISMATCH = _re.compile(
    r"^(?P<head>prefix \".*\" in .* holds an index with .*?; this client has .*?)"
    r"(?: \(the stored ones are projection_generator \"(?P<gen>[^\"]+)\" for seed (?P<seed>\d+): "
    r"pass that generator\))?\. (?:Open it with Index::open / `--model`, or use another prefix|"
    r"Open it as it is \(with no configuration: its meta describes it, e\.g\. lshrs query --prefix P\), "
    r"clear it first \(lshrs clear, clear\(\)\), or use another prefix)$",
    _re.S)
_ZERO_VECTOR = _re.compile(r"^(?:vector for id (?P<id>-?\d+) \(row (?P<row>\d+)\)|"
                           r"query vector (?P<query>\d+)) is a zero vector: ")
_TLS_FLAG = _re.compile(r"--tls-([a-z-]+)(?: / RedisTlsOptions::\w+)?")
_RULES = [
    (_re.compile(r"pass its model directory \(`lshrs train --family k-means \.\.\. --save-model DIR`, "
                 r"then --model DIR(?:; Index::load\), or IndexOptions::projections from train_kmeans\(\)|"
                 r"\), or the centroids that k-means training returned)"),
     "open it with LSHRS.load_from_disk(model_dir) (a model `lshrs train --family k-means` "
     "saved) or LSHRS.open(prefix), or pass projections=lshrs.train_kmeans(...)"),
    (_re.compile(r" \(trained: `lshrs train`\)"), " (trained: lshrs.train_kmeans)"),
    (_re.compile(r"set RedisOptions::cluster to kOn or kOff explicitly|"
                 r"set the cluster mode to on or off explicitly \(--cluster, cluster=\)"),
     'pass cluster="on" or cluster="off" explicitly'),
    (_re.compile(r"use ClusterMode::kOff for a single server|"
                 r"set the cluster mode off for a single server \(--cluster off, cluster=\"off\"\)"),
     'use cluster="off" for a single server'),
    (_re.compile(r" \((?:RedisOptions::password|the password setting), or \$LSHRS_REDIS_PASSWORD for "
                 r"the lshrs tool\)"),
     " (password=)"),
    (_re.compile(r"needs a VectorFetcher: pass one to the Index"),
     "needs vector_fetch_fn: pass LSHRS(vector_fetch_fn=...)"),
    (_re.compile(r" with IndexOptions \(or `lshrs index`\)"), " with LSHRS(...)"),
    (_re.compile(r": index vectors into it first \(lshrs index\), or check the prefix and the server"),
     ": create it with LSHRS(...) first, or check the prefix and the server"),
    (_re.compile(r"BucketStore::\w+: "), "storage: "),
    (_re.compile(r"\(Index::load\)"), "(LSHRS.load_from_disk)"),
    (_re.compile(r"Index::(?:open|load)(?: / `--model`)?"), "LSHRS.load_from_disk"),
    (_re.compile(r"`--model`|--model DIR"), "LSHRS.load_from_disk"),
    (_TLS_FLAG, lambda m: f"tls_{m.group(1).replace('-', '_')}= in the rediss:// URL"),
    (_re.compile(r"ClusterMode::k(On|Off|Auto)\b|\bk(On|Off|Auto)\b"),
     lambda m: f'"{(m.group(1) or m.group(2)).lower()}"'),
    (_re.compile(r"\b(?:[A-Z]\w*::)+(\w+)"), r"\1"),  # IndexOptions::dim -> dim, ...
]


def zero_vector_message(where: str) -> str:
    """The start of the message for a zero vector (the original's words, then where)."""
    return f"Cannot index zero vector ({where}): "


def python_message(text: str) -> str:
    """``text`` (an extension error's message) in the Python package's terms."""
    m = _CONFIG_MISMATCH.match(text)
    if m:
        hint = ""
        if m.group("gen"):
            hint = (f" (its projections are those of the lshrs tool's \"{m.group('gen')}\" "
                    f"generator for seed {m.group('seed')}, which this package does not draw)")
        return (f"{m.group('head')}{hint}. Call clear() to delete that index and start this "
                f"configuration there, open the existing index with its own configuration "
                f"(the same LSHRS arguments, or LSHRS.load_from_disk of its model directory), "
                f"or use another redis_prefix")
    m = _ZERO_VECTOR.match(text)
    if m:
        where = (f"query, row {m.group('query')}" if m.group("query") is not None
                 else f"id {m.group('id')}, row {m.group('row')}")
        text = f"{zero_vector_message(where)}" + text[m.end():]
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def python_error(exc: BaseException) -> BaseException:
    """``exc`` itself, or one of its class with the message in Python terms."""
    if not isinstance(exc, Error) or len(exc.args) != 1 or not isinstance(exc.args[0], str):
        return exc
    text = python_message(exc.args[0])
    if text == exc.args[0]:
        return exc
    return type(exc)(text).with_traceback(exc.__traceback__)
