"""Unit tests for the reference implementation.

    python3 -m unittest discover -s python

Expected bytes are hand-computed from SPEC.md; the ones marked "Rust" were also
produced by the Rust crate (`FrozenKey::encoding` / `digest`).
"""

import hashlib
import itertools
import random
import unittest

import numpy as np

from tensor_key_ref import (
    ANY, BF16, BOOL, C32, C64, CHAR, EQUAL, F16, F32, F64, GREATER, I8, I16, I32, I64, I128, LESS,
    NONE, PHANTOM, U8, U16, U32, U64, U128, UNIT, Bitwise, Canonical, Duration, EncodeError, IpAddr,
    Ipv4Addr, Ipv6Addr, Map, NonZero, Ordering, SocketAddr, SocketAddrV6, Range, RangeInclusive, Reverse, Saturating, Seq, Set, Some_, Struct, Tensor,
    Tuple, Variant, Wrapping, digest, encode, pieces,
)

NAN = float("nan")


def h(s: str) -> bytes:
    return bytes.fromhex(s.replace(" ", ""))


def L(n: int) -> str:
    return n.to_bytes(8, "little").hex()


# ---------------------------------------------------------------------------
# A type-free parser: the grammar of SPEC.md is self-delimiting, so the end of
# any encoding can be found without knowing its type.

SCALAR_WIDTH = {0x01: 1, 0x02: 1, 0x03: 2, 0x04: 4, 0x05: 8, 0x06: 16, 0x07: 1, 0x08: 2, 0x09: 4,
                0x0A: 8, 0x0B: 16, 0x0C: 4, 0x10: 2, 0x11: 2, 0x12: 4, 0x13: 8, 0x14: 8, 0x15: 16,
                0x18: 2, 0x19: 2, 0x1A: 4, 0x1B: 8, 0x1C: 8, 0x1D: 16}


def skip(b: bytes, i: int) -> int:
    """Index just past the value encoded at b[i]; IndexError/ValueError if malformed."""

    def n64(j):
        if j + 8 > len(b):
            raise IndexError("truncated length")
        return int.from_bytes(b[j:j + 8], "little"), j + 8

    def block(j, count):
        t = b[j]
        j += 1
        if t == 0xFF:
            for _ in range(count):
                j = skip(b, j)
            return j
        if t not in SCALAR_WIDTH:
            raise ValueError(f"bad block tag {t:#x}")
        return j + count * SCALAR_WIDTH[t]

    t = b[i]
    i += 1
    if t in SCALAR_WIDTH:
        end = i + SCALAR_WIDTH[t]
    elif t in (0x00, 0x30):
        end = i
    elif t == 0x31:
        end = skip(b, i)
    elif t == 0x20:
        n, i = n64(i)
        end = i + n
    elif t in (0x40, 0x43, 0x60, 0x61):
        if t == 0x61:
            i += 4
        n, i = n64(i)
        for _ in range(n):
            i = skip(b, i)
        end = i
    elif t == 0x42:
        n, i = n64(i)
        for _ in range(2 * n):
            i = skip(b, i)
        end = i
    elif t == 0x41:
        n, i = n64(i)
        end = block(i, n)
    elif t == 0x50:
        rank, i = n64(i)
        count = 1
        for _ in range(rank):
            e, i = n64(i)
            count *= e
        end = block(i, count)
    else:
        raise ValueError(f"bad tag {t:#x}")
    if end > len(b):
        raise IndexError("truncated")
    return end


