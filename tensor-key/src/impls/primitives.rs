//! Scalars, `str`/`String`, `()` and [`Bitwise`].

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::format::tag;
use crate::frozen_key::encode_tensor_parts;
use crate::frozen_key::sealed::Internal;
use crate::kernels::strided::TensorRef;
use crate::policy::{Bitwise, FloatPolicy};
use crate::scalar::{self, Scalar};
use num_complex::Complex;

macro_rules! scalar_key {
    ($($(#[$attr:meta])* $t:ty),*) => {$(
        $(#[$attr])*
        impl FrozenKey for $t {
            #[inline]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.put_tag(<$t as Scalar>::tag(enc.floats()));
                scalar::put_scalar(*self, enc);
            }
            #[inline]
            fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
                Scalar::eq_under(*self, *other, floats)
            }
            #[inline]
            fn __element_block(count: usize, enc: &mut Encoder<'_>, _: Internal) {
                scalar::block_header::<$t>(count, enc);
            }
            #[inline]
            fn __encode_element(&self, enc: &mut Encoder<'_>, _: Internal) {
                scalar::put_scalar(*self, enc);
            }
            #[inline]
            fn __encode_tensor(t: TensorRef<'_, Self>, enc: &mut Encoder<'_>, _: Internal) {
                if !scalar::put_small_tensor(t, enc) {
                    encode_tensor_parts(t, enc);
                }
            }
            #[inline]
            fn __small_tensor_encoding(t: TensorRef<'_, Self>, out: &mut [u8], _: Internal) -> Option<usize> {
                scalar::small_tensor_encoding(t, out)
            }
            #[inline]
            fn __encode_elements(t: TensorRef<'_, Self>, enc: &mut Encoder<'_>, _: Internal) {
                scalar::put_elements(t, enc);
            }
            #[inline]
            fn __elements_eq(a: TensorRef<'_, Self>, b: TensorRef<'_, Self>, floats: FloatPolicy, _: Internal) -> bool {
                scalar::elements_eq(a, b, floats)
            }
        }
    )*};
}

scalar_key!(
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    Complex<f32>,
    Complex<f64>
);

#[cfg(feature = "half")]
scalar_key!(
    #[cfg_attr(docsrs, doc(cfg(feature = "half")))]
    half::f16,
    #[cfg_attr(docsrs, doc(cfg(feature = "half")))]
    half::bf16
);

impl FrozenKey for () {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.put_tag(tag::UNIT);
    }
    fn key_eq_with(&self, _: &Self, _: FloatPolicy) -> bool {
        true
    }
}

impl FrozenKey for str {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.put_tag(tag::STR);
        enc.put_len(self.len());
        enc.put(self.as_bytes());
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

impl FrozenKey for String {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.as_str().encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

impl<T: FrozenKey> FrozenKey for Bitwise<T> {
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.with_floats(FloatPolicy::Bitwise, |enc| self.0.encode(enc));
    }
    #[inline]
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self.0.key_eq_with(&other.0, FloatPolicy::Bitwise)
    }
    #[inline]
    fn __element_block(count: usize, enc: &mut Encoder<'_>, i: Internal) {
        enc.with_floats(FloatPolicy::Bitwise, |enc| {
            T::__element_block(count, enc, i)
        });
    }
    #[inline]
    fn __encode_element(&self, enc: &mut Encoder<'_>, i: Internal) {
        enc.with_floats(FloatPolicy::Bitwise, |enc| self.0.__encode_element(enc, i));
    }
    fn __encode_tensor(t: TensorRef<'_, Self>, enc: &mut Encoder<'_>, i: Internal) {
        let inner = t.unwrap_bitwise();
        enc.with_floats(FloatPolicy::Bitwise, |enc| {
            T::__encode_tensor(inner, enc, i)
        });
    }
    fn __encode_elements(t: TensorRef<'_, Self>, enc: &mut Encoder<'_>, i: Internal) {
        let inner = t.unwrap_bitwise();
        enc.with_floats(FloatPolicy::Bitwise, |enc| {
            T::__encode_elements(inner, enc, i)
        });
    }
    fn __elements_eq(
        a: TensorRef<'_, Self>,
        b: TensorRef<'_, Self>,
        _: FloatPolicy,
        i: Internal,
    ) -> bool {
        T::__elements_eq(
            a.unwrap_bitwise(),
            b.unwrap_bitwise(),
            FloatPolicy::Bitwise,
            i,
        )
    }
}
