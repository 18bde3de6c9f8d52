"""Every refusal is a Python exception with a message, never a crash or a
wrong digest."""

from __future__ import annotations

import datetime
import decimal
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensor_key as tk


@pytest.mark.parametrize(
    "array",
    [
        np.array([object(), 1], dtype=object),
        np.zeros(2, dtype=[("a", "i4"), ("b", "f4")]),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        np.array([1], dtype="timedelta64[s]"),
        np.array(["ab"]),
        np.array([b"ab"]),
        np.zeros(2, dtype=np.longdouble) if np.dtype(np.longdouble).itemsize > 8 else np.array([None]),
        np.zeros(2, dtype="V3"),
    ],
    ids=["object", "structured", "datetime", "timedelta", "str", "bytes", "longdouble", "void"],
)
def test_unsupported_dtypes(array):
    for f in (tk.digest, tk.encoding, tk.Key):
        with pytest.raises(TypeError, match="dtype"):
            f(array)
    with pytest.raises(TypeError, match="dtype"):
        tk.digest([array])  # nested too
    if array.dtype.kind in "Mm":  # numpy scalars of these dtypes too
        with pytest.raises(TypeError, match="dtype"):
            tk.digest(array[0])


@pytest.mark.parametrize(
    "value",
    [object(), decimal.Decimal(1), datetime.date(2020, 1, 1), memoryview(b"ab"), range(3), len, 1.5j.__class__,
     Ellipsis, iter([1])],
)
def test_unsupported_types_name_the_type(value):
    with pytest.raises(TypeError, match=type(value).__name__):
        tk.digest(value)
    with pytest.raises(TypeError, match=type(value).__name__):
        tk.Key((1, [value]))


def test_int_overflow():
    for v in (2**63, -(2**63) - 1, 10**30):
        with pytest.raises(OverflowError, match="i64"):
            tk.digest(v)
        with pytest.raises(OverflowError):
            tk.digest([1, v])
    assert tk.digest(tk.U64(2**64 - 1)) == tk.digest(np.uint64(2**64 - 1))
    with pytest.raises(OverflowError):
        tk.U8(256)
    with pytest.raises(OverflowError):
        tk.digest(tk.Scalar(tk.U8, 256))  # a hand-made out-of-range payload
    with pytest.raises(OverflowError):
        tk.digest(tk.Scalar(tk.I8, -129))
    with pytest.raises(ValueError):
        tk.digest(tk.Scalar(tk.F16, 1 << 16))
    with pytest.raises(ValueError):
        tk.digest(tk.Scalar(tk.CHAR, 0xD800))


