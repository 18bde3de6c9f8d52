"""The mapping of plain Python values to SPEC.md types (README.md, "Value
mapping"), checked against the reference implementation with the explicit
types written out."""

from __future__ import annotations

import collections
import enum
import math
import random

import numpy as np
import pytest
from conftest import ref

import tensor_key as tk


def explicit(v):
    """The README's mapping, written independently of the Rust walker."""
    if v is None:
        return ref.NONE
    if isinstance(v, bool):
        return ref.BOOL(v)
    if isinstance(v, int):
        return ref.I64(v)
    if isinstance(v, float):
        return ref.F64.from_bits(int(np.array(v).view(np.uint64)))
    if isinstance(v, complex):
        return ref.C64.from_bits(int(np.array(v.real).view(np.uint64)), int(np.array(v.imag).view(np.uint64)))
    if isinstance(v, str):
        return ref.Str(v)
    if isinstance(v, (bytes, bytearray)):
        return ref.Seq(ref.U8, list(v))
    if isinstance(v, tuple):
        return ref.UNIT if not v else ref.Tuple(*map(explicit, v))
    if isinstance(v, list):
        items = [explicit(x) for x in v]
        if items and all(isinstance(x, ref.Scalar) and x.type is items[0].type for x in items):
            return ref.Seq(items[0].type, items)
        return ref.Seq(ref.ANY, items)
    if isinstance(v, dict):
        return ref.Map([(explicit(k), explicit(x)) for k, x in v.items()])
    if isinstance(v, (set, frozenset)):
        return ref.Set([explicit(x) for x in v])
    if isinstance(v, np.generic):
        return ref._normalize(v)  # the numpy scalar's own type
    if isinstance(v, np.ndarray):
        return v
    raise AssertionError(v)


SAMPLES = [
    None, True, False, 0, 1, -1, 2**63 - 1, -(2**63), 1.5, -0.0, math.nan, -math.inf, 1e-310,
    1 + 2j, complex(math.nan, -0.0), "", "ключ", b"", b"\x00\xff", bytearray(b"ab"),
    (), (1,), (1, "a", None), [], [1, 2, 3], [1.0, 2.0], [1, 2.0], [True, 1], [[1], [2, 3]],
    ["a", "bc"], [None, 1], {}, {1: "a", 2: "b"}, {"x": [1.0], "y": (2,)}, {1.0, -0.0, 2.0},
    frozenset({"a", "b"}), [np.float32(1), np.float32(2)], [np.int8(1), 2],
    {(1, 2): frozenset({3})}, [b"ab", bytearray(b"c")],
]


@pytest.mark.parametrize("value", SAMPLES, ids=[repr(s)[:30] for s in SAMPLES])
def test_plain_values_map_as_documented(value):
    want = ref.encode(explicit(value))
    assert tk.encoding(value) == want
    assert tk.digest(value) == ref.digest(explicit(value))


