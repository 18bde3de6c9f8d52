//! Serde support (feature `serde`): the formats of [`KeyDigest`] and
//! [`FrozenTensor`].
//!
//! # `KeyDigest`
//!
//! 64 lowercase hex characters in human-readable formats (JSON, TOML, YAML),
//! 32 raw bytes in binary ones (postcard, bincode, CBOR).
//!
//! # `FrozenTensor`
//!
//! A frozen tensor is a struct of four fields, in this order (binary formats
//! that write structs as tuples rely on the order; maps may have any order):
//!
//! | field   | value |
//! |---------|-------|
//! | `v`     | `1`, the version of this serde format (not [`FORMAT_VERSION`](crate::FORMAT_VERSION)) |
//! | `dtype` | the element type: `"bool"`, `"u8"`, `"u16"`, `"u32"`, `"u64"`, `"u128"`, `"i8"`, `"i16"`, `"i32"`, `"i64"`, `"i128"`, `"char"`, `"f16"`, `"bf16"`, `"f32"`, `"f64"`, `"complex64"` (`Complex<f32>`) or `"complex128"` (`Complex<f64>`) |
//! | `shape` | the extent of each axis, a sequence of unsigned integers |
//! | `data`  | the elements in logical row-major (C) order, whatever the memory layout |
//!
//! How `data` is written depends on the format's
//! [`is_human_readable`](::serde::Serializer::is_human_readable):
//!
//! * **Human-readable** formats get a sequence with one item per element.
//!   Floats are the **lowercase hex digits of their bit pattern**, fixed width
//!   (4 for `f16`/`bf16`, 8 for `f32`, 16 for `f64`) and without `0x`: `1.0f32`
//!   is `"3f800000"`, and NaN payloads, `-0.0`, infinities and subnormals all
//!   survive (JSON numbers could not carry them). A complex number is a pair
//!   `[re, im]` of such strings. Integers up to 64 bits are numbers, 128-bit
//!   ones decimal strings (many text formats have no 128-bit numbers), `bool`s
//!   are booleans and `char`s one-character strings. Hex digits are read in
//!   either case.
//! * **Binary** formats get one byte string: every element's little-endian
//!   bytes, back to back (a complex number: real part, then imaginary part;
//!   `bool`: one byte, 0 or 1; `char`: its code point as a `u32`).
//!
//! Deserializing checks everything and reports an error, never panics: the
//! version, the `dtype` (it must be exactly the element type asked for), the
//! rank (for static dimension types such as `Ix2`), that the element count
//! `shape` implies fits in memory and equals the number of elements in `data`,
//! and each element (bit patterns of the right width, `bool` bytes 0 or 1,
//! valid `char`s). Memory is reserved as `data` is read, never from the
//! claimed `shape`, so a forged shape cannot make it allocate more than the
//! input's size. `Bitwise<T>` elements use the format (and `dtype`) of `T`.
//!
//! ```
//! use ndarray::{array, Ix2};
//! use tensor_key::{Freeze, FrozenKey, FrozenTensor};
//!
//! let t = array![[1.0f32, f32::NAN], [-0.0, f32::INFINITY]].freeze();
//! let json = serde_json::to_string(&t).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"v":1,"dtype":"f32","shape":[2,2],"data":["3f800000","7fc00000","80000000","7f800000"]}"#
//! );
//! let back: FrozenTensor<f32, Ix2> = serde_json::from_str(&json).unwrap();
//! assert_eq!(back.get([1, 0]).map(|x| x.to_bits()), Some(0x8000_0000));
//! assert_eq!(back.digest(), t.digest());
//!
//! // A Fortran-ordered tensor is written in row-major order all the same.
//! let fortran = array![[1u8, 2], [3, 4]].reversed_axes().as_standard_layout().reversed_axes().freeze();
//! assert_eq!(
//!     serde_json::to_string(&fortran).unwrap(),
//!     r#"{"v":1,"dtype":"u8","shape":[2,2],"data":[1,2,3,4]}"#
//! );
//! // The wrong element type is an error.
//! assert!(serde_json::from_str::<FrozenTensor<f64, Ix2>>(&json).is_err());
//! ```

use crate::{Bitwise, FrozenKey, FrozenTensor, KeyDigest};
use ::serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{SerializeSeq, SerializeStruct, SerializeTuple, Serializer};
use ::serde::{Deserialize, Serialize};
use ndarray::{Array, Dimension, IxDyn};
use num_complex::Complex;
use std::fmt;
use std::marker::PhantomData;