def test_bad_wrappers_and_arguments():
    with pytest.raises(ValueError, match="floats"):
        tk.digest(1, floats="exact")
    with pytest.raises(ValueError):
        tk.Key(1, floats="")
    with pytest.raises(TypeError):
        tk.digest(1, "bitwise")  # floats is keyword-only
    with pytest.raises(TypeError, match="not of type F32"):
        tk.Seq(tk.F32, [tk.U8(1)])
    with pytest.raises(ValueError):
        tk.Tensor(tk.U8, [2, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        tk.Tuple()
    with pytest.raises(TypeError, match="ANY"):
        tk.digest(tk.ANY)
    with pytest.raises(TypeError):
        tk.CHAR("ab")
    with pytest.raises(ValueError):
        tk.Variant(-1)


def test_self_containing_values():
    a = []
    a.append(a)
    with pytest.raises(RecursionError):
        tk.digest(a)
    d = {}
    d["d"] = [d]
    with pytest.raises(RecursionError):
        tk.Key(d)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_ndarray_subclasses_with_extra_meaning_are_refused():
    m = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match="MaskedArray"):
        tk.digest(m)
    assert tk.digest(np.matrix([[1.0, 2.0]])) == tk.digest(np.array([[1.0, 2.0]]))


def test_objects_with_only_array_are_refused():
    class Frame:  # like a pandas DataFrame: labels that an array would drop
        def __array__(self, dtype=None, copy=None):
            return np.zeros(2)

    with pytest.raises(TypeError, match="Frame"):
        tk.digest(Frame())


class FakeDeviceTensor:
    """A DLPack producer on a CUDA device (device type 2)."""

    def __dlpack_device__(self):
        return (2, 0)

    def __dlpack__(self, **kw):  # pragma: no cover - never reached
        raise AssertionError("must not be read")


def test_accelerator_tensors_ask_to_move_to_cpu():
    with pytest.raises(ValueError, match="CPU"):
        tk.digest(FakeDeviceTensor())
    with pytest.raises(ValueError, match="CPU"):
        tk.Key((1, FakeDeviceTensor()))


def test_bool_arrays_with_other_bytes_are_read_as_true():
    raw = np.array([0, 1, 2, 255], np.uint8).view(np.bool_)
    assert tk.digest(raw) == tk.digest(np.array([False, True, True, True]))
    assert tk.digest(np.broadcast_to(raw, (3, 4))) == tk.digest(np.array([[False, True, True, True]] * 3))


def test_huge_broadcast_key_is_a_memory_error_not_an_abort():
    x = np.broadcast_to(np.float32(1.0), (10**12,))
    with pytest.raises(MemoryError, match="digest"):
        tk.Key(x)
    with pytest.raises(MemoryError):
        tk.encoding((1, x))


def test_huge_broadcast_digest_streams_and_is_interruptible():
    """10^12 elements would take minutes to hash: it runs in constant memory,
    with the GIL released, and stops at Ctrl-C (SIGINT) with KeyboardInterrupt."""
    code = textwrap.dedent(
        """
        import os, resource, signal, threading, time
        import numpy as np, tensor_key as tk
        x = np.broadcast_to(np.float32(1.0), (10**12,))
        ticks = []
        def tick():  # runs while the digest holds no GIL
            while len(ticks) < 3:
                time.sleep(0.05)
                ticks.append(1)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=tick, daemon=True).start()
        try:
            tk.digest(x)
        except KeyboardInterrupt:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print("interrupted", len(ticks), rss)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    word, ticks, rss_kib = out.stdout.split()
    assert word == "interrupted" and int(ticks) == 3
    assert int(rss_kib) < 1_000_000  # far below the 4 TB a copy would need


@pytest.mark.parametrize(
    "shape", [(2**62, 2, 0), (2**63, 0), (2**32, 2**32, 0), (0, 2**64 - 1), (3, 0, 2**63)]
)
@pytest.mark.parametrize("elem", ["F32", "U8", "CHAR", "ANY"])
def test_empty_model_tensors_with_huge_extents_match_the_reference(shape, elem):
    # The other extents of an empty tensor may multiply past isize::MAX (ndarray
    # cannot describe it); it is still the header and an empty block, as in the
    # reference implementation: never a PanicException or a bogus count error.
    from conftest import ref

    value = tk.Tensor(getattr(tk, elem), shape, [])
    expected = ref.Tensor(getattr(ref, elem), shape, [])
    assert tk.encoding(value) == ref.encode(expected)
    assert tk.digest(value) == ref.digest(expected)
    assert tk.digest(value, floats="bitwise") == ref.digest(ref.Bitwise(expected))


def test_element_types_with_unknown_tags_are_value_errors():
    # ScalarType is public: one made with a tag that is not a scalar type's is
    # refused cleanly, also when there are no items to check.
    for t in (0x99, 0x18, 0x20, 0xFF):
        bogus = tk.ScalarType("bogus", t, 1, "int")
        for value in (tk.Seq(bogus, []), tk.Tensor(bogus, (0,), []), tk.Tensor(bogus, (2, 0), [])):
            with pytest.raises(ValueError):
                tk.digest(value)
            with pytest.raises(ValueError):
                tk.Key(value)


def test_huge_strided_bool_view_is_interruptible_from_the_start():
    """A bool array is first checked for bytes other than 0 and 1; for an
    overlapping strided view of 10^12 elements that scan alone took minutes
    with the GIL held, deaf to Ctrl-C. It runs in slabs without the GIL too."""
    code = textwrap.dedent(
        """
        import os, signal, threading, time
        import numpy as np, tensor_key as tk
        from numpy.lib.stride_tricks import as_strided
        x = as_strided(np.ones(2 * 10**6, np.bool_), shape=(10**6, 10**6), strides=(1, 1))
        ticks = []
        def tick():  # runs only while the scan holds no GIL
            while len(ticks) < 3:
                time.sleep(0.05)
                ticks.append(1)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=tick, daemon=True).start()
        start = time.monotonic()
        try:
            tk.digest(x)
        except KeyboardInterrupt:
            print("interrupted", len(ticks), time.monotonic() - start)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    word, ticks, seconds = out.stdout.split()
    assert word == "interrupted" and int(ticks) == 3
    assert float(seconds) < 30
