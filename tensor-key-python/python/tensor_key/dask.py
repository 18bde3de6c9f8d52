"""Canonical dask tokens for numpy arrays.

``dask.base.tokenize`` names a numpy array by its memory: a Fortran-ordered
copy, another NaN payload or ``-0.0`` in place of ``0.0`` give another token.
After :func:`register`, dask tokenizes a numpy array as
``("tensor_key", floats, tensor_key.digest(x, floats=floats))``: equal-valued
arrays in any layout get one token (dtype and shape still count).

>>> import numpy as np, dask.base, tensor_key.dask
>>> a = np.arange(6.0).reshape(2, 3)
>>> with tensor_key.dask.registered():
...     dask.base.tokenize(a) == dask.base.tokenize(np.asfortranarray(a))
True

The registration is **process-wide** (dask's ``normalize_token`` is one
global dispatch table) and **per process**: a distributed cluster's workers
tokenize in their own processes and need it too. ``register_on(client)``
installs it on the client's process and, through a worker plugin, on every
current and future worker.

Arrays tensor_key refuses (object, string, datetime dtypes, masked arrays...)
keep dask's own token. dask is an optional dependency (``pip install
"tensor-key[dask]"``); it is imported when a function here is called.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from ._native import digest

__all__ = ["register", "unregister", "registered", "is_registered", "register_on", "TensorKeyPlugin"]

_PLUGIN_NAME = "tensor_key-canonical-tokens"
_lock = threading.RLock()
# While registered: the policy, and the handlers dask had for each type
# whose entry we replaced (to put them back on unregister()).
_state: dict | None = None


def _normalize_token():
    try:
        from dask.base import normalize_token
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'tensor_key.dask needs dask: pip install "tensor-key[dask]" (or dask[distributed])'
        ) from e
    return normalize_token


def _make_handler(floats: str, fallback):
    def normalize_ndarray(x):
        try:
            return ("tensor_key", floats, digest(x, floats=floats))
        except TypeError:
            # A dtype or subclass tensor_key has no encoding for: dask's own
            # token, as before registration.
            return fallback(x)

    normalize_ndarray._tensor_key_floats = floats
    return normalize_ndarray


def register(floats: str = "canonical") -> None:
    """Make ``dask.base.tokenize`` of numpy arrays canonical in this process.

    ``floats="canonical"`` (the default): every NaN is one value and
    ``-0.0 == 0.0``, as in ``tensor_key.Key``; ``floats="bitwise"``: only the
    memory layout stops counting. Calling it again with the same policy does
    nothing; with another policy it switches. Undo with :func:`unregister`.
    """
    digest(0.0, floats=floats)  # validates `floats`
    nt = _normalize_token()
    with _lock:
        global _state
        if _state is not None:
            if _state["floats"] == floats:
                return
            unregister()
        # dask fills its numpy entries lazily, on the first numpy type it
        # sees; do that now so it cannot overwrite ours later.
        nt.dispatch(np.ndarray)
        lookup = nt._lookup
        saved = {}
        handlers = {}
        for base in (np.ndarray, np.memmap):
            old = lookup.get(base)
            if old is None:  # pragma: no cover - every dask has both
                old = nt.dispatch(base)
            handlers[old] = _make_handler(floats, old)
        # The explicit entries and the per-subclass cache that dispatch keeps
        # (np.matrix -> dask's ndarray handler, ...): replace every entry of
        # an ndarray (sub)class that points at one of dask's array handlers.
        for cls, fn in list(lookup.items()):
            if isinstance(cls, type) and issubclass(cls, np.ndarray) and fn in handlers:
                saved[cls] = fn
                lookup[cls] = handlers[fn]
        _state = {"floats": floats, "saved": saved, "ours": set(handlers.values())}


def unregister() -> None:
    """Give numpy arrays dask's own tokens again (in this process)."""
    with _lock:
        global _state
        if _state is None:
            return
        lookup = _normalize_token()._lookup
        for cls, fn in list(lookup.items()):
            if fn in _state["ours"]:
                if cls in _state["saved"]:
                    lookup[cls] = _state["saved"][cls]
                else:
                    # A subclass dispatch cached since: let it resolve again.
                    del lookup[cls]
        _state = None


def is_registered() -> str | None:
    """The policy ("canonical" or "bitwise") if registered here, else None."""
    with _lock:
        return None if _state is None else _state["floats"]


@contextlib.contextmanager
def registered(floats: str = "canonical"):
    """``with registered():`` canonical tokens inside the block, then the
    previous state (registered or not, same policy) again. Process-wide:
    other threads tokenizing meanwhile see it too."""
    with _lock:
        before = is_registered()
        register(floats)
    try:
        yield
    finally:
        with _lock:
            if before is None:
                unregister()
            else:
                register(before)


def _plugin_class():
    """TensorKeyPlugin, made on first use so that importing this module does
    not import distributed."""
    cls = globals().get("_TensorKeyPlugin")
    if cls is not None:
        return cls
    try:
        from distributed.diagnostics.plugin import WorkerPlugin
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'tensor_key.dask.TensorKeyPlugin needs distributed: pip install "tensor-key[dask]"'
        ) from e

    class TensorKeyPlugin(WorkerPlugin):
        """A ``distributed`` worker plugin: :func:`register` on each worker
        when it starts (and on the ones already running), :func:`unregister`
        when the plugin is removed or the worker closes."""

        name = _PLUGIN_NAME
        idempotent = False

        def __init__(self, floats: str = "canonical"):
            digest(0.0, floats=floats)  # validates `floats`
            self.floats = floats

        def setup(self, worker=None):
            register(self.floats)

        def teardown(self, worker=None):
            unregister()

    TensorKeyPlugin.__module__ = __name__
    TensorKeyPlugin.__qualname__ = "TensorKeyPlugin"
    # Pickled by reference (tensor_key.dask.TensorKeyPlugin): found through
    # the module's __getattr__ on the worker.
    globals()["_TensorKeyPlugin"] = cls = TensorKeyPlugin
    return cls


def __getattr__(name):
    if name == "TensorKeyPlugin":
        return _plugin_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_on(client, floats: str = "canonical", *, local: bool = True) -> None:
    """Canonical tokens on every worker of ``client`` (current and future,
    through :class:`TensorKeyPlugin`) and, with ``local=True``, in this
    process, where graphs are built and most tokens are computed. Undo with
    ``client.unregister_worker_plugin(tensor_key.dask.TensorKeyPlugin.name)``
    (its teardown unregisters on the workers)
    and :func:`unregister`."""
    client.register_plugin(_plugin_class()(floats), name=_PLUGIN_NAME)
    if local:
        register(floats)