impl Serialize for KeyDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_bytes(self.as_bytes())
        }
    }
}

impl<'de> Deserialize<'de> for KeyDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(DigestVisitor)
        } else {
            deserializer.deserialize_bytes(DigestVisitor)
        }
    }
}

struct DigestVisitor;

impl<'de> Visitor<'de> for DigestVisitor {
    type Value = KeyDigest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key digest: 64 hex characters or 32 bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyDigest, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<KeyDigest, E> {
        <[u8; 32]>::try_from(v)
            .map(KeyDigest::from_bytes)
            .map_err(|_| E::invalid_length(v.len(), &self))
    }

    /// Formats that write byte strings as sequences of numbers.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<KeyDigest, A::Error> {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
        }
        if seq.next_element::<u8>()?.is_some() {
            return Err(de::Error::invalid_length(33, &self));
        }
        Ok(KeyDigest::from_bytes(bytes))
    }
}

/// The version of the `FrozenTensor` serde format, the `v` field.
const SERDE_VERSION: u8 = 1;

/// Elements reserved at once while reading `data`: never trust a length hint.
const MAX_PREALLOC: usize = 4096;

mod sealed {
    pub trait Sealed {}
}

/// An element type that a [`FrozenTensor`] can be serialized with: `bool`,
/// the integers (`usize` and `isize` as `u64` and `i64`), `char`, `f32`, `f64`, `Complex<f32>`, `Complex<f64>`, `f16`
/// and `bf16` (feature `half`), and `Bitwise<T>` of each. This trait is sealed;
/// the [module documentation](self) describes the format.
pub trait TensorElement: FrozenKey + Sized + sealed::Sealed {
    /// The `dtype` name written with the tensor, such as `"f32"`.
    ///
    /// ```
    /// use tensor_key::serde::TensorElement;
    /// assert_eq!(<f32 as TensorElement>::DTYPE, "f32");
    /// assert_eq!(<num_complex::Complex<f64> as TensorElement>::DTYPE, "complex128");
    /// ```
    const DTYPE: &'static str;
    /// Bytes per element in binary formats.
    #[doc(hidden)]
    const SIZE: usize;
    /// Appends the little-endian bytes (binary formats).
    #[doc(hidden)]
    fn put_le(&self, out: &mut Vec<u8>);
    /// Reads `SIZE` little-endian bytes; `None` if they are not a valid value.
    #[doc(hidden)]
    fn get_le(bytes: &[u8]) -> Option<Self>;
    /// Writes the element for a human-readable format.
    #[doc(hidden)]
    fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// Reads the element from a human-readable format.
    #[doc(hidden)]
    fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error>;
}

macro_rules! int_element {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl TensorElement for $t {
            const DTYPE: &'static str = $name;
            const SIZE: usize = size_of::<$t>();
            fn put_le(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get_le(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
            fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.serialize(s)
            }
            fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
                <$t>::deserialize(d)
            }
        }
    )*};
}

int_element!(u8 => "u8", u16 => "u16", u32 => "u32", u64 => "u64",
             i8 => "i8", i16 => "i16", i32 => "i32", i64 => "i64");

/// `usize` and `isize` are 64-bit in keys, and so they are here: the dtypes of
/// `u64` and `i64` (on a 32-bit target, a value that does not fit is an error).
macro_rules! size_element {
    ($($t:ty => $wire:ty, $name:literal),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl TensorElement for $t {
            const DTYPE: &'static str = $name;
            const SIZE: usize = 8;
            fn put_le(&self, out: &mut Vec<u8>) {
                // Lossless: `usize` and `isize` have at most 64 bits.
                out.extend_from_slice(&(*self as $wire).to_le_bytes());
            }
            fn get_le(bytes: &[u8]) -> Option<Self> {
                <$t>::try_from(<$wire>::from_le_bytes(bytes.try_into().ok()?)).ok()
            }
            fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                (*self as $wire).serialize(s)
            }
            fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
                let wide = <$wire>::deserialize(d)?;
                <$t>::try_from(wide).map_err(|_| de::Error::custom(format_args!(
                    "{wide} does not fit in {}", stringify!($t)
                )))
            }
        }
    )*};
}

