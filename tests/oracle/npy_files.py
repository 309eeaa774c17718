#!/usr/bin/env python3
"""Independent writer and checker of .npy/.fvecs files for tests/unit/files_test.cpp.

  npy_files.py write DIR
      Writes, with numpy and Python's struct module (no lshrs code):
        f32.npy       (1234, 7) float32, values value(i, j), numpy.save (format 1.0)
        f64.npy       the same as float64
        v2.npy v3.npy the same float32 array, format 2.0 / 3.0 (np.lib.format.write_array)
        round.npy     (2, 3) float64 of 1/3, 0.1, 1e-50 ... (rounded when read as float32)
        ids.npy       (1234,) int64 ids: 10**12 + 7 * (1234 - i)
        ids_short.npy (1233,) int64; ids_f8.npy (1234,) float64; ids_i4.npy (1234,) int32
        fortran.npy   f32 in Fortran order; i32.npy int32 (1234, 7); be.npy big-endian '>f4'
        one_d.npy     (7,) float32; three_d.npy (2, 3, 4) float32; empty.npy (0, 7) float32
        truncated.npy f32.npy without its last 10 bytes; trailing.npy with 4 extra bytes
        nan.npy       f32 with row 5 all NaN
        random.npy    (2000, 32) float32 standard normal (seed 7); random.f32 the raw floats
        ok.fvecs      1000 records of dim 16, values value(i, j) (TEXMEX layout, '<i' + '<16f')
        ragged.fvecs  as ok.fvecs but record 3 has dim 17
        truncated.fvecs  ok.fvecs without its last 6 bytes
        zero_dim.fvecs   one record declaring dim 0
  npy_files.py check FILE ROWS COLS
      Loads FILE with np.load and asserts a float32 C-order (ROWS, COLS) array equal to
      value(i, j), and that the file is byte-identical to what np.save writes.

value(i, j) = ((i * 131 + j * 17) % 2001 - 1000) / 64, exact in float32.
Exit status 0 on success; failures print a reason to stderr and exit 1.
"""
import io
import struct
import sys
from pathlib import Path

import numpy as np


def values(rows, cols):
    i = np.arange(rows, dtype=np.int64)[:, None]
    j = np.arange(cols, dtype=np.int64)[None, :]
    return (((i * 131 + j * 17) % 2001) - 1000) / 64.0


def save_version(path, arr, version):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=version)


def write_fvecs(path, rows, dims):
    with open(path, "wb") as f:
        for i, d in enumerate(dims):
            f.write(struct.pack("<i", d))
            f.write(struct.pack("<%df" % d, *rows[i][:d]))


def write(out):
    out.mkdir(parents=True, exist_ok=True)
    rows, cols = 1234, 7
    v = values(rows, cols)
    f32 = v.astype("<f4")
    np.save(out / "f32.npy", f32)
    np.save(out / "f64.npy", v.astype("<f8"))
    save_version(out / "v2.npy", f32, (2, 0))
    save_version(out / "v3.npy", f32, (3, 0))
    np.save(out / "round.npy", np.array([[1 / 3, 0.1, 1e-50], [2 / 3, -0.7, 1e10]], dtype="<f8"))
    ids = 10**12 + 7 * (rows - np.arange(rows, dtype=np.int64))
    np.save(out / "ids.npy", ids.astype("<i8"))
    np.save(out / "ids_short.npy", ids[:-1].astype("<i8"))
    np.save(out / "ids_f8.npy", ids.astype("<f8"))
    np.save(out / "ids_i4.npy", np.arange(rows, dtype="<i4"))
    np.save(out / "fortran.npy", np.asfortranarray(f32))
    np.save(out / "i32.npy", np.zeros((rows, cols), dtype="<i4"))
    np.save(out / "be.npy", f32.astype(">f4"))
    np.save(out / "one_d.npy", f32[0])
    np.save(out / "three_d.npy", np.zeros((2, 3, 4), dtype="<f4"))
    np.save(out / "empty.npy", np.zeros((0, cols), dtype="<f4"))
    data = (out / "f32.npy").read_bytes()
    (out / "truncated.npy").write_bytes(data[:-10])
    (out / "trailing.npy").write_bytes(data + b"\0\0\0\0")
    nan = f32.copy()
    nan[5, :] = np.nan
    np.save(out / "nan.npy", nan)
    rnd = np.random.default_rng(7).standard_normal((2000, 32)).astype("<f4")
    np.save(out / "random.npy", rnd)
    rnd.tofile(out / "random.f32")

    fv = values(1000, 17).tolist()
    write_fvecs(out / "ok.fvecs", fv, [16] * 1000)
    write_fvecs(out / "ragged.fvecs", fv, [16, 16, 16, 17] + [16] * 996)
    ok = (out / "ok.fvecs").read_bytes()
    (out / "truncated.fvecs").write_bytes(ok[:-6])
    (out / "zero_dim.fvecs").write_bytes(struct.pack("<i", 0))


def check(path, rows, cols):
    arr = np.load(path)
    assert arr.dtype == np.dtype("<f4"), f"dtype {arr.dtype}"
    assert arr.shape == (rows, cols), f"shape {arr.shape}"
    assert arr.flags.c_contiguous, "not C order"
    assert np.array_equal(arr, values(rows, cols).astype("<f4")), "values differ"
    buf = io.BytesIO()
    np.save(buf, arr)
    assert buf.getvalue() == Path(path).read_bytes(), "bytes differ from numpy.save's"


def main(argv):
    if len(argv) >= 2 and argv[0] == "write":
        write(Path(argv[1]))
    elif len(argv) == 4 and argv[0] == "check":
        check(argv[1], int(argv[2]), int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except AssertionError as e:
        print(f"npy_files.py: check failed: {e}", file=sys.stderr)
        sys.exit(1)
