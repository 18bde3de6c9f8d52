//! ndarray tensors of any storage that cannot mutate, any dimension and any
//! element key type.

use crate::FrozenKey;
use crate::KeyDigest;
use crate::digest::Sha256Sink;
use crate::encoder::Encoder;
use crate::encoder::HasherSink;
use crate::format::DIGEST_PREFIX;
use crate::frozen_key::sealed::Internal;
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use ndarray::{ArrayBase, CowRepr, Data, Dimension, OwnedArcRepr, OwnedRepr, ViewRepr};
use std::hash::Hasher;

mod sealed {
    pub trait Sealed {}
}

/// Array storage that can back a key: owned (`Array`), shared (`ArcArray`),
/// borrowed read-only (`ArrayView`) and copy-on-write (`CowArray`).
///
/// Mutable views (`ArrayViewMut`) and raw views are deliberately not key storage:
/// whoever holds them could change the key while a map holds it. This trait is
/// sealed.
///
/// ```compile_fail
/// use ndarray::Array2;
/// use tensor_key::Key;
/// let mut a = Array2::<f32>::zeros((2, 2));
/// let _ = Key::new(a.view_mut()); // error: mutable or raw array storage
/// ```
///
/// ```
/// use ndarray::Array2;
/// use tensor_key::{Freeze, Key};
/// let mut a = Array2::<f32>::zeros((2, 2));
/// let _ = Key::new(a.view());           // a read-only view is fine
/// let _ = Key::new(a.view_mut().freeze()); // or freeze a copy
/// ```
#[diagnostic::on_unimplemented(
    message = "an array with `{Self}` storage cannot be used as a tensor key",
    label = "mutable or raw array storage",
    note = "a mutable view (`ArrayViewMut`) or raw view could change the key while a map holds it",
    note = "use `.view()` for a read-only view, `.to_owned()` for a copy, or freeze the array"
)]
pub trait KeyStorage: Data + sealed::Sealed {}

impl<A> sealed::Sealed for OwnedRepr<A> {}
impl<A> KeyStorage for OwnedRepr<A> {}
impl<A> sealed::Sealed for OwnedArcRepr<A> {}
impl<A> KeyStorage for OwnedArcRepr<A> {}
impl<A> sealed::Sealed for ViewRepr<&A> {}
impl<A> KeyStorage for ViewRepr<&A> {}
impl<A> sealed::Sealed for CowRepr<'_, A> {}
impl<A> KeyStorage for CowRepr<'_, A> {}

/// A tensor's key is its shape and its elements in logical row-major order;
/// strides and memory order never enter it.
impl<A, S, D> FrozenKey for ArrayBase<S, D>
where
    A: FrozenKey,
    S: KeyStorage<Elem = A>,
    D: Dimension,
{
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_tensor(TensorRef::of_array(self), enc);
    }

    #[inline]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        tensor_eq(
            TensorRef::of_array(self),
            TensorRef::of_array(other),
            floats,
        )
    }

    #[inline]
    fn key_hash<H: Hasher + ?Sized>(&self, state: &mut H) {
        tensor_key_hash(TensorRef::of_array(self), state);
    }

    #[inline]
    fn digest(&self) -> KeyDigest {
        tensor_digest(TensorRef::of_array(self))
    }
}

/// The memory form of a tensor is a key like the array it comes from (used by
/// lookups, which hold one without its dimension type).
impl<A: FrozenKey> FrozenKey for TensorRef<'_, A> {
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_tensor(*self, enc);
    }

    #[inline]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        tensor_eq(*self, *other, floats)
    }

    #[inline]
    fn key_hash<H: Hasher + ?Sized>(&self, state: &mut H) {
        tensor_key_hash(*self, state);
    }

    #[inline]
    fn digest(&self) -> KeyDigest {
        tensor_digest(*self)
    }
}

/// Tag, rank, each extent, then one element block in row-major order.
#[inline]
pub(crate) fn encode_tensor<A: FrozenKey>(t: TensorRef<'_, A>, enc: &mut Encoder<'_>) {
    A::__encode_tensor(t, enc, Internal(()));
}

