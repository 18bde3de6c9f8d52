#!/usr/bin/env python3
"""De-duplicate a dataset of numpy arrays on a dask cluster, by value.

    python dask_dedup.py [--n 100000] [--workers 2] [--dup 0.3] [--seed 0]

Builds `n` small arrays of several dtypes and shapes of which a fraction
`dup` repeat an earlier array's value in another form: Fortran order, a
reversed or stepped view, other NaN payloads, -0.0 for 0.0 (and back). Near
misses that must stay apart are mixed in too: the same numbers in another
dtype or shape. Then

* on a `distributed.LocalCluster` (worker processes), a `dask.bag` of
  `(index, array)` is reduced on the workers to the first index of every
  `tensor_key.digest(array)`;
* in this process, a `set`/`dict` of `tensor_key.Key`s does the same;

and checks that both find the same unique values with the same first
representatives, that the number is the one the dataset was built with, and
that a sample of digests equals the pure-numpy reference implementation's
(`python/tensor_key_ref.py` of the repository). With `register_on(client)`
it also de-duplicates by `dask.base.tokenize` alone (canonical tokens on the
workers) and shows what dask's default tokens make of the same data.

Arrays travel to the workers pickled: numpy keeps C or Fortran order there,
other views arrive as C-ordered copies. The local pass sees the views as they
are.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

import tensor_key

HERE = Path(__file__).resolve().parent
REF_DIR = HERE.parents[1] / "python"  # the repository's python/tensor_key_ref.py

DTYPES = (np.float64, np.float32, np.float16, np.complex128, np.int16, np.uint8)
SHAPES = ((4,), (7,), (2, 3), (3, 4), (2, 2, 3), (1, 5))


# -- the dataset ----------------------------------------------------------

def _base(rng: np.random.Generator) -> np.ndarray:
    """A random small array, often with NaNs and zeros of either sign."""
    dtype = DTYPES[rng.integers(len(DTYPES))]
    shape = SHAPES[rng.integers(len(SHAPES))]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    if dtype is np.complex128:
        a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    else:
        a = rng.standard_normal(shape).astype(dtype)
    parts = a.view(np.float64) if a.dtype == np.complex128 else a
    flat = parts.reshape(-1)
    k = rng.integers(0, 3)  # NaNs and zeros (signed) in place of some values
    if k:
        idx = rng.choice(flat.size, size=min(k, flat.size), replace=False)
        flat[idx] = rng.choice(np.array([np.nan, 0.0, -0.0], dtype=parts.dtype), size=idx.size)
    return a


def _near_miss(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Something numerically alike that is another value: another shape or dtype."""
    if a.ndim == 2 and a.shape[0] != a.shape[1]:
        return a.reshape(a.shape[::-1]).copy()
    if a.dtype == np.float32:
        return a.astype(np.float64)
    if a.dtype == np.float64:
        return a.astype(np.float32)
    return a.reshape(-1).copy() if a.ndim > 1 else a.reshape(1, -1).copy()


def _float_parts(a: np.ndarray) -> np.ndarray:
    """The real float elements of `a` (a view), or None for integers."""
    if np.issubdtype(a.dtype, np.complexfloating):
        return a.view(np.float64 if a.dtype == np.complex128 else np.float32)
    if np.issubdtype(a.dtype, np.floating):
        return a
    return None


_NAN_BITS = {  # dtype: (unsigned view, exponent mask, quiet bit, mantissa mask, sign bit)
    np.dtype(np.float16): (np.uint16, 0x7C00, 0x0200, 0x03FF, 0x8000),
    np.dtype(np.float32): (np.uint32, 0x7F800000, 0x00400000, 0x007FFFFF, 0x80000000),
    np.dtype(np.float64): (np.uint64, 0x7FF0000000000000, 0x0008000000000000,
                           0x000FFFFFFFFFFFFF, 0x8000000000000000),
}


