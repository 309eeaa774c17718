#!/usr/bin/env python3
"""Independent NumPy oracle for lshrs model directories (tests/unit/model_io_test.cpp).

  write_npz.py write DIR --dim D --bands B --rows R [--dtype f4|f8] [--fortran] [--stored]
      Writes DIR/metadata.json and DIR/projections.npz exactly as the Python package's
      save_to_disk() does (json.dump(indent=2), np.savez_compressed(*arrays)), with
      projections from value(b, i, j) below. --stored uses np.savez (no compression).
  write_npz.py check DIR --dim D --bands B --rows R
      Loads a model directory written by lshrs (C++) the way load_from_disk() does and
      asserts entry names, compression, dtype, shape, C order, values, and that
      metadata.json is byte-identical to json.dumps(json.load(...), indent=2).
  write_npz.py npy DIR
      Writes reference .npy files (v1/v2/v3, f8, Fortran, big-endian, int32, ...).

Exit status 0 on success; failures print a reason to stderr and exit 1.
"""
import argparse
import json
import sys
import zipfile
from pathlib import Path

import numpy as np


def value(b, i, j):
    """Projection value of band b, row i, column j: an exact float32 (k/64, |k| <= 1000),
    so C++ can recompute it without any rounding question."""
    return ((b * 7919 + i * 104729 + j * 31) % 2001 - 1000) / 64.0


def projections(dim, bands, rows, dtype):
    out = []
    for b in range(bands):
        arr = np.empty((rows, dim), dtype=np.float64)
        for i in range(rows):
            for j in range(dim):
                arr[i, j] = value(b, i, j)
        out.append(arr.astype(dtype))
    return out


def metadata(dim, bands, rows):
    # Mirrors LSHRS.save_to_disk(): _config, then _redis_config with the password redacted.
    return {
        "version": "0.1.1a4",
        "config": {"dim": dim, "num_perm": bands * rows, "num_bands": bands,
                   "rows_per_band": rows, "similarity_threshold": 0.7, "buffer_size": 123,
                   "seed": 7},
        "redis_config": {"host": "redis.example", "port": 6380, "db": 2,
                         "password": "<REDACTED>", "prefix": "pyidx",
                         "decode_responses": False, "max_connections": 50},
    }


def write(args):
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "metadata.json", "w") as f:
        json.dump(metadata(args.dim, args.bands, args.rows), f, indent=2)
    arrays = projections(args.dim, args.bands, args.rows,
                         np.float64 if args.dtype == "f8" else np.float32)
    if args.fortran:
        arrays = [np.asfortranarray(a) for a in arrays]
    save = np.savez if args.stored else np.savez_compressed
    save(out / "projections.npz", *arrays)


def fail(message):
    print("check failed: " + message, file=sys.stderr)
    sys.exit(1)


def check(args):
    d = Path(args.dir)
    text = (d / "metadata.json").read_text()
    meta = json.loads(text)
    if text != json.dumps(meta, indent=2):
        fail("metadata.json is not formatted as json.dump(indent=2) writes it")
    if meta["redis_config"]["password"] != "<REDACTED>":
        fail("password is not redacted")
    with zipfile.ZipFile(d / "projections.npz") as z:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED:
                fail(f"{info.filename} is not deflate-compressed")
    expected = projections(args.dim, args.bands, args.rows, np.float32)
    with np.load(d / "projections.npz") as data:  # as load_from_disk() does
        if sorted(data.files) != sorted(f"arr_{i}" for i in range(args.bands)):
            fail(f"entries are {data.files}")
        for i in range(len(data.files)):
            arr = data[f"arr_{i}"]
            if arr.dtype != np.float32 or arr.shape != (args.rows, args.dim):
                fail(f"arr_{i} is {arr.dtype} {arr.shape}")
            if not arr.flags.c_contiguous:
                fail(f"arr_{i} is not C order")
            if not np.array_equal(arr, expected[i]):
                fail(f"arr_{i} values differ from the formula")


def write_npy(args):
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.5
    for version in (1, 2, 3):
        with open(out / f"v{version}.npy", "wb") as f:
            np.lib.format.write_array(f, a, version=(version, 0))
    np.save(out / "f8.npy", a.astype(np.float64))
    np.save(out / "fortran.npy", np.asfortranarray(a))
    np.save(out / "big_endian.npy", a.astype(">f4"))
    np.save(out / "int32.npy", a.astype(np.int32))
    np.save(out / "scalar.npy", np.float32(2.5))
    np.save(out / "vector.npy", np.arange(5, dtype=np.float32))
    np.save(out / "wide.npy", np.zeros((2, 1000), dtype=np.float32))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["write", "check", "npy"])
    parser.add_argument("dir")
    parser.add_argument("--dim", type=int, default=5)
    parser.add_argument("--bands", type=int, default=3)
    parser.add_argument("--rows", type=int, default=4)
    parser.add_argument("--dtype", choices=["f4", "f8"], default="f4")
    parser.add_argument("--fortran", action="store_true")
    parser.add_argument("--stored", action="store_true")
    args = parser.parse_args()
    {"write": write, "check": check, "npy": write_npy}[args.mode](args)


if __name__ == "__main__":
    main()