def random_plain(rng: random.Random, depth=0):
    leaf = depth >= 3 or rng.random() < 0.45
    if leaf:
        return rng.choice([
            None, rng.random() < 0.5, rng.randint(-(2**63), 2**63 - 1), rng.randint(-3, 3),
            rng.choice([0.0, -0.0, math.nan, -math.nan, math.inf, 1.5, rng.random()]),
            complex(rng.random(), rng.choice([-0.0, math.nan, 1.0])), rng.choice(["", "a", "é"]),
            bytes(rng.randbytes(rng.randint(0, 3))), np.float32(rng.random()), np.uint64(2**64 - 1),
            np.int16(-5), np.bool_(True), np.complex64(1 - 1j), np.float16(-0.0)])
    k = rng.randrange(5)
    items = [random_plain(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if k == 0:
        return tuple(items)
    if k == 1:
        return items
    if k == 2:  # homogeneous scalar lists
        x = rng.choice([1, 1.5, True, 1j, np.float32(2), np.uint8(3)])
        return [type(x)(rng.randint(0, 3)) if not isinstance(x, bool) else rng.random() < 0.5 for _ in range(rng.randint(1, 4))]
    hashable = [x for x in items if isinstance(x, (int, float, str, bytes, complex, type(None), tuple)) and not isinstance(x, tuple)]
    if k == 3:
        return {h: random_plain(rng, depth + 1) for h in hashable}
    return set(hashable)


@pytest.mark.parametrize("seed", range(3))
def test_random_plain_values(seed):
    rng = random.Random(seed)
    for _ in range(400):
        v = random_plain(rng)
        assert tk.encoding(v) == ref.encode(explicit(v)), v
        assert tk.encoding(v, floats="bitwise") == ref.encode(ref.Bitwise(explicit(v))), v


def test_python_numbers_are_typed():
    assert tk.encoding(1) == bytes.fromhex("0a0100000000000000")
    assert tk.encoding(1.0) == bytes.fromhex("13000000000000f03f")
    assert tk.Key(1) != tk.Key(1.0)  # i64 and f64: different SPEC.md types
    assert tk.Key(1) == tk.Key(np.int64(1)) == tk.Key(tk.I64(1))
    assert tk.Key(1) != tk.Key(np.int32(1))
    assert tk.Key(True) != tk.Key(1)
    assert tk.Key(np.float64(0.5)) == tk.Key(0.5)
    assert tk.Key(np.float32(0.5)) != tk.Key(0.5)


def test_subclasses_of_containers_and_numbers():
    Point = collections.namedtuple("Point", "x y")
    assert tk.encoding(Point(1, 2)) == tk.encoding((1, 2))
    assert tk.encoding(collections.OrderedDict([(2, "b"), (1, "a")])) == tk.encoding({1: "a", 2: "b"})

    class Color(enum.IntEnum):
        RED = 3

    assert tk.encoding(Color.RED) == tk.encoding(3)
    assert tk.encoding(np.str_("ab")) == tk.encoding("ab")


def test_wrappers_match_the_reference():
    cases = [
        (tk.U8(3), ref.U8(3)), (tk.CHAR("é"), ref.CHAR("é")), (tk.U128(2**128 - 1), ref.U128(2**128 - 1)),
        (tk.I128(-(2**127)), ref.I128(-(2**127))), (tk.BF16(1.0078125), ref.BF16(1.0078125)),
        (tk.F16(65519.0), ref.F16(65519.0)), (tk.C32(1.5, math.nan), ref.C32(1.5, math.nan)),
        (tk.Some(None), ref.Some_(None)), (tk.Seq(tk.F32, []), ref.Seq(ref.F32, [])),
        (tk.Seq(tk.ANY, []), ref.Seq(ref.ANY, [])), (tk.Str("a"), "a"),
        (tk.Tensor(tk.U128, [2], [1, 2]), ref.Tensor(ref.U128, [2], [1, 2])),
        (tk.Seq(tk.F32, np.array([1.0, np.nan], np.float32)), ref.Seq(ref.F32, [1.0, math.nan])),
        (tk.Bitwise(tk.Seq(tk.F16, [np.float16(-0.0)])), ref.Bitwise(ref.Seq(ref.F16, [-0.0]))),
    ]
    for mine, theirs in cases:
        assert tk.encoding(mine) == ref.encode(theirs), mine


def test_float_rounding_of_wrappers():
    # bf16 rounds from the f32 rounding of the value, as SPEC.md's reference does.
    for x in [1.00390625, 1.0 + 2**-8 + 2**-30, 3.4e38, 1e-40, -2.5]:
        assert tk.encoding(tk.BF16(x)) == ref.encode(ref.BF16(x))
        assert tk.encoding(tk.F16(x)) == ref.encode(ref.F16(x))
        assert tk.encoding(tk.F32(x)) == ref.encode(ref.F32(x))


def test_bfloat16_scalars_and_arrays():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = ml_dtypes.bfloat16(1.5)
    assert tk.encoding(x) == ref.encode(ref.BF16(1.5)) == bytes.fromhex("11c03f")
    a = np.array([1.5, -0.0, np.nan], dtype=ml_dtypes.bfloat16)
    assert tk.encoding(a) == ref.encode(a)
    assert tk.encoding([x, x]) == ref.encode(ref.Seq(ref.BF16, [1.5, 1.5]))
    for other in (np.array([0], dtype=ml_dtypes.float8_e4m3fn), ml_dtypes.float8_e5m2(1)):
        with pytest.raises(TypeError, match="dtype"):
            tk.digest(other)