class Scalars(unittest.TestCase):
    def test_integers(self):
        self.assertEqual(encode(U8(7)), h("02 07"))
        self.assertEqual(encode(U16(0x0102)), h("03 0201"))
        self.assertEqual(encode(U32(1)), h("04 01000000"))
        self.assertEqual(encode(U64(1)), h("05 0100000000000000"))
        self.assertEqual(encode(U128(1)), h("06 01" + "00" * 15))
        self.assertEqual(encode(I8(-1)), h("07 ff"))
        self.assertEqual(encode(I16(-2)), h("08 feff"))
        self.assertEqual(encode(I32(-1)), h("09 ffffffff"))
        self.assertEqual(encode(I64(-(1 << 63))), h("0a 0000000000000080"))
        self.assertEqual(encode(I128(-1)), h("0b" + "ff" * 16))

    def test_out_of_range(self):
        for bad in (lambda: U8(256), lambda: U8(-1), lambda: I8(128), lambda: U64(1 << 64)):
            self.assertRaises(EncodeError, bad)

    def test_bool_char_unit_str(self):
        self.assertEqual(encode(True), h("01 01"))
        self.assertEqual(encode(BOOL(False)), h("01 00"))
        self.assertEqual(encode(CHAR("A")), h("0c 41000000"))
        self.assertEqual(encode(CHAR("😀")), h("0c 00f60100"))
        self.assertEqual(encode(UNIT), h("00"))
        self.assertEqual(encode(()), h("00"))
        self.assertEqual(encode("hi"), h("20" + L(2) + "6869"))
        self.assertEqual(encode("é"), h("20" + L(2) + "c3a9"))

    def test_floats(self):
        self.assertEqual(encode(F32(1.0)), h("12 0000803f"))
        self.assertEqual(encode(F64(1.0)), h("13 000000000000f03f"))
        self.assertEqual(encode(F16(1.0)), h("10 003c"))
        self.assertEqual(encode(BF16(1.0)), h("11 803f"))
        self.assertEqual(encode(C32(1.0, 2.0)), h("14 0000803f 00000040"))
        self.assertEqual(encode(C64(1j)), h("15 0000000000000000 000000000000f03f"))
        self.assertEqual(encode(F32(float("inf"))), h("12 0000807f"))

    def test_numpy_scalars(self):
        self.assertEqual(encode(np.float32(1.5)), encode(F32(1.5)))
        self.assertEqual(encode(np.uint16(7)), encode(U16(7)))
        self.assertEqual(encode(np.int8(-3)), encode(I8(-3)))
        self.assertEqual(encode(np.complex64(1 - 1j)), encode(C32(1, -1)))

    def test_plain_numbers_are_ambiguous(self):
        for v in (1, 1.0, 1j):
            self.assertRaises(EncodeError, encode, v)


class CanonicalFloats(unittest.TestCase):
    CASES = [  # type, some NaN bit patterns, canonical NaN, -0.0 bits, tag
        (F16, [0x7C01, 0x7E00, 0xFE01, 0xFFFF, 0x7D00], 0x7E00, 0x8000, 0x10),
        (BF16, [0x7F81, 0x7FC0, 0xFFC1, 0xFFFF], 0x7FC0, 0x8000, 0x11),
        (F32, [0x7F800001, 0x7FC00000, 0xFFC00001, 0xFFFFFFFF, 0x7FBFFFFF], 0x7FC00000, 0x80000000, 0x12),
        (F64, [0x7FF0000000000001, 0x7FF8000000000000, 0xFFF8000000000001, 0xFFFFFFFFFFFFFFFF],
         0x7FF8000000000000, 0x8000000000000000, 0x13),
    ]

    def test_every_nan_is_one(self):
        for t, nans, qnan, _, tag in self.CASES:
            for bits in nans:
                self.assertEqual(encode(t.from_bits(bits)), bytes([tag]) + qnan.to_bytes(t.size, "little"), hex(bits))

    def test_negative_zero(self):
        for t, _, _, neg0, tag in self.CASES:
            self.assertEqual(encode(t.from_bits(neg0)), bytes([tag]) + bytes(t.size))

    def test_infinities_and_ordinary_values_keep_their_bits(self):
        self.assertEqual(encode(F32.from_bits(0xFF800000)), h("12 000080ff"))
        self.assertEqual(encode(F16.from_bits(0x0001)), h("10 0100"))  # subnormal
        self.assertEqual(encode(F64.from_bits(0x8000000000000001)), h("13 0100000000000080"))

    def test_bitwise(self):
        for t, nans, _, neg0, tag in self.CASES:
            for bits in nans + [neg0]:
                self.assertEqual(encode(Bitwise(t.from_bits(bits))), bytes([tag | 0x08]) + bits.to_bytes(t.size, "little"))
        self.assertNotEqual(digest(F32(-0.0)), digest(Bitwise(F32(-0.0))))
        self.assertNotEqual(digest(F32(0.0)), digest(Bitwise(F32(0.0))))  # the tag differs

    def test_bitwise_leaves_other_types_alone(self):
        v = (U8(1), "x", Some_(I32(-1)))
        self.assertEqual(encode(Bitwise(v)), encode(v))

    def test_canonical_inside_bitwise(self):
        self.assertEqual(encode(Bitwise((F32(-0.0), Canonical(F32(-0.0))))),
                         h("40" + L(2) + "1a 00000080 12 00000000"))

    def test_complex_componentwise(self):
        z = C32.from_bits(0xFFC00001, 0x80000000)
        self.assertEqual(encode(z), h("14 0000c07f 00000000"))
        self.assertEqual(encode(Bitwise(z)), h("1c 0100c0ff 00000080"))
        self.assertEqual(encode(C64(NAN, 1.0)), h("15 000000000000f87f 000000000000f03f"))

    def test_numpy_nan_payloads(self):
        a = np.array([0x7FC00001, 0xFFC00000, 0x80000000, 0x7F800000], dtype=np.uint32).view(np.float32)
        self.assertEqual(encode(a), h("50" + L(1) + L(4) + "12 0000c07f 0000c07f 00000000 0000807f"))
        self.assertEqual(encode(Bitwise(a)), h("50" + L(1) + L(4) + "1a 0100c07f 0000c0ff 00000080 0000807f"))