/// `key_hash` of a lone tensor. Small tensors skip the encoder: their
/// encoding is one piece, built on the stack and written at once, exactly the
/// write the encoder would make.
#[inline]
pub(crate) fn tensor_key_hash<A: FrozenKey, H: Hasher + ?Sized>(
    t: TensorRef<'_, A>,
    state: &mut H,
) {
    with_small_encoding(t, &[], |small| match small {
        Some(bytes) => state.write(bytes),
        None => t.encode_into(&mut HasherSink(state)),
    });
}

/// `digest` of a lone tensor, with the same shortcut for small tensors: the
/// digest prefix and the encoding go to SHA-256 as one input (two `update`
/// calls cost a 4 x 4 key a quarter more).
#[inline]
pub(crate) fn tensor_digest<A: FrozenKey>(t: TensorRef<'_, A>) -> KeyDigest {
    with_small_encoding(t, &DIGEST_PREFIX, |small| match small {
        Some(prefixed) => KeyDigest::of_prefixed(prefixed),
        None => {
            let mut sink = Sha256Sink::new();
            t.encode_into(&mut sink);
            sink.finish()
        }
    })
}

/// Calls `f` with `prefix` followed by a small tensor's whole encoding, built
/// on the stack, or with `None` when the tensor is not small. Two buffers, the
/// small one first: clearing the larger costs a 4 x 4 key about as much as
/// its hash.
#[inline(always)]
fn with_small_encoding<A: FrozenKey, R>(
    t: TensorRef<'_, A>,
    prefix: &[u8],
    f: impl FnOnce(Option<&[u8]>) -> R,
) -> R {
    let p = prefix.len();
    let mut buf = [0u8; TINY_KEY_BYTES + DIGEST_PREFIX.len()];
    buf[..p].copy_from_slice(prefix);
    if let Some(n) = A::__small_tensor_encoding(t, &mut buf[p..], Internal(())) {
        return f(Some(&buf[..p + n]));
    }
    let mut buf = [0u8; SMALL_KEY_BYTES + DIGEST_PREFIX.len()];
    buf[..p].copy_from_slice(prefix);
    match A::__small_tensor_encoding(t, &mut buf[p..], Internal(())) {
        Some(n) => f(Some(&buf[..p + n])),
        None => f(None),
    }
}

/// Stack space for the encodings of small tensors hashed alone: an 8 x 8
/// f32 matrix with its header fits.
const SMALL_KEY_BYTES: usize = 512;

/// Stack space tried first: a 4 x 4 f64 matrix with its header fits.
const TINY_KEY_BYTES: usize = 160;

/// Equal shapes and canonically equal elements.
#[inline]
pub(crate) fn tensor_eq<A: FrozenKey>(
    a: TensorRef<'_, A>,
    b: TensorRef<'_, A>,
    floats: FloatPolicy,
) -> bool {
    // Extents compared one by one: a slice `==` is a `memcmp` call, which
    // costs a small key as much as its elements.
    let (x, y) = (a.shape(), b.shape());
    x.len() == y.len()
        && x.iter().zip(y).all(|(p, q)| p == q)
        && A::__elements_eq(a, b, floats, Internal(()))
}

/// Every fast path (the stack shortcut of a lone small tensor, the fused
/// one-pass write, one slice, banded transposes, strided runs) hands a sink
/// exactly the writes of the most general path: header, element block header,
/// then each element encoded on its own in logical order.
#[cfg(test)]
mod fast_paths {
    use super::*;
    use crate::encoder::KeySink;
    use crate::frozen_key::encode_tensor_parts;
    use ndarray::{ArrayD, IxDyn, ShapeBuilder, Slice};
    use num_complex::Complex;
    use proptest::prelude::*;

    /// Records every write, boundaries included.
    #[derive(Default, Debug, PartialEq)]
    struct Writes(Vec<Vec<u8>>);

