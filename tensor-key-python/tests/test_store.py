"""memoize(store=...): the directory and Redis stores, in the entry format of
the Rust crate tensor-key-cache (tensor-key-cache/src/format.rs)."""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import socket
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest

msgpack = pytest.importorskip("msgpack", reason="the stores need msgpack: pip install msgpack")

import tensor_key as tk  # noqa: E402
from tensor_key import store as st  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
GOLDEN_RS = REPO / "tensor-key-cache" / "tests" / "format_vector.rs"


PYTHON_ENTRY_RS = REPO / "tensor-key-cache" / "tests" / "python_entry.rs"


def rust_hex_const(path: Path, name: str) -> bytes:
    """The bytes of a `const NAME: &str = concat!("hex", ...)` in a Rust test."""
    text = path.read_text()
    block = re.search(rf"const {name}: &str = concat!\((.*?)\);", text, re.S).group(1)
    return bytes.fromhex("".join(re.findall(r'"([0-9a-f]+)"', block)))


def golden_entry() -> bytes:
    """The entry pinned byte for byte by the Rust test format_vector.rs."""
    return rust_hex_const(GOLDEN_RS, "EXPECTED")


# --- the format, against the Rust golden entry ----------------------------------


def test_golden_entry_from_rust_reads_in_python():
    data = golden_entry()
    assert len(data) == 88 + 45
    # The key digest Rust pinned, of ("golden".to_string(), 42u32), is the one
    # Python computes for the same value: keys agree across the languages.
    digest = tk.digest_bytes(("golden", tk.U32(42)))
    assert digest.hex() == "d6b0ac3be1c2fbb7ff0e89184db500fb12a3b65cab58766d4eba9675a94c4199"
    at, payload = st.decode_entry(digest, data)
    assert at == 1000
    value = st.unpack_value(payload)
    assert value == {"mean": 2.5, "label": "x", "v": [1.5, -0.0], "missing": None}
    assert math.copysign(1.0, value["v"][1]) == -1.0
    # The README's reader sketch agrees.
    assert readme_reader(data, digest) == value


def test_python_writes_the_golden_entry_byte_for_byte():
    data = golden_entry()
    digest = data[24:56]
    assert st.encode_entry(digest, data[88:], written_at_ms=1000) == data


def test_python_writes_the_entry_rust_reads_in_python_entry_rs(tmp_path):
    """tensor-key-cache/tests/python_entry.rs reads these bytes with the Rust
    Cache under the Rust key ((("golden", 42u32),), {"n": 2i64})."""
    pinned = rust_hex_const(PYTHON_ENTRY_RS, "PYTHON_ENTRY")
    value = {"mean": 2.5, "label": "x", "v": [1.5, -0.0], "missing": None, "n": -7}
    d = tk.digest_bytes(((("golden", tk.U32(42)),), {"n": 2}))
    assert st.encode_entry(d, st.pack_value(value), written_at_ms=1000) == pinned
    # And memoize writes it there: same key, same payload (only the time differs).
    f = tk.memoize(store=tmp_path, namespace="my_module.f")(lambda t, n: value)
    f(("golden", tk.U32(42)), n=2)
    data = (tmp_path / "my_module.f" / d.hex()[:2] / f"{d.hex()}.tkc").read_bytes()
    assert data[88:] == pinned[88:] and data[16:56] == pinned[16:56]


def readme_reader(data: bytes, digest: bytes):
    """The reader sketch of tensor-key-cache/README.md, verbatim."""
    import hashlib

    if len(data) < 88 or data[:4] != b"TKC\x01" or data[4] != 1:
        return None
    n = int.from_bytes(data[16:24], "little")
    if len(data) != 88 + n or data[24:56] != digest:
        return None
    if hashlib.sha256(data[:56] + data[88:]).digest() != data[56:88]:
        return None
    return msgpack.unpackb(data[88:])


def test_every_damage_to_an_entry_is_detected():
    data = golden_entry()
    digest = data[24:56]
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x40
        with pytest.raises(st.EntryError) as e:
            st.decode_entry(digest, bytes(bad))
        assert e.value.corruption or i == 3, i
    for cut in range(len(data)):
        with pytest.raises(st.EntryError):
            st.decode_entry(digest, data[:cut])
    with pytest.raises(st.EntryError, match="longer"):
        st.decode_entry(digest, data + b"\0")
    with pytest.raises(st.EntryError, match="another key"):
        st.decode_entry(bytes(32), data)


