"""Independent reference implementation of the tensor-key canonical encoding.

Written from ``SPEC.md`` (format version 2), in pure Python plus numpy. It is
meant to be read next to the spec, not to be fast.

Public API
----------
``encode(value) -> bytes``
    The canonical encoding of a value (SPEC.md section 4 onwards).
``digest(value) -> str``
    SHA-256 of ``DIGEST_PREFIX || encode(value)`` as 64 lowercase hex digits.
``pieces(value) -> list[bytes]``
    The pieces the Rust encoder hands to a hasher (SPEC.md, non-normative
    hashing note); their concatenation is ``encode(value)``.

The value model
---------------
Rust types carry information a Python value does not (``u8`` or ``u64``?
``Vec<f32>`` or ``Vec<f64>`` when empty?), so values are built from small
explicit wrappers:

* scalars: ``U8(7)``, ``U16``, ``U32``, ``U64``, ``U128``, ``I8`` ... ``I128``,
  ``USIZE`` (= ``U64``), ``ISIZE`` (= ``I64``), ``BOOL(True)``, ``CHAR('x')``,
  ``F16(x)``, ``BF16(x)``, ``F32(x)``, ``F64(x)``, ``C32(re, im)``,
  ``C64(re, im)``; floats also from raw bits: ``F32.from_bits(0x7FC00001)``,
  ``C32.from_bits(re_bits, im_bits)``. numpy scalars (``np.float32(1.5)``) map
  to the matching type.
* ``UNIT`` (Rust ``()``; also the empty Python tuple), ``Str("a")`` or a plain
  ``str``, ``NONE`` or plain ``None``, ``Some_(v)``.
* ``Tuple(a, b, ...)`` or a plain non-empty ``tuple``.
* ``Seq(elem, items)``: ``[T; N]``, ``[T]``, ``Vec<T>``, ``VecDeque<T>``.
  ``elem`` is a scalar type (``F32``) whose items may be plain Python numbers,
  or ``ANY`` for composite elements (each item a full value).
  A plain ``list`` of same-typed scalar wrappers, or of composite values, is
  accepted when non-empty.
* ``Map(pairs_or_dict)``, ``Set(items)``: any keys and elements, floats
  included, in any order. They are encoded in the order of their encodings
  under the policy in force, each distinct encoding once (SPEC.md 4.8), so
  ``Set([F64(0.0), F64(-0.0)])`` has one element and
  ``Map([(F64(0.0), "a"), (F64(-0.0), "b")])`` two entries. Plain ``dict``,
  ``set`` and ``frozenset`` are accepted.
* tensors: any numpy array of a supported dtype (bool, int8..int64,
  uint8..uint64, float16, float32, float64, complex64, complex128, and
  ``bfloat16`` from ``ml_dtypes`` if installed) in any memory layout; or
  ``Tensor(elem, shape, items)`` with ``items`` in row-major order, for element
  types numpy lacks (``CHAR``, ``U128``, composite ``ANY``...).
* ``Struct(f1, f2, ...)``, ``Variant(index, f1, ...)``.
* ``Bitwise(v)``: every float inside ``v`` under the Bitwise policy;
  ``Canonical(v)`` switches back.
* Rust standard-library value types (SPEC.md 4.13), built from the constructs
  above (the format has no tags of its own for them): ``NonZero(U32, 7)`` is
  ``U32(7)`` (and refuses 0); ``Wrapping(v)``, ``Saturating(v)`` and
  ``Reverse(v)`` are ``v``; ``Duration(secs, nanos)`` is
  ``Struct(U64(secs), U32(nanos))`` after carrying whole seconds out of
  ``nanos``, as Rust's ``Duration::new`` does; ``Range(a, b)`` is
  ``Struct(a, b)``; ``RangeInclusive(a, b, exhausted=False)`` is
  ``Struct(a, b, BOOL(exhausted))``; ``LESS``, ``EQUAL``, ``GREATER`` (or
  ``Ordering(-1 | 0 | 1)``) are ``Variant(0)``, ``Variant(1)``, ``Variant(2)``;
  ``PHANTOM`` (Rust ``PhantomData<T>``) is ``UNIT``; ``Ipv4Addr("10.0.0.1")``
  and ``Ipv6Addr("::1")`` are ``Seq(U8, octets)``; ``IpAddr(text)`` is
  ``Variant(0 | 1, address)``; ``SocketAddrV4(ip, port)``,
  ``SocketAddrV6(ip, port, flowinfo, scope_id)`` are structs and
  ``SocketAddr(ip, port, ...)`` the ``Variant`` of one of them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import struct
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

FORMAT_VERSION = 2
DIGEST_PREFIX = b"tensor-key\x00" + bytes([FORMAT_VERSION])
PIECE = 4096

# ---------------------------------------------------------------------------
# Tags (SPEC.md section 3)

T_UNIT = 0x00
T_STR = 0x20
T_NONE = 0x30
T_SOME = 0x31
T_TUPLE = 0x40
T_SEQ = 0x41
T_MAP = 0x42
T_SET = 0x43
T_TENSOR = 0x50
T_STRUCT = 0x60
T_VARIANT = 0x61
T_ANY = 0xFF
BITWISE_BIT = 0x08

CANONICAL = "canonical"
BITWISE = "bitwise"


class EncodeError(TypeError):
    """A value (or numpy dtype) that has no tensor-key encoding."""


def u64(n: int) -> bytes:
    """Lengths, counts, ranks and extents: unsigned 64-bit little-endian."""
    if not 0 <= n < 1 << 64:
        raise EncodeError(f"length {n} does not fit in u64")
    return n.to_bytes(8, "little")


# ---------------------------------------------------------------------------
# Scalar types


class ScalarType:
    """A fixed-width element type: a tag and a width in bytes.

    kind is one of "int", "bool", "char", "float", "complex". For floats,
    ``fbits`` is the width of one float component in bits, ``expo`` its exponent
    field mask and ``mant`` its mantissa mask, ``qnan`` the canonical NaN.
    """

    def __init__(self, name, tag, size, kind, signed=False, fbits=0, expo=0, mant=0, qnan=0):
        self.name, self.tag, self.size, self.kind = name, tag, size, kind
        self.signed, self.fbits, self.expo, self.mant, self.qnan = signed, fbits, expo, mant, qnan

    def __repr__(self):
        return self.name

    def __call__(self, *args) -> "Scalar":
        return Scalar(self, self._coerce(*args))

    def from_bits(self, *bits) -> "Scalar":
        if self.kind == "float" and len(bits) == 1:
            return Scalar(self, _check_bits(bits[0], self.fbits))
        if self.kind == "complex" and len(bits) == 2:
            return Scalar(self, tuple(_check_bits(b, self.fbits) for b in bits))
        raise EncodeError(f"{self.name}.from_bits takes {1 if self.kind == 'float' else 2} bit patterns")

    def tag_under(self, policy: str) -> int:
        if policy == BITWISE and self.kind in ("float", "complex"):
            return self.tag | BITWISE_BIT
        return self.tag

    # Python value -> stored payload (int, or float bits, or (re_bits, im_bits)).
    def _coerce(self, *args):
        if self.kind == "int":
            (v,) = args
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise EncodeError(f"{self.name} needs an integer, got {v!r}")
            v = int(v)
            lo, hi = (-(1 << (8 * self.size - 1)), 1 << (8 * self.size - 1)) if self.signed else (0, 1 << (8 * self.size))
            if not lo <= v < hi:
                raise EncodeError(f"{v} is out of range for {self.name}")
            return v
        if self.kind == "bool":
            (v,) = args
            if not isinstance(v, (bool, np.bool_)):
                raise EncodeError(f"bool needs True or False, got {v!r}")
            return bool(v)
        if self.kind == "char":
            (v,) = args
            if not isinstance(v, str) or len(v) != 1:
                raise EncodeError(f"char needs a one-character string, got {v!r}")
            if 0xD800 <= ord(v) <= 0xDFFF:
                raise EncodeError("a char is a Unicode scalar value; surrogates are not chars")
            return ord(v)
        if self.kind == "float":
            (v,) = args
            return float_to_bits(v, self.fbits)
        if self.kind == "complex":
            if len(args) == 1:
                z = complex(args[0])
                re, im = z.real, z.imag
            else:
                re, im = args
            return (float_to_bits(re, self.fbits), float_to_bits(im, self.fbits))
        raise AssertionError(self.kind)

    def element_bytes(self, payload, policy: str) -> bytes:
        """The fixed-width little-endian element encoding of one payload."""
        if self.kind == "int":
            return payload.to_bytes(self.size, "little", signed=self.signed)
        if self.kind == "bool":
            return b"\x01" if payload else b"\x00"
        if self.kind == "char":
            return payload.to_bytes(4, "little")
        nbytes = self.fbits // 8
        if self.kind == "float":
            return self.encoded_bits(payload, policy).to_bytes(nbytes, "little")
        re, im = payload
        return self.encoded_bits(re, policy).to_bytes(nbytes, "little") + self.encoded_bits(im, policy).to_bytes(nbytes, "little")

    def encoded_bits(self, bits: int, policy: str) -> int:
        """SPEC.md 5.2: the canonical float rule on one component's bits."""
        if policy == BITWISE:
            return bits
        if bits & self.expo == self.expo and bits & self.mant:
            return self.qnan  # every NaN
        if bits == 1 << (self.fbits - 1):
            return 0  # -0.0
        return bits


