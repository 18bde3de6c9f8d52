//! [`Cache`]: memoization by key digest over a [`Store`].

use crate::ambiguity;
use crate::format::{self, EntryError};
use crate::store::{Store, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tensor_key::{FrozenKey, KeyDigest};

/// Memoizes `f(&key)` by `key.digest()` in a [`Store`], for values that serde
/// can write.
///
/// The cache never fails a computation because of its store: a store that
/// cannot be read or written, or an entry that is damaged, of another format
/// version or not of the requested type, is a miss. Each such event is counted
/// in [`stats`](Self::stats), passed to the [warning hook](Self::with_warning_hook)
/// if there is one, and store failures are kept in [`last_error`](Self::last_error).
///
/// Entries are keyed by the key's digest only: give each memoized function its
/// own store (its own directory, or its own Redis prefix), or put what tells the
/// functions apart into the key.
///
/// A cache is `Sync` when its store is: share it between threads by reference.
pub struct Cache<S> {
    store: S,
    hits: AtomicU64,
    misses: AtomicU64,
    writes: AtomicU64,
    store_errors: AtomicU64,
    corrupted: AtomicU64,
    undecodable: AtomicU64,
    encode_errors: AtomicU64,
    last_error: Mutex<Option<StoreError>>,
    hook: Option<Box<WarningHook>>,
}

type WarningHook = dyn Fn(&Warning) + Send + Sync;

/// Counters of a [`Cache`], since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lookups answered from the store.
    pub hits: u64,
    /// Lookups not answered from the store, for whatever reason (no entry, a
    /// store error, a damaged or undecodable entry). `hits + misses` is the
    /// number of lookups.
    pub misses: u64,
    /// Entries written.
    pub writes: u64,
    /// Failed store operations (reads and writes).
    pub store_errors: u64,
    /// Damaged entries found: truncated, garbage, bad checksum, misplaced.
    pub corrupted: u64,
    /// Sound entries that could not be read as the requested value type, or were
    /// written in a format version or payload encoding this release does not read.
    pub undecodable: u64,
    /// Values that were not stored because they could not be encoded, or
    /// would not read back as written: a `Some(x)` anywhere in them whose `x`
    /// is written as nil, like `None` (`Some(())`, `Some(None)`).
    pub encode_errors: u64,
}

/// Something the cache recovered from, passed to the warning hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The store failed; the value was computed (or not stored).
    Store(StoreError),
    /// The entry for `digest` is damaged: a miss.
    Corrupted {
        /// The key's digest.
        digest: KeyDigest,
        /// What is wrong with it.
        error: EntryError,
    },
    /// The entry for `digest` is sound but cannot be read as the requested type
    /// (or is of a format this release does not read): a miss.
    Undecodable {
        /// The key's digest.
        digest: KeyDigest,
        /// Why.
        reason: String,
    },
    /// A value could not be encoded, or would not read back as written (see
    /// [`Stats::encode_errors`]), so it was not stored.
    Encode {
        /// The key's digest.
        digest: KeyDigest,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Store(e) => write!(f, "{e}"),
            Warning::Corrupted { digest, error } => {
                write!(f, "damaged cache entry {digest}: {error}")
            }
            Warning::Undecodable { digest, reason } => {
                write!(f, "unreadable cache entry {digest}: {reason}")
            }
            Warning::Encode { digest, reason } => {
                write!(f, "value for {digest} not cached: {reason}")
            }
        }
    }
}

impl<S> fmt::Debug for Cache<S>
where
    S: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("store", &self.store)
            .field("stats", &self.stats())
            .field("warning_hook", &self.hook.is_some())
            .finish_non_exhaustive()
    }
}

impl<S> Cache<S> {
    /// A cache over `store`, without a warning hook.
    pub fn new(store: S) -> Self {
        Cache {
            store,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            store_errors: AtomicU64::new(0),
            corrupted: AtomicU64::new(0),
            undecodable: AtomicU64::new(0),
            encode_errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            hook: None,
        }
    }

