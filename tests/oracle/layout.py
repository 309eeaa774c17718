#!/usr/bin/env python3
"""Redis layout oracle: the bucket keys and members the Python package writes.

Usage: layout.py PROJ.f32 VECS.f32 IDS.i64 DIM BANDS ROWS PREFIX OUT.txt
Reads row-major float32 projections ((BANDS*ROWS) x DIM), vectors (n x DIM) and
int64 ids (n), and writes one line per non-empty bucket, sorted by key:
`<key> <id> <id> ...` (ids ascending), where for band b the key is
`<prefix>:<b>:bucket:` + np.packbits(P_b @ v > 0, bitorder="little").tobytes().hex()
and members are ids in decimal ASCII (DESIGN section 4). Exits 3 when a
projection is so close to 0 that float rounding could flip its bit.
"""
import sys
from collections import defaultdict

import numpy as np


def main():
    proj_path, vec_path, ids_path = sys.argv[1:4]
    dim, bands, rows = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    prefix, out = sys.argv[7], sys.argv[8]
    proj = np.fromfile(proj_path, dtype="<f4").reshape(bands, rows, dim)
    vecs = np.fromfile(vec_path, dtype="<f4").reshape(-1, dim)
    ids = np.fromfile(ids_path, dtype="<i8")
    assert len(ids) == len(vecs), (len(ids), len(vecs))
    buckets = defaultdict(set)
    for idx, v in zip(ids, vecs):
        for b in range(bands):
            dots = proj[b].astype(np.float64) @ v.astype(np.float64)
            if np.min(np.abs(dots)) < 1e-4:
                print(f"ambiguous sign for id {idx} band {b}", file=sys.stderr)
                sys.exit(3)
            packed = np.packbits((dots > 0).astype(np.uint8), bitorder="little")
            buckets[f"{prefix}:{b}:bucket:{packed.tobytes().hex()}"].add(int(idx))
    with open(out, "w") as f:
        for key in sorted(buckets):
            f.write(key + " " + " ".join(str(i) for i in sorted(buckets[key])) + "\n")


if __name__ == "__main__":
    main()