size_element!(usize => u64, "u64", isize => i64, "i64");

/// 128-bit integers: decimal strings in text.
macro_rules! wide_int_element {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl TensorElement for $t {
            const DTYPE: &'static str = $name;
            const SIZE: usize = 16;
            fn put_le(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get_le(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
            fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
            fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
                d.deserialize_str(ParseVisitor::<$t>(PhantomData, "a decimal integer string"))
            }
        }
    )*};
}

wide_int_element!(u128 => "u128", i128 => "i128");

impl sealed::Sealed for bool {}
impl TensorElement for bool {
    const DTYPE: &'static str = "bool";
    const SIZE: usize = 1;
    fn put_le(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn get_le(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }
    fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*self)
    }
    fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        bool::deserialize(d)
    }
}

impl sealed::Sealed for char {}
impl TensorElement for char {
    const DTYPE: &'static str = "char";
    const SIZE: usize = 4;
    fn put_le(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&u32::from(*self).to_le_bytes());
    }
    fn get_le(bytes: &[u8]) -> Option<Self> {
        char::from_u32(u32::from_le_bytes(bytes.try_into().ok()?))
    }
    fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(*self)
    }
    fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        char::deserialize(d)
    }
}

/// Floats: fixed-width hex of the bit pattern in text.
macro_rules! float_element {
    ($($(#[$attr:meta])* $t:ty => $bits:ty, $name:literal;)*) => {$(
        impl sealed::Sealed for $t {}
        $(#[$attr])*
        impl TensorElement for $t {
            const DTYPE: &'static str = $name;
            const SIZE: usize = size_of::<$bits>();
            fn put_le(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_bits().to_le_bytes());
            }
            fn get_le(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_bits(<$bits>::from_le_bytes(bytes.try_into().ok()?)))
            }
            fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&format_args!("{:0w$x}", self.to_bits(), w = 2 * Self::SIZE))
            }
            fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
                let bits = d.deserialize_str(HexVisitor { digits: 2 * Self::SIZE })?;
                // The visitor accepted exactly `2 * SIZE` hex digits: it fits.
                Ok(<$t>::from_bits(bits as $bits))
            }
        }
    )*};
}

float_element! {
    f32 => u32, "f32";
    f64 => u64, "f64";
}

#[cfg(feature = "half")]
float_element! {
    #[cfg_attr(docsrs, doc(cfg(feature = "half")))]
    half::f16 => u16, "f16";
    #[cfg_attr(docsrs, doc(cfg(feature = "half")))]
    half::bf16 => u16, "bf16";
}

/// Complex numbers: real part, then imaginary part; `[re, im]` in text.
macro_rules! complex_element {
    ($($t:ty => $name:literal;)*) => {$(
        impl sealed::Sealed for Complex<$t> {}
        impl TensorElement for Complex<$t> {
            const DTYPE: &'static str = $name;
            const SIZE: usize = 2 * <$t as TensorElement>::SIZE;
            fn put_le(&self, out: &mut Vec<u8>) {
                self.re.put_le(out);
                self.im.put_le(out);
            }
            fn get_le(bytes: &[u8]) -> Option<Self> {
                let (re, im) = bytes.split_at_checked(<$t as TensorElement>::SIZE)?;
                Some(Complex::new(<$t>::get_le(re)?, <$t>::get_le(im)?))
            }
            fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut pair = s.serialize_tuple(2)?;
                pair.serialize_element(&AsText(&self.re))?;
                pair.serialize_element(&AsText(&self.im))?;
                pair.end()
            }
            fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
                let (FromText(re), FromText(im)) = <(FromText<$t>, FromText<$t>)>::deserialize(d)?;
                Ok(Complex::new(re, im))
            }
        }
    )*};
}

complex_element! {
    f32 => "complex64";
    f64 => "complex128";
}

impl<T: TensorElement> sealed::Sealed for Bitwise<T> {}
impl<T: TensorElement> TensorElement for Bitwise<T> {
    const DTYPE: &'static str = T::DTYPE;
    const SIZE: usize = T::SIZE;
    fn put_le(&self, out: &mut Vec<u8>) {
        self.0.put_le(out);
    }
    fn get_le(bytes: &[u8]) -> Option<Self> {
        T::get_le(bytes).map(Bitwise)
    }
    fn ser_text<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.ser_text(s)
    }
    fn de_text<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        T::de_text(d).map(Bitwise)
    }
}

