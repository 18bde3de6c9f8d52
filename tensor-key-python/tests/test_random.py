"""Thousands of random values, in random memory layouts: tensor_key's encoding
equals the reference implementation's (python/tensor_key_ref.py), under both
float policies."""

from __future__ import annotations

import random

import gen_random  # python/gen_random.py: the random floats of the Rust cross-check
import numpy as np
import pytest
from conftest import ref, ref_encode, to_tk

import tensor_key as tk

try:
    import ml_dtypes
except ImportError:  # bfloat16 arrays need it
    ml_dtypes = None

DTYPES = ["bool"] + gen_random.INT_DTYPES + gen_random.FLOAT_DTYPES + (["bfloat16"] if ml_dtypes else [])
POLICIES = ["canonical", "bitwise"]


def np_dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def random_array(rng: random.Random, dtype: str | None = None, shape=None) -> np.ndarray:
    dtype = dtype or rng.choice(DTYPES)
    shape = gen_random.random_shape(rng) if shape is None else shape
    n = int(np.prod(shape, dtype=np.int64))
    data = gen_random.random_data(rng, dtype, n)
    dt = np_dtype(dtype)
    if dtype == "bool":
        return np.frombuffer(data, dtype=np.uint8).astype(bool).reshape(shape)
    return np.frombuffer(data, dtype=dt.newbyteorder("<") if dt.itemsize > 1 and dtype != "bfloat16" else dt).reshape(shape).copy()


def random_layout(rng: random.Random, a: np.ndarray) -> np.ndarray:
    """The same logical values in a random layout, including the ones the
    reference's own cross-check does not make: broadcast, byte-swapped,
    misaligned, and mixed negative/positive strides."""
    r = rng.random()
    if r < 0.45 or a.ndim == 0:
        return gen_random.random_layout(rng, a)
    if r < 0.55:  # byte-swapped storage (a '>' dtype)
        if a.dtype.itemsize == 1 or a.dtype.name == "bfloat16":
            return a
        swapped = np.frombuffer(a.astype(a.dtype.newbyteorder("<")).tobytes(), dtype=a.dtype.newbyteorder("<"))
        return swapped.byteswap().view(a.dtype.newbyteorder(">")).reshape(a.shape)
    if r < 0.65:  # misaligned storage
        raw = b"\0" + np.ascontiguousarray(a).tobytes()
        return np.frombuffer(raw, dtype=a.dtype, offset=1, count=a.size).reshape(a.shape)
    if r < 0.8:  # some axes reversed in storage, viewed back
        flips = tuple(slice(None, None, -1) if rng.random() < 0.5 else slice(None) for _ in range(a.ndim))
        return np.ascontiguousarray(a[flips])[flips]
    # Stepped and transposed.
    return np.asfortranarray(a)[tuple(slice(None) for _ in range(a.ndim))]


@pytest.mark.parametrize("seed", range(4))
def test_random_tensors_in_random_layouts(seed):
    rng = random.Random(1000 + seed)
    for _ in range(600):
        a = random_array(rng)
        v = random_layout(rng, a)
        assert v.shape == a.shape
        for floats in POLICIES:
            want = ref_encode(a, floats)
            assert tk.encoding(v, floats=floats) == want, (a.dtype, a.shape, v.strides, floats)
            assert tk.Key(v, floats=floats).encoding == want


@pytest.mark.parametrize("seed", range(2))
def test_broadcast_views(seed):
    rng = random.Random(2000 + seed)
    for _ in range(300):
        a = random_array(rng, shape=[rng.randint(1, 4) for _ in range(rng.randint(1, 3))])
        target = tuple(rng.randint(0, 5) if n == 1 else n for n in a.shape)
        target = (rng.randint(1, 4),) + target if rng.random() < 0.5 else target
        b = np.broadcast_to(a, target)
        assert 0 in b.strides or b.size == a.size
        for floats in POLICIES:
            assert tk.encoding(b, floats=floats) == ref_encode(np.ascontiguousarray(b), floats)


def random_scalar(rng: random.Random):
    t = rng.choice(ref.SCALAR_TYPES)
    if t.kind == "int":
        bits = 8 * t.size
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if t.signed else (0, (1 << bits) - 1)
        return t(rng.choice([lo, hi, 0, 1, rng.randint(lo, hi)]))
    if t.kind == "bool":
        return t(rng.random() < 0.5)
    if t.kind == "char":
        return t(rng.choice(["a", "é", "\U0010ffff", "\ud7ff", "\ue000", "0"]))
    width = -16 if t is ref.BF16 else 8 * t.size if t.kind == "float" else 4 * t.size
    if t.kind == "float":
        return t.from_bits(gen_random.float_bits(rng, width))
    return t.from_bits(gen_random.float_bits(rng, width), gen_random.float_bits(rng, width))


def random_scalar_of(rng: random.Random, t):
    while True:
        x = random_scalar(rng)
        if x.type is t:
            return x


