//! The [`FrozenKey`] trait: canonical encoding plus canonical equality.

use crate::digest::{KeyDigest, Sha256Sink};
use crate::encoder::{Encoder, HasherSink, KeySink};
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use std::hash::Hasher;

pub(crate) mod sealed {
    /// Names the crate-internal hooks of [`FrozenKey`](super::FrozenKey): a type
    /// outside this crate can neither call nor override them.
    #[derive(Clone, Copy, Debug)]
    pub struct Internal(pub(crate) ());
}
use sealed::Internal;

/// A value with a canonical, prefix-free byte encoding and the equality that goes
/// with it: a value that can be a hash-map key, even when it holds floats.
///
/// Implement it with `#[derive(FrozenKey)]` (feature `derive`) for your own types,
/// or by hand by encoding the parts in order (see [`Encoder::begin_struct`]).
///
/// # Laws
/// * `a.key_eq(&b)` exactly when `a` and `b` have equal encodings. Hence equal keys
///   have equal [`key_hash`](FrozenKey::key_hash) results for every
///   [`Hasher`], and equal [`digest`](FrozenKey::digest)s.
/// * Encodings are prefix-free: no value's encoding is a proper prefix of another
///   value's of the same type, so fields placed side by side can never trade bytes.
/// * The encoding is the same on every platform (little-endian, `usize` as 64 bits)
///   and in every release with the same [`FORMAT_VERSION`](crate::FORMAT_VERSION).
///
/// # Example
/// ```
/// use tensor_key::FrozenKey;
/// use ndarray::array;
///
/// let a = array![[1.0f32, f32::NAN], [-0.0, 4.0]];
/// let b = array![[1.0f32, -f32::NAN], [0.0, 4.0]];
/// assert!(a.key_eq(&b));
/// assert_eq!(a.digest(), b.digest());
/// assert_eq!(a.encoding(), b.encoding());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a tensor key",
    label = "`{Self}` does not implement `FrozenKey`",
    note = "a key must not change while a map holds it: mutable references (`&mut T`, `ArrayViewMut`), raw pointers and interior mutability (`Cell`, `RefCell`, `Mutex`, `RwLock`, `OnceCell`, atomics) are never keys",
    note = "own the value, borrow it immutably with `&`, freeze it, or `#[derive(FrozenKey)]` on your own type"
)]
pub trait FrozenKey {
    /// Writes the canonical encoding of `self`.
    fn encode(&self, enc: &mut Encoder<'_>);

    /// Canonical equality under a float policy: true exactly when the encodings
    /// under `floats` are equal.
    ///
    /// ```
    /// use tensor_key::{FloatPolicy, FrozenKey};
    /// assert!(f32::NAN.key_eq_with(&-f32::NAN, FloatPolicy::Canonical));
    /// assert!(!f32::NAN.key_eq_with(&-f32::NAN, FloatPolicy::Bitwise));
    /// ```
    #[must_use]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool;

    /// Canonical equality: every NaN equals every NaN, `-0.0 == 0.0`.
    ///
    /// ```
    /// use tensor_key::FrozenKey;
    /// assert!((f64::NAN, -0.0f64).key_eq(&(-f64::NAN, 0.0)));
    /// assert!(!"a".key_eq("b"));
    /// ```
    #[inline]
    #[must_use]
    fn key_eq(&self, other: &Self) -> bool {
        self.key_eq_with(other, FloatPolicy::Canonical)
    }

    /// Feeds the encoding into `state`. The pieces `state` receives depend only on
    /// the value, so equal keys hash equally under every [`Hasher`].
    ///
    /// ```
    /// use std::hash::{BuildHasher, RandomState};
    /// use tensor_key::FrozenKey;
    /// use ndarray::array;
    ///
    /// let c = array![[1u32, 2], [3, 4]];
    /// let f = c.t().as_standard_layout().t().to_owned(); // same values, Fortran order
    /// let s = RandomState::new();
    /// let hash = |k: &ndarray::Array2<u32>| {
    ///     let mut h = s.build_hasher();
    ///     k.key_hash(&mut h);
    ///     std::hash::Hasher::finish(&h)
    /// };
    /// assert_eq!(hash(&c), hash(&f));
    /// ```
    #[inline]
    fn key_hash<H: Hasher + ?Sized>(&self, state: &mut H) {
        self.encode_into(&mut HasherSink(state));
    }

    /// The SHA-256 digest of the versioned encoding: stable across runs,
    /// processes, machines and releases.
    ///
    /// ```
    /// use tensor_key::FrozenKey;
    /// use ndarray::array;
    ///
    /// let d = array![1.0f32, 2.0].view().digest();
    /// assert_eq!(d.to_hex().len(), 64);
    /// assert_ne!(d, array![1.0f64, 2.0].digest()); // the element type is part of the key
    /// ```
    #[must_use]
    fn digest(&self) -> KeyDigest {
        let mut sink = Sha256Sink::new();
        self.encode_into(&mut sink);
        sink.finish()
    }

    /// Writes the encoding into any [`KeySink`]; allocates nothing itself.
    ///
    /// ```
    /// use tensor_key::FrozenKey;
    /// let mut bytes = Vec::new(); // `Vec<u8>` is a sink
    /// (1u8, true).encode_into(&mut bytes);
    /// assert_eq!(bytes, (1u8, true).encoding());
    /// ```
    fn encode_into(&self, sink: &mut dyn KeySink) {
        let mut enc = Encoder::new(sink);
        self.encode(&mut enc);
        enc.finish();
    }

    /// The encoding as a byte vector (for inspection and tests).
    ///
    /// ```
    /// use tensor_key::FrozenKey;
    /// assert_eq!(7u8.encoding(), [0x02, 7]);
    /// assert_eq!(Some(true).encoding(), [0x31, 0x01, 1]);
    /// ```
    #[must_use]
    fn encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Writes the header of an element block of `count` values of this type (in a
    /// sequence or tensor): a scalar's tag, or the composite marker.
    #[doc(hidden)]
    #[inline]
    fn __element_block(_count: usize, enc: &mut Encoder<'_>, _: Internal) {
        enc.put_tag(crate::format::tag::ANY);
    }

    /// Writes `self` as an element of a block opened by `__element_block`.
    #[doc(hidden)]
    #[inline]
    fn __encode_element(&self, enc: &mut Encoder<'_>, _: Internal) {
        self.encode(enc);
    }

    /// Writes a whole tensor of these elements: header, then one element
    /// block. Scalars fuse small tensors into a single write.
    #[doc(hidden)]
    #[inline]
    fn __encode_tensor(t: TensorRef<'_, Self>, enc: &mut Encoder<'_>, _: Internal)
    where
        Self: Sized,
    {
        encode_tensor_parts(t, enc);
    }

    /// A lone tensor's whole canonical encoding written into `out`, when its
    /// element type has a one-pass path and it fits; its length.
    #[doc(hidden)]
    #[inline]
    fn __small_tensor_encoding(
        _t: TensorRef<'_, Self>,
        _out: &mut [u8],
        _: Internal,
    ) -> Option<usize>
    where
        Self: Sized,
    {
        None
    }

    /// Writes the elements of a tensor (or sequence), in logical row-major
    /// order, inside an element block; scalars take the bulk paths.
    #[doc(hidden)]
    #[inline]
    fn __encode_elements(t: TensorRef<'_, Self>, enc: &mut Encoder<'_>, i: Internal)
    where
        Self: Sized,
    {
        t.for_each_run(|run| {
            for x in run.iter() {
                x.__encode_element(enc, i);
            }
        });
    }

    /// Canonical equality of the elements of two tensors (or sequences),
    /// element by element; scalars compare in bulk.
    #[doc(hidden)]
    #[inline]
    fn __elements_eq(
        a: TensorRef<'_, Self>,
        b: TensorRef<'_, Self>,
        floats: FloatPolicy,
        _: Internal,
    ) -> bool
    where
        Self: Sized,
    {
        a.zip_runs(&b, |x, y| {
            x.iter()
                .zip(y.iter())
                .all(|(p, q)| p.key_eq_with(q, floats))
        })
    }
}

/// Encodes an element block: header, then the elements of each part in order.
/// Shared by sequences and tensors.
pub(crate) fn encode_block<T: FrozenKey>(
    count: usize,
    parts: &[TensorRef<'_, T>],
    enc: &mut Encoder<'_>,
) {
    T::__element_block(count, enc, Internal(()));
    for part in parts {
        T::__encode_elements(*part, enc, Internal(()));
    }
}

/// A tensor as SPEC.md writes it: tag, rank, each extent, then one element
/// block in row-major order.
pub(crate) fn encode_tensor_parts<T: FrozenKey>(t: TensorRef<'_, T>, enc: &mut Encoder<'_>) {
    enc.put_tag(crate::format::tag::TENSOR);
    enc.put_len(t.shape().len());
    for &extent in t.shape() {
        enc.put_len(extent);
    }
    encode_block(t.len(), &[t], enc);
}

/// Canonical equality of two slices of keys.
#[inline]
pub(crate) fn slice_key_eq<T: FrozenKey>(a: &[T], b: &[T], floats: FloatPolicy) -> bool {
    a.len() == b.len()
        && TensorRef::with_slice(a, |a| {
            TensorRef::with_slice(b, |b| T::__elements_eq(a, b, floats, Internal(())))
        })
}

/// Implements `FrozenKey` for a type by delegating everything, element hooks
/// included, to the value it points to (`&T`, `Box<T>`, ...).
macro_rules! delegate_frozen_key {
    ($([$($gen:tt)*] $ty:ty => $target:ty;)*) => {$(
        impl<$($gen)*> $crate::FrozenKey for $ty {
            #[inline]
            fn encode(&self, enc: &mut $crate::Encoder<'_>) {
                <$target as $crate::FrozenKey>::encode(&**self, enc)
            }
            #[inline]
            fn key_eq_with(&self, other: &Self, floats: $crate::FloatPolicy) -> bool {
                <$target as $crate::FrozenKey>::key_eq_with(&**self, &**other, floats)
            }
            #[inline]
            fn __element_block(count: usize, enc: &mut $crate::Encoder<'_>, i: $crate::frozen_key::sealed::Internal) {
                <$target as $crate::FrozenKey>::__element_block(count, enc, i)
            }
            #[inline]
            fn __encode_element(&self, enc: &mut $crate::Encoder<'_>, i: $crate::frozen_key::sealed::Internal) {
                <$target as $crate::FrozenKey>::__encode_element(&**self, enc, i)
            }
        }
    )*};
}
pub(crate) use delegate_frozen_key;
