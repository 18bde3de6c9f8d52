//! The [`Store`] trait: raw entry bytes by digest.

use std::fmt;
use std::sync::Arc;
use tensor_key::KeyDigest;

/// Where a [`Cache`](crate::Cache) keeps its entries: raw bytes by [`KeyDigest`].
///
/// A store moves bytes; the cache builds and checks them (see
/// [`format`](crate::format)), so a store may hand back damaged or foreign bytes
/// and the cache turns them into a miss. Methods take `&self`: a store shared by
/// threads synchronizes inside.
pub trait Store {
    /// The entry stored for `digest`, or `Ok(None)` when there is none (or it
    /// expired).
    ///
    /// # Errors
    /// When the store cannot be read (I/O error, server unreachable).
    fn get(&self, digest: &KeyDigest) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores `entry` for `digest`, replacing any previous entry. Readers see
    /// either the old or the new entry in full, never a mix.
    ///
    /// # Errors
    /// When the store cannot be written.
    fn put(&self, digest: &KeyDigest, entry: &[u8]) -> Result<(), StoreError>;

    /// Removes the entry for `digest`, if any.
    ///
    /// # Errors
    /// When the store cannot be written.
    fn remove(&self, digest: &KeyDigest) -> Result<(), StoreError>;
}

macro_rules! forward_store {
    ($($ty:ty),*) => {$(
        impl<S: Store + ?Sized> Store for $ty {
            fn get(&self, digest: &KeyDigest) -> Result<Option<Vec<u8>>, StoreError> {
                (**self).get(digest)
            }
            fn put(&self, digest: &KeyDigest, entry: &[u8]) -> Result<(), StoreError> {
                (**self).put(digest, entry)
            }
            fn remove(&self, digest: &KeyDigest) -> Result<(), StoreError> {
                (**self).remove(digest)
            }
        }
    )*};
}
forward_store!(&S, Box<S>, Arc<S>);

/// The store operation that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreOp {
    /// Opening the store or connecting to its server.
    Connect,
    /// [`Store::get`].
    Get,
    /// [`Store::put`].
    Put,
    /// [`Store::remove`].
    Remove,
    /// Maintenance: eviction, expiry. For stores of your own; the built-in
    /// ones do not report it (a [`DirStore`](crate::DirStore) evicts after a
    /// write as best effort, and [`DirStore::evict`](crate::DirStore::evict)
    /// returns its own result).
    Maintain,
}

impl fmt::Display for StoreOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreOp::Connect => "connect",
            StoreOp::Get => "get",
            StoreOp::Put => "put",
            StoreOp::Remove => "remove",
            StoreOp::Maintain => "maintenance",
        })
    }
}

/// A store that could not do its job: the cache counts it, reports it and
/// carries on computing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// Which store: `"dir"`, `"redis"`, or your own.
    pub store: &'static str,
    /// What it was doing.
    pub op: StoreOp,
    /// What went wrong, for people.
    pub message: String,
}

impl StoreError {
    /// A store error.
    pub fn new(store: &'static str, op: StoreOp, message: impl Into<String>) -> Self {
        StoreError {
            store,
            op,
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} store: {} failed: {}",
            self.store, self.op, self.message
        )
    }
}

impl std::error::Error for StoreError {}

/// A store that keeps entries in this process's memory: for tests, and as a
/// per-process cache in front of nothing.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: std::sync::Mutex<std::collections::HashMap<KeyDigest, Vec<u8>>>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<KeyDigest, Vec<u8>>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    fn get(&self, digest: &KeyDigest) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().get(digest).cloned())
    }
    fn put(&self, digest: &KeyDigest, entry: &[u8]) -> Result<(), StoreError> {
        self.lock().insert(*digest, entry.to_vec());
        Ok(())
    }
    fn remove(&self, digest: &KeyDigest) -> Result<(), StoreError> {
        self.lock().remove(digest);
        Ok(())
    }
}
