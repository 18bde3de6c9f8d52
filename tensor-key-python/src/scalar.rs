//! Scalar element types by SPEC.md tag: one place that maps a tag to the Rust
//! type whose `FrozenKey` implementation (in the `tensor-key` crate) writes it.

use half::{bf16, f16};
use num_complex::Complex;
use tensor_key::FrozenKey;

/// SPEC.md section 3 tags, from the format's own constants in the core crate.
pub(crate) use tensor_key::__private::tag;

/// Payload width in bytes of a scalar tag (SPEC.md section 3), or `None` for a
/// tag that is not a scalar type's.
pub(crate) fn width(t: u8) -> Option<usize> {
    Some(match t {
        tag::BOOL | tag::U8 | tag::I8 => 1,
        tag::U16 | tag::I16 | tag::F16 | tag::BF16 => 2,
        tag::U32 | tag::I32 | tag::CHAR | tag::F32 => 4,
        tag::U64 | tag::I64 | tag::F64 | tag::C32 => 8,
        tag::U128 | tag::I128 | tag::C64 => 16,
        _ => return None,
    })
}

/// True for the float and complex tags, whose tag changes under Bitwise.
pub(crate) fn is_float(t: u8) -> bool {
    (tag::F16..=tag::C64).contains(&t)
}

/// The tag written for elements of type `t` under the policy (`| 0x08` for
/// floats under Bitwise, SPEC.md section 5.1).
pub(crate) fn tag_under(t: u8, bitwise: bool) -> u8 {
    if bitwise && is_float(t) { t | 0x08 } else { t }
}

/// The canonical tag of a bitwise float tag (`18`–`1D`); other tags unchanged.
pub(crate) fn canonical_tag(t: u8) -> u8 {
    if (0x18..=0x1D).contains(&t) {
        t & !0x08
    } else {
        t
    }
}

/// The Rust name of a scalar tag, for messages and `repr`.
pub(crate) fn name(t: u8) -> &'static str {
    match canonical_tag(t) {
        tag::BOOL => "bool",
        tag::U8 => "u8",
        tag::U16 => "u16",
        tag::U32 => "u32",
        tag::U64 => "u64",
        tag::U128 => "u128",
        tag::I8 => "i8",
        tag::I16 => "i16",
        tag::I32 => "i32",
        tag::I64 => "i64",
        tag::I128 => "i128",
        tag::CHAR => "char",
        tag::F16 => "f16",
        tag::BF16 => "bf16",
        tag::F32 => "f32",
        tag::F64 => "f64",
        tag::C32 => "c32",
        tag::C64 => "c64",
        _ => "?",
    }
}

/// A scalar element type of the core crate: what a tensor view, a `Vec` or a
/// single value of it needs.
pub(crate) trait Elem: FrozenKey + Copy + Send + Sync + 'static {
    /// The value from its little-endian payload bits (SPEC.md section 3):
    /// integers in two's complement, floats as raw bits, complex numbers as the
    /// real part's bits in the low half and the imaginary part's in the high half.
    fn from_bits(bits: u128) -> Self;
}

macro_rules! int_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            #[inline]
            fn from_bits(bits: u128) -> Self {
                bits as $t
            }
        }
    )*};
}
int_elem!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);

impl Elem for bool {
    fn from_bits(bits: u128) -> Self {
        bits != 0
    }
}
impl Elem for char {
    fn from_bits(bits: u128) -> Self {
        // Code points are validated where they enter (`walk::scalar_bits`).
        char::from_u32(bits as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}
impl Elem for f16 {
    fn from_bits(bits: u128) -> Self {
        f16::from_bits(bits as u16)
    }
}
impl Elem for bf16 {
    fn from_bits(bits: u128) -> Self {
        bf16::from_bits(bits as u16)
    }
}
impl Elem for f32 {
    fn from_bits(bits: u128) -> Self {
        f32::from_bits(bits as u32)
    }
}
impl Elem for f64 {
    fn from_bits(bits: u128) -> Self {
        f64::from_bits(bits as u64)
    }
}
impl Elem for Complex<f32> {
    fn from_bits(bits: u128) -> Self {
        Complex::new(
            f32::from_bits(bits as u32),
            f32::from_bits((bits >> 32) as u32),
        )
    }
}
impl Elem for Complex<f64> {
    fn from_bits(bits: u128) -> Self {
        Complex::new(
            f64::from_bits(bits as u64),
            f64::from_bits((bits >> 64) as u64),
        )
    }
}

/// Something done with the element type of a tag.
pub(crate) trait Visit {
    type Out;
    fn visit<T: Elem>(self) -> Self::Out;
}

/// Runs `v` with the Rust type of scalar tag `t`; `None` for a non-scalar tag.
pub(crate) fn dispatch<V: Visit>(t: u8, v: V) -> Option<V::Out> {
    Some(match t {
        tag::BOOL => v.visit::<bool>(),
        tag::U8 => v.visit::<u8>(),
        tag::U16 => v.visit::<u16>(),
        tag::U32 => v.visit::<u32>(),
        tag::U64 => v.visit::<u64>(),
        tag::U128 => v.visit::<u128>(),
        tag::I8 => v.visit::<i8>(),
        tag::I16 => v.visit::<i16>(),
        tag::I32 => v.visit::<i32>(),
        tag::I64 => v.visit::<i64>(),
        tag::I128 => v.visit::<i128>(),
        tag::CHAR => v.visit::<char>(),
        tag::F16 => v.visit::<f16>(),
        tag::BF16 => v.visit::<bf16>(),
        tag::F32 => v.visit::<f32>(),
        tag::F64 => v.visit::<f64>(),
        tag::C32 => v.visit::<Complex<f32>>(),
        tag::C64 => v.visit::<Complex<f64>>(),
        _ => return None,
    })
}