# --- memoize with a directory ---------------------------------------------------


def counting(calls):
    def f(x, scale=1.0):
        calls.append(1)
        return {"sum": float(np.sum(x)) * scale, "shape": list(np.shape(x))}

    return f


def test_directory_store_miss_then_hit_in_another_cache(tmp_path):
    calls = []
    f = tk.memoize(store=tmp_path, namespace="sums")(counting(calls))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert f(x, scale=2.0) == {"sum": 30.0, "shape": [2, 3]}
    assert f(x, scale=2.0) == {"sum": 30.0, "shape": [2, 3]}  # in-process LRU
    info = f.store_info()
    assert (info.hits, info.misses, info.writes) == (0, 1, 1), info
    # A fresh decorator (another process, a later run) over the same directory:
    # the same array in Fortran order is the same key, read from disk.
    g = tk.memoize(store=str(tmp_path), namespace="sums")(counting(calls))
    assert g(np.asfortranarray(x), scale=2.0) == {"sum": 30.0, "shape": [2, 3]}
    assert len(calls) == 1
    assert g.store_info().hits == 1
    assert g.cache_info().misses == 1  # the LRU missed, the store answered


def test_layout_and_entry_of_a_python_write(tmp_path):
    f = tk.memoize(store=tmp_path, namespace="ns")(lambda a, b: [a, b, "x", b"\x00\xff", None, True, 2**63])
    assert f(1, b=2.5) == [1, 2.5, "x", b"\x00\xff", None, True, 2**63]
    digest = tk.digest_bytes(((1,), {"b": 2.5}))
    path = tmp_path / "ns" / digest.hex()[:2] / f"{digest.hex()}.tkc"
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    data = path.read_bytes()
    assert data[:8] == b"TKC\x01\x01\x00\x00\x00"
    at, payload = st.decode_entry(digest, data)
    assert at > 1_600_000_000_000
    assert readme_reader(data, digest) == [1, 2.5, "x", b"\x00\xff", None, True, 2**63]
    assert f.store.path_for(digest) == path


