"""Every module path, name, parameter and default of the original package's
public interface (version 0.1.1b2) is ours too, so its users' code runs
unchanged. The table below is the original's, written out by hand from its
signatures; extra keyword parameters of ours after them are allowed."""

from __future__ import annotations

import importlib
import inspect

import pytest

K = inspect.Parameter.KEYWORD_ONLY
P = inspect.Parameter.POSITIONAL_OR_KEYWORD
NO = inspect.Parameter.empty

# (module, attribute, [(parameter, kind, default), ...]); for classes the
# parameters are those of __init__ without self.
ORIGINAL = [
    ("lshrs.core.main", "LSHRS", [
        ("dim", K, NO), ("num_perm", K, 128), ("num_bands", K, None),
        ("rows_per_band", K, None), ("similarity_threshold", K, 0.5), ("buffer_size", K, 10000),
        ("vector_fetch_fn", K, None), ("storage", K, None), ("redis_host", K, "localhost"),
        ("redis_port", K, 6379), ("redis_db", K, 0), ("redis_password", K, None),
        ("redis_prefix", K, "lsh"), ("redis_max_connections", K, 50),
        ("decode_responses", K, False), ("seed", K, 42)]),
    ("lshrs.core.main", "LSHRS.create_signatures", [("format", K, "postgres")]),
    ("lshrs.core.main", "LSHRS.ingest", [("index", P, NO), ("vector", P, NO)]),
    ("lshrs.core.main", "LSHRS.flush", []),
    ("lshrs.core.main", "LSHRS.index", [("indices", P, NO), ("vectors", P, None)]),
    ("lshrs.core.main", "LSHRS.query", [("vector", P, NO), ("top_k", K, 10), ("top_p", K, None)]),
    ("lshrs.core.main", "LSHRS.get_top_k", [("vector", P, NO), ("topk", P, 10)]),
    ("lshrs.core.main", "LSHRS.get_above_p", [("vector", P, NO), ("p", P, 0.95)]),
    ("lshrs.core.main", "LSHRS.delete", [("indices", P, NO)]),
    ("lshrs.core.main", "LSHRS.clear", []),
    ("lshrs.core.main", "LSHRS.stats", []),
    ("lshrs.core.main", "LSHRS.save_to_disk", [("path", P, NO)]),
    ("lshrs.core.main", "LSHRS.load_from_disk", [
        ("path", P, NO), ("redis_config", K, None), ("vector_fetch_fn", K, None),
        ("storage", K, None)]),
    ("lshrs.core.main", "LSHRS.close", []),
    ("lshrs.hash.lsh", "LSHHasher", [
        ("num_bands", P, NO), ("rows_per_band", P, NO), ("dim", P, NO), ("seed", P, 42)]),
    ("lshrs.hash.lsh", "LSHHasher.hash_vector", [("vector", P, NO)]),
    ("lshrs.hash.lsh", "LSHHasher.hash_batch", [("vectors", P, NO)]),
    ("lshrs._config.config", "HashSignatures", [("bands", P, NO)]),
    ("lshrs._config.config", "HashSignatures.as_tuple", []),
    ("lshrs.storage.redis", "RedisStorage", [
        ("host", K, "localhost"), ("port", K, 6379), ("db", K, 0), ("password", K, None),
        ("decode_responses", K, False), ("prefix", K, "lsh"), ("max_connections", K, 50)]),
    ("lshrs.storage.redis", "RedisStorage.bucket_key", [("band_id", P, NO), ("hash_val", P, NO)]),
    ("lshrs.storage.redis", "RedisStorage.add_to_bucket", [
        ("band_id", P, NO), ("hash_val", P, NO), ("index", P, NO)]),
    ("lshrs.storage.redis", "RedisStorage.get_bucket", [("band_id", P, NO), ("hash_val", P, NO)]),
    ("lshrs.storage.redis", "RedisStorage.batch_add", [("operations", P, NO)]),
    ("lshrs.storage.redis", "RedisStorage.remove_indices", [("indices", P, NO)]),
    ("lshrs.storage.redis", "RedisStorage.pipeline", []),
    ("lshrs.storage.redis", "RedisStorage.clear", []),
    ("lshrs.storage.redis", "RedisStorage.close", []),
    ("lshrs.io.postgres", "iter_postgres_vectors", [
        ("dsn", K, None), ("connection_factory", K, None), ("table", K, "vectors"),
        ("index_column", K, "id"), ("vector_column", K, "embedding"), ("batch_size", K, 10000),
        ("limit", K, None), ("where_clause", K, None), ("order_by", K, None), ("params", K, None),
        ("fetch_query", K, None)]),
    ("lshrs.io.parquet", "iter_parquet_vectors", [
        ("source", P, NO), ("index_column", K, "index"), ("vector_column", K, "vector"),
        ("batch_size", K, 10000)]),
    ("lshrs.utils.br", "compute_lsh_threshold", [("b", P, NO), ("r", P, NO)]),
    ("lshrs.utils.br", "compute_collision_probability", [
        ("similarity", P, NO), ("b", P, NO), ("r", P, NO)]),
    ("lshrs.utils.br", "compute_false_rates", [("b", P, NO), ("r", P, NO), ("threshold", P, NO)]),
    ("lshrs.utils.br", "find_optimal_br", [
        ("num_perm", P, NO), ("target_threshold", P, NO), ("tolerance", P, 0.05)]),
    ("lshrs.utils.br", "get_optimal_config", [("num_perm", P, NO), ("target_threshold", P, 0.5)]),
    ("lshrs.utils.br", "print_config_analysis", [("num_perm", P, NO), ("threshold", P, 0.5)]),
    ("lshrs.utils.norm", "l2_norm", [("vector", P, NO)]),
    ("lshrs.utils.similarity", "cosine_similarity", [("query", P, NO), ("candidates", P, NO)]),
    ("lshrs.utils.similarity", "top_k_cosine", [
        ("query", P, NO), ("candidates", P, NO), ("k", K, NO)]),
]


