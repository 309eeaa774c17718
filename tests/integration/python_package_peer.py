"""The Python package's side of python_package_interop_test.cpp.

    python_package_peer.py write DIR URL PREFIX   # index DIR/base.npy, save DIR/model-py
    python_package_peer.py read  DIR              # load DIR/model-cpp (written by C++)

Both then answer every row of DIR/queries.npy through LSHRS, by collisions
(query, top_k=10) and reranked (query, top_k=None, top_p=0.5: the best half
of all candidates by cosine), into DIR/python-results.txt: one line per
query and mode, "k id id …" or "p id:cosine …", cosines as repr() of the
float the package returned, so the C++ side can compare them exactly. Ids are 1000 + 3·row, never row numbers.
Run with PYTHONPATH=<source>/python:<build>/python (the built package).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from lshrs import LSHRS


def results(lsh: LSHRS, queries: np.ndarray) -> list[str]:
    lines = []
    for q in queries:
        lines.append("k " + " ".join(str(i) for i in lsh.query(q, top_k=10)))
        pairs = lsh.query(q, top_k=None, top_p=0.5)
        lines.append("p " + " ".join(f"{i}:{c!r}" for i, c in pairs))
    return lines


def main() -> None:
    mode, directory = sys.argv[1], Path(sys.argv[2])
    base = np.load(directory / "base.npy")
    queries = np.load(directory / "queries.npy")

    def fetch(ids):
        return base[(np.asarray(ids, dtype=np.int64) - 1000) // 3]

    if mode == "write":
        lsh = LSHRS(dim=base.shape[1], num_perm=64, num_bands=16, rows_per_band=4, seed=77,
                    redis_url=sys.argv[3], redis_prefix=sys.argv[4], vector_fetch_fn=fetch)
        lsh.index(1000 + 3 * np.arange(len(base)), base)
        lsh.save_to_disk(directory / "model-py")
    elif mode == "read":
        # No redis_config: the server the C++ Index recorded in the model.
        lsh = LSHRS.load_from_disk(directory / "model-cpp", vector_fetch_fn=fetch)
    else:
        raise SystemExit(f"unknown mode {mode!r}: use write or read")
    with lsh:
        (directory / "python-results.txt").write_text("\n".join(results(lsh, queries)) + "\n")


if __name__ == "__main__":
    main()
