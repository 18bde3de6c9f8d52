#!/usr/bin/env python3
"""Writes random tensors and their Python digests, one JSON object per line, for
the Rust cross-check (``cargo run --release --example crosscheck -- FILE``).

    python3 python/gen_random.py --seed 1 --count 3000 --out /tmp/tensors.jsonl

Each line: {"dtype": "float32", "shape": [2, 0, 3],
            "data": "<hex of the elements in logical row-major order,
                      little-endian, raw bits (complex: re then im)>",
            "digest": "<digest computed by tensor_key_ref>"}

Values include NaNs with random payloads and signs, -0.0, infinities and
subnormals; shapes have rank 0..4 and may hold zero extents; a few tensors are
large enough (>= 4096 bytes of data) to take the Rust encoder's bulk path. The
Python digest is taken from a randomly laid out numpy view (Fortran, reversed,
transposed or stepped), so both sides exercise layout independence.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tensor_key_ref import BF16, F16, F32, F64, Tensor, digest  # noqa: E402

INT_DTYPES = ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"]
FLOAT_DTYPES = ["float16", "float32", "float64", "complex64", "complex128"]
ALL_DTYPES = ["bool"] + INT_DTYPES + FLOAT_DTYPES + ["bfloat16"]
NO_HALF = [d for d in ALL_DTYPES if d not in ("float16", "bfloat16")]

# Float formats: (bit width, exponent mask, mantissa mask, numpy dtype of a component)
FMT = {16: (0x7C00, 0x03FF), -16: (0x7F80, 0x007F), 32: (0x7F800000, 0x007FFFFF),
       64: (0x7FF0000000000000, 0x000FFFFFFFFFFFFF)}


def float_bits(rng: random.Random, width: int) -> int:
    """One float's bits: mostly ordinary values, often special ones."""
    expo, mant = FMT[width]
    nbits = abs(width)
    sign = 1 << (nbits - 1)
    r = rng.random()
    if r < 0.15:  # NaN, random payload and sign
        return (sign if rng.random() < 0.5 else 0) | expo | rng.randint(1, mant)
    if r < 0.22:
        return rng.choice([0, sign])  # +0.0, -0.0
    if r < 0.27:
        return rng.choice([0, sign]) | expo  # +-inf
    if r < 0.32:
        return rng.choice([0, sign]) | rng.randint(1, mant)  # subnormal
    if r < 0.45:
        return rng.getrandbits(nbits)  # any bit pattern
    # an ordinary small number, rounded to the format
    x = rng.choice([1, -1]) * rng.random() * 10 ** rng.randint(-3, 3)
    if width == 64:
        return int(np.array(x).view(np.uint64))
    if width == 32:
        return int(np.array(x, np.float32).view(np.uint32))
    if width == 16:
        return int(np.array(x, np.float16).view(np.uint16))
    return int(np.array(x, np.float32).view(np.uint32)) >> 16  # bfloat16 (truncated)


def random_shape(rng: random.Random) -> list[int]:
    rank = rng.randint(0, 4)
    shape = [rng.choice([0, 1, 1, 2, 3, 4, 5]) if rng.random() < 0.9 else rng.randint(6, 9) for _ in range(rank)]
    if rank and rng.random() < 0.06:  # large: >= 4096 bytes for most dtypes
        shape = [1] * rank
        shape[rng.randrange(rank)] = rng.randint(600, 1500)
        if rank > 1:
            shape[rng.randrange(rank)] = rng.randint(2, 4)
    return shape


def random_data(rng: random.Random, dtype: str, n: int) -> bytes:
    if dtype == "bool":
        return bytes(rng.randint(0, 1) for _ in range(n))
    if dtype in INT_DTYPES:
        size = np.dtype(dtype).itemsize
        return rng.randbytes(n * size)
    width = {"float16": 16, "bfloat16": -16, "float32": 32, "float64": 64, "complex64": 32, "complex128": 64}[dtype]
    comps = 2 * n if dtype.startswith("complex") else n
    nbytes = abs(width) // 8
    return b"".join(float_bits(rng, width).to_bytes(nbytes, "little") for _ in range(comps))


def random_layout(rng: random.Random, a: np.ndarray) -> np.ndarray:
    """The same logical array in a random memory layout."""
    if a.ndim == 0:
        return a
    choice = rng.randrange(5)
    if choice == 0:
        return a
    if choice == 1:
        return np.array(a, order="F")
    if choice == 2:
        flip = (slice(None, None, -1),) * a.ndim
        return np.ascontiguousarray(a[flip])[flip]
    if choice == 3:
        perm = list(range(a.ndim))
        rng.shuffle(perm)
        inv = list(np.argsort(perm))
        return np.ascontiguousarray(a.transpose(perm)).transpose(inv)
    big = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
    step = (slice(None, None, 2),) * a.ndim
    big[step] = a
    return big[step]


def value_of(dtype: str, shape: list[int], data: bytes, rng: random.Random):
    if dtype == "bfloat16":  # numpy has no bfloat16: use the generic tensor
        bits = [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]
        return Tensor(BF16, shape, [BF16.from_bits(b) for b in bits])
    a = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
    if dtype == "bool":
        a = np.frombuffer(data, dtype=np.uint8).astype(bool).reshape(shape)
    return random_layout(rng, a)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--no-half", action="store_true", help="leave out float16 and bfloat16")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    dtypes = NO_HALF if args.no_half else ALL_DTYPES
    with open(args.out, "w", encoding="utf-8") as f:
        for _ in range(args.count):
            dtype = rng.choice(dtypes)
            shape = random_shape(rng)
            n = int(np.prod(shape)) if shape else 1
            data = random_data(rng, dtype, n)
            value = value_of(dtype, shape, data, rng)
            line = {"dtype": dtype, "shape": shape, "data": data.hex(), "digest": digest(value)}
            f.write(json.dumps(line) + "\n")
    print(f"gen_random: wrote {args.count} tensors to {args.out} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
