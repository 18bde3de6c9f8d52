"""tensor_key: numpy arrays (and PyTorch, TensorFlow, JAX tensors) as dict keys.

>>> import numpy as np, tensor_key
>>> cache = {tensor_key.Key(np.array([[1.0, np.nan]])): "seen"}
>>> cache[tensor_key.Key(np.asfortranarray([[1.0, -np.nan]]))]
'seen'

* ``digest(x, *, floats="canonical")``: SHA-256 of the canonical encoding of
  ``x`` (SPEC.md of the tensor-key Rust crate), 64 hex digits; the Rust crate
  gives the same digest for the corresponding Rust value.
* ``digest_bytes(x)``: the same 32 bytes; ``encoding(x)``: the encoding itself.
* ``Key(x, *, floats="canonical")``: hashable, equal by canonical value; a
  snapshot, so mutating the array later does not change the key.
* ``memoize(maxsize=128, store=None)``: ``functools.lru_cache`` for functions
  of arrays; ``store`` (a directory or ``redis://`` URL, see ``tensor_key.store``)
  shares results between processes, in the entry format of the Rust crate
  tensor-key-cache.

See README.md for the mapping of Python values to SPEC.md types.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict, namedtuple

import numpy as np

from . import _model
from ._model import *  # noqa: F401,F403  (the value model)
from ._model import __all__ as _model_all
from ._native import FORMAT_VERSION, Key, digest, digest_bytes, encoding
from ._native import _register

__all__ = ["FORMAT_VERSION", "Key", "digest", "digest_bytes", "encoding", "memoize", "CacheInfo"] + _model_all

# DLPack device types whose memory the CPU can read (kDLCPU, kDLCUDAHost,
# kDLCUDAManaged, kDLROCMHost).
_CPU_DEVICES = {1, 3, 13, 11}
# Frameworks whose tensors are their data, read through __array__ when they
# offer no usable __dlpack__. Others with __array__ (pandas, xarray...) carry
# labels the array would drop: they are refused rather than keyed wrongly.
_ARRAY_MODULES = ("torch", "tensorflow", "jax", "jaxlib", "ml_dtypes", "numpy")


def _type_name(x) -> str:
    t = type(x)
    return f"{t.__module__}.{t.__qualname__}"


def _fix_array(a: np.ndarray) -> np.ndarray:
    """A native-order, aligned, C-ordered copy with 0/1 bools: for the few
    arrays the Rust side cannot read in place."""
    a = np.array(a, order="C", copy=True)
    if not a.dtype.isnative:
        a = a.byteswap().view(a.dtype.newbyteorder())
    if a.dtype == np.bool_:
        a = a.view(np.uint8) != 0
    return a


def _foreign(x) -> np.ndarray:
    """A tensor of another framework as a numpy array over the same memory."""
    name = _type_name(x)
    device = getattr(x, "__dlpack_device__", None)
    if device is not None:
        dev = device()
        if int(dev[0]) not in _CPU_DEVICES:
            raise ValueError(
                f"{name} lives on an accelerator (DLPack device {tuple(int(d) for d in dev)}); "
                "tensor_key reads CPU memory: move it to the CPU first (PyTorch: t.cpu(), "
                "JAX: jax.device_get(x), TensorFlow: with tf.device('CPU'): tf.identity(t))"
            )
    error = None
    if hasattr(x, "__dlpack__"):
        try:
            return np.from_dlpack(x)
        except (TypeError, BufferError, RuntimeError, ValueError) as e:  # e.g. bfloat16
            error = e
    if hasattr(x, "__array__") and type(x).__module__.split(".")[0] in _ARRAY_MODULES:
        a = np.asarray(x)
        if a.dtype == object:
            raise TypeError(f"{name} converts to a numpy array of Python objects")
        return a
    if error is not None:
        raise TypeError(f"cannot read {name} through DLPack: {error}") from error
    raise TypeError(
        f"tensor_key cannot encode a value of type {name}: it is not a tensor of a known "
        "framework; pass numpy.asarray(x) if its array data is all that identifies it"
    )


_register(
    {
        "Scalar": _model.Scalar,
        "Str": _model.Str,
        "Some": _model.Some_,
        "Tuple": _model.Tuple,
        "Seq": _model.Seq,
        "Map": _model.Map,
        "Set": _model.Set,
        "Tensor": _model.Tensor,
        "Struct": _model.Struct,
        "Variant": _model.Variant,
        "Bitwise": _model.Bitwise,
        "Canonical": _model.Canonical,
        "ANY": _model.ANY,
        "generic": np.generic,
        "ndarray_ok": (np.matrix, np.memmap),
        "asarray": np.asarray,
        "fix_array": _fix_array,
        "foreign": _foreign,
    }
)

CacheInfo = namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize"])


def memoize(maxsize=128, *, floats: str = "canonical", store=None, namespace=None):
    """Like ``functools.lru_cache``, for functions of arrays.

    The arguments are keyed by value: ``Key((args, kwargs), floats=floats)``,
    so arrays equal as keys (same dtype, shape and canonical values, any
    memory layout) hit the same entry, and mutating an array after a call does
    not change the entry it made. Keyword order does not matter. Every
    argument must be encodable (see the README's value mapping). ``maxsize``
    ``None`` means unbounded. Thread-safe: the function may run twice for the
    same arguments when two threads miss at once, as with ``lru_cache``.

    ``store``: a second level shared by processes and machines, behind the
    in-process LRU (hits there do not touch it). A directory path (str or
    ``os.PathLike``: ``tensor_key.store.DirectoryStore``), a ``redis://`` URL
    (``RedisStore``, needs the ``redis`` package) or a store object. Entries are
    stored under ``digest_bytes((args, kwargs), floats=floats)`` in the entry
    format of the Rust ``tensor-key-cache`` crate; each function has its own
    namespace: the subdirectory ``namespace`` of the directory, or the Redis key
    prefix ``tk:v1:<namespace>:``. ``namespace`` defaults to the function's
    ``module.qualname``; a store object is used as it is unless ``namespace`` is
    given. Store failures and damaged entries are misses: the function is
    called, and the problem counted (``store_info()``) and warned about
    (``tensor_key.store.StoreWarning``). Only values that round-trip through
    MessagePack are stored (see ``tensor_key.store``); others are returned and
    counted as ``encode_errors``. ``cache_clear()`` empties the in-process LRU
    only; ``f.store`` is the store, ``f.store_info()`` its counters.
    """
    if callable(maxsize) and not isinstance(maxsize, bool):
        return memoize()(maxsize)
    if maxsize is not None and (isinstance(maxsize, bool) or not isinstance(maxsize, int)):
        raise TypeError("maxsize must be an int or None")
    if maxsize is not None and maxsize < 0:
        maxsize = 0
    Key(0, floats=floats)  # validates `floats` now
    if namespace is not None and not isinstance(namespace, str):
        raise TypeError("namespace must be a str or None")
    if store is not None:
        from . import store as _store

        base = _store.open_store(store)
    else:
        base = None
    # A path or URL gets a namespace per function unless one is given; a store
    # object is used as it is unless one is given. "" means none.
    derive = namespace is None and isinstance(store, (str, os.PathLike))

    def decorator(fn):
        cache: OrderedDict = OrderedDict()
        lock = threading.Lock()
        stats = [0, 0]  # hits, misses
        shared = None
        if base is not None:
            ns = namespace or None
            if derive:
                ns = f"{getattr(fn, '__module__', None) or '_'}.{getattr(fn, '__qualname__', type(fn).__name__)}"
            if ns is not None and not callable(getattr(base, "namespaced", None)):
                raise TypeError(f"namespace= needs a store with a namespaced() method, not {type(base).__name__}")
            shared = _store._StoreCache(base if ns is None else base.namespaced(ns))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            k = Key((args, kwargs), floats=floats)
            with lock:
                if k in cache:
                    cache.move_to_end(k)
                    stats[0] += 1
                    return cache[k]
                stats[1] += 1
            if shared is not None:
                d = k.digest_bytes()  # == digest_bytes((args, kwargs), floats=floats)
                found = shared.lookup(d)
                if found is not _store._MISSING:
                    result = found
                else:
                    result = fn(*args, **kwargs)
                    shared.insert(d, result)
            else:
                result = fn(*args, **kwargs)
            if maxsize == 0:
                return result
            with lock:
                cache[k] = result
                cache.move_to_end(k)
                if maxsize is not None:
                    while len(cache) > maxsize:
                        cache.popitem(last=False)
            return result

        def cache_info() -> CacheInfo:
            with lock:
                return CacheInfo(stats[0], stats[1], maxsize, len(cache))

        def cache_clear() -> None:
            with lock:
                cache.clear()
                stats[0] = stats[1] = 0

        def store_info():
            """The shared store's counters (a ``StoreInfo``), or None without a store."""
            return None if shared is None else shared.info()

        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        wrapper.store_info = store_info
        wrapper.store = None if shared is None else shared.store
        wrapper.cache_parameters = lambda: {"maxsize": maxsize, "floats": floats}
        return wrapper

    return decorator