/// An element written in its text form.
struct AsText<'a, T>(&'a T);

impl<T: TensorElement> Serialize for AsText<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.ser_text(s)
    }
}

/// An element read from its text form.
struct FromText<T>(T);

impl<'de, T: TensorElement> Deserialize<'de> for FromText<T> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        T::de_text(d).map(FromText)
    }
}

/// Exactly `digits` hex digits, either case.
struct HexVisitor {
    digits: usize,
}

impl Visitor<'_> for HexVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a float bit pattern as {} hex digits", self.digits)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        if v.len() == self.digits && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            u64::from_str_radix(v, 16).map_err(E::custom)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

/// A string parsed with `FromStr`.
struct ParseVisitor<T>(PhantomData<T>, &'static str);

impl<T: std::str::FromStr> Visitor<'_> for ParseVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// The elements of a tensor in text form, in logical row-major order.
struct TextData<'a, A, D: Dimension>(&'a Array<A, D>);

impl<A: TensorElement, D: Dimension> Serialize for TextData<'_, A, D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for x in self.0 {
            seq.serialize_element(&AsText(x))?;
        }
        seq.end()
    }
}

/// A byte string.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// The format described in the [module documentation](self).
impl<A: TensorElement, D: Dimension> Serialize for FrozenTensor<A, D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let human = s.is_human_readable();
        let mut st = s.serialize_struct("FrozenTensor", 4)?;
        st.serialize_field("v", &SERDE_VERSION)?;
        st.serialize_field("dtype", A::DTYPE)?;
        st.serialize_field("shape", self.shape())?;
        if human {
            st.serialize_field("data", &TextData(self.as_array()))?;
        } else {
            let mut bytes = Vec::with_capacity(self.len() * A::SIZE);
            for x in self.as_array() {
                x.put_le(&mut bytes);
            }
            st.serialize_field("data", &Bytes(&bytes))?;
        }
        st.end()
    }
}

const FIELDS: &[&str] = &["v", "dtype", "shape", "data"];

/// The format described in the [module documentation](self); every malformed
/// input is an error.
impl<'de, A: TensorElement, D: Dimension> Deserialize<'de> for FrozenTensor<A, D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        let human = d.is_human_readable();
        d.deserialize_struct(
            "FrozenTensor",
            FIELDS,
            TensorVisitor::<A, D> {
                human,
                marker: PhantomData,
            },
        )
    }
}

struct TensorVisitor<A, D> {
    human: bool,
    marker: PhantomData<fn() -> (A, D)>,
}

impl<'de, A: TensorElement, D: Dimension> Visitor<'de> for TensorVisitor<A, D> {
    type Value = FrozenTensor<A, D>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a FrozenTensor of dtype {}", A::DTYPE)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let missing = |i| de::Error::invalid_length(i, &"a FrozenTensor: v, dtype, shape, data");
        let v: u8 = seq.next_element()?.ok_or_else(|| missing(0))?;
        check_version(v)?;
        seq.next_element_seed(DtypeSeed(A::DTYPE))?
            .ok_or_else(|| missing(1))?;
        let shape: Vec<u64> = seq.next_element()?.ok_or_else(|| missing(2))?;
        let data = seq
            .next_element_seed(DataSeed::<A>(self.human, PhantomData))?
            .ok_or_else(|| missing(3))?;
        build(&shape, data)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let (mut v, mut dtype, mut shape, mut data) = (None, None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            let duplicate = match field {
                Field::V => v.replace(map.next_value::<u8>()?).is_some(),
                Field::Dtype => dtype
                    .replace(map.next_value_seed(DtypeSeed(A::DTYPE))?)
                    .is_some(),
                Field::Shape => shape.replace(map.next_value::<Vec<u64>>()?).is_some(),
                Field::Data => data
                    .replace(map.next_value_seed(DataSeed::<A>(self.human, PhantomData))?)
                    .is_some(),
            };
            if duplicate {
                return Err(de::Error::custom("duplicate field in FrozenTensor"));
            }
        }
        check_version(v.ok_or_else(|| de::Error::missing_field("v"))?)?;
        dtype.ok_or_else(|| de::Error::missing_field("dtype"))?;
        let shape = shape.ok_or_else(|| de::Error::missing_field("shape"))?;
        build(
            &shape,
            data.ok_or_else(|| de::Error::missing_field("data"))?,
        )
    }
}

