//! Constants of the canonical encoding. `SPEC.md` is the normative description;
//! every number here appears there.

/// Version of the canonical encoding, mixed into every [`KeyDigest`](crate::KeyDigest).
///
/// A change to any encoding rule bumps this number, and a bump is a breaking
/// release: digests computed under one version never match the other's.
///
/// ```
/// // Store it beside persisted digests to detect a format change.
/// assert_eq!(tensor_key::FORMAT_VERSION, 2);
/// ```
pub const FORMAT_VERSION: u8 = 2;

/// Bytes hashed before the encoding when a digest is taken: the format name,
/// a NUL, and [`FORMAT_VERSION`].
pub const DIGEST_PREFIX: [u8; 12] = *b"tensor-key\x00\x02";

/// The encoder hands bytes to its sink in pieces of this size (the last one
/// shorter). Every scalar width divides it.
pub(crate) const CHUNK: usize = 4096;

/// One-byte type tags. A value's encoding starts with its tag; inside a packed
/// element block the scalar tag is written once for all elements.
// Each constant is named as in SPEC.md section 3's table, which documents it.
#[allow(missing_docs)]
pub mod tag {
    pub const UNIT: u8 = 0x00;
    pub const BOOL: u8 = 0x01;
    pub const U8: u8 = 0x02;
    pub const U16: u8 = 0x03;
    pub const U32: u8 = 0x04;
    pub const U64: u8 = 0x05;
    pub const U128: u8 = 0x06;
    pub const I8: u8 = 0x07;
    pub const I16: u8 = 0x08;
    pub const I32: u8 = 0x09;
    pub const I64: u8 = 0x0A;
    pub const I128: u8 = 0x0B;
    pub const CHAR: u8 = 0x0C;

    // Canonical floats (NaN and -0.0 folded); the bitwise tag is the canonical one | 0x08.
    #[cfg_attr(not(feature = "half"), allow(dead_code))]
    pub const F16: u8 = 0x10;
    #[cfg_attr(not(feature = "half"), allow(dead_code))]
    pub const BF16: u8 = 0x11;
    pub const F32: u8 = 0x12;
    pub const F64: u8 = 0x13;
    pub const C32: u8 = 0x14;
    pub const C64: u8 = 0x15;
    pub const BITWISE: u8 = 0x08;

    pub const STR: u8 = 0x20;
    pub const NONE: u8 = 0x30;
    pub const SOME: u8 = 0x31;
    pub const TUPLE: u8 = 0x40;
    pub const SEQ: u8 = 0x41;
    pub const MAP: u8 = 0x42;
    pub const SET: u8 = 0x43;
    pub const TENSOR: u8 = 0x50;
    pub const STRUCT: u8 = 0x60;
    pub const VARIANT: u8 = 0x61;

    /// Element block of composite elements: each element is a full encoding.
    pub const ANY: u8 = 0xFF;
}
