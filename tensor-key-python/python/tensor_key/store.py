"""Shared stores for ``tensor_key.memoize(store=...)``: entries on disk or in
Redis, in exactly the format of the Rust crate ``tensor-key-cache``.

An entry is the bytes one store keeps for one key digest (a file of the
directory store, a Redis string value)::

    offset size field
    0      4    b"TKC\\x01": magic and format version 1
    4      1    payload encoding, 1 = MessagePack
    5      3    reserved, zero
    8      8    write time, ms since the Unix epoch, u64 LE
    16     8    payload length n, u64 LE
    24     32   the key digest (raw bytes)
    56     32   SHA-256 of bytes 0..56 followed by the payload
    88     n    payload: the value in MessagePack

* ``DirectoryStore(path, max_bytes=None, ttl=None)``: ``path/ab/<hex>.tkc``,
  written to a temporary file in the same directory and renamed
  (``os.replace``), so readers see a whole entry or none.
* ``RedisStore(url, prefix="tk:v1:", ttl=None, timeout=1.0)``: keys
  ``prefix + hex``, ``SET ... PX ttl`` (needs the ``redis`` package).

A store object has ``get(digest) -> bytes | None``, ``put(digest, entry)``,
``remove(digest)`` (raw entry bytes by 32-byte digest, raising ``StoreError``)
and ``namespaced(name)`` (the same store for one function: a subdirectory, or
a longer key prefix). Any object with ``get``/``put`` can serve as a store.

Values are stored with ``msgpack`` and must round-trip exactly: ``None``,
``bool``, ``int`` (64-bit range), ``float``, ``str``, ``bytes``, and ``list``
and ``dict`` of these (dict keys: ``str``, ``int``, ``bytes``). Anything else
(tuples, which would read back as lists; numpy arrays and scalars, which
MessagePack has no type for; other objects) is not stored: the value is
returned, ``encode_errors`` is counted and a ``StoreWarning`` is issued.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
import warnings
from collections import namedtuple
from pathlib import Path

__all__ = [
    "DirectoryStore",
    "EntryError",
    "RedisStore",
    "StoreError",
    "StoreInfo",
    "StoreWarning",
    "decode_entry",
    "encode_entry",
    "open_store",
]

MAGIC = b"TKC\x01"
PAYLOAD_MSGPACK = 1
HEADER_LEN = 88
EXTENSION = "tkc"
DEFAULT_PREFIX = "tk:v1:"
_CHECKSUM_AT = 56
_RESCAN_EVERY_PUTS = 64
_STALE_TEMP_S = 3600.0


class StoreError(OSError):
    """A store could not be read or written (disk full, server down, ...)."""


class StoreWarning(RuntimeWarning):
    """A store problem the cache recovered from (the value was computed)."""


class EntryError(ValueError):
    """Stored bytes are not a valid entry for the digest they were looked up under.

    ``corruption`` is True for damage (truncated, garbage, bad checksum, an
    entry of another key) and False for a sound entry of a format version or
    payload encoding this release does not read.
    """

    def __init__(self, message: str, corruption: bool = True):
        super().__init__(message)
        self.corruption = corruption


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def encode_entry(digest: bytes, payload: bytes, written_at_ms: int | None = None) -> bytes:
    """An entry around an already encoded MessagePack payload."""
    if len(digest) != 32:
        raise ValueError("a key digest is 32 bytes")
    if written_at_ms is None:
        written_at_ms = _now_ms()
    head = (
        MAGIC
        + bytes([PAYLOAD_MSGPACK, 0, 0, 0])
        + written_at_ms.to_bytes(8, "little")
        + len(payload).to_bytes(8, "little")
        + bytes(digest)
    )
    return head + hashlib.sha256(head + payload).digest() + payload


def decode_entry(digest: bytes, data: bytes) -> tuple[int, bytes]:
    """``(written_at_ms, payload)`` of a valid entry for ``digest``, else ``EntryError``.

    The same checks, in the same order, as the Rust ``format::decode_entry``.
    """
    data = bytes(data)
    n = len(data)
    if n < 4 or data[:3] != MAGIC[:3]:
        if n < 3 and MAGIC.startswith(data):
            raise EntryError(f"truncated entry ({n} bytes)")
        raise EntryError("not a tensor-key-cache entry (bad magic)")
    if data[3] != MAGIC[3]:
        raise EntryError(f"entry format version {data[3]} is not read", corruption=False)
    if n < HEADER_LEN:
        raise EntryError(f"truncated entry ({n} bytes)")
    expected = HEADER_LEN + int.from_bytes(data[16:24], "little")
    if n < expected:
        raise EntryError(f"truncated entry ({n} bytes)")
    if n > expected:
        raise EntryError(f"entry longer than its header says ({n} bytes)")
    if hashlib.sha256(data[:_CHECKSUM_AT] + data[HEADER_LEN:]).digest() != data[_CHECKSUM_AT:HEADER_LEN]:
        raise EntryError("checksum mismatch (damaged entry)")
    if data[24:56] != bytes(digest):
        raise EntryError("entry belongs to another key")
    if data[4] != PAYLOAD_MSGPACK:
        raise EntryError(f"payload encoding {data[4]} is not read", corruption=False)
    return int.from_bytes(data[8:16], "little"), data[HEADER_LEN:]


def written_at_ms(data: bytes) -> int | None:
    """The write time from the header alone (no checksum check)."""
    if len(data) < 16 or data[:4] != MAGIC:
        return None
    return int.from_bytes(data[8:16], "little")


# --- values ------------------------------------------------------------------

_I64_MIN, _U64_END = -(1 << 63), 1 << 64


def _check_storable(v, depth: int = 0) -> None:
    """Raises TypeError unless ``v`` reads back from MessagePack equal and of the same type."""
    if depth > 200:
        raise TypeError("value nested too deeply to store")
    t = type(v)
    if v is None or t is bool or t is float or t is str or t is bytes:
        return
    if t is int:
        if not _I64_MIN <= v < _U64_END:
            raise TypeError(f"int {v} does not fit in 64 bits")
        return
    if t is list:
        for x in v:
            _check_storable(x, depth + 1)
        return
    if t is dict:
        for k, x in v.items():
            if type(k) not in (str, int, bytes):
                raise TypeError(f"dict key of type {type(k).__name__} cannot be stored")
            _check_storable(k, depth + 1)
            _check_storable(x, depth + 1)
        return
    if t is tuple:
        raise TypeError("tuples read back from MessagePack as lists: return a list to store the value")
    raise TypeError(
        f"values of type {t.__module__}.{t.__qualname__} cannot be stored in MessagePack "
        "(storable: None, bool, int, float, str, bytes, list, dict)"
    )


def _msgpack():
    try:
        import msgpack
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "tensor_key stores need the msgpack package: pip install 'tensor-key[store]'"
        ) from e
    return msgpack


def pack_value(v) -> bytes:
    """The MessagePack payload of a storable value (TypeError otherwise)."""
    _check_storable(v)
    return _msgpack().packb(v, use_bin_type=True)


def unpack_value(payload: bytes):
    """The value of a MessagePack payload (maps with int keys allowed, as Rust writes them)."""
    return _msgpack().unpackb(payload, raw=False, strict_map_key=False)


def _checked_ttl(ttl):
    """``ttl`` as given, once it is ``None`` or a non-negative number of seconds."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl >= 0:
        raise ValueError(f"ttl must be None or a non-negative number of seconds, not {ttl!r}")
    return ttl


