"""Shared helpers: the reference implementation (python/tensor_key_ref.py,
written from SPEC.md independently of the Rust crate) and a translation of
its value model into tensor_key's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))

import tensor_key_ref as ref  # noqa: E402

import tensor_key as tk  # noqa: E402

VECTORS = REPO / "tests" / "vectors" / "digests.json"

_TYPES = {t.name: getattr(tk, t.name.upper()) for t in ref.SCALAR_TYPES}


def to_tk(v):
    """The tensor_key value for a reference-model value (same SPEC.md value)."""
    if isinstance(v, ref.Scalar):
        return tk.Scalar(_TYPES[v.type.name], v.payload)
    if isinstance(v, ref.ScalarType):
        return _TYPES[v.name]
    if v is ref.ANY:
        return tk.ANY
    if v is ref.UNIT:
        return ()
    if v is ref.NONE or v is None:
        return None
    if isinstance(v, ref.Str):
        return tk.Str(v.value)
    if isinstance(v, ref.Some_):
        return tk.Some_(to_tk(v.value))
    if isinstance(v, ref.Tuple):
        return tk.Tuple(*map(to_tk, v.items))
    if isinstance(v, ref.Seq):
        return tk.Seq(to_tk(v.elem), [to_tk(x) for x in v.items])
    if isinstance(v, ref.Map):
        return tk.Map([(to_tk(k), to_tk(x)) for k, x in v.entries])
    if isinstance(v, ref.Set):
        return tk.Set([to_tk(x) for x in v.items])
    if isinstance(v, ref.Tensor):
        return tk.Tensor(to_tk(v.elem), v.shape, [to_tk(x) for x in v.items])
    if isinstance(v, ref.Struct):
        return tk.Struct(*map(to_tk, v.fields))
    if isinstance(v, ref.Variant):
        return tk.Variant(v.index, *map(to_tk, v.fields))
    if isinstance(v, ref.Bitwise):
        return tk.Bitwise(to_tk(v.value))
    if isinstance(v, ref.Canonical):
        return tk.Canonical(to_tk(v.value))
    if type(v) is tuple:
        return tuple(map(to_tk, v))
    if type(v) is list:
        return [to_tk(x) for x in v]
    if isinstance(v, dict):
        return tk.Map([(to_tk(k), to_tk(x)) for k, x in v.items()])
    if isinstance(v, (set, frozenset)):
        return tk.Set([to_tk(x) for x in v])
    if isinstance(v, (str, bool, np.ndarray, np.generic)):
        return v
    raise AssertionError(f"no translation for {v!r}")


def ref_encode(v, floats="canonical") -> bytes:
    """The reference encoding, under the given policy at the top."""
    return ref.encode(ref.Bitwise(v) if floats == "bitwise" else v)
