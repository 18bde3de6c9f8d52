//! Per-process keyed fingerprints: the cached hash of a frozen tensor.
//!
//! A cached hash must not be a fixed function of the data: an attacker could
//! then precompute many tensors with one fingerprint and turn every map
//! operation into a full comparison (HashDoS). The fingerprint is SipHash-1-3
//! (std's `DefaultHasher`) of the canonical encoding under 128 random key bits
//! drawn once per process, so collisions cannot be searched offline. The map's
//! own hasher then hashes the 64-bit fingerprint with its own keys.

use crate::FrozenKey;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

/// The process's fingerprint keys, drawn from the OS on first use.
fn process_keys() -> &'static RandomState {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new)
}

/// The keyed 64-bit fingerprint of a key's canonical encoding. Equal keys have
/// equal fingerprints within one process; across processes they differ.
pub(crate) fn fingerprint<K: FrozenKey + ?Sized>(key: &K) -> u64 {
    let mut hasher = process_keys().build_hasher();
    key.key_hash(&mut hasher);
    std::hash::Hasher::finish(&hasher)
}
