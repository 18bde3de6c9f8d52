//! The entry format: the bytes a [`Store`](crate::Store) keeps for one key.
//!
//! Every store keeps the same bytes (a file of the directory store, a Redis
//! string value), so an entry can be copied between stores and read by any
//! language with SHA-256 and MessagePack. All integers are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic and format version: `54 4B 43 01` (`b"TKC\x01"`) |
//! | 4 | 1 | payload encoding: `01` = MessagePack ([`PAYLOAD_MSGPACK`]) |
//! | 5 | 3 | reserved, zero |
//! | 8 | 8 | written at: milliseconds since the Unix epoch, `u64` |
//! | 16 | 8 | payload length `n`, `u64` |
//! | 24 | 32 | the key's [`KeyDigest`] (raw bytes) |
//! | 56 | 32 | SHA-256 of bytes `0..56` followed by the payload |
//! | 88 | `n` | payload |
//!
//! An entry is *valid* when it is exactly `88 + n` bytes long, starts with the
//! magic, names the digest it was looked up under, and its checksum matches.
//! Anything else ([`EntryError`]) is a miss for the cache, never a value.
//!
//! The payload is the value in MessagePack as written by
//! [`rmp_serde::to_vec_named`]: structs are maps from field names to values.
//! See the crate docs for the value types that read back the same in Python.

use sha2::{Digest as _, Sha256};
use std::fmt;
use tensor_key::KeyDigest;

/// The first four bytes of every entry: `b"TKC"` and format version 1.
pub const MAGIC: [u8; 4] = *b"TKC\x01";
/// Payload encoding byte for MessagePack (the only one so far).
pub const PAYLOAD_MSGPACK: u8 = 1;
/// Length of the header before the payload, in bytes.
pub const HEADER_LEN: usize = 88;

const CHECKSUM_AT: usize = 56;

/// A valid entry, borrowed from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// When the entry was written, in milliseconds since the Unix epoch.
    pub written_at_ms: u64,
    /// The payload encoding byte ([`PAYLOAD_MSGPACK`]).
    pub payload_format: u8,
    /// The encoded value.
    pub payload: &'a [u8],
}

/// Why stored bytes are not a valid entry for a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryError {
    /// Shorter than the header, or than the header says.
    Truncated {
        /// Bytes present.
        len: usize,
    },
    /// Longer than the header says.
    TrailingBytes {
        /// Bytes present.
        len: usize,
    },
    /// Does not start with `b"TKC"`: not an entry at all.
    BadMagic,
    /// A `TKC` entry of another format version (written by a newer or older
    /// release): a miss, not damage.
    UnsupportedVersion(u8),
    /// A payload encoding this release does not read: a miss, not damage.
    UnsupportedPayload(u8),
    /// The checksum does not match: damaged bytes.
    ChecksumMismatch,
    /// A valid entry for another key (a misplaced file).
    WrongKey,
}

impl EntryError {
    /// True for damage (truncation, garbage, a bad checksum, a misplaced
    /// entry), false for a well-formed entry this release does not read.
    #[must_use]
    pub fn is_corruption(&self) -> bool {
        !matches!(
            self,
            EntryError::UnsupportedVersion(_) | EntryError::UnsupportedPayload(_)
        )
    }
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::Truncated { len } => write!(f, "truncated entry ({len} bytes)"),
            EntryError::TrailingBytes { len } => {
                write!(f, "entry longer than its header says ({len} bytes)")
            }
            EntryError::BadMagic => f.write_str("not a tensor-key-cache entry (bad magic)"),
            EntryError::UnsupportedVersion(v) => write!(f, "entry format version {v} is not read"),
            EntryError::UnsupportedPayload(p) => write!(f, "payload encoding {p} is not read"),
            EntryError::ChecksumMismatch => f.write_str("checksum mismatch (damaged entry)"),
            EntryError::WrongKey => f.write_str("entry belongs to another key"),
        }
    }
}

impl std::error::Error for EntryError {}

fn checksum(head: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&head[..CHECKSUM_AT]);
    h.update(payload);
    h.finalize().into()
}

