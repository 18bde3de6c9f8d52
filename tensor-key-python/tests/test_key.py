"""tensor_key.Key as a dict/set key: canonical equality, snapshots, pickling."""

from __future__ import annotations

import functools
import pickle

import numpy as np
import pytest

import tensor_key as tk

NAN2 = np.array([0x7FC00001], np.uint32).view(np.float32)[0]  # a NaN with a payload


def test_nan_and_signed_zero_are_one_key():
    a = np.array([[1.0, np.nan], [-0.0, 4.0]], np.float32)
    b = np.array([[1.0, -NAN2], [0.0, 4.0]], np.float32)
    d = {tk.Key(a): "found"}
    assert d[tk.Key(b)] == "found"
    assert tk.Key(a) == tk.Key(b) and hash(tk.Key(a)) == hash(tk.Key(b))
    assert tk.Key(a).digest() == tk.digest(b)
    assert len({tk.Key(a), tk.Key(b)}) == 1


def test_bitwise_keys_keep_every_bit():
    a = np.array([np.nan, -0.0], np.float32)
    b = np.array([NAN2, 0.0], np.float32)
    assert tk.Key(a, floats="bitwise") != tk.Key(b, floats="bitwise")
    assert tk.Key(a, floats="bitwise") == tk.Key(a.copy(), floats="bitwise")
    assert tk.Key(a, floats="bitwise") != tk.Key(a)  # the policy is part of the key
    assert tk.Key(a, floats="bitwise").floats == "bitwise"
    assert tk.Key(tk.Bitwise(a)) == tk.Key(a, floats="bitwise")


def test_the_policy_changes_only_float_bytes():
    """README: a value with no floats has one encoding under both policies."""
    ints = (np.arange(6, dtype=np.int32).reshape(2, 3), "label")
    canonical, bitwise = tk.Key(ints), tk.Key(ints, floats="bitwise")
    assert canonical == bitwise and hash(canonical) == hash(bitwise)
    assert (canonical.floats, bitwise.floats) == ("canonical", "bitwise")
    mixed = (ints, np.float32(1.0))
    assert tk.Key(mixed) != tk.Key(mixed, floats="bitwise")


def test_dtype_and_shape_count_layout_does_not():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    keys = {tk.Key(x)}
    assert tk.Key(np.asfortranarray(x)) in keys
    assert tk.Key(x[::-1][::-1]) in keys
    assert tk.Key(x.T.copy().T) in keys
    assert tk.Key(x.astype(np.float64)) not in keys
    assert tk.Key(x.astype(np.int32)) not in keys
    assert tk.Key(x.reshape(3, 2)) not in keys
    assert tk.Key(x.reshape(6)) not in keys
    assert tk.Key(x.reshape(1, 2, 3)) not in keys
    assert tk.Key(np.zeros((0, 3))) != tk.Key(np.zeros((3, 0)))
    assert tk.Key(np.float32(1)) != tk.Key(np.array(1, np.float32))  # scalar vs 0-d tensor
    assert tk.Key(x.tolist()) != tk.Key(x)  # a list is a sequence, not a tensor


def test_where_the_tuple_of_floats_recipe_is_wrong():
    a = np.array([np.nan, 0.0])
    b = np.array([np.nan, -0.0])
    # tuple(x.ravel().tolist()): a NaN never finds itself, and shape is lost.
    assert tuple(a.tolist()) != tuple(a.copy().tolist())
    c = np.array([1.0, 2.0])
    assert tuple(c.ravel().tolist()) == tuple(c.reshape(2, 1).ravel().tolist())
    assert tuple(c.tolist()) == tuple(c.astype(np.float32).tolist())  # dtype is lost too
    assert tk.Key(a) == tk.Key(a.copy()) == tk.Key(b)
    assert tk.Key(a) != tk.Key(a.reshape(2, 1))
    assert tk.Key(c) != tk.Key(c.reshape(2, 1)) and tk.Key(c) != tk.Key(c.astype(np.float32))


def test_key_is_a_snapshot():
    a = np.array([1.0, 2.0, 3.0])
    k = tk.Key(a)
    h = hash(k)
    d = {k: "old"}
    a[0] = 99.0
    assert hash(k) == h
    assert tk.Key(a) != k
    assert d[tk.Key(np.array([1.0, 2.0, 3.0]))] == "old"
    assert tk.Key(a) not in d
    lst = [1, 2]
    k2 = tk.Key(lst)
    lst.append(3)
    assert k2 == tk.Key([1, 2])


def test_composite_keys():
    x = np.ones((2, 2), np.float32)
    k = tk.Key((x, "layer", 3, {"lr": 0.1}, None))
    assert k == tk.Key((np.asfortranarray(x), "layer", 3, {"lr": 0.1}, None))
    assert k != tk.Key((x, "layer", 4, {"lr": 0.1}, None))
    assert tk.Key([x, x]) == tk.Key([x, np.ones((2, 2), np.float32)])


def test_not_equal_to_other_types():
    k = tk.Key(1)
    assert k != 1 and k != k.encoding and k is not None
    assert (k == 1) is False


def test_functools_lru_cache_accepts_keys():
    calls = []

    @functools.lru_cache(maxsize=None)
    def total(key):
        calls.append(key)
        return key.digest()

    a = np.arange(4.0)
    total(tk.Key(a))
    total(tk.Key(a[::-1][::-1].copy()))
    assert len(calls) == 1


def test_pickle_round_trip():
    k = tk.Key((np.array([1.0, np.nan]), "a"), floats="bitwise")
    k2 = pickle.loads(pickle.dumps(k))
    assert k2 == k and hash(k2) == hash(k) and k2.floats == "bitwise" and k2.digest() == k.digest()


def test_repr_and_accessors():
    k = tk.Key(np.zeros((2, 3), np.float16))
    assert repr(k).startswith("Key(<tensor f16 [2, 3]>, digest='")
    assert k.digest() == tk.digest(np.zeros((2, 3), np.float16))
    assert k.digest_bytes().hex() == k.digest()
    assert k.encoding == tk.encoding(np.zeros((2, 3), np.float16))
    assert "bitwise" in repr(tk.Key(1.0, floats="bitwise"))
    assert repr(tk.Key((1, 2))).startswith("Key(<tuple of 2>")


def test_key_is_immutable():
    k = tk.Key(1)
    with pytest.raises(AttributeError):
        k.encoding = b""