def test_default_namespace_is_per_function(tmp_path):
    def a(x):
        return x + 1

    def b(x):
        return x + 2

    fa = tk.memoize(store=tmp_path)(a)
    fb = tk.memoize(store=tmp_path)(b)
    assert (fa(1), fb(1)) == (2, 3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and all(n.startswith("test_store.") for n in names), names
    # namespace="": the directory itself holds the entries (as a Rust DirStore::open(dir)).
    fc = tk.memoize(store=tmp_path / "flat", namespace="")(a)
    fc(5)
    d = tk.digest_bytes(((5,), {})).hex()
    assert (tmp_path / "flat" / d[:2] / f"{d}.tkc").is_file()


@pytest.mark.parametrize(
    "damage",
    ["flip_header", "flip_payload", "flip_checksum", "truncate", "garbage", "empty", "other_key", "version"],
)
def test_damaged_entry_is_a_miss_and_a_warning(tmp_path, damage):
    calls = []
    make = lambda: tk.memoize(store=tmp_path, namespace="d")(counting(calls))  # noqa: E731
    f = make()
    f([1.0, 2.0])
    d = tk.digest_bytes((([1.0, 2.0],), {}))
    path = f.store.path_for(d)
    data = bytearray(path.read_bytes())
    if damage == "flip_header":
        data[10] ^= 1
    elif damage == "flip_payload":
        data[-1] ^= 0x80
    elif damage == "flip_checksum":
        data[60] ^= 1
    elif damage == "truncate":
        data = data[: len(data) - 3]
    elif damage == "garbage":
        data = bytearray(os.urandom(200))
    elif damage == "empty":
        data = bytearray()
    elif damage == "other_key":
        other = tk.digest_bytes("another key")
        data = bytearray(st.encode_entry(other, st.pack_value({"sum": -1.0, "shape": [9]})))
    elif damage == "version":
        data[3] = 2
    path.write_bytes(bytes(data))
    g = make()
    with pytest.warns(st.StoreWarning):
        assert g([1.0, 2.0]) == {"sum": 3.0, "shape": [2]}
    assert len(calls) == 2
    info = g.store_info()
    assert (info.hits, info.misses, info.writes) == (0, 1, 1)
    if damage == "version":
        assert (info.corrupted, info.undecodable) == (0, 1)
    else:
        assert (info.corrupted, info.undecodable) == (1, 0)
    # Rewritten: the next reader hits.
    h = make()
    assert h([1.0, 2.0]) == {"sum": 3.0, "shape": [2]}
    assert h.store_info().hits == 1 and len(calls) == 2


def test_undecodable_payload_is_a_miss(tmp_path):
    f = tk.memoize(store=tmp_path, namespace="u")(lambda x: x * 2)
    d = tk.digest_bytes(((3,), {}))
    f.store.put(d, st.encode_entry(d, b"\xc1"))  # 0xc1: never used in MessagePack
    with pytest.warns(st.StoreWarning, match="unreadable"):
        assert f(3) == 6
    assert f.store_info().undecodable == 1


@pytest.mark.parametrize("value", [(1, 2), np.arange(3), np.float64(1.5), {(1, 2): 3}, 2**64, object()])
def test_values_msgpack_cannot_round_trip_are_returned_not_stored(tmp_path, value):
    f = tk.memoize(store=tmp_path, namespace="v")(lambda: value)
    with pytest.warns(st.StoreWarning, match="not stored"):
        assert f() is value
    info = f.store_info()
    assert (info.encode_errors, info.writes) == (1, 0)
    assert not any((tmp_path / "v").rglob("*.tkc"))


def test_store_failure_computes_counts_and_keeps_the_error(tmp_path):
    class Broken:
        def get(self, digest):
            raise st.StoreError("disk on fire")

        def put(self, digest, entry):
            raise OSError(28, "No space left on device")

    f = tk.memoize(store=Broken())(lambda x: [x])
    with pytest.warns(st.StoreWarning) as record:
        assert f(1) == [1]
    assert len(record) == 2
    info = f.store_info()
    assert (info.store_errors, info.misses, info.writes) == (2, 1, 0)
    assert "No space left" in info.last_error


def test_directory_ttl_expires_entries(tmp_path):
    store = st.DirectoryStore(tmp_path, ttl=60)
    d = tk.digest_bytes("k")
    old = st.encode_entry(d, st.pack_value(1), written_at_ms=st._now_ms() - 120_000)
    store.put(d, old)
    assert store.get(d) is None
    assert not store.path_for(d).exists()
    fresh = st.encode_entry(d, st.pack_value(1))
    store.put(d, fresh)
    assert store.get(d) == fresh
    f = tk.memoize(store=st.DirectoryStore(tmp_path, ttl=60))(lambda k: 2)
    f.store.put(tk.digest_bytes((("k",), {})), old)
    assert f("k") == 2 and f.store_info().misses == 1


def test_directory_size_bound(tmp_path):
    store = st.DirectoryStore(tmp_path, max_bytes=20_000)
    f = tk.memoize(maxsize=0, store=store)(lambda i: "x" * 1000 + str(i))
    for i in range(100):
        assert f(i) == "x" * 1000 + str(i)
    store.evict()
    assert 0 < store.total_bytes() <= 20_000
    # Recently written entries are the ones kept.
    assert f.store.get(tk.digest_bytes(((99,), {}))) is not None
    assert f.store.get(tk.digest_bytes(((0,), {}))) is None


def test_bad_store_argument():
    with pytest.raises(TypeError, match="store must be"):
        tk.memoize(store=42)
    with pytest.raises(TypeError, match="namespace"):
        tk.memoize(store="/tmp/x", namespace=3)

    class Plain:
        def get(self, digest):
            return None

        def put(self, digest, entry):
            pass

    with pytest.raises(TypeError, match="namespaced"):
        tk.memoize(store=Plain(), namespace="x")(lambda: 1)


# --- several processes -----------------------------------------------------------


def _worker(root, seed, out):
    calls = []

    def f(i):
        calls.append(i)
        return {"i": i, "sq": [float(i) ** 2] * 50}

    g = tk.memoize(store=root, namespace="mp")(f)
    rng = np.random.default_rng(seed)
    results = [g(int(i)) == {"i": int(i), "sq": [float(i) ** 2] * 50} for i in rng.permutation(40)]
    info = g.store_info()
    out.put((all(results), info.corrupted, info.undecodable, info.store_errors, len(calls)))


def test_processes_share_entries(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), s, out)) for s in range(4)]
    for p in procs:
        p.start()
    got = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for ok, corrupted, undecodable, errors, _ in got:
        assert ok and (corrupted, undecodable, errors) == (0, 0, 0), got
    # Every entry on disk is whole and valid; no temporary file is left.
    files = list((tmp_path / "mp").rglob("*"))
    entries = [p for p in files if p.suffix == ".tkc"]
    assert len(entries) == 40
    assert not [p for p in files if p.name.endswith(".tmp")]
    for p in entries:
        st.decode_entry(bytes.fromhex(p.stem), p.read_bytes())
    # A last process finds them all.
    _worker(str(tmp_path), 99, out)
    assert out.get(timeout=10)[-1] == 0