class Composites(unittest.TestCase):
    def test_option(self):
        self.assertEqual(encode(None), h("30"))
        self.assertEqual(encode(NONE), h("30"))
        self.assertEqual(encode(Some_(True)), h("31 01 01"))
        self.assertEqual(encode(Some_(None)), h("31 30"))

    def test_tuple(self):
        self.assertEqual(encode(Tuple(U8(1))), h("40" + L(1) + "0201"))
        self.assertEqual(encode((U8(1), "a")), h("40" + L(2) + "0201 20" + L(1) + "61"))

    def test_sequences(self):
        self.assertEqual(encode(Seq(U8, [1, 2, 3])), h("41" + L(3) + "02 010203"))
        self.assertEqual(encode(Seq(F32, [])), h("41" + L(0) + "12"))
        self.assertEqual(encode(Seq(I32, [])), h("41" + L(0) + "09"))
        self.assertEqual(encode(Seq(ANY, [])), h("41" + L(0) + "ff"))
        self.assertEqual(encode(Seq(ANY, ["a"])), h("41" + L(1) + "ff 20" + L(1) + "61"))
        self.assertEqual(encode([U16(1), U16(2)]), encode(Seq(U16, [1, 2])))
        self.assertEqual(encode(Seq(ANY, [Some_(U8(1)), None])), h("41" + L(2) + "ff 310201 30"))
        self.assertRaises(EncodeError, encode, [])
        self.assertRaises(EncodeError, Seq, F32, [U8(1)])

    def test_map_in_key_order(self):
        m = Map({U8(2): "two", U8(1): "one"})
        self.assertEqual(encode(m), h("42" + L(2) + "0201 20" + L(3) + "6f6e65 0202 20" + L(3) + "74776f"))
        self.assertEqual(encode({U8(1): "one", U8(2): "two"}), encode(m))
        self.assertEqual(encode(Map([])), h("42" + L(0)))

    def test_map_order_is_bytewise_not_numeric(self):  # Rust: BTreeMap<i32, char>
        m = Map({I32(1): CHAR("b"), I32(-1): CHAR("a")})
        self.assertEqual(encode(m), h("42" + L(2) + "09 01000000 0c 62000000 09 ffffffff 0c 61000000"))
        m = Map({"b": U8(1), "ab": U8(2), "a": U8(3)})  # strings: by length, then bytes
        self.assertEqual(encode(m), h("42" + L(3) + "20" + L(1) + "61 0203 20" + L(1) + "62 0201 20" + L(2) + "6162 0202"))
        self.assertEqual(digest(m), "382c3686d934b25f61d7b35512273a93f4777be1fe2f118c3c5936ef01a5e3dc")  # Rust

    def test_equal_encodings_are_written_once(self):
        zero, neg = F64(0.0), F64(-0.0)
        self.assertEqual(encode(Set([zero, neg])), h("43" + L(1) + "13 0000000000000000"))
        self.assertEqual(encode(Set([zero, neg])), encode(Set([zero])))
        self.assertEqual(encode(Set([F32(NAN), F32.from_bits(0xFFC00001)])), encode(Set([F32(NAN)])))
        self.assertEqual(encode(Bitwise(Set([zero, neg]))), h("43" + L(2) + "1b 0000000000000000 1b 0000000000000080"))
        self.assertEqual(encode(Map([(U8(1), U8(1)), (U8(1), U8(1))])), encode(Map([(U8(1), U8(1))])))
        # Equal keys with different values are two entries, ordered by value.
        both = Map([(zero, "b"), (neg, "a")])
        self.assertEqual(encode(both), h("42" + L(2) + "13 0000000000000000 20" + L(1) + "61 13 0000000000000000 20" + L(1) + "62"))
        self.assertEqual(encode(both), encode(Map([(neg, "b"), (zero, "a")])))
        self.assertNotEqual(encode(Bitwise(both)), encode(Bitwise(Map([(neg, "b"), (zero, "a")]))))

    def test_set(self):
        self.assertEqual(encode(Set([CHAR("b"), CHAR("a")])), h("43" + L(2) + "0c61000000 0c62000000"))
        self.assertEqual(encode({CHAR("a"), CHAR("b")}), encode(Set([CHAR("a"), CHAR("b")])))
        nested = Set([Some_(U8(1)), None, Some_(U8(0))])  # 30 < 31 02 00 < 31 02 01
        self.assertEqual(encode(nested), h("43" + L(3) + "30 310200 310201"))
        self.assertEqual(encode(Set(["b", "aa", ""])), h("43" + L(3) + "20" + L(0) + "20" + L(1) + "62 20" + L(2) + "6161"))

    def test_struct_and_variant(self):  # Rust, hand-written FrozenKey impls
        self.assertEqual(encode(Struct(F32(1.0), F32(-0.0), "p")).hex(),
                         "600300000000000000120000803f120000000020010000000000000070")
        self.assertEqual(encode(Variant(0)).hex(), "61000000000000000000000000")
        self.assertEqual(encode(Variant(1, F64(NAN))).hex(), "6101000000010000000000000013000000000000f87f")
        self.assertEqual(digest(Variant(2, U32(3), U32(4))),
                         "d6ed6b49d88f5cca824ce531031ac5cfd675b5999ad87bfc21a7cab46f537c54")
        self.assertEqual(encode(Struct()), h("60" + L(0)))

    def test_half_vectors_from_rust(self):
        self.assertEqual(digest(F16(1.5)), "eebe0f520ad4b7ba18f9beb433288374079e56922206b7c5ce31fb66349d7694")
        self.assertEqual(digest(BF16.from_bits(0xFFC1)), "1b7ec4c8203d922078b17ea10c7793ff59c77b64bb2120569607460f4dd6445e")
        self.assertEqual(digest(Bitwise(F16.from_bits(0xFE01))), "2f8a730f94698db15989013384554938c67392188261007754c1020026127c9a")
        a = np.array([1.0, 0, 0, -2.0], dtype=np.float16).reshape(2, 2)
        a.view(np.uint16)[0, 1], a.view(np.uint16)[1, 0] = 0x7C01, 0x8000
        self.assertEqual(digest(a), "a7ee92a6c0cd7c896ef1ba729a526ffb3a57bc027b69355297244e85ea65ecfd")