# --- the directory store -----------------------------------------------------

def _safe_name(name: str) -> str:
    out = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    if out in ("", ".", ".."):
        raise ValueError(f"{name!r} is not usable as a namespace")
    return out


class DirectoryStore:
    """One file per entry, ``path/ab/<hex>.tkc``, shared by processes.

    * Atomic writes: a temporary file in the entry's directory, then
      ``os.replace``; concurrent writers of one entry each rename a whole file.
    * ``max_bytes``: after its writes, a process deletes the least recently used
      entries (oldest modification time; a hit sets it to now) until the total
      is at most 90% of the bound (checks its own estimate, and rescans every 64
      writes). ``evict()`` enforces the bound at once.
    * ``ttl`` (seconds): an entry older than that (by its header's write time) is
      a miss and is deleted.

    The same directory can be opened by the Rust ``DirStore::open(path)``.
    """

    def __init__(self, path, max_bytes: int | None = None, ttl: float | None = None):
        self.root = Path(path)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.ttl = _checked_ttl(ttl)
        self._estimate: int | None = None
        self._puts = 0
        self._counter = 0
        self._lock = threading.Lock()

    def __repr__(self):
        return f"DirectoryStore({str(self.root)!r}, max_bytes={self.max_bytes}, ttl={self.ttl})"

    def namespaced(self, name: str) -> "DirectoryStore":
        """The store in the subdirectory ``name`` (characters other than
        letters, digits and ``._-`` become ``_``), same settings."""
        return DirectoryStore(self.root / _safe_name(name), self.max_bytes, self.ttl)

    def path_for(self, digest: bytes) -> Path:
        h = bytes(digest).hex()
        return self.root / h[:2] / f"{h}.{EXTENSION}"

    def _expired(self, at_ms: int, now_ms: int) -> bool:
        return self.ttl is not None and now_ms - at_ms > self.ttl * 1000

    def get(self, digest: bytes) -> bytes | None:
        path = self.path_for(digest)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StoreError(f"dir get {path}: {e}") from e
        at = written_at_ms(data)
        if self.ttl is not None and at is not None and self._expired(at, _now_ms()):
            _remove_quietly(path)
            return None
        if self.max_bytes is not None:
            try:
                os.utime(path)  # recently used: eviction goes by mtime
            except OSError:
                pass
        return data

    def put(self, digest: bytes, entry: bytes) -> None:
        path = self.path_for(digest)
        with self._lock:
            self._counter += 1
            n = self._counter
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{n}.tmp")
        try:
            try:
                f = open(tmp, "xb")
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                f = open(tmp, "xb")
            try:
                with f:
                    f.write(entry)
                os.replace(tmp, path)
            except BaseException:
                _remove_quietly(tmp)
                raise
        except OSError as e:
            raise StoreError(f"dir put {path}: {e}") from e
        self._after_put(len(entry))

    def remove(self, digest: bytes) -> None:
        path = self.path_for(digest)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise StoreError(f"dir remove {path}: {e}") from e

    def _after_put(self, n: int) -> None:
        if self.max_bytes is None:
            return
        with self._lock:
            self._puts += 1
            if self._estimate is not None:
                self._estimate += n
            due = self._estimate is None or self._estimate > self.max_bytes or self._puts % _RESCAN_EVERY_PUTS == 0
        if due:
            try:
                self.evict()
            except OSError:
                pass  # best effort: the entry is written

    def _scan(self):
        files = []
        for sub in os.scandir(self.root):
            if len(sub.name) != 2 or not sub.is_dir():
                continue
            try:
                entries = list(os.scandir(sub.path))
            except FileNotFoundError:
                continue
            for e in entries:
                try:
                    st = e.stat()
                except FileNotFoundError:
                    continue
                if e.name.endswith("." + EXTENSION):
                    files.append((st.st_mtime_ns, e.path, st.st_size))
                elif e.name.endswith(".tmp") and time.time() - st.st_mtime > _STALE_TEMP_S:
                    _remove_quietly(e.path)
        return files

    def total_bytes(self) -> int:
        return sum(size for _, _, size in self._scan())

    def evict(self) -> int:
        """Deletes expired entries, then least recently used ones down to 90% of
        ``max_bytes``; returns how many were deleted."""
        files = self._scan()
        removed = 0
        if self.ttl is not None:
            now = _now_ms()
            kept = []
            for item in files:
                try:
                    with open(item[1], "rb") as f:
                        at = written_at_ms(f.read(16))
                except OSError:
                    at = None
                if at is not None and self._expired(at, now):
                    removed += _remove_quietly(item[1])
                else:
                    kept.append(item)
            files = kept
        total = sum(size for _, _, size in files)
        if self.max_bytes is not None and total > self.max_bytes:
            target = self.max_bytes - self.max_bytes // 10
            for _, p, size in sorted(files):
                if total <= target:
                    break
                removed += _remove_quietly(p)
                total -= size
        with self._lock:
            self._estimate = total
        return removed


