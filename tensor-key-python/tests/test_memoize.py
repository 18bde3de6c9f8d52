"""tensor_key.memoize: lru_cache for functions of arrays."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tensor_key as tk


def test_hits_by_value_across_layouts():
    calls = []

    @tk.memoize(maxsize=8)
    def norm(x, scale=1.0):
        calls.append(1)
        return float(np.abs(x).sum()) * scale

    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert norm(a) == norm(np.asfortranarray(a)) == norm(a.T.copy().T)
    assert len(calls) == 1
    norm(a, scale=2.0)
    norm(a, 2.0)  # positional and keyword are different calls, as in lru_cache
    assert len(calls) == 3
    norm(a.astype(np.float64))
    assert len(calls) == 4
    info = norm.cache_info()
    assert (info.hits, info.misses, info.maxsize, info.currsize) == (2, 4, 8, 4)
    norm.cache_clear()
    assert norm.cache_info() == tk.CacheInfo(0, 0, 8, 0)
    assert norm.__name__ == "norm" and norm.__wrapped__ is not None


def test_nan_arguments_hit():
    @tk.memoize
    def f(x):
        return object()

    assert f(np.array([np.nan])) is f(np.array([-np.nan]))
    assert f.cache_info().hits == 1


def test_snapshot_semantics():
    @tk.memoize()
    def total(x):
        return float(x.sum())

    a = np.ones(4)
    assert total(a) == 4.0
    a[:] = 2.0  # mutated after the call: a new entry, not the stale one
    assert total(a) == 8.0
    assert total(np.ones(4)) == 4.0
    assert total.cache_info().misses == 2


def test_lru_eviction_order():
    @tk.memoize(maxsize=2)
    def f(x):
        return x

    f(1), f(2), f(1), f(3)  # 2 is least recently used
    assert f.cache_info().currsize == 2
    f(1)
    assert f.cache_info().hits == 2
    f(2)
    assert f.cache_info().misses == 4


def test_keyword_order_and_unbounded():
    @tk.memoize(maxsize=None)
    def f(**kw):
        return len(kw)

    f(a=1, b=np.zeros(2))
    f(b=np.zeros(2), a=1)
    assert f.cache_info() == tk.CacheInfo(1, 1, None, 1)


def test_maxsize_zero_never_stores():
    @tk.memoize(maxsize=0)
    def f(x):
        return x

    f(1), f(1)
    assert f.cache_info() == tk.CacheInfo(0, 2, 0, 0)


def test_unencodable_arguments_raise():
    @tk.memoize
    def f(x):
        return x

    with pytest.raises(TypeError, match="object"):
        f(object())
    with pytest.raises(ValueError):
        tk.memoize(floats="nope")
    with pytest.raises(TypeError):
        tk.memoize("8")


def test_bitwise_memoize():
    @tk.memoize(floats="bitwise")
    def f(x):
        return object()

    assert f(np.array([0.0])) is not f(np.array([-0.0]))


def test_thread_safety():
    seen = []

    @tk.memoize(maxsize=16)
    def slow(x):
        seen.append(1)
        return int(x.sum())

    arrays = [np.full(1000, i, dtype=np.int64) for i in range(8)]
    errors = []

    def work():
        try:
            for _ in range(200):
                for i, a in enumerate(arrays):
                    assert slow(a) == 1000 * i
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    info = slow.cache_info()
    assert info.currsize == 8
    assert info.hits + info.misses == 6 * 200 * 8
    assert info.misses == len(seen) <= 6 * 8
