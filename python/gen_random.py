#!/usr/bin/env python3
"""Writes random tensors and records and their Python digests, one JSON object
per line, for the Rust cross-check (``cargo run --release --example crosscheck
-- FILE``).

    python3 python/gen_random.py --seed 1 --count 3000 --out /tmp/values.jsonl

writes 3000 tensors and 3000 records, interleaved. A tensor line:
           {"dtype": "float32", "shape": [2, 0, 3],
            "data": "<hex of the elements in logical row-major order,
                      little-endian, raw bits (complex: re then im)>",
            "digest": "<digest computed by tensor_key_ref>"}
A record line: {"kind": "record", "parts": {name: contents, ...},
                "digests": {name: digest, ..., "record": ..., "bitwise_record": ...}}
Its parts are the fields of ``Record`` in ``examples/support/records.rs``:
sets and maps whose Rust element types order differently from their encodings
(floats by ``total_cmp``, reversed orders, an order on a skipped field), with
``0.0``/``-0.0`` and NaNs of both signs as keys; derived enums with explicit
discriminants; unit and one-field structs; per-field float attributes, also
inside ``Bitwise``; wrapped scalars (``Box``, ``Key``, ``Bitwise``) as
sequence and tensor elements; standard-library value types (``Duration``,
``NonZero``, ``Wrapping``, ``Reverse``, ranges, ``RangeInclusive`` iterated a
random number of steps, ``Ordering``, ``PhantomData``, IP and socket
addresses). Floats travel as raw bits (JSON integers); addresses as text.

Values include NaNs with random payloads and signs, -0.0, infinities and
subnormals; shapes have rank 0..4 and may hold zero extents; a few tensors are
large enough (>= 4096 bytes of data) to take the Rust encoder's bulk path. The
Python digest is taken from a randomly laid out numpy view (Fortran, reversed,
transposed or stepped), so both sides exercise layout independence.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tensor_key_ref import (  # noqa: E402
    ANY, BF16, F16, F32, F64, I8, I16, I32, PHANTOM, U8, U64, Bitwise, Canonical, Duration, IpAddr, Map,
    NonZero, Ordering, Range, RangeInclusive, Reverse, Seq, Set, SocketAddr, Some_, Struct, Tensor, Variant,
    Wrapping, digest,
)

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


# ---------------------------------------------------------------------------
# Records (examples/support/records.rs)

# Float bits that collide under the canonical rule: both zeros, NaNs of both
# signs with several payloads, and a few ordinary values.
SPECIAL = {
    32: [0x0000_0000, 0x8000_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0xFFC0_0001, 0x3F80_0000, 0xBF80_0000],
    64: [0, 1 << 63, 0x7FF8 << 48, 0xFFF8 << 48, 0x7FF0_0000_0000_0001, 0xFFF8_0000_0000_0001,
         0x3FF0 << 48, 0xBFF0 << 48],
    16: [0x0000, 0x8000, 0x7E00, 0xFE00, 0x7C01, 0xFE01, 0x3C00, 0xBC00],
    -16: [0x0000, 0x8000, 0x7FC0, 0xFFC0, 0x7F81, 0xFFC1, 0x3F80, 0xBF80],
}


def key_bits(rng: random.Random, width: int) -> int:
    """Float bits for set elements and map keys: often a colliding value."""
    return rng.choice(SPECIAL[width]) if rng.random() < 0.6 else float_bits(rng, width)


def some(rng: random.Random, f, most: int = 5) -> list:
    return [f() for _ in range(rng.randint(0, most))]


def distinct_by(items: list, key) -> list:
    seen, out = set(), []
    for x in items:
        if key(x) not in seen:
            seen.add(key(x))
            out.append(x)
    return out


def random_string(rng: random.Random) -> str:
    alphabet = "ab\u00e9\u4e2d\U0001f600"
    if rng.random() < 0.05:
        return "x" * rng.randint(250, 260)  # lengths whose LE bytes sort differently
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))


def random_policies(rng: random.Random) -> dict:
    return {
        "bits": key_bits(rng, 32),
        "canon": key_bits(rng, 64),
        "plain": key_bits(rng, 32),
        "nested": [some(rng, lambda: key_bits(rng, 64), 3), some(rng, lambda: key_bits(rng, 32), 4)],
        "canon_set": some(rng, lambda: key_bits(rng, 64), 4),
    }


def random_disc(rng: random.Random) -> list:
    name = rng.choice("ABCD")
    if name == "B":
        return ["B", key_bits(rng, 32)]
    if name == "C":
        return ["C", rng.randint(0, 255), None if rng.random() < 0.3 else key_bits(rng, 64)]
    return [name]


def random_duration(rng: random.Random) -> list:
    secs = rng.choice([0, 1, 2, (1 << 64) - 1, rng.getrandbits(64), rng.randint(0, 100)])
    nanos = rng.choice([0, 1, 999_999_999, 500_000_000, rng.randrange(1_000_000_000)])
    return [secs, nanos]


def random_nonzero(rng: random.Random, bits: int, signed: bool) -> int:
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (1, (1 << bits) - 1)
    x = rng.choice([lo, hi, 1, -1 if signed else 2, 256, rng.randint(lo, hi)])
    return x or 1


def iterate_inclusive(start: int, end: int, steps: int):
    """Rust's ``RangeInclusive::next`` called ``steps`` times (SPEC.md 4.13):
    the start advances while below the end; yielding the last element sets the
    exhausted flag; an empty or exhausted range stays as it is."""
    exhausted = False
    for _ in range(steps):
        if exhausted or start > end:
            break
        if start < end:
            start += 1
        else:
            exhausted = True
    return start, end, exhausted


def random_ip(rng: random.Random) -> str:
    """An IPv4 or IPv6 address as text (IPv4-mapped ones included)."""
    r = rng.random()
    if r < 0.4:
        return str(ipaddress.IPv4Address(rng.choice([bytes([10, 0, 0, rng.randint(0, 2)]), rng.randbytes(4)])))
    if r < 0.55:
        return "::ffff:" + str(ipaddress.IPv4Address(bytes([10, 0, 0, rng.randint(0, 2)])))
    return str(ipaddress.IPv6Address(rng.choice([bytes(15) + bytes([rng.randint(0, 2)]), rng.randbytes(16)])))


def random_socket(rng: random.Random) -> list:
    ip = random_ip(rng)
    port = rng.choice([0, 80, 443, 8080, 65535, rng.randrange(1 << 16)])
    if ipaddress.ip_address(ip).version == 4:
        return [ip, port, 0, 0]
    return [ip, port, rng.choice([0, 1, rng.getrandbits(32)]), rng.choice([0, 2, rng.getrandbits(32)])]


def random_record_parts(rng: random.Random, half: bool) -> dict:
    f32s = lambda n=5: some(rng, lambda: key_bits(rng, 32), n)  # noqa: E731
    f64s = lambda n=5: some(rng, lambda: key_bits(rng, 64), n)  # noqa: E731
    parts = {
        "set_total_f64": f64s(6),
        "bitwise_set_total_f32": f32s(6),
        "set_rev_i32": some(rng, lambda: rng.choice([-1, 1, 0, 256, -256, rng.randint(-(1 << 31), (1 << 31) - 1)])),
        # Map keys distinct under the Rust Ord (bits), else Rust would overwrite.
        "map_total_f32_string": distinct_by(some(rng, lambda: [key_bits(rng, 32), random_string(rng)]), lambda e: e[0]),
        "map_rev_u8_total_f64": distinct_by(some(rng, lambda: [rng.randint(0, 4), key_bits(rng, 64)]), lambda e: e[0]),
        "map_set_vec": distinct_by(some(rng, lambda: [f64s(3), f32s(3)], 4), lambda e: frozenset(e[0])),
        "set_box_string": some(rng, lambda: random_string(rng)),
        "set_rc_str": some(rng, lambda: random_string(rng)),
        "set_tagged": some(rng, lambda: [rng.randint(-1, 1), key_bits(rng, 64), rng.randint(0, 3)], 6),
        "discs": some(rng, lambda: random_disc(rng), 4),
        "levels": some(rng, lambda: rng.choice(["High", "Low", "Mid"]), 4),
        "unit": None,
        "one": key_bits(rng, 64),
        "named_one": f32s(4),
        "policies": random_policies(rng),
        "bitwise_policies": random_policies(rng),
        "vec_box_f32": f32s(),
        "vec_key_bitwise_f32": f32s(),
        "bitwise_vec_key_f64": f64s(),
        "tensor_bitwise_box_f64": f64s(),
        "bitwise_pointers": [key_bits(rng, 32), key_bits(rng, 64), key_bits(rng, 32)],
        "durations": some(rng, lambda: random_duration(rng), 4),
        "set_reverse_nonzero_i16": some(rng, lambda: random_nonzero(rng, 16, True)),
        "vec_wrapping_nonzero_u64": some(rng, lambda: random_nonzero(rng, 64, False)),
        "tensor_reverse_f32": f32s(),
        "ranges_f64": some(rng, lambda: [key_bits(rng, 64), key_bits(rng, 64)], 3),
        "bitwise_range_f32": [key_bits(rng, 32), key_bits(rng, 32)],
        "ranges_inclusive_u8": some(rng, lambda: [rng.randint(0, 4), rng.randint(0, 4), rng.randint(0, 6)], 4),
        "map_ordering_duration": distinct_by(
            some(rng, lambda: [rng.choice([-1, 0, 1]), random_duration(rng)], 4), lambda e: e[0]),
        "phantom": None,
        "sockets": some(rng, lambda: random_socket(rng), 3),
        "set_ipaddr": some(rng, lambda: random_ip(rng)),
    }
    if half:
        parts["vec_box_bf16"] = some(rng, lambda: key_bits(rng, -16))
        parts["tensor_key_f16"] = some(rng, lambda: key_bits(rng, 16))
        parts["vec_bitwise_key_f16"] = some(rng, lambda: key_bits(rng, 16))
    return parts


def _f32(b):
    return F32.from_bits(b)


def _f64(b):
    return F64.from_bits(b)


def _policies(p: dict):
    floats, fset = p["nested"]
    return Struct(
        Bitwise(_f32(p["bits"])),
        Canonical(_f64(p["canon"])),
        _f32(p["plain"]),
        Bitwise((Seq(F64, [_f64(b) for b in floats]), Set([_f32(b) for b in fset]))),
        Canonical(Set([_f64(b) for b in p["canon_set"]])),
    )


def _disc(d: list):
    if d[0] == "B":
        return Variant(1, _f32(d[1]))
    if d[0] == "C":
        return Variant(2, U8(d[1]), None if d[2] is None else Some_(_f64(d[2])))
    return Variant({"A": 0, "D": 3}[d[0]])


RECORD_PARTS = {  # the Python model of each part, in Record's field order
    "set_total_f64": lambda v: Set([_f64(b) for b in v]),
    "bitwise_set_total_f32": lambda v: Bitwise(Set([_f32(b) for b in v])),
    "set_rev_i32": lambda v: Set([I32(x) for x in v]),
    "map_total_f32_string": lambda v: Map([(_f32(k), x) for k, x in v]),
    "map_rev_u8_total_f64": lambda v: Map([(U8(k), _f64(x)) for k, x in v]),
    "map_set_vec": lambda v: Map([(Set([_f64(b) for b in k]), Seq(F32, [_f32(b) for b in x])) for k, x in v]),
    "set_box_string": lambda v: Set(v),
    "set_rc_str": lambda v: Set(v),
    "set_tagged": lambda v: Set([Struct(I8(x), _f64(w)) for x, w, _note in v]),  # the note is skipped
    "discs": lambda v: Seq(ANY, [_disc(d) for d in v]),
    "levels": lambda v: Set([Variant({"High": 0, "Low": 1, "Mid": 2}[x]) for x in v]),  # declaration order
    "unit": lambda v: Struct(),
    "one": lambda v: Struct(_f64(v)),
    "named_one": lambda v: Struct(Seq(F32, [_f32(b) for b in v])),
    "policies": _policies,
    "bitwise_policies": lambda v: Bitwise(_policies(v)),
    "vec_box_f32": lambda v: Seq(F32, [_f32(b) for b in v]),
    "vec_key_bitwise_f32": lambda v: Bitwise(Seq(F32, [_f32(b) for b in v])),
    "bitwise_vec_key_f64": lambda v: Bitwise(Seq(F64, [_f64(b) for b in v])),
    "tensor_bitwise_box_f64": lambda v: Bitwise(Tensor(F64, [len(v)], [_f64(b) for b in v])),
    "bitwise_pointers": lambda v: Bitwise((_f32(v[0]), _f64(v[1]), _f32(v[2]))),
    "durations": lambda v: Seq(ANY, [Duration(s, n) for s, n in v]),
    "set_reverse_nonzero_i16": lambda v: Set([Reverse(NonZero(I16, x)) for x in v]),
    "vec_wrapping_nonzero_u64": lambda v: Seq(U64, [Wrapping(NonZero(U64, x)) for x in v]),
    "tensor_reverse_f32": lambda v: Tensor(F32, [len(v)], [Reverse(_f32(b)) for b in v]),
    "ranges_f64": lambda v: Seq(ANY, [Range(_f64(a), _f64(b)) for a, b in v]),
    "bitwise_range_f32": lambda v: Bitwise(Range(_f32(v[0]), _f32(v[1]))),
    "ranges_inclusive_u8": lambda v: Seq(ANY, [_inclusive(*r) for r in v]),
    "map_ordering_duration": lambda v: Map([(Ordering(c), Duration(*d)) for c, d in v]),
    "phantom": lambda v: PHANTOM,
    "sockets": lambda v: Seq(ANY, [SocketAddr(*s) for s in v]),
    "set_ipaddr": lambda v: Set([IpAddr(x) for x in v]),
}


def _inclusive(start: int, end: int, steps: int):
    s, e, exhausted = iterate_inclusive(start, end, steps)
    return RangeInclusive(U8(s), U8(e), exhausted)

HALF_PARTS = {
    "vec_box_bf16": lambda v: Seq(BF16, [BF16.from_bits(b) for b in v]),
    "tensor_key_f16": lambda v: Tensor(F16, [len(v)], [F16.from_bits(b) for b in v]),
    "vec_bitwise_key_f16": lambda v: Bitwise(Seq(F16, [F16.from_bits(b) for b in v])),
}


def record_line(rng: random.Random, half: bool) -> dict:
    parts = random_record_parts(rng, half)
    values = {name: RECORD_PARTS[name](parts[name]) for name in RECORD_PARTS}
    digests = {name: digest(v) for name, v in values.items()}
    record = Struct(*values.values())
    digests["record"] = digest(record)
    digests["bitwise_record"] = digest(Bitwise(record))
    for name, model in HALF_PARTS.items():
        if name in parts:
            digests[name] = digest(model(parts[name]))
    return {"kind": "record", "parts": parts, "digests": digests}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--no-half", action="store_true", help="leave out float16 and bfloat16")
    p.add_argument("--no-records", action="store_true", help="tensors only")
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
            if not args.no_records:
                f.write(json.dumps(record_line(rng, not args.no_half)) + "\n")
    records = 0 if args.no_records else args.count
    print(f"gen_random: wrote {args.count} tensors and {records} records to {args.out} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