fn check_version<E: de::Error>(v: u8) -> Result<(), E> {
    if v == SERDE_VERSION {
        Ok(())
    } else {
        Err(E::custom(format_args!(
            "unsupported FrozenTensor serde format version {v} (this release reads version {SERDE_VERSION})"
        )))
    }
}

/// Checks the shape against the rank of `D` and the number of elements, then
/// builds the tensor.
fn build<A: TensorElement, D: Dimension, E: de::Error>(
    shape: &[u64],
    data: Vec<A>,
) -> Result<FrozenTensor<A, D>, E> {
    if let Some(rank) = D::NDIM
        && rank != shape.len()
    {
        return Err(E::custom(format_args!(
            "expected a tensor of rank {rank}, found a shape of rank {}",
            shape.len()
        )));
    }
    let overflow = || E::custom("tensor shape overflows: its element count does not fit in memory");
    let dims = shape
        .iter()
        .map(|&n| usize::try_from(n))
        .collect::<Result<Vec<usize>, _>>()
        .map_err(|_| overflow())?;
    let len = dims
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(overflow)?;
    if len != data.len() {
        return Err(E::custom(format_args!(
            "tensor data has {} elements, its shape needs {len}",
            data.len()
        )));
    }
    let array = Array::from_shape_vec(IxDyn(&dims), data)
        .map_err(|e| E::custom(format_args!("invalid tensor shape: {e}")))?
        .into_dimensionality::<D>()
        .map_err(|e| E::custom(format_args!("invalid tensor shape: {e}")))?;
    Ok(FrozenTensor::new(array))
}

#[derive(Clone, Copy)]
enum Field {
    V,
    Dtype,
    Shape,
    Data,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a FrozenTensor field: v, dtype, shape or data")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                match v {
                    "v" => Ok(Field::V),
                    "dtype" => Ok(Field::Dtype),
                    "shape" => Ok(Field::Shape),
                    "data" => Ok(Field::Data),
                    _ => Err(E::unknown_field(v, FIELDS)),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
                match v {
                    0 => Ok(Field::V),
                    1 => Ok(Field::Dtype),
                    2 => Ok(Field::Shape),
                    3 => Ok(Field::Data),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
        }
        d.deserialize_identifier(FieldVisitor)
    }
}

/// Accepts exactly the expected dtype name, without allocating.
struct DtypeSeed(&'static str);

impl<'de> DeserializeSeed<'de> for DtypeSeed {
    type Value = ();
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<(), De::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for DtypeSeed {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dtype {:?}", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v == self.0 {
            Ok(())
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

/// Reads `data`: a sequence of text elements, or one byte string.
struct DataSeed<A>(bool, PhantomData<fn() -> A>);

impl<'de, A: TensorElement> DeserializeSeed<'de> for DataSeed<A> {
    type Value = Vec<A>;
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<Vec<A>, De::Error> {
        if self.0 {
            d.deserialize_seq(self)
        } else {
            d.deserialize_bytes(self)
        }
    }
}

impl<'de, A: TensorElement> Visitor<'de> for DataSeed<A> {
    type Value = Vec<A>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 {
            write!(f, "a sequence of {} elements", A::DTYPE)
        } else {
            write!(f, "the little-endian bytes of {} elements", A::DTYPE)
        }
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<A>, S::Error> {
        let hint = seq.size_hint().unwrap_or(0).min(MAX_PREALLOC);
        if self.0 {
            let mut out = Vec::with_capacity(hint);
            while let Some(FromText(x)) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        } else {
            // Formats that write byte strings as sequences of numbers.
            let mut bytes = Vec::with_capacity(hint);
            while let Some(b) = seq.next_element::<u8>()? {
                bytes.push(b);
            }
            self.visit_bytes(&bytes)
        }
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<A>, E> {
        if !v.len().is_multiple_of(A::SIZE) {
            return Err(E::invalid_length(v.len(), &self));
        }
        v.chunks_exact(A::SIZE)
            .map(|chunk| {
                A::get_le(chunk).ok_or_else(|| {
                    E::custom(format_args!(
                        "invalid {} element bytes {chunk:02x?}",
                        A::DTYPE
                    ))
                })
            })
            .collect()
    }
}