# --- Redis -----------------------------------------------------------------------

REDIS_URL = os.environ.get("TK_REDIS_URL")


def _need_redis_package():
    pytest.importorskip("redis", reason="the Redis store needs the redis package: pip install redis")


@pytest.fixture
def redis_url():
    _need_redis_package()
    if not REDIS_URL:
        pytest.skip("TK_REDIS_URL is not set: start redis-server and set TK_REDIS_URL=redis://127.0.0.1:PORT/")
    return REDIS_URL


def test_redis_miss_hit_and_shared_entry(redis_url):
    ns = f"pytest-{uuid.uuid4().hex}"
    calls = []
    f = tk.memoize(store=redis_url, namespace=ns)(counting(calls))
    assert f([1, 2, 3]) == {"sum": 6.0, "shape": [3]}
    g = tk.memoize(store=redis_url, namespace=ns)(counting(calls))
    assert g([1, 2, 3]) == {"sum": 6.0, "shape": [3]}
    assert len(calls) == 1
    assert (f.store_info().writes, g.store_info().hits) == (1, 1)
    # The key and value are the Rust RedisStore's: prefix tk:v1:<ns>:, entry bytes.
    import redis

    r = redis.Redis.from_url(redis_url)
    d = tk.digest_bytes((([1, 2, 3],), {}))
    key = f"tk:v1:{ns}:{d.hex()}"
    assert f.store.key_for(d) == key
    data = r.get(key)
    assert readme_reader(data, d) == {"sum": 6.0, "shape": [3]}
    # A damaged value in Redis is a miss too.
    r.set(key, data[:-1])
    h = tk.memoize(store=redis_url, namespace=ns)(counting(calls))
    with pytest.warns(st.StoreWarning, match="damaged"):
        assert h([1, 2, 3]) == {"sum": 6.0, "shape": [3]}
    assert h.store_info().corrupted == 1 and len(calls) == 2
    r.delete(key)


def test_redis_ttl(redis_url):
    import redis

    store = st.RedisStore(redis_url, prefix=f"tk:v1:pytest-{uuid.uuid4().hex}:", ttl=30)
    f = tk.memoize(store=store)(lambda x: x + 1)
    assert f(1) == 2
    key = store.key_for(tk.digest_bytes(((1,), {})))
    pttl = redis.Redis.from_url(redis_url).pttl(key)
    assert 0 < pttl <= 30_000
    # Without a TTL the key does not expire.
    plain = st.RedisStore(redis_url, prefix=store.prefix + "plain:")
    g = tk.memoize(store=plain)(lambda x: x + 1)
    assert g(1) == 2
    assert redis.Redis.from_url(redis_url).pttl(plain.key_for(tk.digest_bytes(((1,), {})))) == -1
    # An entry Redis dropped (expired or evicted) is a plain miss.
    redis.Redis.from_url(redis_url).delete(key)
    h = tk.memoize(store=store)(lambda x: x + 1)
    assert h(1) == 2 and h.store_info().misses == 1 and h.store_info().corrupted == 0


def test_redis_ttl_too_long_for_redis_means_no_expiry(redis_url):
    import redis

    prefix = f"tk:v1:pytest-{uuid.uuid4().hex}:"
    for i, ttl in enumerate([math.inf, 1e30, 2**62 / 1000 * 2, 2**63 / 1000]):
        store = st.RedisStore(redis_url, prefix=f"{prefix}{i}:", ttl=ttl)
        f = tk.memoize(store=store)(lambda x: x + 1)
        assert f(1) == 2 and f.store_info().store_errors == 0, ttl
        key = store.key_for(tk.digest_bytes(((1,), {})))
        assert redis.Redis.from_url(redis_url).pttl(key) == -1, ttl
    # Long but expressible TTLs are kept, zero is rounded up to a millisecond.
    assert st._redis_px(1e15) == 10**18 and st._redis_px(0) == 1 and st._redis_px(0.0001) == 1