class Tensors(unittest.TestCase):
    def test_small(self):
        a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
        self.assertEqual(encode(a), h("50" + L(2) + L(2) + L(3) + "02 010203040506"))
        self.assertEqual(encode(np.array(7, dtype=np.int16)), h("50" + L(0) + "08 0700"))
        self.assertEqual(encode(np.zeros((0, 3), np.float32)), h("50" + L(2) + L(0) + L(3) + "12"))
        self.assertEqual(encode(np.zeros((3, 0), np.float32)), h("50" + L(2) + L(3) + L(0) + "12"))
        self.assertEqual(encode(np.array([True, False])), h("50" + L(1) + L(2) + "01 0100"))

    def test_generic_tensor_equals_numpy(self):
        a = np.arange(6, dtype=np.int32).reshape(2, 3)
        self.assertEqual(encode(Tensor(I32, (2, 3), range(6))), encode(a))
        self.assertEqual(encode(Tensor(CHAR, [2], "xy")), h("50" + L(1) + L(2) + "0c 78000000 79000000"))
        self.assertEqual(encode(Tensor(ANY, [2], [Some_(U8(1)), None])), h("50" + L(1) + L(2) + "ff 310201 30"))
        self.assertRaises(EncodeError, Tensor, U8, [2, 2], [1, 2, 3])

    def test_tensor_differs_from_seq(self):
        self.assertNotEqual(encode(np.array([1, 2], np.uint8)), encode(Seq(U8, [1, 2])))

    DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
              "float16", "float32", "float64", "complex64", "complex128"]

    def _random(self, rng, dtype, shape):
        n = int(np.prod(shape))
        raw = rng.integers(0, 256, size=n * np.dtype(dtype).itemsize, dtype=np.uint8)
        if dtype == "bool":
            return (raw % 2).astype(bool).reshape(shape)
        return raw.view(dtype).reshape(shape)

    def test_layout_independence(self):
        rng = np.random.default_rng(1)
        for dtype in self.DTYPES:
            for shape in [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4), (1, 3, 1, 2)]:
                a = self._random(rng, dtype, shape)
                want = encode(a)
                self.assertEqual(digest(a), hashlib.sha256(b"tensor-key\x00\x02" + want).hexdigest())
                views = [
                    np.array(a, order="F"),  # (np.asfortranarray makes 0-d arrays 1-d)
                    a.T.copy().T,  # Fortran storage, transposed back
                    a.astype(np.dtype(dtype).newbyteorder(">")),  # big-endian storage
                ]
                if a.ndim:
                    flip = (slice(None, None, -1),) * a.ndim
                    views.append(np.ascontiguousarray(a[flip])[flip])  # negative strides
                    big = np.zeros(tuple(3 * n for n in a.shape), dtype=a.dtype)
                    step = (slice(None, None, 3),) * a.ndim
                    big[step] = a
                    views.append(big[step])  # stepped
                    perm = list(range(a.ndim))[::-1]
                    views.append(np.ascontiguousarray(a.transpose(perm)).transpose(perm))
                for v in views:
                    self.assertEqual(encode(v), want, (dtype, shape, v.strides))

    def test_broadcast_views(self):
        row = np.array([1.0, -0.0, np.nan], dtype=np.float64)
        b = np.broadcast_to(row, (4, 3))  # zero stride
        self.assertEqual(b.strides[0], 0)
        self.assertEqual(encode(b), encode(np.tile(row, (4, 1))))
        s = np.broadcast_to(np.float32(2.0), (2, 2))
        self.assertEqual(encode(s), encode(np.full((2, 2), 2.0, np.float32)))

    def test_bfloat16_numpy_arrays(self):
        try:
            import ml_dtypes
        except ImportError:
            self.skipTest("ml_dtypes is not installed")
        bits = [0x3F80, 0xFF81, 0x8000, 0x4000]
        a = np.array(bits, dtype=np.uint16).view(ml_dtypes.bfloat16).reshape(2, 2)
        want = Tensor(BF16, [2, 2], [BF16.from_bits(b) for b in bits])
        self.assertEqual(encode(a), encode(want))
        self.assertEqual(encode(np.array(a, order="F")), encode(want))
        self.assertEqual(encode(a).hex(), "50" + L(2) + L(2) + L(2) + "11803fc07f00000040")

    def test_bitwise_tensor(self):
        a = np.array([-0.0, np.nan], dtype=np.float32)
        self.assertEqual(encode(Bitwise(a)).hex(), "50010000000000000002000000000000001a000000800000c07f")

    def test_unsupported_dtypes(self):
        bad = [np.array(["a"]), np.array([1], dtype=object), np.array([1], dtype="datetime64[s]"),
               np.zeros(2, dtype=[("a", "u1")]), np.array([b"x"])]
        if np.dtype(np.longdouble).itemsize > 8:
            bad.append(np.zeros(2, dtype=np.longdouble))
        for a in bad:
            with self.assertRaises(EncodeError, msg=str(a.dtype)) as cm:
                encode(a)
            self.assertIn("dtype", str(cm.exception))


