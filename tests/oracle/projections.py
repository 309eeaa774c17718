#!/usr/bin/env python3
"""Independent implementation of the lshrs-v0 projection generator.

Mirrors the normative description of ProjectionGenerator::kLshrsV0 in include/lshrs/hasher.hpp using only
Python integers and floats (IEEE doubles), so that a C++ bug cannot hide in a
shared helper. Usage: projections.py SEED ROWS DIM OUT.f32 — writes ROWS×DIM
little-endian float32 values (row-major) to OUT.f32.
"""
import math
import struct
import sys

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256:
    def __init__(self, seed):
        self.s = []
        state = seed & MASK
        for _ in range(4):
            state, word = splitmix64(state)
            self.s.append(word)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def symmetric_uniform(self):
        u = float(self.next() >> 11) * 2.0 ** -53
        return 2.0 * u - 1.0


def portable_log(x):
    m, e = math.frexp(x)
    if m < 0.70710678118654752440:
        m *= 2.0
        e -= 1
    z = (m - 1.0) / (m + 1.0)
    z2 = z * z
    term = z
    total = 0.0
    for k in range(22):
        total += term / float(2 * k + 1)
        term *= z2
    return 2.0 * total + float(e) * 0.693147180559945309417232121458176568


def normals(seed):
    rng = Xoshiro256(seed)
    while True:
        x = rng.symmetric_uniform()
        y = rng.symmetric_uniform()
        s = x * x + y * y
        if s >= 1.0 or s == 0.0:
            continue
        f = math.sqrt(-2.0 * portable_log(s) / s)
        yield x * f
        yield y * f


def main():
    seed, rows, dim, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    gen = normals(seed)
    with open(out, "wb") as f:
        for _ in range(rows * dim):
            # struct's 'f' rounds the double to the nearest float32, as C++'s cast does.
            f.write(struct.pack("<f", next(gen)))


if __name__ == "__main__":
    main()
