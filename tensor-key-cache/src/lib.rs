//! A memo cache keyed by [`tensor_key`] digests, shared by processes and
//! machines: `f(&key)` is computed once, stored under `key.digest()`, and read
//! back by every process that asks for the same key (the same tensor in any
//! layout, any NaN payload, `-0.0` or `0.0`, see [`FrozenKey`](tensor_key::FrozenKey)).
//!
//! ```
//! use ndarray::Array2;
//! use tensor_key_cache::{Cache, DirStore};
//!
//! let dir = tempfile::tempdir()?;
//! let cache = Cache::new(DirStore::open(dir.path().join("row-sums"))?);
//!
//! let x = Array2::from_shape_fn((4, 4), |(i, j)| (i * 4 + j) as f32);
//! let row_sums = |a: &Array2<f32>| a.rows().into_iter().map(|r| r.sum()).collect::<Vec<f32>>();
//! let first: Vec<f32> = cache.get_or_compute(&x, row_sums);
//! // The same tensor in another memory layout: a hit, `f` is not called.
//! let again: Vec<f32> = cache.get_or_compute(&x.t().to_owned().reversed_axes(), |_| unreachable!());
//! assert_eq!(first, again);
//! assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
//!
//! // Another process (or a later run) opening the same directory finds it too.
//! let other = Cache::new(DirStore::open(dir.path().join("row-sums"))?);
//! assert_eq!(other.get::<_, Vec<f32>>(&x), Some(first));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Stores
//!
//! * [`DirStore`] (embedded, the default): one file per entry in a directory.
//!   Use it for one machine: the processes of a job, or successive runs. Atomic
//!   writes (temporary file and rename), checksums, an optional size bound (LRU)
//!   and TTL. A shared network file system works if it renames atomically.
//! * [`RedisStore`] (feature `redis`): entries in a Redis or Valkey server. Use
//!   it for a fleet of machines sharing results, with Redis's own memory limit
//!   and eviction (`maxmemory-policy allkeys-lru`) and an optional TTL.
//! * [`MemoryStore`]: this process only; for tests.
//! * Your own: implement [`Store`] (get, put and remove raw bytes by digest).
//!
//! Going from the directory store to Redis takes two lines:
//!
//! ```diff
//! -let cache = Cache::new(DirStore::open("/var/cache/my-model")?);
//! +let cache = Cache::new(RedisStore::open("redis://cache-host:6379/")?.with_prefix("tk:v1:my-model:"));
//! ```
//!
//! Entries are keyed by digest alone: give each memoized function its own
//! directory, or its own Redis prefix.
//!
//! # Failures are misses, never wrong values
//!
//! [`Cache::get_or_compute`] always returns `f(key)` or a value stored for the
//! same key digest that reads back as `V`. A store that cannot be read or
//! written (a full disk, a Redis server that is down), a damaged entry (torn,
//! truncated, garbage, a flipped bit: the checksum catches it), an entry of
//! another format version, or one that does not decode as `V`, is a miss: the
//! value is computed (and stored again if the store allows). Each event is
//! counted in [`Cache::stats`], passed to the [warning hook](Cache::with_warning_hook),
//! and store failures are kept in [`Cache::last_error`]. The library never
//! prints.
//!
//! A value that cannot be stored is returned and not stored, and counted in
//! [`Stats::encode_errors`]: one serde cannot encode, or one that would not read
//! back as written. MessagePack has a single nil, so `Some(x)` where `x` is
//! itself written as nil (`Some(())`, `Some(None)` of an `Option<Option<T>>`, a
//! newtype around one) would read back as `None`; the cache looks for such a
//! `Some` anywhere in a value (fields, elements, map keys and values, enum
//! variants) before storing it. `None` and `Some(3)` of an `Option<u8>` are
//! stored as usual.
//!
//! # The entry format
//!
//! Both stores keep the same bytes per entry, described in [`format`](mod@format): an
//! 88-byte header (`b"TKC\x01"`, a payload encoding byte, the write time, the
//! payload length, the key digest, and a SHA-256 checksum over header and
//! payload) followed by the value in [MessagePack](https://msgpack.org)
//! (written by [`rmp_serde::to_vec_named`]). A reader in another language
//! checks the header and decodes the payload with any MessagePack library,
//! e.g. Python's `msgpack`:
//!
//! ```text
//! import hashlib, msgpack
//! def read_entry(data: bytes, digest: bytes):
//!     if len(data) < 88 or data[:4] != b"TKC\x01" or data[4] != 1: return None
//!     n = int.from_bytes(data[16:24], "little")
//!     if len(data) != 88 + n or data[24:56] != digest: return None
//!     if hashlib.sha256(data[:56] + data[88:]).digest() != data[56:88]: return None
//!     return msgpack.unpackb(data[88:])
//! ```
//!
//! Which values read back the same across languages (Rust type → MessagePack →
//! Python `msgpack.unpackb`):
//!
//! | Rust | MessagePack | Python |
//! |---|---|---|
//! | `bool`, integers up to 64 bits | bool, int | `bool`, `int` |
//! | `f32`, `f64` | float 32, float 64 | `float` (an `f32` widened exactly) |
//! | `String`, `&str`, `char` | str | `str` |
//! | `Vec<T>`, arrays, slices, tuples | array | `list` |
//! | `HashMap`/`BTreeMap` with string keys | map | `dict` |
//! | `Option<T>` (`T` not written as nil) | nil or the value | `None` or the value |
//! | a struct | map from field name to value | `dict` |
//! | a unit enum variant | str (its name) | `str` |
//! | `Vec<u8>` | array of ints (bin with `serde_bytes`) | `list` (`bytes`) |
//!
//! Also round-trip in Rust but need care elsewhere: `i128`/`u128` (bin of 16
//! big-endian bytes: `int.from_bytes(b, "big", signed=True)`), enums with data
//! (`{"Variant": value}`), newtype and tuple structs (the inner value, a list),
//! `()` (nil), maps with non-string keys (MessagePack allows them; Python needs
//! hashable keys, so not lists). Python reads `nan` for every NaN payload.
//!
//! # Statistics
//!
//! [`Stats`]: hits, misses, writes, store errors, damaged and undecodable
//! entries, values that could not be encoded or would not read back (not stored).
//!
#![cfg_attr(feature = "redis", doc = "[`RedisStore`]: crate::RedisStore")]
#![cfg_attr(
    not(feature = "redis"),
    doc = "[`RedisStore`]: https://docs.rs/tensor-key-cache/latest/tensor_key_cache/struct.RedisStore.html"
)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod ambiguity;
mod cache;
mod dir;
pub mod format;
#[cfg(feature = "redis")]
mod redis_store;
mod store;

pub use cache::{Cache, Stats, Warning};
pub use dir::{DirStore, EXTENSION, EvictReport};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::{DEFAULT_PREFIX, RedisStore};
pub use store::{MemoryStore, Store, StoreError, StoreOp};
