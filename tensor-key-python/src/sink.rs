//! Where encodings go: a byte buffer (for `encoding()` and `Key`) or a SHA-256
//! state (for `digest()`), and how a value is handed to the core crate.

use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;
use sha2::{Digest, Sha256};
use tensor_key::{Bitwise, FrozenKey, KeySink};

/// SPEC.md section 2: the bytes hashed before the encoding, the core crate's
/// own (so a format version bump reaches this package too).
pub(crate) use tensor_key::__private::DIGEST_PREFIX;

/// An encoding's destination.
pub(crate) enum Sink {
    /// The encoding itself.
    Buf(Vec<u8>),
    /// SHA-256 of `DIGEST_PREFIX` and the encoding.
    Sha(Sha256),
}

impl Sink {
    pub(crate) fn buffer() -> Self {
        Sink::Buf(Vec::new())
    }

    pub(crate) fn sha256() -> Self {
        let mut state = Sha256::new();
        state.update(DIGEST_PREFIX);
        Sink::Sha(state)
    }

    /// Makes room for `n` more bytes in a buffer, or says cleanly that there is
    /// none: a tensor whose encoding cannot be held (a broadcast view of 10^12
    /// elements, say) is a `MemoryError`, never an abort.
    pub(crate) fn reserve(&mut self, n: Option<usize>) -> PyResult<()> {
        if let Sink::Buf(v) = self {
            let ok = n.is_some_and(|n| v.try_reserve(n).is_ok());
            if !ok {
                return Err(PyMemoryError::new_err(format!(
                    "the canonical encoding of this value needs {} bytes, which cannot be \
                     allocated; Key() and encoding() keep a copy of it, digest() does not",
                    n.map_or_else(|| "more than usize::MAX".to_string(), |n| n.to_string())
                )));
            }
        }
        Ok(())
    }

    /// Writes one tag byte.
    #[inline]
    pub(crate) fn write_tag(&mut self, t: u8) {
        self.write(&[t]);
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        match self {
            Sink::Buf(v) => v,
            Sink::Sha(_) => unreachable!("a digest sink has no bytes"),
        }
    }

    pub(crate) fn into_digest(self) -> [u8; 32] {
        match self {
            Sink::Sha(s) => s.finalize().into(),
            Sink::Buf(v) => {
                let mut state = Sha256::new();
                state.update(DIGEST_PREFIX);
                state.update(&v);
                state.finalize().into()
            }
        }
    }
}

impl KeySink for Sink {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        match self {
            Sink::Buf(v) => v.extend_from_slice(bytes),
            Sink::Sha(s) => s.update(bytes),
        }
    }
}

/// Drops the first `skip` bytes written, then passes the rest on: a slab of a
/// big tensor is encoded by the core crate as a tensor of its own, and only its
/// elements are kept.
pub(crate) struct SkipSink<'a> {
    pub(crate) inner: &'a mut Sink,
    pub(crate) skip: usize,
}

impl KeySink for SkipSink<'_> {
    fn write(&mut self, bytes: &[u8]) {
        let drop = self.skip.min(bytes.len());
        self.skip -= drop;
        if drop < bytes.len() {
            self.inner.write(&bytes[drop..]);
        }
    }
}

/// Writes the core crate's encoding of `k` under the float policy.
#[inline]
pub(crate) fn emit<K: FrozenKey + ?Sized>(k: &K, bitwise: bool, sink: &mut dyn KeySink) {
    if bitwise {
        Bitwise(k).encode_into(sink);
    } else {
        k.encode_into(sink);
    }
}

/// Lengths, counts, ranks and extents (SPEC.md 4.1).
#[inline]
pub(crate) fn put_len(sink: &mut dyn KeySink, n: usize) {
    sink.write(&(n as u64).to_le_bytes());
}

/// 64 lowercase hex digits, first byte first.
pub(crate) fn hex_digits(d: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = DIGITS[(b >> 4) as usize];
        out[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    out
}

/// 64 lowercase hex digits as a `String`.
pub(crate) fn hex(d: &[u8; 32]) -> String {
    String::from_utf8(hex_digits(d).to_vec()).expect("hex digits are ASCII")
}
