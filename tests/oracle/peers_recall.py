#!/usr/bin/env python3
"""Recall of `lshrs query --json` answers as bench/scale/peers.py counts it, for
tests/integration/cli_bench_recall_test.cpp: the C++ count (lshrs bench) must agree.

  peers_recall.py BASE.npy QUERIES.npy TRUTH.npy FOUND.jsonl OUT.json
      FOUND.jsonl: one `lshrs query --json` object per query (its "ids");
      writes {"recall": by similarity, "recall_by_id": by id} to OUT.json.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "scale"))
import peers  # noqa: E402


def main(base, queries, truth, found, out):
    with open(found) as f:
        ids = [json.loads(line)["ids"] for line in f if line.strip()]
    truth = np.load(truth).astype(np.int64)
    result = peers.recalls(ids, truth, np.load(base), np.load(queries))
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