    impl KeySink for Writes {
        fn write(&mut self, bytes: &[u8]) {
            self.0.push(bytes.to_vec());
        }
    }

    impl Hasher for Writes {
        fn write(&mut self, bytes: &[u8]) {
            self.0.push(bytes.to_vec());
        }
        fn finish(&self) -> u64 {
            0
        }
    }

    fn with_encoder(f: impl FnOnce(&mut Encoder<'_>)) -> Writes {
        let mut w = Writes::default();
        let mut enc = Encoder::new(&mut w);
        f(&mut enc);
        enc.finish();
        w
    }

    fn general<A: FrozenKey>(a: &ArrayD<A>, floats: FloatPolicy) -> Writes {
        with_encoder(|enc| {
            enc.with_floats(floats, |enc| {
                enc.put_tag(crate::format::tag::TENSOR);
                enc.put_len(a.ndim());
                for &n in a.shape() {
                    enc.put_len(n);
                }
                A::__element_block(a.len(), enc, Internal(()));
                for x in a.iter() {
                    x.__encode_element(enc, Internal(()));
                }
            })
        })
    }

    /// The layouts of `a`'s values: C order, Fortran order, reversed and
    /// stepped axes, permuted axes (through a transposed store).
    fn layouts<A: Clone + Default>(a: &ArrayD<A>) -> Vec<ArrayD<A>> {
        let shape = a.shape().to_vec();
        let mut f = ArrayD::<A>::default(IxDyn(&shape).f());
        f.assign(a);
        let doubled: Vec<usize> = shape.iter().map(|&n| 2 * n).collect();
        let mut store = ArrayD::<A>::default(IxDyn(&doubled));
        store
            .slice_each_axis_mut(|_| Slice::new(0, None, -2))
            .assign(a);
        let mut t = ArrayD::<A>::default(IxDyn(&shape).f());
        t.assign(a);
        vec![a.clone(), f, store, t]
    }

    /// Views of the same values in the layouts of [`layouts`]' stores.
    fn views<A>(stores: &[ArrayD<A>]) -> Vec<ndarray::ArrayViewD<'_, A>> {
        let mut views: Vec<_> = stores.iter().map(|x| x.view()).collect();
        views[2] = stores[2].slice_each_axis(|_| Slice::new(0, None, -2));
        views
    }

    fn check<A: FrozenKey + Clone + Default>(a: &ArrayD<A>) {
        let expected = general(a, FloatPolicy::Canonical);
        let stores = layouts(a);
        for v in &views(&stores) {
            assert_eq!(v.shape(), a.shape());
            let mut hashed = Writes::default();
            v.key_hash(&mut hashed);
            assert_eq!(hashed, expected, "key_hash");
            let mut encoded = Writes::default();
            v.encode_into(&mut encoded);
            assert_eq!(encoded, expected, "encode_into");
            let t = TensorRef::of_array(v);
            assert_eq!(with_encoder(|enc| encode_tensor_parts(t, enc)), expected);
            assert_eq!(v.digest(), {
                let mut sink = Sha256Sink::new();
                sink.write(&expected.0.concat());
                sink.finish()
            });
            let bitwise = general(a, FloatPolicy::Bitwise);
            assert_eq!(crate::Bitwise(v).encoding(), bitwise.0.concat());
        }
    }

    fn shape() -> impl Strategy<Value = Vec<usize>> {
        prop_oneof![
            prop::collection::vec(0usize..6, 0..5),
            // Past a piece, so bands, runs and piece cuts are exercised.
            (40usize..80, 20usize..60).prop_map(|(r, c)| vec![r, c]),
            (3usize..9, 2usize..4, 60usize..200).prop_map(|(a, b, c)| vec![a, b, c]),
        ]
    }