class PrefixFreedom(unittest.TestCase):
    VALUES = [
        UNIT, True, U8(0), U16(0), U64(0), I128(0), F32(0.0), Bitwise(F32(0.0)), C64(0j), CHAR("a"),
        "", "a", "ab", None, Some_(None), Some_(U8(0)), Tuple(U8(0)), (U8(0), U8(0)),
        Seq(U8, []), Seq(U8, [0]), Seq(U8, [0, 0]), Seq(ANY, []), Seq(ANY, ["a"]), Seq(ANY, ["a", ""]),
        Map([]), Map({U8(0): U8(0)}), Set([]), Set([U8(0)]),
        np.zeros((), np.uint8), np.zeros(0, np.uint8), np.zeros(1, np.uint8), np.zeros((1, 1), np.uint8),
        np.zeros((2, 0), np.uint8), Struct(), Struct(U8(0)), Variant(0), Variant(0, U8(0)), Variant(1),
    ]

    def test_no_encoding_is_a_proper_prefix_of_another(self):
        encs = [encode(v) for v in self.VALUES]
        for a, b in itertools.permutations(encs, 2):
            if a != b:
                self.assertFalse(b.startswith(a), (a.hex(), b.hex()))

    def test_self_delimiting(self):
        encs = [encode(v) for v in self.VALUES]
        random.Random(3).shuffle(encs)
        blob = b"".join(encs)
        i, parts = 0, []
        while i < len(blob):
            j = skip(blob, i)
            parts.append(blob[i:j])
            i = j
        self.assertEqual(parts, encs)
        for e in encs:  # every proper prefix is truncated
            for k in range(len(e)):
                with self.assertRaises(IndexError):
                    if skip(e[:k], 0) != k:
                        raise IndexError  # parsed shorter: then it was not a full value either
                    raise AssertionError("a proper prefix parsed as a complete value")

    def test_fields_cannot_trade_bytes(self):
        self.assertNotEqual(encode(("ab", "c")), encode(("a", "bc")))
        self.assertNotEqual(encode((Seq(U8, [1]), Seq(U8, [2, 3]))), encode((Seq(U8, [1, 2]), Seq(U8, [3]))))