    /// Calls `hook` for every [`Warning`], for example to log it. The hook runs
    /// on the thread that hit the problem and must not use this cache.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use tensor_key_cache::{Cache, MemoryStore, Store, Warning};
    /// use tensor_key::FrozenKey;
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let cache = Cache::new(MemoryStore::new())
    ///     .with_warning_hook(move |w: &Warning| log.lock().unwrap().push(w.to_string()));
    /// cache.store().put(&7u8.digest(), b"garbage")?;
    /// assert_eq!(cache.get_or_compute(&7u8, |k| u32::from(*k) * 2), 14);
    /// assert_eq!(cache.stats().corrupted, 1);
    /// assert!(seen.lock().unwrap()[0].contains("bad magic"));
    /// # Ok::<(), tensor_key_cache::StoreError>(())
    /// ```
    #[must_use]
    pub fn with_warning_hook(mut self, hook: impl Fn(&Warning) + Send + Sync + 'static) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, giving up the cache.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            hits: n(&self.hits),
            misses: n(&self.misses),
            writes: n(&self.writes),
            store_errors: n(&self.store_errors),
            corrupted: n(&self.corrupted),
            undecodable: n(&self.undecodable),
            encode_errors: n(&self.encode_errors),
        }
    }

    /// The most recent store failure, if any.
    pub fn last_error(&self) -> Option<StoreError> {
        self.last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn store_failed(&self, e: StoreError) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
        self.warn(&Warning::Store(e.clone()));
        *self
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
    }

    fn warn(&self, w: &Warning) {
        if let Some(hook) = &self.hook {
            hook(w);
        }
    }
}

impl<S: Store> Cache<S> {
    /// The cached value for `key`, or else `f(key)`, which is then stored.
    ///
    /// Store problems never reach the caller: they are misses, counted and
    /// reported (see the type docs).
    ///
    /// ```
    /// use tensor_key_cache::{Cache, MemoryStore};
    /// use ndarray::array;
    ///
    /// let cache = Cache::new(MemoryStore::new());
    /// let x = array![[1.0f32, 2.0], [3.0, 4.0]];
    /// let sum = |a: &ndarray::Array2<f32>| a.sum();
    /// assert_eq!(cache.get_or_compute(&x, sum), 10.0);
    /// // The same values in column-major memory: the same key.
    /// let again: f32 = cache.get_or_compute(&x.t().to_owned().t(), |_| unreachable!());
    /// assert_eq!(again, 10.0);
    /// assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    /// ```
    pub fn get_or_compute<K, V, F>(&self, key: &K, f: F) -> V
    where
        K: FrozenKey + ?Sized,
        V: Serialize + DeserializeOwned,
        F: FnOnce(&K) -> V,
    {
        let digest = key.digest();
        if let Some(v) = self.get_by_digest(&digest) {
            return v;
        }
        let v = f(key);
        // Failures are counted and reported inside.
        let _ = self.insert_by_digest(&digest, &v);
        v
    }

    /// Like [`get_or_compute`](Self::get_or_compute) for a fallible `f`: an
    /// error is returned and not cached.
    ///
    /// # Errors
    /// The error of `f`, when it is called and fails.
    pub fn try_get_or_compute<K, V, E, F>(&self, key: &K, f: F) -> Result<V, E>
    where
        K: FrozenKey + ?Sized,
        V: Serialize + DeserializeOwned,
        F: FnOnce(&K) -> Result<V, E>,
    {
        let digest = key.digest();
        if let Some(v) = self.get_by_digest(&digest) {
            return Ok(v);
        }
        let v = f(key)?;
        let _ = self.insert_by_digest(&digest, &v);
        Ok(v)
    }

