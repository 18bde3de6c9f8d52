//! [`KeyDigest`]: the SHA-256 content digest of a key.

use crate::encoder::KeySink;
use crate::format::DIGEST_PREFIX;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The SHA-256 digest of a key's versioned canonical encoding: 32 bytes that name
/// a value in every process, on every machine and in every release of the same
/// [`FORMAT_VERSION`](crate::FORMAT_VERSION).
///
/// Formats as 64 lowercase hex characters and parses back from them.
///
/// ```
/// use tensor_key::{FrozenKey, KeyDigest};
/// use ndarray::array;
///
/// let d = array![[1.0f32, 2.0], [3.0, 4.0]].digest();
/// let hex = d.to_string();
/// assert_eq!(hex.len(), 64);
/// assert_eq!(hex.parse::<KeyDigest>().unwrap(), d);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// Wraps 32 digest bytes (for example read back from storage).
    ///
    /// ```
    /// use tensor_key::{FrozenKey, KeyDigest};
    /// let d = 5u8.digest();
    /// assert_eq!(KeyDigest::from_bytes(*d.as_bytes()), d);
    /// ```
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        KeyDigest(bytes)
    }

    /// The 32 digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lowercase hex characters (the same as `to_string()`).
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({self})")
    }
}

impl AsRef<[u8]> for KeyDigest {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<KeyDigest> for [u8; 32] {
    fn from(d: KeyDigest) -> Self {
        d.0
    }
}

impl From<[u8; 32]> for KeyDigest {
    fn from(bytes: [u8; 32]) -> Self {
        KeyDigest(bytes)
    }
}

/// Why a string is not a [`KeyDigest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseDigestError {
    /// The string does not have 64 characters.
    WrongLength {
        /// Number of characters found.
        found: usize,
    },
    /// A character is not a hex digit (`0-9`, `a-f`, `A-F`).
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its character position, from 0.
        index: usize,
    },
}

impl fmt::Display for ParseDigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseDigestError::WrongLength { found } => {
                write!(f, "a key digest has 64 hex characters, found {found}")
            }
            ParseDigestError::InvalidChar { ch, index } => {
                write!(
                    f,
                    "invalid character {ch:?} at position {index} in key digest, expected a hex digit"
                )
            }
        }
    }
}

impl std::error::Error for ParseDigestError {}

/// Parses 64 hex characters, in either case.
///
/// ```
/// use tensor_key::{KeyDigest, ParseDigestError};
///
/// assert_eq!("abc".parse::<KeyDigest>(), Err(ParseDigestError::WrongLength { found: 3 }));
/// let bad = "g".repeat(64);
/// assert_eq!(bad.parse::<KeyDigest>(), Err(ParseDigestError::InvalidChar { ch: 'g', index: 0 }));
/// ```
impl FromStr for KeyDigest {
    type Err = ParseDigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let found = s.chars().count();
        if found != 64 {
            return Err(ParseDigestError::WrongLength { found });
        }
        let mut bytes = [0u8; 32];
        for (index, ch) in s.chars().enumerate() {
            let nibble = ch
                .to_digit(16)
                .ok_or(ParseDigestError::InvalidChar { ch, index })?;
            // High nibble first.
            bytes[index / 2] |= (nibble as u8) << (4 * (1 - index % 2));
        }
        Ok(KeyDigest(bytes))
    }
}

/// Hashes the digest prefix and then the encoding.
pub(crate) struct Sha256Sink(Sha256);

impl Sha256Sink {
    pub(crate) fn new() -> Self {
        let mut state = Sha256::new();
        state.update(DIGEST_PREFIX);
        Sha256Sink(state)
    }

    pub(crate) fn finish(self) -> KeyDigest {
        KeyDigest(self.0.finalize().into())
    }
}

impl KeySink for Sha256Sink {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
