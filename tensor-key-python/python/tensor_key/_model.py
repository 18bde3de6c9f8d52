"""The explicit value model: wrappers for what a plain Python value cannot say.

The names follow ``python/tensor_key_ref.py`` (the reference implementation of
SPEC.md), so a value written for one is written for the other:

* scalars: ``U8(7)``, ``U16``, ``U32``, ``U64``, ``U128``, ``I8`` ... ``I128``,
  ``USIZE`` (= ``U64``), ``ISIZE`` (= ``I64``), ``BOOL(True)``, ``CHAR('x')``,
  ``F16(x)``, ``BF16(x)``, ``F32(x)``, ``F64(x)``, ``C32(re, im)``, ``C64(re, im)``;
  floats also from raw bits: ``F32.from_bits(0x7FC00001)``,
  ``C32.from_bits(re_bits, im_bits)``;
* ``UNIT`` (``()``), ``NONE`` (``None``), ``Str(s)``, ``Some_(v)`` (alias ``Some``);
* ``Tuple(a, b, ...)``, ``Seq(elem, items)`` with ``elem`` a scalar type or ``ANY``,
  ``Map(pairs_or_dict)``, ``Set(items)``, ``Tensor(elem, shape, items)``
  (row-major items, for element types numpy lacks: ``CHAR``, ``U128``, ``ANY``),
  ``Struct(f1, ...)``, ``Variant(index, f1, ...)``;
* ``Bitwise(v)``: every float inside ``v`` bit-exact; ``Canonical(v)`` switches back.

The encoding itself is written by the Rust extension; these classes only hold
validated values.
"""

from __future__ import annotations

import math
import struct
from typing import Any, Iterable

import numpy as np

__all__ = [
    "ANY", "BF16", "BOOL", "C32", "C64", "CHAR", "F16", "F32", "F64", "I8", "I16", "I32",
    "I64", "I128", "ISIZE", "NONE", "U8", "U16", "U32", "U64", "U128", "UNIT", "USIZE",
    "Bitwise", "Canonical", "Map", "Scalar", "ScalarType", "Seq", "Set", "Some", "Some_",
    "Str", "Struct", "Tensor", "Tuple", "Variant",
]


def _float_bits(x, width: int) -> int:
    """Bits of a float rounded to ``width`` bits (round to nearest even)."""
    x = float(x)
    if width == 64:
        return struct.unpack("<Q", struct.pack("<d", x))[0]
    with np.errstate(over="ignore"):
        if width == 32:
            return int(np.array(x, dtype=np.float32).view(np.uint32))
        if width == 16:
            return int(np.array(x, dtype=np.float16).view(np.uint16))
        # bfloat16 (width -16): round the f32 bits to their upper half.
        b = int(np.array(x, dtype=np.float32).view(np.uint32))
    if b & 0x7F800000 == 0x7F800000 and b & 0x007FFFFF:
        return (b >> 16) | 0x0040
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF


class ScalarType:
    """A fixed-width scalar type of SPEC.md section 3. Call it to make a value."""

    __slots__ = ("name", "tag", "size", "kind", "signed", "fbits")

    def __init__(self, name, tag, size, kind, signed=False, fbits=0):
        self.name, self.tag, self.size, self.kind = name, tag, size, kind
        self.signed, self.fbits = signed, fbits

    def __repr__(self):
        return self.name.upper()

    def __call__(self, *args) -> "Scalar":
        return Scalar(self, self._coerce(*args))

    def from_bits(self, *bits) -> "Scalar":
        """A float (one pattern) or complex (two patterns) from raw bits."""
        width = abs(self.fbits)
        if self.kind == "float" and len(bits) == 1:
            return Scalar(self, _check_bits(bits[0], width))
        if self.kind == "complex" and len(bits) == 2:
            return Scalar(self, tuple(_check_bits(b, width) for b in bits))
        raise TypeError(f"{self!r}.from_bits takes {1 if self.kind == 'float' else 2} bit patterns")

    def _coerce(self, *args):
        if self.kind == "int":
            (v,) = args
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{self!r} needs an integer, got {v!r}")
            v = int(v)
            bits = 8 * self.size
            lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if self.signed else (0, 1 << bits)
            if not lo <= v < hi:
                raise OverflowError(f"{v} is out of range for {self.name}")
            return v
        if self.kind == "bool":
            (v,) = args
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"BOOL needs True or False, got {v!r}")
            return bool(v)
        if self.kind == "char":
            (v,) = args
            if not isinstance(v, str) or len(v) != 1:
                raise TypeError(f"CHAR needs a one-character string, got {v!r}")
            if 0xD800 <= ord(v) <= 0xDFFF:
                raise ValueError("a char is a Unicode scalar value; surrogates are not chars")
            return ord(v)
        if self.kind == "float":
            (v,) = args
            if isinstance(v, np.floating) and _np_width(v) == self.fbits:
                return _np_bits(v)
            return _float_bits(v, self.fbits)
        # complex
        if len(args) == 1:
            z = args[0]
            if isinstance(z, np.complexfloating) and z.dtype.itemsize * 4 == self.fbits:
                bits = _np_bits(z)
                mask = (1 << self.fbits) - 1
                return (bits & mask, bits >> self.fbits)
            z = complex(z)
            re, im = z.real, z.imag
        else:
            re, im = args
        return (_float_bits(re, self.fbits), _float_bits(im, self.fbits))


def _np_width(x) -> int:
    if x.dtype.name == "bfloat16":
        return -16
    return x.dtype.itemsize * 8


def _np_bits(x) -> int:
    """Exact bits of a numpy float or complex scalar, little-endian."""
    return int.from_bytes(np.asarray(x).astype(x.dtype.newbyteorder("<")).tobytes(), "little")


def _check_bits(b, width):
    if isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, np.integer)) or not 0 <= int(b) < 1 << width:
        raise ValueError(f"{b!r} is not a {width}-bit pattern")
    return int(b)


class Scalar:
    """A value of a scalar type: ``U8(3)`` is ``Scalar(U8, 3)``."""

    __slots__ = ("type", "payload")

    def __init__(self, type: ScalarType, payload: Any):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "payload", payload)

    def __setattr__(self, name, value):
        raise AttributeError("Scalar is immutable")

    def __repr__(self):
        if self.type.kind in ("float", "complex"):
            return f"{self.type!r}.from_bits({self.payload!r})"
        return f"{self.type!r}({self.payload!r})"

    def __eq__(self, other):
        return isinstance(other, Scalar) and (self.type.tag, self.payload) == (other.type.tag, other.payload)

    def __hash__(self):
        return hash((self.type.tag, self.payload))


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
F16 = ScalarType("f16", 0x10, 2, "float", fbits=16)
BF16 = ScalarType("bf16", 0x11, 2, "float", fbits=-16)
F32 = ScalarType("f32", 0x12, 4, "float", fbits=32)
F64 = ScalarType("f64", 0x13, 8, "float", fbits=64)
C32 = ScalarType("c32", 0x14, 8, "complex", fbits=32)
C64 = ScalarType("c64", 0x15, 16, "complex", fbits=64)


class _Any:
    """Element type marker for composite elements (an ``FF`` element block)."""

    __slots__ = ()

    def __repr__(self):
        return "ANY"


ANY = _Any()
UNIT = ()
NONE = None


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, **kw):
        for k, v in kw.items():
            object.__setattr__(self, k, v)


class Str(_Frozen):
    """A string (a plain ``str`` is one too)."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        if not isinstance(value, str):
            raise TypeError(f"Str needs a str, got {type(value).__name__}")
        self._set(value=value)

    def __repr__(self):
        return f"Str({self.value!r})"


class Some_(_Frozen):
    """Rust ``Some(v)`` (``None`` is ``NONE``)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self._set(value=value)

    def __repr__(self):
        return f"Some({self.value!r})"


Some = Some_