class StdTypes(unittest.TestCase):  # SPEC.md 4.13; Rust: tests/std_types.rs
    def test_transparent(self):
        self.assertEqual(encode(NonZero(U32, 7)), encode(U32(7)))
        self.assertEqual(encode(NonZero(I16, -2)), h("08 feff"))
        self.assertRaises(EncodeError, NonZero, U8, 0)
        self.assertRaises(EncodeError, NonZero, F32, 1.0)
        self.assertEqual(encode(Wrapping(U8(250))), h("02 fa"))
        self.assertEqual(encode(Bitwise(Saturating(F32(-0.0)))), h("1a 00000080"))
        self.assertEqual(encode(Set([Reverse(I32(2)), Reverse(I32(1))])), encode(Set([I32(1), I32(2)])))
        self.assertEqual(encode(Seq(U32, [NonZero(U32, 1), NonZero(U32, 2)])), h("41" + L(2) + "04 01000000 02000000"))

    def test_duration(self):
        self.assertEqual(encode(Duration(1, 500_000_000)), h("60" + L(2) + "05" + L(1) + "04 0065cd1d"))
        self.assertEqual(encode(Duration(0, 1_500_000_000)), encode(Duration(1, 500_000_000)))  # carries
        self.assertEqual(encode(Duration()), h("60" + L(2) + "05" + L(0) + "04 00000000"))
        self.assertRaises(EncodeError, Duration, -1)
        self.assertRaises(EncodeError, Duration, (1 << 64) - 1, 1_000_000_000)  # overflows u64 seconds

    def test_ranges(self):
        self.assertEqual(encode(Range(U8(1), U8(3))), h("60" + L(2) + "02 01 02 03"))
        self.assertEqual(encode(RangeInclusive(U8(1), U8(3))), h("60" + L(3) + "02 01 02 03 01 00"))
        self.assertEqual(encode(RangeInclusive(U8(3), U8(3), True)), h("60" + L(3) + "02 03 02 03 01 01"))
        self.assertRaises(EncodeError, RangeInclusive, U8(1), U8(3), True)  # only start == end is ever exhausted
        self.assertEqual(encode(Range(F32(-0.0), F32(1.0))), encode(Range(F32(0.0), F32(1.0))))
        self.assertNotEqual(encode(Bitwise(Range(F32(-0.0), F32(1.0)))), encode(Bitwise(Range(F32(0.0), F32(1.0)))))

    def test_ordering_and_phantom(self):
        self.assertEqual([encode(o) for o in (LESS, EQUAL, GREATER)],
                         [h("61" + f"{i:02x}000000" + L(0)) for i in range(3)])
        self.assertEqual(encode(Ordering(1)), encode(GREATER))
        self.assertRaises(EncodeError, Ordering, 2)
        self.assertEqual(encode(PHANTOM), h("00"))

    def test_addresses(self):
        self.assertEqual(encode(Ipv4Addr("10.0.0.1")), encode(Seq(U8, [10, 0, 0, 1])))
        self.assertEqual(encode(Ipv6Addr("::1")), h("41" + L(16) + "02" + "00" * 15 + "01"))
        self.assertEqual(encode(IpAddr("10.0.0.1")), h("61 00000000" + L(1)) + encode(Ipv4Addr("10.0.0.1")))
        self.assertEqual(encode(IpAddr("::ffff:10.0.0.1"))[:5], h("61 01000000"))  # mapped stays V6
        self.assertEqual(encode(SocketAddr("::1", 443, 7, 2)),
                         h("61 01000000" + L(1) + "60" + L(4)) + encode(Ipv6Addr("::1")) + h("03 bb01 04 07000000 04 02000000"))
        self.assertEqual(encode(SocketAddrV6("::1", 443)), encode(SocketAddrV6("::1", 443, 0, 0)))
        self.assertRaises(EncodeError, SocketAddr, "10.0.0.1", 80, 1)