    fn f32_value() -> impl Strategy<Value = f32> {
        prop_oneof![
            4 => (-4i8..4).prop_map(f32::from),
            1 => Just(-0.0f32),
            1 => any::<u32>().prop_map(|p| f32::from_bits(0x7F80_0001 | p)),
            1 => any::<f32>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn f32_paths_write_what_the_general_path_writes(
            (shape, values) in shape().prop_flat_map(|s| {
                let n = s.iter().product::<usize>();
                (Just(s), prop::collection::vec(f32_value(), n))
            })
        ) {
            let a = ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap();
            check(&a);
            check(&a.mapv(f64::from));
        }

        /// Tensors one element apart are unequal in every pair of layouts,
        /// whichever element it is; tensors apart only in NaN payloads and
        /// zero signs are equal.
        #[test]
        fn one_element_apart_is_unequal_in_every_layout(
            (shape, x, at) in shape().prop_flat_map(|s| {
                let n = s.iter().product::<usize>();
                (Just(s), prop::collection::vec(f32_value(), n), 0..n.max(1))
            })
        ) {
            let x = ArrayD::from_shape_vec(IxDyn(&shape), x).unwrap();
            if x.is_empty() {
                return Ok(());
            }
            let mut y = x.clone();
            let slot = y.iter_mut().nth(at).unwrap();
            *slot = if *slot == 7.5 { 8.5 } else { 7.5 };
            // The same values, with other NaNs and the other zeros.
            let twin = x.mapv(|v| if v.is_nan() { -f32::NAN } else if v == 0.0 { -v } else { v });
            let (xs, ys, ts) = (layouts(&x), layouts(&y), layouts(&twin));
            for p in views(&xs) {
                for (q, t) in views(&ys).iter().zip(views(&ts).iter()) {
                    prop_assert!(!p.key_eq(q), "{:?} at {}", shape, at);
                    prop_assert!(!q.key_eq(&p), "{:?} at {}", shape, at);
                    prop_assert!(p.key_eq(t));
                }
            }
        }

        /// Equality in every pair of layouts (the small tensors' register
        /// compare included) agrees with the general path's encodings, for
        /// values drawn so that equal and nearly equal tensors are common.
        #[test]
        fn equality_in_every_layout_follows_the_encodings(
            (shape, x, y) in shape().prop_flat_map(|s| {
                let n = s.iter().product::<usize>();
                let value = prop_oneof![Just(0.0f32), Just(-0.0), Just(f32::NAN), Just(-f32::NAN), Just(1.0)];
                (Just(s), prop::collection::vec(value.clone(), n), prop::collection::vec(value, n))
            })
        ) {
            let x = ArrayD::from_shape_vec(IxDyn(&shape), x).unwrap();
            let y = ArrayD::from_shape_vec(IxDyn(&shape), y).unwrap();
            let canonical = general(&x, FloatPolicy::Canonical) == general(&y, FloatPolicy::Canonical);
            let bitwise = general(&x, FloatPolicy::Bitwise) == general(&y, FloatPolicy::Bitwise);
            let (xs, ys) = (layouts(&x), layouts(&y));
            let (x64, y64) = (layouts(&x.mapv(f64::from)), layouts(&y.mapv(f64::from)));
            for (p, q) in views(&xs).iter().zip(views(&ys).iter().rev()) {
                prop_assert_eq!(p.key_eq(q), canonical);
                prop_assert_eq!(crate::Bitwise(p).key_eq(&crate::Bitwise(q)), bitwise);
            }
            for (p, q) in views(&x64).iter().zip(views(&y64).iter().rev()) {
                prop_assert_eq!(p.key_eq(q), canonical);
            }
        }

        #[test]
        fn integer_and_complex_paths_write_what_the_general_path_writes(
            (shape, values) in shape().prop_flat_map(|s| {
                let n = s.iter().product::<usize>();
                (Just(s), prop::collection::vec(any::<u16>(), n))
            })
        ) {
            let a = ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap();
            check(&a);
            check(&a.mapv(|x| Complex::new(f64::from(x), -0.0)));
            check(&a.mapv(|x| x as u8 == 0));
        }
    }
}