def _check_bits(b, width):
    if not isinstance(b, (int, np.integer)) or not 0 <= int(b) < 1 << width:
        raise EncodeError(f"{b!r} is not a {width}-bit pattern")
    return int(b)


def float_to_bits(x, width: int) -> int:
    """Bits of a float rounded to ``width`` bits (round to nearest even)."""
    x = float(x)
    if width == 64:
        return struct.unpack("<Q", struct.pack("<d", x))[0]
    if width == 32:
        with np.errstate(over="ignore"):
            return int(np.array(x, dtype=np.float32).view(np.uint32))
    if width == 16:
        with np.errstate(over="ignore"):
            return int(np.array(x, dtype=np.float16).view(np.uint16))
    if width == -16:  # bfloat16: round the f32 bits to the upper 16
        with np.errstate(over="ignore"):
            b = int(np.array(x, dtype=np.float32).view(np.uint32))
        if b & 0x7F800000 == 0x7F800000 and b & 0x007FFFFF:
            return (b >> 16) | 0x0040
        return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    raise AssertionError(width)


def _float(name, tag, fbits, expo, mant, qnan):
    return ScalarType(name, tag, fbits // 8, "float", fbits=fbits, expo=expo, mant=mant, qnan=qnan)


U8 = ScalarType("u8", 0x02, 1, "int")
U16 = ScalarType("u16", 0x03, 2, "int")
U32 = ScalarType("u32", 0x04, 4, "int")
U64 = ScalarType("u64", 0x05, 8, "int")
U128 = ScalarType("u128", 0x06, 16, "int")
I8 = ScalarType("i8", 0x07, 1, "int", signed=True)
I16 = ScalarType("i16", 0x08, 2, "int", signed=True)
I32 = ScalarType("i32", 0x09, 4, "int", signed=True)
I64 = ScalarType("i64", 0x0A, 8, "int", signed=True)
I128 = ScalarType("i128", 0x0B, 16, "int", signed=True)
USIZE = U64  # usize is encoded as u64
ISIZE = I64  # isize is encoded as i64
BOOL = ScalarType("bool", 0x01, 1, "bool")
CHAR = ScalarType("char", 0x0C, 4, "char")
F16 = _float("f16", 0x10, 16, 0x7C00, 0x03FF, 0x7E00)
BF16 = _float("bf16", 0x11, 16, 0x7F80, 0x007F, 0x7FC0)
F32 = _float("f32", 0x12, 32, 0x7F80_0000, 0x007F_FFFF, 0x7FC0_0000)
F64 = _float("f64", 0x13, 64, 0x7FF0_0000_0000_0000, 0x000F_FFFF_FFFF_FFFF, 0x7FF8_0000_0000_0000)
C32 = ScalarType("c32", 0x14, 8, "complex", fbits=32, expo=F32.expo, mant=F32.mant, qnan=F32.qnan)
C64 = ScalarType("c64", 0x15, 16, "complex", fbits=64, expo=F64.expo, mant=F64.mant, qnan=F64.qnan)


def _bf16_coerce(*args):
    (v,) = args
    return float_to_bits(v, -16)


BF16._coerce = _bf16_coerce  # bfloat16 rounds from f32 bits, numpy has no bfloat16

SCALAR_TYPES = [BOOL, CHAR, U8, U16, U32, U64, U128, I8, I16, I32, I64, I128, F16, BF16, F32, F64, C32, C64]


@dataclass(frozen=True)
class Scalar:
    type: ScalarType
    payload: Any

    def __repr__(self):
        return f"{self.type.name}({self.payload!r})"


class _Any:
    """Element type marker for composite elements (block marker 0xFF)."""

    def __repr__(self):
        return "ANY"


ANY = _Any()

# ---------------------------------------------------------------------------
# Composite values


@dataclass(frozen=True)
class _Unit:
    def __repr__(self):
        return "UNIT"


UNIT = _Unit()


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class _None:
    def __repr__(self):
        return "NONE"


NONE = _None()


@dataclass(frozen=True)
class Some_:
    value: Any


class Tuple:
    def __init__(self, *items):
        if not items:
            raise EncodeError("a tuple has at least one element; the empty tuple is UNIT")
        self.items = tuple(items)

    def __repr__(self):
        return f"Tuple{self.items!r}"

    def __eq__(self, other):
        return isinstance(other, Tuple) and self.items == other.items

    def __hash__(self):
        return hash(("Tuple", self.items))


class Seq:
    def __init__(self, elem, items: Iterable):
        if not (isinstance(elem, ScalarType) or elem is ANY):
            raise EncodeError(f"Seq element type must be a scalar type or ANY, got {elem!r}")
        self.elem = elem
        self.items = tuple(_as_elem(elem, x) for x in items)

    def __repr__(self):
        return f"Seq({self.elem!r}, {list(self.items)!r})"

    def __eq__(self, other):
        return isinstance(other, Seq) and (self.elem, self.items) == (other.elem, other.items)

    def __hash__(self):
        return hash(("Seq", self.items))


class Map:
    def __init__(self, entries):
        pairs = list(entries.items()) if isinstance(entries, dict) else [tuple(p) for p in entries]
        if any(len(p) != 2 for p in pairs):
            raise EncodeError("map entries are (key, value) pairs")
        self.entries = pairs

    def __repr__(self):
        return f"Map({self.entries!r})"


class Set:
    def __init__(self, items):
        self.items = list(items)

    def __repr__(self):
        return f"Set({self.items!r})"


class Tensor:
    """A tensor given by element type, shape and row-major items."""

    def __init__(self, elem, shape, items):
        if not (isinstance(elem, ScalarType) or elem is ANY):
            raise EncodeError(f"Tensor element type must be a scalar type or ANY, got {elem!r}")
        self.elem = elem
        self.shape = tuple(int(n) for n in shape)
        self.items = tuple(_as_elem(elem, x) for x in items)
        if math.prod(self.shape) != len(self.items):
            raise EncodeError(f"shape {self.shape} needs {math.prod(self.shape)} items, got {len(self.items)}")


class Struct:
    def __init__(self, *fields):
        self.fields = tuple(fields)


class Variant:
    def __init__(self, index: int, *fields):
        if not 0 <= index < 1 << 32:
            raise EncodeError("a variant index is a u32")
        self.index = index
        self.fields = tuple(fields)


@dataclass(frozen=True)
class Bitwise:
    value: Any


@dataclass(frozen=True)
class Canonical:
    value: Any


# ---------------------------------------------------------------------------
# Rust standard-library value types (SPEC.md 4.13): no tags of their own, each
# is one of the values above.


def NonZero(t: ScalarType, v) -> Scalar:
    """``NonZeroU8`` ... ``NonZeroI128``, ``NonZeroUsize``, ``NonZeroIsize``:
    the integer itself (so also a packed element)."""
    if t.kind != "int":
        raise EncodeError(f"NonZero needs an integer type, got {t.name}")
    if isinstance(v, Scalar):
        v = v.payload
    if v == 0:
        raise EncodeError("a NonZero integer is never 0")
    return t(v)


def Wrapping(v):
    """``Wrapping<T>``, ``Saturating<T>``, ``Reverse<T>``: the value itself."""
    return v


Saturating = Reverse = Wrapping

NANOS_PER_SEC = 1_000_000_000


def Duration(secs: int = 0, nanos: int = 0) -> Struct:
    """``std::time::Duration``: ``struct { secs: u64, nanos: u32 }`` with
    ``nanos < 10**9`` (whole seconds in ``nanos`` carry into ``secs``)."""
    if secs < 0 or nanos < 0:
        raise EncodeError("a Duration is never negative")
    secs, nanos = secs + nanos // NANOS_PER_SEC, nanos % NANOS_PER_SEC
    return Struct(U64(secs), U32(nanos))


def Range(start, end) -> Struct:
    """``start..end``: ``struct { start, end }``, bounds as given."""
    return Struct(start, end)


def RangeInclusive(start, end, exhausted: bool = False) -> Struct:
    """``start..=end``: ``struct { start, end, exhausted: bool }``. A Rust range
    is exhausted only after an iterator ran it dry, and then ``start == end``."""
    if exhausted and _encoding(start, CANONICAL) != _encoding(end, CANONICAL):
        raise EncodeError("an exhausted RangeInclusive has start == end")
    return Struct(start, end, BOOL(exhausted))


def Ordering(c: int) -> "Variant":
    """``std::cmp::Ordering``: ``enum { Less, Equal, Greater }``."""
    if c not in (-1, 0, 1):
        raise EncodeError("an Ordering is -1, 0 or 1")
    return Variant(c + 1)


LESS, EQUAL, GREATER = Ordering(-1), Ordering(0), Ordering(1)
PHANTOM = UNIT  # std::marker::PhantomData<T>


def Ipv4Addr(address) -> "Seq":
    """``std::net::Ipv4Addr``: its 4 octets in network order, as ``[u8; 4]``."""
    return Seq(U8, ipaddress.IPv4Address(address).packed)


def Ipv6Addr(address) -> "Seq":
    """``std::net::Ipv6Addr``: its 16 octets in network order, as ``[u8; 16]``."""
    return Seq(U8, ipaddress.IPv6Address(address).packed)


def IpAddr(address) -> "Variant":
    """``enum IpAddr { V4(Ipv4Addr), V6(Ipv6Addr) }``. An IPv4-mapped IPv6
    address stays a V6 address."""
    ip = ipaddress.ip_address(address)
    return Variant(0, Ipv4Addr(ip)) if ip.version == 4 else Variant(1, Ipv6Addr(ip))


def SocketAddrV4(ip, port: int) -> Struct:
    """``struct SocketAddrV4 { ip: Ipv4Addr, port: u16 }``."""
    return Struct(Ipv4Addr(ip), U16(port))


def SocketAddrV6(ip, port: int, flowinfo: int = 0, scope_id: int = 0) -> Struct:
    """``struct SocketAddrV6 { ip: Ipv6Addr, port: u16, flowinfo: u32, scope_id: u32 }``."""
    return Struct(Ipv6Addr(ip), U16(port), U32(flowinfo), U32(scope_id))


def SocketAddr(ip, port: int, flowinfo: int = 0, scope_id: int = 0) -> "Variant":
    """``enum SocketAddr { V4(SocketAddrV4), V6(SocketAddrV6) }``."""
    if ipaddress.ip_address(ip).version == 4:
        if flowinfo or scope_id:
            raise EncodeError("a V4 socket address has no flowinfo or scope id")
        return Variant(0, SocketAddrV4(ip, port))
    return Variant(1, SocketAddrV6(ip, port, flowinfo, scope_id))


def _as_elem(elem, x):
    if elem is ANY:
        return x
    if isinstance(x, Scalar):
        if x.type is not elem:
            raise EncodeError(f"element {x!r} is not of type {elem.name}")
        return x
    if isinstance(x, np.generic):
        x = x.item()
    return elem(*x) if isinstance(x, tuple) else elem(x)


# ---------------------------------------------------------------------------
# numpy dtypes (SPEC.md 4.10)

_NP_KINDS = {
    ("b", 1): BOOL,
    ("u", 1): U8, ("u", 2): U16, ("u", 4): U32, ("u", 8): U64,
    ("i", 1): I8, ("i", 2): I16, ("i", 4): I32, ("i", 8): I64,
    ("f", 2): F16, ("f", 4): F32, ("f", 8): F64,
    ("c", 8): C32, ("c", 16): C64,
}


def scalar_type_of_dtype(dtype) -> ScalarType:
    dtype = np.dtype(dtype)
    if dtype.name == "bfloat16":  # ml_dtypes.bfloat16
        return BF16
    t = _NP_KINDS.get((dtype.kind, dtype.itemsize))
    if t is None or dtype.fields is not None or dtype.subdtype is not None:
        raise EncodeError(
            f"numpy dtype {dtype!r} has no tensor-key element type; supported: bool, "
            "int8..int64, uint8..uint64, float16, bfloat16, float32, float64, complex64, complex128"
        )
    return t


def _uint_view(a: np.ndarray, t: ScalarType) -> np.ndarray:
    """The float components of a C-contiguous array as little-endian uints."""
    width = t.fbits // 8
    comp = np.dtype(f"<u{width}")
    if not a.dtype.isnative:
        a = a.byteswap().view(a.dtype.newbyteorder())  # bits only, no float arithmetic
    return a.view(f"u{width}").astype(comp, copy=False).reshape(-1)


def ndarray_block_data(a: np.ndarray, policy: str) -> tuple[ScalarType, bytes]:
    """Element type and packed element bytes of a numpy array, row-major."""
    t = scalar_type_of_dtype(a.dtype)
    c = np.ascontiguousarray(a)  # logical row-major order, whatever the strides
    if c.ndim == 0:
        c = c.reshape(1)
    if t.kind in ("float", "complex"):
        bits = _uint_view(c, t).copy()
        if policy == CANONICAL:
            nan = (bits & t.expo == t.expo) & (bits & t.mant != 0)
            bits[nan] = t.qnan
            bits[bits == (1 << (t.fbits - 1))] = 0
        return t, bits.astype(f"<u{t.fbits // 8}", copy=False).tobytes()
    if t.kind == "bool":
        return t, c.view(np.uint8).tobytes()
    return t, c.astype(c.dtype.newbyteorder("<"), copy=False).tobytes()


# ---------------------------------------------------------------------------
# The encoder


def _normalize(v):
    """Plain Python / numpy values to the explicit model."""
    if v is None:
        return NONE
    if isinstance(v, str):
        return Str(v)
    if isinstance(v, tuple) and type(v) is tuple:
        return UNIT if not v else Tuple(*v)
    if isinstance(v, (bool, np.bool_)):
        return BOOL(v)
    if isinstance(v, (int, float, complex)) and not isinstance(v, np.generic):
        raise EncodeError(f"plain Python number {v!r} is ambiguous: wrap it (U8(...), I64(...), F64(...), ...)")
    if isinstance(v, np.generic) and not isinstance(v, np.ndarray):
        t = scalar_type_of_dtype(v.dtype)
        arr = np.asarray(v).reshape(1)
        if t.kind in ("float", "complex"):
            bits = [int(b) for b in _uint_view(arr, t)]
            return Scalar(t, bits[0] if t.kind == "float" else tuple(bits))
        return t(v.item())
    if isinstance(v, list):
        if not v:
            raise EncodeError("an empty list has no element type: use Seq(elem, [])")
        first = _normalize(v[0])
        if isinstance(first, Scalar) and all(isinstance(_normalize(x), Scalar) and _normalize(x).type is first.type for x in v):
            return Seq(first.type, [_normalize(x) for x in v])
        return Seq(ANY, v)
    if isinstance(v, dict):
        return Map(v)
    if isinstance(v, (set, frozenset)):
        return Set(v)
    return v


class _Writer:
    def __init__(self):
        self.out = bytearray()
        self.cuts = []  # offsets where the Rust encoder forces a piece boundary

    def put(self, b: bytes):
        self.out += b


def _encode(v, policy: str, w: _Writer):
    v = _normalize(v)
    if isinstance(v, Scalar):
        w.put(bytes([v.type.tag_under(policy)]) + v.type.element_bytes(v.payload, policy))
    elif v is UNIT:
        w.put(bytes([T_UNIT]))
    elif isinstance(v, Str):
        data = v.value.encode("utf-8")
        w.put(bytes([T_STR]) + u64(len(data)) + data)
    elif v is NONE:
        w.put(bytes([T_NONE]))
    elif isinstance(v, Some_):
        w.put(bytes([T_SOME]))
        _encode(v.value, policy, w)
    elif isinstance(v, Tuple):
        w.put(bytes([T_TUPLE]) + u64(len(v.items)))
        for x in v.items:
            _encode(x, policy, w)
    elif isinstance(v, Seq):
        w.put(bytes([T_SEQ]) + u64(len(v.items)))
        _block(v.elem, v.items, policy, w)
    elif isinstance(v, Map):
        entries = _sorted_distinct([_encoding(k, policy) + _encoding(x, policy) for k, x in v.entries])
        w.put(bytes([T_MAP]) + u64(len(entries)) + b"".join(entries))
    elif isinstance(v, Set):
        items = _sorted_distinct([_encoding(x, policy) for x in v.items])
        w.put(bytes([T_SET]) + u64(len(items)) + b"".join(items))
    elif isinstance(v, np.ndarray):
        w.put(bytes([T_TENSOR]) + u64(v.ndim) + b"".join(u64(n) for n in v.shape))
        t, data = ndarray_block_data(v, policy)
        _packed(t, data, policy, w)
    elif isinstance(v, Tensor):
        w.put(bytes([T_TENSOR]) + u64(len(v.shape)) + b"".join(u64(n) for n in v.shape))
        _block(v.elem, v.items, policy, w)
    elif isinstance(v, Struct):
        w.put(bytes([T_STRUCT]) + u64(len(v.fields)))
        for x in v.fields:
            _encode(x, policy, w)
    elif isinstance(v, Variant):
        w.put(bytes([T_VARIANT]) + v.index.to_bytes(4, "little") + u64(len(v.fields)))
        for x in v.fields:
            _encode(x, policy, w)
    elif isinstance(v, Bitwise):
        _encode(v.value, BITWISE, w)
    elif isinstance(v, Canonical):
        _encode(v.value, CANONICAL, w)
    else:
        raise EncodeError(f"no tensor-key encoding for {type(v).__name__}: {v!r}")


def _encoding(v, policy: str) -> bytes:
    """The encoding of ``v`` under ``policy``, on its own. (The Rust encoder does
    not cut pieces inside map and set entries, which it encodes aside.)"""
    w = _Writer()
    _encode(v, policy, w)
    return bytes(w.out)


def _sorted_distinct(encodings: list[bytes]) -> list[bytes]:
    """SPEC.md 4.8: entries in bytewise order of their encodings, each distinct
    encoding once. (A map entry is its key's encoding followed by its value's;
    encodings are prefix-free, so this orders by key, then by value.)"""
    return sorted(set(encodings))


def _packed(t: ScalarType, data: bytes, policy: str, w: _Writer):
    w.put(bytes([t.tag_under(policy)]))
    if len(data) >= PIECE:
        w.cuts.append(len(w.out))
    w.put(data)


def _block(elem, items, policy: str, w: _Writer):
    """SPEC.md 4.6: an element block."""
    if elem is ANY:
        w.put(bytes([T_ANY]))
        for x in items:
            _encode(x, policy, w)
    else:
        _packed(elem, b"".join(elem.element_bytes(x.payload, policy) for x in items), policy, w)


def encode(value) -> bytes:
    """The canonical encoding of ``value`` (format version 2)."""
    w = _Writer()
    _encode(value, CANONICAL, w)
    return bytes(w.out)


def digest(value) -> str:
    """SHA-256 of the digest prefix and the encoding, as 64 lowercase hex digits."""
    return hashlib.sha256(DIGEST_PREFIX + encode(value)).hexdigest()


def pieces(value) -> list[bytes]:
    """The pieces the Rust encoder hands its sink (non-normative, SPEC.md 10)."""
    w = _Writer()
    _encode(value, CANONICAL, w)
    out, start = [], 0
    for cut in w.cuts + [len(w.out)]:
        seg = bytes(w.out[start:cut])
        out += [seg[i : i + PIECE] for i in range(0, len(seg), PIECE)]
        start = cut
    return out