class Pieces(unittest.TestCase):  # Rust: recorded with a KeySink
    def test_piece_lengths(self):
        self.assertEqual([len(p) for p in pieces((U8(7), np.arange(2000, dtype=np.float32)))], [29, 4096, 3904])
        b2 = np.add.outer(np.arange(100), np.arange(50)).astype(np.uint8)
        self.assertEqual([len(p) for p in pieces(("x", b2, b2.T))], [45, 4096, 930, 4096, 904])
        self.assertEqual([len(p) for p in pieces(Seq(U64, [3] * 100))], [810])
        self.assertEqual([len(p) for p in pieces(Seq(ANY, ["abcdefghij"] * 1000))], [4096] * 4 + [2626])
        # Every large scalar block cuts, sequences too; none inside set or map
        # entries; a cut at a piece boundary makes no empty piece.
        self.assertEqual([len(p) for p in pieces((U8(7), Seq(U8, [0] * 5000)))], [21, 4096, 904])
        self.assertEqual([len(p) for p in pieces((U8(7), Set([Seq(U8, [0] * 5000)])))], [4096, 934])
        self.assertEqual([len(p) for p in pieces((Seq(U8, [0] * 4067), Seq(U16, [1] * 3000)))], [4096, 4096, 1904])

    def test_pieces_concatenate_to_the_encoding(self):
        v = (np.ones((70, 70), np.float64), Seq(U8, range(200)), "x" * 5000)
        self.assertEqual(b"".join(pieces(v)), encode(v))