def _variant(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same canonical value as `a` in another memory form."""
    b = a.copy()
    parts = _float_parts(b)
    if parts is not None:
        flat = parts.reshape(-1)
        if rng.random() < 0.5:  # other NaN payloads and signs
            u, expo, quiet, mant, sign = _NAN_BITS[flat.dtype]
            bits = flat.view(u)
            nan = np.isnan(flat)
            payload = rng.integers(0, mant, size=int(nan.sum()), dtype=u, endpoint=True)
            signs = rng.integers(0, 2, size=payload.size).astype(u) * u(sign)
            bits[nan] = u(expo) | u(quiet) | payload | signs
        if rng.random() < 0.5:  # flip the sign of every zero
            zero = flat == 0
            flat[zero] = -flat[zero]
    layout = rng.integers(4)
    if layout == 0:
        return np.asfortranarray(b)
    if layout == 1:  # reversed view of a reversed copy: negative strides
        axes = tuple(range(b.ndim))
        return np.flip(np.flip(b, axes).copy(), axes)
    if layout == 2:  # stepped view into a larger buffer
        big = np.empty(b.shape[:-1] + (2 * b.shape[-1],), b.dtype)
        big[..., ::2] = b
        return big[..., ::2]
    return b


def make_dataset(n: int, dup: float = 0.3, seed: int = 0) -> tuple[list[np.ndarray], int]:
    """`n` arrays, about `dup` of them repeats (in other forms) of earlier
    ones; returns the arrays and the number of distinct canonical values."""
    rng = np.random.default_rng(seed)
    n_dup = int(round(n * dup))
    seen: set = set()
    uniques: list[np.ndarray] = []
    while len(uniques) < n - n_dup:
        a = _base(rng) if (not uniques or rng.random() < 0.9) else _near_miss(
            uniques[rng.integers(len(uniques))], rng)
        k = tensor_key.Key(a)
        if k in seen:  # a chance collision (e.g. small integer arrays)
            continue
        seen.add(k)
        uniques.append(a)
    arrays = uniques + [_variant(uniques[j], rng) for j in rng.integers(len(uniques), size=n_dup)]
    # Shuffled: the first array of a value, its representative, may be a variant.
    return [arrays[i] for i in rng.permutation(n)], len(uniques)


# -- the two de-duplications ----------------------------------------------

def dedup_local(arrays) -> dict[str, int]:
    """digest -> index of its first array, with a set of Keys in one process."""
    first: dict = {}
    for i, a in enumerate(arrays):
        first.setdefault(tensor_key.Key(a), i)
    return {k.digest(): i for k, i in first.items()}


def _first_of_partition(items) -> bytes:
    """On a worker: digest -> first index for one partition of (index, array),
    pickled: distributed walks a dict it sends item by item (seconds for
    100k entries), a bytes object goes in one piece."""
    first: dict[str, int] = {}
    for i, a in items:
        first.setdefault(tensor_key.digest(a), i)
    return pickle.dumps(first, protocol=pickle.HIGHEST_PROTOCOL)


def _merge_firsts(parts) -> bytes:
    """Partition results -> digest -> smallest index overall (pickled)."""
    out: dict[str, int] = {}
    for part in parts:
        for k, i in pickle.loads(part).items():
            j = out.get(k)
            if j is None or i < j:
                out[k] = i
    return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


def dedup_bag(bag):
    """A bag of `(index, array)` -> a dask Item: the pickled dict digest ->
    first index. The digests are computed where the partitions live (on the
    workers); only the per-partition results travel. (`bag.foldby` does the
    same, slower.)"""
    return bag.reduction(_first_of_partition, _merge_firsts)


def dedup(bag, timeout=None) -> dict[str, int]:
    """digest -> first index, computed on the cluster, unpickled here."""
    return pickle.loads(dedup_bag(bag).compute(timeout=timeout))


def scatter_bag(client, arrays, npartitions: int):
    """A bag of `(index, array)` whose partitions are sent to the workers as
    one pickled bytes object each: 4-5x faster than `db.from_sequence`,
    which puts every array in the task graph (tokenizing each one) and lets
    distributed walk the lists item by item."""
    import dask
    import dask.bag as db

    items = list(enumerate(arrays))
    size = max(1, -(-len(items) // npartitions))
    blobs = [pickle.dumps(items[j:j + size], protocol=5) for j in range(0, len(items), size)]
    futures = client.scatter(blobs)
    # The delayed calls hold the futures: the data stays on the workers as
    # long as the bag is alive.
    return db.from_delayed([dask.delayed(pickle.loads, pure=True)(f) for f in futures])


def dedup_dask(client, arrays, npartitions: int | None = None, timeout=None) -> dict[str, int]:
    """The dataset from this process, shipped to the workers and de-duplicated there."""
    npartitions = npartitions or max(1, 4 * len(client.scheduler_info()["workers"]))
    return dedup(scatter_bag(client, arrays, npartitions), timeout=timeout)


def distinct_by_token(arrays, npartitions: int = 8) -> int:
    """How many distinct `dask.base.tokenize` values the workers see."""
    import dask.bag as db
    from dask.base import tokenize

    return db.from_sequence(arrays, npartitions=npartitions).map(tokenize).distinct().count().compute()


def check_reference(arrays, sample: int = 200, seed: int = 1) -> int:
    """tensor_key.digest == the reference implementation's, on a sample."""
    if str(REF_DIR) not in sys.path:
        sys.path.insert(0, str(REF_DIR))
    import tensor_key_ref as ref

    rng = np.random.default_rng(seed)
    idx = rng.choice(len(arrays), size=min(sample, len(arrays)), replace=False)
    for i in idx:
        a = arrays[i]
        want = ref.digest(np.ascontiguousarray(a))
        got = tensor_key.digest(a)
        if got != want:
            raise AssertionError(f"array {i} ({a.dtype}, {a.shape}): {got} != reference {want}")
    return len(idx)


# -- main -----------------------------------------------------------------

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--dup", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    from distributed import Client, LocalCluster

    import tensor_key.dask as tkd

    t0 = time.perf_counter()
    arrays, n_unique = make_dataset(args.n, args.dup, args.seed)
    print(f"dataset: {len(arrays)} arrays, {n_unique} distinct values "
          f"({time.perf_counter() - t0:.1f} s to build)")

    t0 = time.perf_counter()
    local = dedup_local(arrays)
    t_local = time.perf_counter() - t0
    print(f"one process, set of Keys: {len(local)} unique in {t_local:.2f} s "
          f"({len(arrays) / t_local:,.0f} arrays/s)")

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        t0 = time.perf_counter()
        distributed = dedup_dask(client, arrays)
        t_dask = time.perf_counter() - t0
        print(f"dask.bag on {args.workers} worker processes: {len(distributed)} unique in "
              f"{t_dask:.2f} s ({len(arrays) / t_dask:,.0f} arrays/s)")

        assert len(local) == len(distributed) == n_unique, (len(local), len(distributed), n_unique)
        assert distributed == local, "representatives differ"
        print("same unique values and the same first representatives: ok")
        print(f"reference implementation agrees on {check_reference(arrays)} sampled digests: ok")

        default = distinct_by_token(arrays)
        tkd.register_on(client)
        try:
            canonical = distinct_by_token(arrays)
        finally:
            client.unregister_worker_plugin(tkd.TensorKeyPlugin.name)
            tkd.unregister()
        print(f"distinct dask tokens: {default} with dask's default, {canonical} after "
              f"tensor_key.dask.register_on(client)")
        assert canonical == n_unique
    return 0


if __name__ == "__main__":
    sys.exit(main())
