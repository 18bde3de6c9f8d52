"""Tensors of other frameworks (CPU memory): the digest of the numpy array of
the same values. Each test skips when its framework is not installed."""

from __future__ import annotations

import numpy as np
import pytest

import tensor_key as tk

VALUES = np.array([[1.0, np.nan, -0.0], [4.0, 5.0, np.inf]], np.float32)


def test_jax():
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.asarray(VALUES)
    assert tk.digest(x) == tk.digest(VALUES)
    assert tk.Key(x) == tk.Key(VALUES)
    assert tk.digest(x.T) == tk.digest(VALUES.T)
    assert tk.digest(jnp.arange(6, dtype=jnp.int32)) == tk.digest(np.arange(6, dtype=np.int32))
    assert tk.digest((x, "w")) == tk.digest((VALUES, "w"))
    b = jnp.asarray([1.0, -0.0, 3.5], dtype=jnp.bfloat16)
    ml_dtypes = pytest.importorskip("ml_dtypes")
    assert tk.digest(b) == tk.digest(np.array([1.0, -0.0, 3.5], dtype=ml_dtypes.bfloat16))
    assert tk.encoding(b)[-7:-6] == b"\x11"  # the bf16 tag


def test_torch():
    torch = pytest.importorskip("torch")
    t = torch.tensor(VALUES)
    assert tk.digest(t) == tk.digest(VALUES)
    assert tk.digest(t.t()) == tk.digest(VALUES.T)  # a transposed view, read through DLPack
    assert tk.digest(t.flip(0)) == tk.digest(VALUES[::-1])
    assert tk.digest(torch.tensor([True, False])) == tk.digest(np.array([True, False]))
    with pytest.raises(Exception, match="grad"):
        tk.digest(torch.ones(2, requires_grad=True))


def test_tensorflow():
    tf = pytest.importorskip("tensorflow")
    t = tf.constant(VALUES)
    assert tk.digest(t) == tk.digest(VALUES)
    assert tk.Key(tf.transpose(t)) == tk.Key(VALUES.T)


def test_dlpack_producer_without_a_framework():
    """Any CPU DLPack producer works, e.g. a numpy array wrapped in an object."""

    class Producer:
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    assert tk.digest(Producer(VALUES[:, ::-1])) == tk.digest(VALUES[:, ::-1].copy())
