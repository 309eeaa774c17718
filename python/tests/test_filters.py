"""Attributes per id and filtered queries from Python and the CLI, against the
real redis-server: LSHRS.index(..., attributes=), ingest(..., attributes=),
attributes(), query(..., filter=); `lshrs index --attributes` and `lshrs
query --filter`. Expected answers come from the formula the attributes were
made from."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lshrs import LSHRS
from lshrs._errors import InvalidArgumentError

from conftest import clustered
from test_interop import cli

DIM = 16
N = 1500


def attrs(i: int) -> dict:
    return {"year": 1900 + i % 126, "lang": "en" if i % 2 else "fr", "tags": [f"t{i % 7}"]}


def passes(i: int) -> bool:  # .lang == "en" and .year >= 2000 and "t3" in .tags
    return i % 2 == 1 and 1900 + i % 126 >= 2000 and i % 7 == 3


FILTER = '.lang == "en" and .year >= 2000 and "t3" in .tags'


@pytest.fixture
def base():
    data, _ = clustered(N, DIM, seed=3)
    return data


def test_attributes_are_stored_replaced_and_removed_with_their_id(redis_url, prefix, base):
    with LSHRS(dim=DIM, num_perm=48, num_bands=8, rows_per_band=6, redis_url=redis_url,
               redis_prefix=prefix) as lsh:
        lsh.index(range(N), base, attributes=[attrs(i) for i in range(N)])
        assert lsh.attributes([3, N + 5]) == [attrs(3), None]
        lsh.index([3], base[3:4])  # written again without attributes: they go
        lsh.ingest(4, base[4], attributes={"lang": "de"})
        lsh.flush()
        assert lsh.attributes([3, 4]) == [None, {"lang": "de"}]
        lsh.delete([4])
        assert lsh.attributes([4]) == [None]


def test_a_filtered_query_returns_only_ids_that_pass(redis_url, prefix, base):
    with LSHRS(dim=DIM, num_perm=48, num_bands=8, rows_per_band=6, redis_url=redis_url,
               redis_prefix=prefix) as lsh:
        lsh.index(range(N), base, attributes=[attrs(i) for i in range(N)])
        found = [i for q in range(0, N, 75) for i in lsh.query(base[q], top_k=10, filter=FILTER)]
        assert found and all(passes(i) for i in found)
        unfiltered = [i for q in range(0, N, 75) for i in lsh.query(base[q], top_k=10)]
        assert not all(passes(i) for i in unfiltered)  # the filter did something


def test_bad_attributes_and_filters_are_refused_in_python_terms(redis_url, prefix, base):
    with LSHRS(dim=DIM, num_perm=48, num_bands=8, rows_per_band=6, redis_url=redis_url,
               redis_prefix=prefix) as lsh:
        with pytest.raises(InvalidArgumentError, match="one dict"):
            lsh.index([0, 1], base[:2], attributes=[attrs(0)])
        with pytest.raises(InvalidArgumentError, match=r"attributes\[0\] must be a dict"):
            lsh.index([0], base[:1], attributes=["lang=en"])
        with pytest.raises(InvalidArgumentError, match="nested"):
            lsh.index([0], base[:1], attributes=[{"a": {"b": 1}}])
        lsh.index([0], base[:1])
        with pytest.raises(InvalidArgumentError, match="column"):
            lsh.query(base[0], filter=".year >> 3")
        with pytest.raises(InvalidArgumentError, match="filter must be a string"):
            lsh.query(base[0], filter=3)
        with pytest.raises(InvalidArgumentError, match="filter_effort"):
            lsh.query(base[0], filter=".a == 1", filter_effort=0)
        assert lsh.attributes([0]) == [None]


def test_cli_indexes_attributes_and_filters_queries(tmp_path, redis_url, prefix, base):
    np.save(tmp_path / "base.npy", base)
    (tmp_path / "attrs.jsonl").write_text("".join(json.dumps(attrs(i)) + "\n" for i in range(N)))
    cli("index", tmp_path / "base.npy", "--attributes", tmp_path / "attrs.jsonl", "--redis",
        redis_url, "--prefix", prefix, "--bands", 8, "--rows-per-band", 6, "-q")
    np.save(tmp_path / "q.npy", base[::75])
    out = cli("query", tmp_path / "q.npy", "--redis", redis_url, "--prefix", prefix, "--json",
              "--filter", FILTER)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    found = [i for line in lines for i in line["ids"]]
    assert found and all(passes(i) for i in found)
    assert sum(line.get("filtered_out", 0) for line in lines) > 0
    with LSHRS.open(prefix, redis_url=redis_url) as opened:
        assert opened.attributes([10, 11]) == [attrs(10), attrs(11)]


def test_cli_refuses_an_attributes_file_that_does_not_fit_and_writes_nothing(
        tmp_path, redis_url, prefix, rclient, base):
    import subprocess
    from conftest import cli_path
    np.save(tmp_path / "base.npy", base[:10])
    for body, part in [("".join(json.dumps(attrs(i)) + "\n" for i in range(9)), "9 lines"),
                       ('{"a": 1}\n' * 4 + "[1]\n" + '{"a": 1}\n' * 5, "line 5")]:
        (tmp_path / "a.jsonl").write_text(body)
        done = subprocess.run([str(cli_path()), "index", str(tmp_path / "base.npy"), "--attributes",
                               str(tmp_path / "a.jsonl"), "--redis", redis_url, "--prefix", prefix,
                               "-q"], capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and part in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert not list(rclient.scan_iter(match=f"{prefix}:*"))