    /// The cached value for `key`, if there is a readable one of type `V`.
    pub fn get<K, V>(&self, key: &K) -> Option<V>
    where
        K: FrozenKey + ?Sized,
        V: DeserializeOwned,
    {
        self.get_by_digest(&key.digest())
    }

    /// The cached value for a key digest, if there is a readable one of type `V`.
    pub fn get_by_digest<V: DeserializeOwned>(&self, digest: &KeyDigest) -> Option<V> {
        let found = self.lookup(digest);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn lookup<V: DeserializeOwned>(&self, digest: &KeyDigest) -> Option<V> {
        let bytes = match self.store.get(digest) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(e) => {
                self.store_failed(e);
                return None;
            }
        };
        let entry = match format::decode_entry(digest, &bytes) {
            Ok(entry) => entry,
            Err(error) => {
                let counter = if error.is_corruption() {
                    &self.corrupted
                } else {
                    &self.undecodable
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let w = if error.is_corruption() {
                    Warning::Corrupted {
                        digest: *digest,
                        error,
                    }
                } else {
                    Warning::Undecodable {
                        digest: *digest,
                        reason: error.to_string(),
                    }
                };
                self.warn(&w);
                return None;
            }
        };
        let mut rest = entry.payload;
        let decoded = V::deserialize(&mut rmp_serde::Deserializer::new(&mut rest)).and_then(|v| {
            if rest.is_empty() {
                Ok(v)
            } else {
                Err(rmp_serde::decode::Error::Syntax(format!(
                    "{} bytes left after the value",
                    rest.len()
                )))
            }
        });
        match decoded {
            Ok(v) => Some(v),
            Err(e) => {
                self.undecodable.fetch_add(1, Ordering::Relaxed);
                self.warn(&Warning::Undecodable {
                    digest: *digest,
                    reason: format!("not a {}: {e}", std::any::type_name::<V>()),
                });
                None
            }
        }
    }

    /// Stores `value` for `key`, replacing any entry.
    ///
    /// # Errors
    /// When the store fails (also counted and reported like every store error).
    /// A value that cannot be encoded, or would not read back as written (see
    /// [`Stats::encode_errors`]), is counted there, reported, and not stored,
    /// and is not an error.
    pub fn insert<K, V>(&self, key: &K, value: &V) -> Result<(), StoreError>
    where
        K: FrozenKey + ?Sized,
        V: Serialize + ?Sized,
    {
        self.insert_by_digest(&key.digest(), value)
    }

    /// Stores `value` for a key digest, like [`insert`](Self::insert).
    ///
    /// # Errors
    /// When the store fails.
    pub fn insert_by_digest<V: Serialize + ?Sized>(
        &self,
        digest: &KeyDigest,
        value: &V,
    ) -> Result<(), StoreError> {
        let payload = match rmp_serde::to_vec_named(value) {
            Ok(p) => p,
            Err(e) => {
                self.encode_errors.fetch_add(1, Ordering::Relaxed);
                self.warn(&Warning::Encode {
                    digest: *digest,
                    reason: e.to_string(),
                });
                return Ok(());
            }
        };
        // `Some(x)` with `x` written as nil would read back as `None`.
        if let Err(e) = ambiguity::check(value) {
            self.encode_errors.fetch_add(1, Ordering::Relaxed);
            self.warn(&Warning::Encode {
                digest: *digest,
                reason: e.to_string(),
            });
            return Ok(());
        }
        let entry = format::encode_entry(digest, &payload, format::now_ms());
        match self.store.put(digest, &entry) {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                self.store_failed(e.clone());
                Err(e)
            }
        }
    }

    /// Removes the entry for `key`, if any.
    ///
    /// # Errors
    /// When the store fails (also counted and reported).
    pub fn remove<K: FrozenKey + ?Sized>(&self, key: &K) -> Result<(), StoreError> {
        self.store.remove(&key.digest()).inspect_err(|e| {
            self.store_failed(e.clone());
        })
    }
}