@pytest.mark.parametrize("ttl", [-1, -0.5, math.nan, "30", True, [30]])
def test_a_ttl_that_is_not_a_duration_is_refused(tmp_path, ttl):
    with pytest.raises(ValueError, match="ttl must be None or a non-negative number"):
        st.DirectoryStore(tmp_path, ttl=ttl)
    with pytest.raises(ValueError, match="ttl must be None or a non-negative number"):
        st.RedisStore("redis://127.0.0.1:1/", ttl=ttl)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_unreachable_still_computes_and_reports():
    _need_redis_package()
    url = f"redis://127.0.0.1:{_closed_port()}/"
    calls = []
    f = tk.memoize(store=url, namespace="down")(counting(calls))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert f([1.0]) == {"sum": 1.0, "shape": [1]}
        assert f([2.0]) == {"sum": 2.0, "shape": [1]}
    assert len(calls) == 2
    info = f.store_info()
    assert info.store_errors >= 2 and info.hits == 0 and info.writes == 0
    assert "127.0.0.1" in info.last_error or "unreachable" in info.last_error, info.last_error
    assert any(issubclass(w.category, st.StoreWarning) for w in record)


# --- Redis: several processes, and the server killed mid-run ----------------------


def _redis_worker(url, namespace, seed, started, killed, restarted, out, down_done=None):
    """Passes over 24 keys: before, during and after a server outage (the
    events say which); every result is checked, and the counters reported."""

    def f(i):
        return {"i": i, "sq": [float(i) ** 2] * 20}

    store = st.RedisStore(url, retry_after=0.05, timeout=0.5)
    g = tk.memoize(maxsize=0, store=store, namespace=namespace)(f)
    rng = np.random.default_rng(seed)
    ok = True

    def one_pass():
        nonlocal ok
        for i in rng.permutation(24):
            ok &= g(int(i)) == f(int(i))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.StoreWarning)
        one_pass()
        started.set()
        errors_before = g.store_info().store_errors
        if killed is not None:
            assert killed.wait(60)
            one_pass()  # the server is down: computed, not stored, counted
            down_errors = g.store_info().store_errors - errors_before
            down_done.set()
            assert restarted.wait(60)
            writes_before = g.store_info().writes
            hits_before = g.store_info().hits
            for _ in range(50):  # until the store has reconnected
                one_pass()
                if g.store_info().writes + g.store_info().hits > writes_before + hits_before:
                    break
            back = g.store_info().writes + g.store_info().hits - writes_before - hits_before
        else:
            one_pass()
            down_errors, back = 0, 0
    info = g.store_info()
    out.put((bool(ok), info.corrupted, info.undecodable, errors_before, down_errors, back, info.hits))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_server_killed_mid_run():
    """Four processes share a private server's entries; it is killed while they
    use it, then restarted: every call still returns the right value, the
    outage is counted, and the restarted server is used again."""
    import shutil
    import subprocess
    import time

    _need_redis_package()
    server = os.environ.get("TK_REDIS_SERVER") or shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (CI installs it; or set TK_REDIS_SERVER)")
    port = _free_port()

    def start():
        proc = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):  # wait until it accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc
            except OSError:
                time.sleep(0.05)
        proc.kill()
        pytest.fail("redis-server did not start")

    url = f"redis://127.0.0.1:{port}/"
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    killed, restarted = ctx.Event(), ctx.Event()
    started = [ctx.Event() for _ in range(4)]
    down_done = [ctx.Event() for _ in range(4)]
    server_proc = start()
    procs = [
        ctx.Process(
            target=_redis_worker,
            args=(url, "killed", s, started[s], killed, restarted, out, down_done[s]),
        )
        for s in range(4)
    ]
    try:
        for p in procs:
            p.start()
        for e in started:
            assert e.wait(120)
        server_proc.kill()
        server_proc.wait(10)
        killed.set()
        for e in down_done:  # every worker has made a pass while it was down
            assert e.wait(120)
        server_proc = start()
        restarted.set()
        got = [out.get(timeout=180) for _ in procs]
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
    finally:
        server_proc.kill()
        for p in procs:
            if p.is_alive():
                p.kill()
    for ok, corrupted, undecodable, errors_before, down_errors, back, _ in got:
        assert ok, got
        assert (corrupted, undecodable, errors_before) == (0, 0, 0), got
        assert down_errors > 0, got
        assert back > 0, got
    # Before the outage the processes read entries the others wrote.
    assert sum(g[-1] for g in got) > 0, got