def _remove_quietly(path) -> bool:
    try:
        os.remove(path)
        return True
    except OSError:
        return False


# --- the Redis store ---------------------------------------------------------

# The longest PX sent to Redis, in milliseconds (about 146 million years): Redis
# refuses an expiry time past what a signed 64-bit millisecond clock holds, so
# a longer TTL is sent as no expiry at all.
_MAX_PX = 1 << 62


def _redis_px(ttl):
    """``SET``'s ``PX`` for ``ttl`` seconds: rounded up to a millisecond, at
    least 1; ``None`` (no expiry) for no TTL or one too long for Redis."""
    if ttl is None or not math.isfinite(ttl) or ttl * 1000 > _MAX_PX:
        return None
    return max(1, -(-int(ttl * 1_000_000) // 1000))


class RedisStore:
    """Entries as Redis strings under ``prefix + hex digest``, optionally with a
    TTL (seconds; ``SET ... PX``, rounded up to a millisecond; a TTL too long
    for Redis, over about 146 million years or infinite, means no expiry).
    Needs the ``redis`` package.

    Does not connect until first used. Every request has ``timeout`` (seconds).
    After a failure (server unreachable) operations fail at once with
    ``StoreError`` for ``retry_after`` seconds, then the store tries again, as
    the Rust ``RedisStore`` does.
    """

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, ttl: float | None = None,
                 timeout: float = 1.0, retry_after: float = 1.0, _client=None):
        ttl = _checked_ttl(ttl)
        try:
            import redis
        except ImportError as e:
            raise ImportError(
                "RedisStore needs the redis package: pip install 'tensor-key[redis]'"
            ) from e
        self._redis = redis
        self.url = url
        self.prefix = prefix
        self.ttl = ttl
        self.timeout = timeout
        self.retry_after = retry_after
        self._client = _client or redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._down_until: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def __repr__(self):
        return f"RedisStore({self.url!r}, prefix={self.prefix!r}, ttl={self.ttl})"

    def namespaced(self, name: str) -> "RedisStore":
        """The store under the key prefix ``prefix + name + ":"`` (same server
        connection pool and settings)."""
        return RedisStore(self.url, f"{self.prefix}{name}:", self.ttl, self.timeout,
                          self.retry_after, _client=self._client)

    def key_for(self, digest: bytes) -> str:
        return self.prefix + bytes(digest).hex()

    def _run(self, op: str, fn):
        with self._lock:
            down = self._down_until
            if down is not None:
                left = down[0] - time.monotonic()
                if left > 0:
                    raise StoreError(
                        f"redis {op}: server unreachable ({down[1]}), next attempt in {int(left * 1000)} ms"
                    )
                self._down_until = None
        try:
            return fn()
        except self._redis.exceptions.ResponseError as e:
            raise StoreError(f"redis {op}: {e}") from e
        except (self._redis.exceptions.RedisError, OSError) as e:
            with self._lock:
                self._down_until = (time.monotonic() + self.retry_after, f"{type(e).__name__}: {e}")
            raise StoreError(f"redis {op} ({self.url}): {type(e).__name__}: {e}") from e

    def ping(self) -> None:
        self._run("ping", self._client.ping)

    def get(self, digest: bytes) -> bytes | None:
        key = self.key_for(digest)
        return self._run("get", lambda: self._client.get(key))

    def put(self, digest: bytes, entry: bytes) -> None:
        key = self.key_for(digest)
        px = _redis_px(self.ttl)
        self._run("put", lambda: self._client.set(key, entry, px=px))

    def remove(self, digest: bytes) -> None:
        key = self.key_for(digest)
        self._run("remove", lambda: self._client.delete(key))


def open_store(store):
    """A store from ``memoize(store=...)``: a ``redis://``/``rediss://``/``unix://``
    URL, a directory path (str or PathLike), or a store object as it is."""
    _msgpack()  # fail at decoration time, not at the first call
    if isinstance(store, str) and store.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(store)
    if isinstance(store, (str, os.PathLike)):
        return DirectoryStore(store)
    if not (callable(getattr(store, "get", None)) and callable(getattr(store, "put", None))):
        raise TypeError(
            f"store must be a directory path, a redis:// URL or an object with get/put, "
            f"got {type(store).__name__}"
        )
    return store


# --- the cache in front of a store -------------------------------------------

StoreInfo = namedtuple(
    "StoreInfo",
    ["hits", "misses", "writes", "store_errors", "corrupted", "undecodable", "encode_errors", "last_error"],
)
StoreInfo.__doc__ = """Counters of a memoized function's store, as the Rust ``Stats``,
plus ``last_error``: the message of the most recent store failure, or None."""

_MISSING = object()


class _StoreCache:
    """Lookups and writes by digest over a store, counting and warning like the
    Rust ``Cache``: every problem is a miss, never an exception or a wrong value."""

    _FIELDS = StoreInfo._fields[:-1]

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self.clear_info()

    def clear_info(self):
        with self._lock:
            self._n = dict.fromkeys(self._FIELDS, 0)
            self._last_error = None

    def _count(self, name, message=None, error=False):
        with self._lock:
            self._n[name] += 1
            if error:
                self._last_error = message
        if message is not None:
            warnings.warn(message, StoreWarning, stacklevel=2)

    def info(self) -> StoreInfo:
        with self._lock:
            return StoreInfo(**self._n, last_error=self._last_error)

    def lookup(self, digest: bytes):
        """The stored value, or ``_MISSING``."""
        v = self._lookup(digest)
        self._count("misses" if v is _MISSING else "hits")
        return v

    def _lookup(self, digest):
        try:
            data = self.store.get(digest)
        except Exception as e:  # noqa: BLE001 - any store failure is a miss
            self._count("store_errors", f"tensor_key store failed, computing instead: {e}", error=True)
            return _MISSING
        if data is None:
            return _MISSING
        try:
            _, payload = decode_entry(digest, data)
        except EntryError as e:
            kind = "corrupted" if e.corruption else "undecodable"
            self._count(kind, f"{'damaged' if e.corruption else 'unreadable'} cache entry {digest.hex()}: {e}")
            return _MISSING
        try:
            return unpack_value(payload)
        except Exception as e:  # noqa: BLE001 - msgpack raises several types
            self._count("undecodable", f"unreadable cache entry {digest.hex()}: {type(e).__name__}: {e}")
            return _MISSING

    def insert(self, digest: bytes, value) -> None:
        try:
            payload = pack_value(value)
        except (TypeError, ValueError, OverflowError) as e:
            self._count("encode_errors", f"value for {digest.hex()} not stored: {e}")
            return
        try:
            self.store.put(digest, encode_entry(digest, payload))
        except Exception as e:  # noqa: BLE001
            self._count("store_errors", f"tensor_key store failed, value not stored: {e}", error=True)
            return
        self._count("writes")