def random_value(rng: random.Random, depth: int = 0):
    """A random reference-model value, nested up to a few levels."""
    leaf = depth >= 3 or rng.random() < 0.4
    kinds = ["scalar", "str", "none", "unit", "array"] if leaf else [
        "some", "tuple", "seq_scalar", "seq_any", "map", "set", "tensor_any", "tensor_char",
        "struct", "variant", "bitwise", "canonical", "list", "array"]
    k = rng.choice(kinds)
    sub = lambda: random_value(rng, depth + 1)  # noqa: E731
    many = lambda: [sub() for _ in range(rng.randint(0, 4))]  # noqa: E731
    if k == "scalar":
        return random_scalar(rng)
    if k == "str":
        return rng.choice(["", "a", "bc", "ключ", "🙂", "aa"])
    if k == "none":
        return ref.NONE
    if k == "unit":
        return ref.UNIT
    if k == "array":
        a = random_array(rng)
        return random_layout(rng, a) if a.size < 2000 else a
    if k == "some":
        return ref.Some_(sub())
    if k == "tuple":
        return ref.Tuple(*[sub() for _ in range(rng.randint(1, 4))])
    if k == "seq_scalar":
        t = random_scalar(rng).type
        return ref.Seq(t, [x for x in (random_scalar(rng) for _ in range(40)) if x.type is t][:5] or [])
    if k == "seq_any":
        return ref.Seq(ref.ANY, many())
    if k == "map":
        # Keys collide often (0.0 / -0.0 / NaNs, equal strings) to exercise dedup.
        keys = [rng.choice([ref.F64(0.0), ref.F64(-0.0), ref.F64(float("nan")), ref.F64.from_bits(0xFFF8000000000001),
                            "k", ref.U8(1), random_scalar(rng)]) for _ in range(rng.randint(0, 5))]
        return ref.Map([(key, rng.choice([sub(), "a", "a"])) for key in keys])
    if k == "set":
        return ref.Set([rng.choice([ref.F32(0.0), ref.F32(-0.0), ref.F32.from_bits(0x7FC00001), sub()])
                        for _ in range(rng.randint(0, 5))])
    if k == "tensor_any":
        shape = [rng.randint(0, 2) for _ in range(rng.randint(0, 2))]
        return ref.Tensor(ref.ANY, shape, [sub() for _ in range(int(np.prod(shape, dtype=int)))])
    if k == "tensor_char":  # element types numpy lacks
        shape = [rng.randint(0, 3) for _ in range(rng.randint(0, 2))]
        t = rng.choice([ref.CHAR, ref.U128, ref.I128])
        n = int(np.prod(shape, dtype=int))
        items = [rng.choice("xé🙂") for _ in range(n)] if t is ref.CHAR else [
            random_scalar_of(rng, t) for _ in range(n)]
        return ref.Tensor(t, shape, items)
    if k == "struct":
        return ref.Struct(*many())
    if k == "variant":
        return ref.Variant(rng.randint(0, 2**32 - 1), *many())
    if k == "bitwise":
        return ref.Bitwise(sub())
    if k == "canonical":
        return ref.Canonical(sub())
    if k == "list":  # a plain list of composites (the reference takes non-empty ones)
        return [sub() for _ in range(rng.randint(1, 3))]
    raise AssertionError(k)


@pytest.mark.parametrize("seed", range(4))
def test_random_composite_values(seed):
    rng = random.Random(3000 + seed)
    for _ in range(500):
        v = random_value(rng)
        mine = to_tk(v)
        for floats in POLICIES:
            want = ref_encode(v, floats)
            assert tk.encoding(mine, floats=floats) == want, v
        assert tk.digest(mine) == ref.digest(v)


def test_large_strided_tensor_takes_the_slab_path():
    """> 16 MiB: encoded slab by slab with the GIL released; same bytes."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal((1100, 2 * 2100)).astype(np.float64)
    base[3, 8] = np.nan
    base[5, 10] = -0.0
    v = base[::-1, ::2]  # 1100 x 2100 f64, 18.5 MB, reversed rows, stepped columns
    assert v.nbytes > 16 * 2**20
    c = np.ascontiguousarray(v)
    assert tk.digest(v) == tk.digest(c) == ref.digest(c)
    assert tk.digest(v, floats="bitwise") == ref.digest(ref.Bitwise(c))
    t = np.asfortranarray(c[:, :, None].repeat(3, axis=2))  # rank 3, Fortran order, 55 MB
    assert tk.digest(t) == ref.digest(np.ascontiguousarray(t))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "int8", "bool", "float16"])
def test_big_transposed_layouts_take_the_gather_path(dtype):
    """>= 64 KiB with the memory-contiguous axis not last: gathered through
    tiles (and, up to 16 MiB, on a second thread); > 16 MiB in slabs."""
    rng = np.random.default_rng(11)
    base = (rng.standard_normal((3, 97, 1031)) * 100).astype(dtype)
    if dtype.startswith("float"):
        base.flat[::977] = np.nan
        base.flat[5::1013] = -0.0
    views = [
        np.asfortranarray(base),
        base.transpose(2, 0, 1),
        base.transpose(1, 2, 0)[::-1, ::3],
        np.asfortranarray(base)[:, ::-2, 5:],
        base[1].T,
        np.broadcast_to(base[0].T[:, None, :], (1031, 4, 97)),
    ]
    for v in views:
        c = np.ascontiguousarray(v)
        for floats in POLICIES:
            assert tk.digest(v, floats=floats) == tk.digest(c, floats=floats)
        assert tk.encoding(v) == ref_encode(c)
    if dtype == "float64":  # > 16 MiB, transposed: slabs with signal checks
        big = np.asfortranarray(rng.standard_normal((2100, 1100)))
        assert big.nbytes > 16 * 2**20
        assert tk.digest(big) == ref.digest(np.ascontiguousarray(big))
