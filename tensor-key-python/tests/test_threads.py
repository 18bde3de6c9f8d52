"""Digests on several threads at once (the GIL is released for big tensors)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import tensor_key as tk


def test_concurrent_digests_agree():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((300, 700)).astype(dt) for dt in (np.float32, np.float64, np.float16)]
    arrays += [a[::-1, ::3] for a in arrays] + [np.asfortranarray(a) for a in arrays]
    arrays.append(np.broadcast_to(np.arange(5000.0), (40, 5000)))
    want = [tk.digest(a) for a in arrays]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            got = list(pool.map(tk.digest, arrays))
            assert got == want
            keys = list(pool.map(tk.Key, arrays))
            assert [k.digest() for k in keys] == want


def test_gil_is_released_while_hashing():
    """A Python thread keeps running while another hashes a 64 MB array."""
    a = np.ones((4096, 4096), np.float32)  # 64 MiB: slab path
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.01)
    before = counter[0]
    for _ in range(3):
        tk.digest(a[:, ::-1])
    after = counter[0]
    stop.set()
    t.join()
    assert after - before > 1000
