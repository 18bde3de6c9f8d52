"""tensor_key.dask (canonical dask tokens) and de-duplication on a dask
cluster of worker processes (examples/dask_dedup.py), checked against a
set of Keys in this process and the reference implementation."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import tensor_key as tk

pytest.importorskip("dask", reason="dask is not installed (pip install 'tensor-key[dask]')")
pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'tensor-key[dask]')")

import dask.bag as db  # noqa: E402
from dask.base import normalize_token, tokenize  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import tensor_key.dask as tkd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import dask_dedup  # noqa: E402

TIMEOUT = 120  # seconds, for every cluster call

pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")


@pytest.fixture(autouse=True)
def _unregistered():
    """Every test starts and ends with dask's own tokens in this process."""
    tkd.unregister()
    yield
    tkd.unregister()


def _forms(a):
    """Equal-valued forms of a float array: layouts, NaN payloads, -0.0."""
    b = a.copy()
    b[np.isnan(b)] = -np.float64(np.nan)
    bits = b.view(np.uint64)
    bits[np.isnan(b)] |= np.uint64(0x1234)
    b[b == 0] = -b[b == 0]
    return [np.asfortranarray(a), a[::-1].copy()[::-1], b, np.asfortranarray(b)]


A = np.array([[1.0, np.nan, 0.0], [-0.0, 2.5, np.nan]])


def test_default_tokens_depend_on_form():
    # What register() is for: dask's own tokens tell these apart.
    assert all(tokenize(f) != tokenize(A) for f in _forms(A)[:1] + _forms(A)[2:])


def test_register_makes_tokens_canonical():
    tkd.register()
    assert tkd.is_registered() == "canonical"
    assert normalize_token(A) == ("tensor_key", "canonical", tk.digest(A))
    for f in _forms(A):
        assert tokenize(f) == tokenize(A)
    # dtype, shape and values still count
    assert tokenize(A.astype(np.float32)) != tokenize(A)
    assert tokenize(A.reshape(3, 2)) != tokenize(A)
    assert tokenize(np.zeros(3)) != tokenize(np.ones(3))
    # subclasses tensor_key reads, and dispatch caches filled earlier
    assert tokenize(np.matrix(A)) == tokenize(np.matrix(np.asfortranarray(A)))
    mm = A.view(np.memmap)
    assert normalize_token(mm) == normalize_token(A)


def test_register_bitwise_keeps_nan_and_zero_apart():
    tkd.register("bitwise")
    assert tokenize(np.asfortranarray(A)) == tokenize(A)
    assert tokenize(np.array([0.0])) != tokenize(np.array([-0.0]))
    tkd.register()  # switching policy
    assert tokenize(np.array([0.0])) == tokenize(np.array([-0.0]))
    with pytest.raises(ValueError):
        tkd.register("sloppy")


def test_unsupported_arrays_keep_dask_tokens():
    unsupported = (
        np.array(["a", "b"]),
        np.array([1, "x"], dtype=object),
        np.array(["2026-01-01"], dtype="datetime64[D]"),
    )
    before = [normalize_token(x) for x in unsupported]
    tkd.register()
    assert [normalize_token(x) for x in unsupported] == before


def test_unregister_and_context_manager_restore():
    np.matrix(A)  # a subclass dispatch cached before registration
    before = {cls: fn for cls, fn in normalize_token._lookup.items()}
    t_c, t_f, t_m = tokenize(A), tokenize(np.asfortranarray(A)), tokenize(np.matrix(A))
    with tkd.registered():
        assert tokenize(np.asfortranarray(A)) == tokenize(A)
        with tkd.registered("bitwise"):
            assert tkd.is_registered() == "bitwise"
        assert tkd.is_registered() == "canonical"
    assert tkd.is_registered() is None
    assert (tokenize(A), tokenize(np.asfortranarray(A)), tokenize(np.matrix(A))) == (t_c, t_f, t_m)
    after = normalize_token._lookup
    assert all(after.get(cls) is fn for cls, fn in before.items())
    tkd.unregister()  # a second unregister does nothing


def test_dataset_is_what_it_claims():
    arrays, n_unique = dask_dedup.make_dataset(2000, 0.3, seed=7)
    assert len(arrays) == 2000 and n_unique == 1400
    keys = {tk.Key(a) for a in arrays}
    assert len(keys) == n_unique
    # the repeats really come in other forms
    assert any(a.flags.f_contiguous and not a.flags.c_contiguous for a in arrays)
    assert any(not (a.flags.c_contiguous or a.flags.f_contiguous) for a in arrays)
    assert len({tokenize(a) for a in arrays}) > n_unique


@pytest.fixture(scope="module")
def client():
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        death_timeout=TIMEOUT,
    ) as cluster, Client(cluster, timeout=TIMEOUT) as c:
        yield c


def test_dedup_on_cluster_matches_set_of_keys(client):
    arrays, n_unique = dask_dedup.make_dataset(5000, 0.3, seed=3)
    local = dask_dedup.dedup_local(arrays)
    bag = db.from_sequence(list(enumerate(arrays)), npartitions=8)
    distributed = dask_dedup.dedup(bag, timeout=TIMEOUT)
    assert len(local) == len(distributed) == n_unique
    assert distributed == local  # same digests, same first representatives
    # the same with the partitions scattered as pickled bytes
    assert dask_dedup.dedup_dask(client, arrays, npartitions=6, timeout=TIMEOUT) == local
    # the digests the workers computed are the Keys' digests here ...
    firsts = {}
    for i, a in enumerate(arrays):
        firsts.setdefault(tk.Key(a), i)
    assert {k.digest(): i for k, i in firsts.items()} == distributed
    # ... and the reference implementation's
    assert dask_dedup.check_reference(arrays, sample=150) == 150
    # the workers really ran in other processes
    pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2 and __import__("os").getpid() not in pids.values()


def test_register_on_workers(client):
    arrays, n_unique = dask_dedup.make_dataset(1500, 0.3, seed=5)
    default = dask_dedup.distinct_by_token(arrays)
    assert default > n_unique  # dask's tokens see the forms
    tkd.register_on(client)
    try:
        assert set(client.run(tkd.is_registered).values()) == {"canonical"}
        assert tkd.is_registered() == "canonical"
        assert dask_dedup.distinct_by_token(arrays) == n_unique
        # worker tokens equal this process's
        f = np.asfortranarray(A)
        [remote] = client.run(tokenize, f, workers=[next(iter(client.scheduler_info()["workers"]))]).values()
        assert remote == tokenize(A)
    finally:
        client.unregister_worker_plugin(tkd.TensorKeyPlugin.name)
        tkd.unregister()
    assert set(client.run(tkd.is_registered).values()) == {None}
    assert dask_dedup.distinct_by_token(arrays) == default
