#!/usr/bin/env python3
"""numpy's own random stream, for checking lshrs's reimplementation bit for bit.

Usage: numpy_rng.py OUTDIR CASE...   Each CASE writes OUTDIR/<i>.bin (i its
position, from 0), little-endian, C order, nothing else:
  seedseq:SEED            SeedSequence(SEED).pool (4 x uint32), then
                          generate_state(8, uint32), then generate_state(4,
                          uint64), then PCG64(SEED)'s state and increment as
                          4 x uint64 (state high, low, inc high, low)
  raw:SEED:N              PCG64(SEED).random_raw(N)        (N x uint64)
  double:SEED:N           PCG64(SEED).random(N)            (N x float64)
  normal:SEED:N           default_rng(SEED).standard_normal(N)  (N x float64)
  projections:SEED:B:R:D  the original package's projections: one
                          default_rng(SEED), then for each of B bands
                          standard_normal((R, D)).astype(np.float32)
"""
import os
import sys

import numpy as np

M64 = (1 << 64) - 1


def u128_words(value):
    return [value >> 64, value & M64]


def write_case(path, case):
    kind, *args = case.split(":")
    seed = int(args[0])
    if kind == "seedseq":
        ss = np.random.SeedSequence(seed)
        st = np.random.PCG64(seed).state["state"]
        parts = [ss.pool.astype("<u4"), ss.generate_state(8, np.uint32).astype("<u4"),
                 ss.generate_state(4, np.uint64).astype("<u8"),
                 np.array(u128_words(st["state"]) + u128_words(st["inc"]), dtype="<u8")]
        data = b"".join(p.tobytes() for p in parts)
    elif kind == "raw":
        data = np.random.PCG64(seed).random_raw(int(args[1])).astype("<u8").tobytes()
    elif kind == "double":
        data = np.random.Generator(np.random.PCG64(seed)).random(int(args[1])).astype("<f8").tobytes()
    elif kind == "normal":
        data = np.random.default_rng(seed).standard_normal(int(args[1])).astype("<f8").tobytes()
    elif kind == "projections":
        bands, rows, dim = (int(a) for a in args[1:4])
        rng = np.random.default_rng(seed)
        data = b"".join(rng.standard_normal((rows, dim)).astype(np.float32).astype("<f4").tobytes()
                        for _ in range(bands))
    else:
        sys.exit(f"numpy_rng.py: unknown case {case!r}")
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    for i, case in enumerate(sys.argv[2:]):
        write_case(os.path.join(out, f"{i}.bin"), case)


if __name__ == "__main__":
    main()
