#!/usr/bin/env python3
"""Bucket-key oracle: the Python package's hashing, written with numpy.

Usage: signatures.py PROJ.f32 VECS.f32 DIM BANDS ROWS PREFIX OUT.txt
Reads row-major float32 projections ((BANDS·ROWS)×DIM) and vectors (n×DIM) and
writes, per vector, one line of space-separated bucket keys
`<prefix>:<band>:bucket:<hex>`, each computed as the Python package does:
np.packbits(P_b @ v > 0, bitorder="little").tobytes().hex().
"""
import sys

import numpy as np


def main():
    proj_path, vec_path = sys.argv[1], sys.argv[2]
    dim, bands, rows = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    prefix, out = sys.argv[6], sys.argv[7]
    proj = np.fromfile(proj_path, dtype="<f4").reshape(bands, rows, dim)
    vecs = np.fromfile(vec_path, dtype="<f4").reshape(-1, dim)
    with open(out, "w") as f:
        for v in vecs:
            keys = []
            for b in range(bands):
                bits = (proj[b] @ v) > 0
                packed = np.packbits(bits.astype(np.uint8), bitorder="little")
                keys.append(f"{prefix}:{b}:bucket:{packed.tobytes().hex()}")
            f.write(" ".join(keys) + "\n")


if __name__ == "__main__":
    main()
