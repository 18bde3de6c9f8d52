#!/usr/bin/env python3
"""Checks the Rust golden vectors (tests/vectors/digests.json) against the
Python reference implementation.

Every vector name must be in VALUES below, which rebuilds the value in the
Python model; any unknown name, missing name, encoding or digest mismatch
fails loudly with a non-zero exit status.

    python3 python/check_vectors.py [path/to/digests.json]
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tensor_key_ref import (  # noqa: E402
    ANY, BOOL, C32, C64, CHAR, EQUAL, F32, F64, GREATER, I8, I16, I32, I64, I128, ISIZE, LESS, NONE,
    PHANTOM, U8, U16, U32, U64, U128, UNIT, USIZE, Bitwise, Canonical, Duration, IpAddr, Ipv4Addr,
    Ipv6Addr, Map, NonZero, Range, SocketAddr,
    RangeInclusive, Reverse, Saturating, Seq, Set, Some_, Struct, Tensor, Tuple, Variant, Wrapping, digest,
    encode,
)

NAN = float("nan")
U64_MAX = (1 << 64) - 1
U128_MAX = (1 << 128) - 1

# Rust: Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32 - 2.5)
GRID = (np.arange(12, dtype=np.float32) - np.float32(2.5)).reshape(3, 4)
# Rust: Array::from_shape_fn((40, 52), |(i, j)| ((i * 52 + j) as f32).sqrt())
BIG = np.sqrt(np.arange(40 * 52, dtype=np.float32)).reshape(40, 52)


def fortran(a):
    return np.array(a, order="F")


def reversed_view(a):
    """Storage reversed along axis 0, viewed back through a negative stride."""
    return np.ascontiguousarray(a[::-1])[::-1]


def shape_fn(shape, f, dtype):
    return np.fromfunction(np.vectorize(lambda *ix: f(*[int(i) for i in ix])), shape, dtype=np.int64).astype(dtype)


VALUES = {
    "unit": lambda: UNIT,
    "bool_true": lambda: True,
    "bool_false": lambda: False,
    "char": lambda: CHAR("é"),
    "u8": lambda: U8(0xAB),
    "u16": lambda: U16(0xABCD),
    "u32": lambda: U32(0xDEADBEEF),
    "u64": lambda: U64(U64_MAX - 1),
    "u128": lambda: U128(U128_MAX // 3),
    "usize": lambda: USIZE(12345),
    "i8": lambda: I8(-2),
    "i16": lambda: I16(-(1 << 15)),
    "i32": lambda: I32(-123_456),
    "i64": lambda: I64(-(1 << 63) + 1),
    "i128": lambda: I128(-(1 << 100)),
    "isize": lambda: ISIZE(-12345),
    "f32": lambda: F32(1.5),
    "f32_nan": lambda: F32(NAN),
    "f32_nan_payload": lambda: F32.from_bits(0xFFC0_0001),
    "f32_neg_zero": lambda: F32(-0.0),
    "f32_inf": lambda: F32(-math.inf),
    "f64": lambda: F64(math.pi),
    "f64_nan": lambda: F64.from_bits(0xFFF8_0000_0000_0000),  # -f64::NAN
    "f64_neg_zero": lambda: F64(-0.0),
    "c32": lambda: C32(1.0, -2.0),
    "c64_nan": lambda: C64(NAN, -0.0),
    "bitwise_f32_nan_payload": lambda: Bitwise(F32.from_bits(0xFFC0_0001)),
    "bitwise_f64_neg_zero": lambda: Bitwise(F64(-0.0)),
    "bitwise_c32": lambda: Bitwise(C32(-0.0, 1.0)),
    "str": lambda: "tensor",
    "str_empty": lambda: "",
    "string": lambda: "ключ",
    "none": lambda: None,
    "some": lambda: Some_(U32(7)),
    "some_none": lambda: Some_(None),
    "tuple1": lambda: Tuple(U8(1)),
    "tuple2": lambda: (U8(1), "a"),
    "tuple12": lambda: (U8(1), U16(2), U32(3), U64(4), I8(5), I16(6), I32(7), I64(8), F32(9.0), F64(10.0), CHAR("1"), "12"),
    "array_u8_3": lambda: Seq(U8, [1, 2, 3]),
    "array_empty": lambda: Seq(U8, []),
    "slice_f64": lambda: Seq(F64, [1.0, -0.0, NAN]),
    "vec_f32": lambda: Seq(F32, [1.0, 2.0]),
    "vec_empty_f32": lambda: Seq(F32, []),
    "vec_empty_i32": lambda: Seq(I32, []),
    "vec_bool": lambda: Seq(BOOL, [True, False, True]),
    "vec_string": lambda: Seq(ANY, ["a", "bc"]),
    "vec_vec_u8": lambda: Seq(ANY, [Seq(U8, [1]), Seq(U8, [2, 3])]),
    "vec_option_u8": lambda: Seq(ANY, [Some_(U8(1)), None]),
    "vecdeque_u16": lambda: Seq(U16, [1, 2, 3]),
    "box": lambda: U8(5),
    "rc": lambda: "rc",
    "arc": lambda: I64(-1),
    "cow": lambda: "cow",
    "ref": lambda: (U8(1), U8(2)),
    "key": lambda: U8(3),
    "btreemap": lambda: Map([(U8(2), "two"), (U8(1), "one")]),
    "btreeset": lambda: Set([CHAR("b"), CHAR("a")]),
    "tensor0_f32": lambda: np.array(2.0, dtype=np.float32),
    "tensor1_f32": lambda: np.array([1.0, -0.0, NAN], dtype=np.float32),
    "tensor2_f32": lambda: GRID,
    "tensor2_f32_fortran_view": lambda: fortran(GRID),
    "tensor2_f32_reversed_view": lambda: reversed_view(GRID),
    "tensor3_u8": lambda: shape_fn((2, 3, 2), lambda i, j, k: i * 6 + j * 2 + k, np.uint8),
    "tensor4_i16": lambda: shape_fn((1, 2, 1, 2), lambda _i, j, _k, ll: j * 2 + ll - 1, np.int16),
    "tensor5_u32": lambda: np.full((1, 1, 2, 1, 1), 9, dtype=np.uint32),
    "tensor6_i64": lambda: np.full((1, 1, 1, 1, 1, 1), -9, dtype=np.int64),
    "tensordyn_f64": lambda: np.array([0.5, 1.0, 1.5, 2.0]).reshape(2, 2),
    "tensor2_empty_0x3_f32": lambda: np.zeros((0, 3), dtype=np.float32),
    "tensor2_empty_3x0_f32": lambda: np.zeros((3, 0), dtype=np.float32),
    "tensor1_empty_i32": lambda: np.zeros(0, dtype=np.int32),
    "tensor0_u8": lambda: np.array(1, dtype=np.uint8),
    "tensor1_bool": lambda: np.array([True, False]),
    "tensor1_char": lambda: Tensor(CHAR, [2], ["x", "y"]),
    "tensor1_u128": lambda: Tensor(U128, [2], [1, U128_MAX]),
    "tensor1_i128": lambda: Tensor(I128, [1], [-1]),
    "tensor1_usize": lambda: np.array([1, 2], dtype=np.uint64),
    "tensor1_isize": lambda: np.array([-1], dtype=np.int64),
    "tensor1_c64": lambda: np.array([1 + 2j], dtype=np.complex128),
    "tensor1_bitwise_f32": lambda: Bitwise(np.array([-0.0, NAN], dtype=np.float32)),
    "bitwise_tensor1_f32": lambda: Bitwise(np.array([-0.0, NAN], dtype=np.float32)),
    "tensor2_string": lambda: Tensor(ANY, [2, 2], ["a", "b", "c", ""]),
    "tensor1_option_u8": lambda: Tensor(ANY, [2], [Some_(U8(1)), None]),
    "arcarray_f32": lambda: np.array([1.0, 2.0], dtype=np.float32),
    "arrayview_f32": lambda: GRID[1:, ::2],
    "cowarray_f32": lambda: GRID,
    "tensor2_f32_big": lambda: BIG,
    "tuple_tensor_u32": lambda: (GRID, U32(7)),
    # #[derive(FrozenKey)] types (SPEC.md 4.10, 4.11 and examples 8.7, 8.8).
    "derive_struct": lambda: Struct(F32(1.0), F32(-0.0), "p"),
    "derive_enum_unit": lambda: Variant(0),
    "derive_enum_tuple": lambda: Variant(1, F64(NAN)),
    "derive_enum_named": lambda: Variant(2, U32(3), U32(4)),
    "derive_skip_and_bitwise": lambda: Struct(GRID, U8(2), Bitwise(F32(-0.0))),
    "derive_unit_struct": lambda: Struct(),
    "derive_tuple_struct": lambda: Struct(U8(1), NONE),
    # One-field structs are structs (SPEC.md 4.11); derived types are composite elements.
    "derive_one_field_struct": lambda: Struct(F32(-0.0)),
    "vec_derive_one_field_struct": lambda: Seq(ANY, [Struct(F32(1.0)), Struct(F32(NAN))]),
    # Explicit discriminants: the index is the declaration position.
    "derive_enum_discriminant_first": lambda: Variant(0),
    "derive_enum_discriminant_unit": lambda: Variant(1),
    "derive_enum_discriminant_tuple": lambda: Variant(2, U8(7)),
    # Per-field float policies (SPEC.md 4.11).
    "derive_float_attrs": lambda: Struct(Bitwise(F32(-0.0)), Canonical(F32(-0.0)), F32(-0.0)),
    "bitwise_derive_float_attrs": lambda: Bitwise(Struct(Bitwise(F32(-0.0)), Canonical(F32(-0.0)), F32(-0.0))),
    # Sets and maps in the order of their encodings, each distinct encoding once (SPEC.md 4.8).
    "btreeset_i32_signs": lambda: Set([I32(-1), I32(1), I32(2)]),
    "btreeset_strings": lambda: Set(["b", "aa", ""]),
    "btreeset_box_string": lambda: Set(["b", "aa"]),
    "btreeset_rc_str": lambda: Set(["b", "aa"]),
    "btreeset_total_f64": lambda: Set(ZEROS_AND_NANS),
    "bitwise_btreeset_total_f64": lambda: Bitwise(Set(ZEROS_AND_NANS)),
    "btreemap_total_f64_keys": lambda: Map([(F64(0.0), "b"), (F64(-0.0), "a"), (F64(1.0), "a")]),
    "btreemap_i32_keys": lambda: Map([(I32(-1), CHAR("a")), (I32(1), CHAR("b"))]),
    "btreemap_nested_sets": lambda: Map([(Set([U8(2)]), Seq(F32, [-0.0])), (Set([U8(1), U8(2)]), Seq(F32, []))]),
    # Wrapped scalars keep their scalar block and the policy in force (SPEC.md 4.12).
    "vec_box_f32": lambda: Seq(F32, [-0.0, 1.0]),
    "vec_key_bitwise_f32": lambda: Bitwise(Seq(F32, [-0.0, NAN])),
    "bitwise_vec_key_f32": lambda: Bitwise(Seq(F32, [-0.0, NAN])),
    "bitwise_pointers": lambda: Bitwise((F32(-0.0), F64(-0.0), F32(-0.0), F32(-0.0))),
    "tensor1_box_f64": lambda: np.array([-0.0, 2.0]),
    # Standard-library value types (SPEC.md 4.13).
    "nonzero_u8": lambda: NonZero(U8, 0xAB),
    "nonzero_u16": lambda: NonZero(U16, 0xABCD),
    "nonzero_u32": lambda: NonZero(U32, 0xDEADBEEF),
    "nonzero_u64": lambda: NonZero(U64, U64_MAX),
    "nonzero_u128": lambda: NonZero(U128, U128_MAX // 3),
    "nonzero_usize": lambda: NonZero(USIZE, 12345),
    "nonzero_i8": lambda: NonZero(I8, -2),
    "nonzero_i16": lambda: NonZero(I16, -(1 << 15)),
    "nonzero_i32": lambda: NonZero(I32, -123_456),
    "nonzero_i64": lambda: NonZero(I64, -(1 << 63) + 1),
    "nonzero_i128": lambda: NonZero(I128, -(1 << 100)),
    "nonzero_isize": lambda: NonZero(ISIZE, -12345),
    "option_nonzero_u32_none": lambda: None,
    "option_nonzero_u32_some": lambda: Some_(NonZero(U32, 7)),
    "vec_nonzero_u32": lambda: Seq(U32, [NonZero(U32, 1), NonZero(U32, (1 << 32) - 1)]),
    "tensor1_nonzero_i16": lambda: Tensor(I16, [2], [NonZero(I16, -(1 << 15)), NonZero(I16, -1)]),
    "wrapping_u8": lambda: Wrapping(U8(250)),
    "wrapping_f32_nan": lambda: Wrapping(F32.from_bits(0xFFC0_0001)),
    "bitwise_wrapping_f32": lambda: Bitwise(Wrapping(F32(-0.0))),
    "vec_wrapping_u8": lambda: Seq(U8, [Wrapping(U8(1)), Wrapping(U8(255))]),
    "tensor1_wrapping_f64": lambda: Tensor(F64, [2], [Wrapping(F64(-0.0)), Wrapping(F64(1.5))]),
    "saturating_i64": lambda: Saturating(I64(-7)),
    "reverse_string": lambda: Reverse("rev"),
    "btreeset_reverse_i32": lambda: Set([Reverse(I32(-1)), Reverse(I32(1)), Reverse(I32(256))]),
    "vec_reverse_f32": lambda: Seq(F32, [Reverse(F32(-0.0)), Reverse(F32(NAN))]),
    "duration": lambda: Duration(90, 500_000_000),
    "duration_zero": lambda: Duration(),
    "duration_max": lambda: Duration(U64_MAX, 999_999_999),
    "btreemap_duration_keys": lambda: Map([(Duration(nanos=1_500_000_000), "slow"), (Duration(1), "ok")]),
    "range_u32": lambda: Range(U32(3), U32(5)),
    "range_f64": lambda: Range(F64(-0.0), F64(NAN)),
    "range_string": lambda: Range("a", "b"),
    "range_inclusive_u8": lambda: RangeInclusive(U8(1), U8(3)),
    "range_inclusive_fresh_u8": lambda: RangeInclusive(U8(3), U8(3)),
    "range_inclusive_exhausted_u8": lambda: RangeInclusive(U8(3), U8(3), exhausted=True),
    "ordering_less": lambda: LESS,
    "ordering_equal": lambda: EQUAL,
    "ordering_greater": lambda: GREATER,
    "btreeset_ordering": lambda: Set([GREATER, LESS, EQUAL]),
    "phantom_data": lambda: PHANTOM,
    "ipv4addr": lambda: Ipv4Addr("192.168.0.1"),
    "ipv6addr": lambda: Ipv6Addr("2001:db8::1"),
    "ipaddr_v4": lambda: IpAddr("127.0.0.1"),
    "ipaddr_v6_mapped": lambda: IpAddr("::ffff:127.0.0.1"),
    "socketaddr_v4": lambda: SocketAddr("10.0.0.1", 8080),
    "socketaddr_v6": lambda: SocketAddr("::1", 443, flowinfo=7, scope_id=2),
    "btreeset_ipv4addr": lambda: Set([Ipv4Addr("10.0.0.2"), Ipv4Addr("9.255.255.255")]),
    "derive_std_fields": lambda: Struct(Duration(2, 500_000_000), Range(U64(0), U64(10)), NonZero(U8, 3), PHANTOM),
}

# Rust: [0.0, -0.0, f64::NAN, -f64::NAN, 1.0] (as `Total`, ordered by total_cmp)
ZEROS_AND_NANS = [F64(0.0), F64(-0.0), F64(NAN), F64.from_bits(0xFFF8_0000_0000_0000), F64(1.0)]

# f32 subtraction and sqrt are correctly rounded in Rust and numpy alike, so GRID
# and BIG hold the same bits as the Rust vectors.


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "digests.json"
    path = Path(argv[1]) if len(argv) > 1 else default
    vectors = json.loads(path.read_text(encoding="utf-8"))
    failures = []
    seen = set()
    for v in vectors:
        name = v["name"]
        seen.add(name)
        if name not in VALUES:
            failures.append(f"{name}: unknown vector (rust: {v['rust']}); add it to VALUES in check_vectors.py")
            continue
        value = VALUES[name]()
        enc = encode(value).hex()
        if enc != v["encoding"]:
            failures.append(f"{name}: encoding mismatch\n  rust:   {v['encoding']}\n  python: {enc}")
            continue
        dig = digest(value)
        if dig != v["digest"]:
            failures.append(f"{name}: digest mismatch\n  rust:   {v['digest']}\n  python: {dig}")
    missing = sorted(set(VALUES) - seen)
    if missing:
        print(f"check_vectors: warning: in VALUES but not in {path}: {', '.join(missing)}", file=sys.stderr)
    if failures:
        print(f"check_vectors: {len(failures)} FAILURE(S) in {path}:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    print(f"check_vectors: all {len(vectors)} golden vectors match ({path})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
