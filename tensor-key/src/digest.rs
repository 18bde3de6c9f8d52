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
/// Formats as 64 lowercase hex characters (`Display`, `{:x}`, [`to_hex`](Self::to_hex)),
/// or uppercase ones (`{:X}`), and parses back from either
/// ([`from_hex`](Self::from_hex), `str::parse`). Like integers, the hex formats
/// take `#` for a `0x` prefix, and all of them honour width and alignment.
///
/// ```
/// use tensor_key::{FrozenKey, KeyDigest};
/// use ndarray::array;
///
/// let d = array![[1.0f32, 2.0], [3.0, 4.0]].digest();
/// let hex = d.to_string();
/// assert_eq!(hex.len(), 64);
/// assert_eq!(hex.parse::<KeyDigest>().unwrap(), d);
/// assert_eq!(KeyDigest::from_hex(&hex), Ok(d));
/// assert_eq!(format!("{d:x}"), hex);
/// assert_eq!(format!("{d:X}"), hex.to_uppercase());
/// assert_eq!(format!("{d:#x}"), format!("0x{hex}"));
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
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        KeyDigest(bytes)
    }

    /// The 32 digest bytes.
    ///
    /// ```
    /// use tensor_key::{FrozenKey, KeyDigest};
    /// let d = KeyDigest::from_bytes([0xAB; 32]);
    /// assert_eq!(d.as_bytes()[0], 0xAB);
    /// assert_eq!(<[u8; 32]>::from(d), *d.as_bytes());
    /// ```
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lowercase hex characters (the same as `to_string()`
    /// and `format!("{:x}")`).
    ///
    /// ```
    /// use tensor_key::KeyDigest;
    /// let d = KeyDigest::from_bytes([0x0F; 32]);
    /// assert_eq!(d.to_hex(), "0f".repeat(32));
    /// ```
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 hex characters, in either case, with the rules of `str::parse`
    /// (no `0x` prefix, no whitespace).
    ///
    /// ```
    /// use tensor_key::{FrozenKey, KeyDigest, ParseDigestError};
    ///
    /// let d = "tensor".digest();
    /// assert_eq!(KeyDigest::from_hex(&d.to_hex()), Ok(d));
    /// assert_eq!(KeyDigest::from_hex(&d.to_hex().to_uppercase()), Ok(d));
    /// assert!(matches!(
    ///     KeyDigest::from_hex(&format!("{d:#x}")),
    ///     Err(ParseDigestError::WrongLength { found: 66, .. })
    /// ));
    /// ```
    pub fn from_hex(hex: &str) -> Result<Self, ParseDigestError> {
        hex.parse()
    }

    /// Writes the 64 hex digits through `pad_integral`, which honours `#`
    /// (a `0x` prefix), width, fill, alignment and `0` like integers do.
    fn fmt_hex(&self, f: &mut fmt::Formatter<'_>, digits: &[u8; 16], prefix: &str) -> fmt::Result {
        let mut buf = [0u8; 64];
        for (pair, b) in buf.chunks_exact_mut(2).zip(self.0) {
            pair[0] = digits[usize::from(b >> 4)];
            pair[1] = digits[usize::from(b & 0x0F)];
        }
        // Hex digits are ASCII.
        let hex = std::str::from_utf8(&buf).map_err(|_| fmt::Error)?;
        if prefix.is_empty() {
            f.pad(hex)
        } else {
            f.pad_integral(true, prefix, hex)
        }
    }
}

const LOWER: &[u8; 16] = b"0123456789abcdef";
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// 64 lowercase hex characters; honours width and alignment.
impl fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_hex(f, LOWER, "")
    }
}

/// 64 lowercase hex characters; `{:#x}` adds a `0x` prefix.
///
/// ```
/// use tensor_key::KeyDigest;
/// let d = KeyDigest::from_bytes([0xAB; 32]);
/// assert_eq!(format!("{d:x}"), "ab".repeat(32));
/// assert_eq!(format!("{d:#x}"), format!("0x{}", "ab".repeat(32)));
/// assert_eq!(format!("{d:>70x}"), format!("      {}", "ab".repeat(32)));
/// ```
impl fmt::LowerHex for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_hex(f, LOWER, "0x")
    }
}

/// 64 uppercase hex characters; `{:#X}` adds a `0x` prefix, as for integers.
///
/// ```
/// use tensor_key::KeyDigest;
/// let d = KeyDigest::from_bytes([0xAB; 32]);
/// assert_eq!(format!("{d:X}"), "AB".repeat(32));
/// assert_eq!(format!("{d:#X}"), format!("0x{}", "AB".repeat(32)));
/// ```
impl fmt::UpperHex for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_hex(f, UPPER, "0x")
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
///
/// New reasons may be added, and only this crate creates the error: match the
/// variants with `..`.
///
/// ```compile_fail
/// use tensor_key::ParseDigestError;
/// let e = ParseDigestError::WrongLength { found: 3 }; // error: non-exhaustive variant
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseDigestError {
    /// The string does not have 64 characters.
    #[non_exhaustive]
    WrongLength {
        /// Number of characters found.
        found: usize,
    },
    /// A character is not a hex digit (`0-9`, `a-f`, `A-F`).
    #[non_exhaustive]
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
/// assert!(matches!(
///     "abc".parse::<KeyDigest>(),
///     Err(ParseDigestError::WrongLength { found: 3, .. })
/// ));
/// let bad = "g".repeat(64);
/// assert!(matches!(
///     bad.parse::<KeyDigest>(),
///     Err(ParseDigestError::InvalidChar { ch: 'g', index: 0, .. })
/// ));
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

impl KeyDigest {
    /// The digest of an encoding already preceded by [`DIGEST_PREFIX`]: one
    /// SHA-256 input, for encodings built whole on the stack.
    #[inline]
    pub(crate) fn of_prefixed(prefixed: &[u8]) -> KeyDigest {
        debug_assert!(prefixed.starts_with(&DIGEST_PREFIX));
        KeyDigest(Sha256::digest(prefixed).into())
    }
}

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