/// Builds an entry around an already encoded MessagePack payload.
#[must_use]
pub fn encode_entry(digest: &KeyDigest, payload: &[u8], written_at_ms: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.push(PAYLOAD_MSGPACK);
    out.extend_from_slice(&[0; 3]);
    out.extend_from_slice(&written_at_ms.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(digest.as_bytes());
    let sum = checksum(&out, payload);
    out.extend_from_slice(&sum);
    out.extend_from_slice(payload);
    out
}

/// Checks `bytes` as the entry for `digest` and returns its parts.
///
/// # Errors
/// An [`EntryError`] when the bytes are not a valid entry for `digest`.
pub fn decode_entry<'a>(digest: &KeyDigest, bytes: &'a [u8]) -> Result<Entry<'a>, EntryError> {
    let len = bytes.len();
    if len < 4 || bytes[..3] != MAGIC[..3] {
        return Err(if len < 4 && MAGIC.starts_with(bytes) {
            EntryError::Truncated { len }
        } else {
            EntryError::BadMagic
        });
    }
    if bytes[3] != MAGIC[3] {
        return Err(EntryError::UnsupportedVersion(bytes[3]));
    }
    if len < HEADER_LEN {
        return Err(EntryError::Truncated { len });
    }
    let n = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    // Compared with the payload present, not `HEADER_LEN + n`: a damaged
    // length field may be anything up to `u64::MAX`.
    let present = u64::try_from(len - HEADER_LEN).expect("usize fits u64");
    match present.cmp(&n) {
        std::cmp::Ordering::Less => return Err(EntryError::Truncated { len }),
        std::cmp::Ordering::Greater => return Err(EntryError::TrailingBytes { len }),
        std::cmp::Ordering::Equal => {}
    }
    let payload = &bytes[HEADER_LEN..];
    if checksum(bytes, payload) != bytes[CHECKSUM_AT..HEADER_LEN] {
        return Err(EntryError::ChecksumMismatch);
    }
    if bytes[24..56] != digest.as_bytes()[..] {
        return Err(EntryError::WrongKey);
    }
    if bytes[4] != PAYLOAD_MSGPACK {
        return Err(EntryError::UnsupportedPayload(bytes[4]));
    }
    Ok(Entry {
        written_at_ms: written_at_ms(bytes).expect("checked length"),
        payload_format: bytes[4],
        payload,
    })
}

/// The write time of an entry from its header alone (no checksum check), or
/// `None` when `bytes` do not start like an entry of this format version.
#[must_use]
pub fn written_at_ms(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < 16 || bytes[..4] != MAGIC {
        return None;
    }
    Some(u64::from_le_bytes(bytes[8..16].try_into().ok()?))
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(b: u8) -> KeyDigest {
        KeyDigest::from([b; 32])
    }

    #[test]
    fn round_trip_and_every_damage() {
        let e = encode_entry(&d(7), b"\x93\x01\x02\x03", 1234);
        assert_eq!(e.len(), HEADER_LEN + 4);
        let ok = decode_entry(&d(7), &e).unwrap();
        assert_eq!(ok.payload, b"\x93\x01\x02\x03");
        assert_eq!(ok.written_at_ms, 1234);
        assert_eq!(decode_entry(&d(8), &e), Err(EntryError::WrongKey));
        for i in 0..e.len() {
            let mut bad = e.clone();
            bad[i] ^= 0x40;
            let err = decode_entry(&d(7), &bad).unwrap_err();
            assert!(err.is_corruption() || i == 3, "byte {i}: {err}");
        }
        for cut in 0..e.len() {
            assert!(decode_entry(&d(7), &e[..cut]).is_err(), "cut at {cut}");
        }
        // A length field near `u64::MAX` (damage, or a foreign file) is a
        // truncated entry, not an overflow.
        for n in [u64::MAX, u64::MAX - 87, u64::MAX - 88, 1 << 63] {
            let mut huge = e.clone();
            huge[16..24].copy_from_slice(&n.to_le_bytes());
            assert_eq!(
                decode_entry(&d(7), &huge),
                Err(EntryError::Truncated { len: e.len() })
            );
        }
        assert_eq!(
            decode_entry(&d(7), b"TKC"),
            Err(EntryError::Truncated { len: 3 })
        );
        let mut long = e.clone();
        long.push(0);
        assert_eq!(
            decode_entry(&d(7), &long),
            Err(EntryError::TrailingBytes { len: e.len() + 1 })
        );
        let mut v2 = e;
        v2[3] = 2;
        assert_eq!(
            decode_entry(&d(7), &v2),
            Err(EntryError::UnsupportedVersion(2))
        );
    }
}
