"""lshrs: Redis-backed locality-sensitive hashing for cosine similarity.

The same public interface as the original Python package ``lshrs`` (``LSHRS``,
``lshrs.hash.lsh``, ``lshrs.storage.redis``, ``lshrs.io``, ``lshrs.utils``),
running on the C++ core: the same Redis keys and model files, so an index
written by either is read by the other. Ours besides: every hash family
(``LSHRS(family=...)``, ``LSHRS.open(prefix)``), ``tune`` and ``train_kmeans``.
"""

from pkgutil import extend_path

# The compiled lshrs._core may sit in a build tree (PYTHONPATH=python:build/python).
__path__ = extend_path(__path__, __name__)

from ._errors import (  # noqa: E402
    ConfigurationError,
    Error,
    InvalidArgumentError,
    ModelNotFoundError,
    RedisConnectionError,
    RerankUnavailableError,
    SourceError,
    SourceUnavailableError,
    StorageError,
)
from .core.main import LSHRS  # noqa: E402
from ._tune import TunePoint, TuneResult, train_kmeans, tune  # noqa: E402

lshrs = LSHRS

__all__ = ["LSHRS", "lshrs"]
__version__ = "0.2.0"