class SpecExamples(unittest.TestCase):
    """Every worked example of SPEC.md section 8: the Python value's encoding,
    as written in SPEC.md (spaces and '|' removed), and its digest."""

    def test_examples(self):
        from pathlib import Path
        spec = (Path(__file__).resolve().parent.parent / "SPEC.md").read_text(encoding="utf-8")
        section8 = spec[spec.index("## 8. Worked examples"):spec.index("## 9.")]
        flat = "".join(c for c in section8 if c in "0123456789abcdef\n")
        grid = (np.arange(12, dtype=np.float32) - np.float32(2.5)).reshape(3, 4)
        f16 = np.array([1.0, 0, 0, -2.0], dtype=np.float16).reshape(2, 2)
        f16.view(np.uint16)[0, 1], f16.view(np.uint16)[1, 0] = 0x7C01, 0x8000
        zeros_and_nans = [F64(0.0), F64(-0.0), F64(NAN), F64.from_bits(0xFFF8_0000_0000_0000), F64(1.0)]
        examples = [
            U8(0xAB), F32(NAN), F32.from_bits(0xFFC00001), Bitwise(F32.from_bits(0xFFC00001)), F64(-0.0),
            F16.from_bits(0xFE01), BF16.from_bits(0xFFC1), (U8(1), "a"), Seq(F32, [1.0, 2.0]),
            Seq(ANY, [Some_(U8(1)), None]), Map({U8(2): "two", U8(1): "one"}),
            Map({I32(-1): CHAR("a"), I32(1): CHAR("b")}), np.array([1.0, -0.0, NAN], np.float32),
            grid[1:, ::2], np.zeros((0, 3), np.float32), np.zeros((3, 0), np.float32),
            np.array(2.0, np.float32), f16, Bitwise(np.array([-0.0, NAN], np.float32)),
            Tensor(ANY, [2, 2], ["a", "b", "c", ""]), Struct(F32(1.0), F32(-0.0), "p"), Variant(0),
            Variant(1, F64(NAN)), Variant(2, U32(3), U32(4)), Seq(ANY, ["a", "bc"]),
            # 8.5: sets and maps, ordered by encoding, distinct encodings once
            Set(["b", "aa", ""]), Set(zeros_and_nans), Bitwise(Set(zeros_and_nans)),
            Map([(F64(0.0), "b"), (F64(-0.0), "a"), (F64(1.0), "a")]),
            # 8.8: explicit discriminants
            Variant(1), Variant(2, U8(7)),
            # 8.10: unit and one-field structs, composite elements, float attributes
            Struct(), Struct(F32(-0.0)), Seq(ANY, [Struct(F32(1.0))]), Seq(ANY, [F64(1.0)]),
            Struct(Bitwise(F32(-0.0)), Canonical(F32(-0.0)), F32(-0.0)),
            Bitwise(Struct(Bitwise(F32(-0.0)), Canonical(F32(-0.0)), F32(-0.0))),
            # 8.11: wrapped scalars as elements
            Bitwise(Seq(F32, [-0.0, NAN])), Seq(BF16, [BF16.from_bits(0xFFC1), BF16(1.0)]), Bitwise(F32(-0.0)),
            # 8.12: nalgebra row and column vectors
            np.array([[1.0, 2.0]], np.float32), np.array([[1.0], [2.0]], np.float32),
            # 8.13: standard-library value types
            NonZero(U32, 7), Seq(U8, [Wrapping(U8(1)), Wrapping(U8(255))]),
            Set([Reverse(I32(-1)), Reverse(I32(1)), Reverse(I32(256))]), Duration(90, 500_000_000),
            Range(U32(3), U32(5)), Range(F64(-0.0), F64(NAN)), RangeInclusive(U8(3), U8(3)),
            RangeInclusive(U8(3), U8(3), exhausted=True), GREATER, Set([GREATER, LESS, EQUAL]), PHANTOM,
            Struct(Duration(nanos=2_500_000_000), Range(U64(0), U64(10)), NonZero(U8, 3), PHANTOM),
            Ipv4Addr("192.168.0.1"), SocketAddr("10.0.0.1", 8080),
        ]
        for v in examples:
            self.assertIn(digest(v), spec, repr(v))
            self.assertIn(encode(v).hex(), flat.replace("\n", ""), repr(v))
        self.assertEqual(len(set(map(digest, examples))), len(examples) - 1)  # two NaNs are one key


if __name__ == "__main__":
    unittest.main()