def resolve(module: str, dotted: str):
    obj = importlib.import_module(module)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("module,name,params", ORIGINAL, ids=[f"{m}.{n}" for m, n, _ in ORIGINAL])
def test_original_signature(module, name, params):
    obj = resolve(module, name)
    sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    ours = [p for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    got = [(p.name, p.kind, p.default) for p in ours[:len(params)]]
    assert got == params
    for extra in ours[len(params):]:  # ours may add keywords, never a required one
        assert extra.kind == K and extra.default is not NO, extra


def test_module_constants_and_aliases():
    import lshrs
    from lshrs.core import main
    from lshrs.io import parquet, postgres
    from lshrs.storage import redis as storage

    assert lshrs.__all__ == ["LSHRS", "lshrs"] and lshrs.lshrs is lshrs.LSHRS
    assert main.CandidateScores == list[tuple[int, float]]
    assert postgres.DEFAULT_POSTGRES_BATCH_SIZE == 10_000
    assert parquet.DEFAULT_PARQUET_BATCH_SIZE == 10_000
    assert storage.BucketOperation.__args__ == (int, bytes, int)
    assert isinstance(storage.RedisStorage.client, property)
    for method in ("__enter__", "__exit__", "__repr__", "__getstate__", "__setstate__"):
        assert method in vars(main.LSHRS), method


def test_stubs_name_every_public_callable_of_the_extension():
    """lshrs/_core.pyi (type checkers' view of the extension) lists what _core has."""
    import ast
    from pathlib import Path

    from lshrs import _core

    stub = ast.parse((Path(__file__).resolve().parents[1] / "lshrs" / "_core.pyi").read_text())
    stubbed = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    stubbed |= {t.id for n in stub.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)}
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert public - stubbed == set()