class Tuple(_Frozen):
    """A tuple of at least one element (a plain non-empty ``tuple`` is one too)."""

    __slots__ = ("items",)

    def __init__(self, *items):
        if not items:
            raise ValueError("a tuple has at least one element; the empty tuple is UNIT")
        self._set(items=tuple(items))

    def __repr__(self):
        return f"Tuple{self.items!r}"


def _as_elem(elem, x):
    if elem is ANY:
        return x
    if isinstance(x, Scalar):
        if x.type.tag != elem.tag:
            raise TypeError(f"element {x!r} is not of type {elem!r}")
        return x
    if isinstance(x, np.generic) and elem.kind not in ("float", "complex"):
        x = x.item()
    return elem(*x) if isinstance(x, tuple) else elem(x)


def _check_elem(elem, what):
    if not (isinstance(elem, ScalarType) or elem is ANY):
        raise TypeError(f"{what} element type must be a scalar type (F32, U8, ...) or ANY, got {elem!r}")


class Seq(_Frozen):
    """A sequence (Rust ``Vec<T>``, ``[T; N]``, slices): ``Seq(F32, [1.0, 2.0])``,
    ``Seq(ANY, ["a", "b"])``."""

    __slots__ = ("elem", "items")

    def __init__(self, elem, items: Iterable):
        _check_elem(elem, "Seq")
        self._set(elem=elem, items=tuple(_as_elem(elem, x) for x in items))

    def __repr__(self):
        return f"Seq({self.elem!r}, {list(self.items)!r})"


class Map(_Frozen):
    """A map (Rust ``BTreeMap``) from a dict or (key, value) pairs; a plain
    ``dict`` is one too."""

    __slots__ = ("entries",)

    def __init__(self, entries):
        pairs = list(entries.items()) if isinstance(entries, dict) else [tuple(p) for p in entries]
        if any(len(p) != 2 for p in pairs):
            raise ValueError("map entries are (key, value) pairs")
        self._set(entries=tuple(pairs))

    def __repr__(self):
        return f"Map({list(self.entries)!r})"


class Set(_Frozen):
    """A set (Rust ``BTreeSet``); plain ``set`` and ``frozenset`` are ones too.
    Unlike a Python set it may hold unhashable values (arrays, lists)."""

    __slots__ = ("items",)

    def __init__(self, items):
        self._set(items=tuple(items))

    def __repr__(self):
        return f"Set({list(self.items)!r})"


class Tensor(_Frozen):
    """A tensor given by element type, shape and row-major items, for element
    types numpy lacks (``CHAR``, ``U128``, ``I128``, ``ANY``)."""

    __slots__ = ("elem", "shape", "items")

    def __init__(self, elem, shape, items):
        _check_elem(elem, "Tensor")
        shape = tuple(int(n) for n in shape)
        items = tuple(_as_elem(elem, x) for x in items)
        if math.prod(shape) != len(items):
            raise ValueError(f"shape {shape} needs {math.prod(shape)} items, got {len(items)}")
        self._set(elem=elem, shape=shape, items=items)

    def __repr__(self):
        return f"Tensor({self.elem!r}, {self.shape!r}, {list(self.items)!r})"


class Struct(_Frozen):
    """A struct's fields in declaration order (what ``#[derive(FrozenKey)]`` writes)."""

    __slots__ = ("fields",)

    def __init__(self, *fields):
        self._set(fields=tuple(fields))

    def __repr__(self):
        return f"Struct{self.fields!r}"


class Variant(_Frozen):
    """An enum variant: its declaration index and its fields."""

    __slots__ = ("index", "fields")

    def __init__(self, index: int, *fields):
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1 << 32:
            raise ValueError("a variant index is a u32")
        self._set(index=index, fields=tuple(fields))

    def __repr__(self):
        return f"Variant{(self.index,) + self.fields!r}"


class Bitwise(_Frozen):
    """Every float inside ``value`` keeps its bits (NaN payloads, sign of zero)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self._set(value=value)

    def __repr__(self):
        return f"Bitwise({self.value!r})"


class Canonical(_Frozen):
    """Canonical floats again inside a ``Bitwise``."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self._set(value=value)

    def __repr__(self):
        return f"Canonical({self.value!r})"
