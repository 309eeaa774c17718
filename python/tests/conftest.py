"""Fixtures: the real servers started by scripts/lib/services.sh.

LSHRS_TEST_REDIS_URL (and LSHRS_TEST_PG_DSN, LSHRS_TEST_REDIS_CLUSTER_URL) come
from services_start; a missing server is a failure, not a skip, so that CI
cannot pass without running these tests.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: start the servers with scripts/lib/services.sh")
    return value


@pytest.fixture
def redis_url() -> str:
    return _env("LSHRS_TEST_REDIS_URL")


@pytest.fixture
def redis_hostport(redis_url: str) -> tuple[str, int]:
    parts = urlsplit(redis_url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


@pytest.fixture
def pg_dsn() -> str:
    return _env("LSHRS_TEST_PG_DSN")


@pytest.fixture
def cluster_url() -> str:
    return _env("LSHRS_TEST_REDIS_CLUSTER_URL")


@pytest.fixture
def prefix(redis_url: str):
    """A fresh prefix, its keys deleted afterwards."""
    name = "pytest-" + uuid.uuid4().hex[:12]
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def rclient(redis_url: str):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def keys_of(client: redis.Redis, prefix: str) -> dict:
    """Every key of the prefix with its members (buckets) or value, for before/after checks."""
    out = {}
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        kind = client.type(key)
        out[key] = sorted(client.smembers(key)) if kind == b"set" else client.dump(key)
    return out


def clustered(n: int, dim: int, seed: int = 7, clusters: int = 20, noise: float = 0.05):
    """n vectors in tight clusters, so neighbours collide in LSH buckets."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((clusters, dim)).astype(np.float32)
    labels = np.arange(n) % clusters
    data = centers[labels] + noise * rng.standard_normal((n, dim)).astype(np.float32)
    return data.astype(np.float32), labels


def cli_path() -> Path:
    explicit = os.environ.get("LSHRS_CLI")
    if explicit:
        return Path(explicit)
    build = Path(os.environ.get("LSHRS_BUILD_DIR", ROOT / "build" / "release"))
    return build / "tools" / "lshrs" / "lshrs"
