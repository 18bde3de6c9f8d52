//! Shared helpers for the integration tests: hashing with several hashers and
//! building the same logical tensor in many memory layouts.
#![allow(dead_code)]

use ndarray::{ArrayD, IxDyn, ShapeBuilder, Slice, SliceInfoElem};
use proptest::prelude::*;
use std::hash::{BuildHasher, Hasher};
use tensor_key::FrozenKey;

/// A hasher that records every `write` it receives, boundaries included: two
/// keys hash alike under every hasher exactly when their recordings match.
#[derive(Default)]
pub struct Recorder(pub Vec<Vec<u8>>);

impl Hasher for Recorder {
    fn write(&mut self, bytes: &[u8]) {
        self.0.push(bytes.to_vec());
    }
    fn finish(&self) -> u64 {
        0
    }
}

/// The writes `key_hash` makes.
pub fn writes<K: FrozenKey + ?Sized>(k: &K) -> Vec<Vec<u8>> {
    let mut r = Recorder::default();
    k.key_hash(&mut r);
    r.0
}

/// The writes `Hash::hash` makes, for `Key`s and the borrowed queries of
/// them: equal recordings mean equal hashes under every hasher.
pub fn hash_writes<K: std::hash::Hash + ?Sized>(k: &K) -> Vec<Vec<u8>> {
    let mut r = Recorder::default();
    k.hash(&mut r);
    r.0
}

/// The key's hash under std's SipHash (fixed keys) and under foldhash, whose
/// result depends on how the input is split across `write` calls.
pub fn hashes<K: FrozenKey + ?Sized>(k: &K) -> (u64, u64) {
    #[allow(deprecated)]
    let mut sip = std::hash::SipHasher::new_with_keys(1, 2);
    k.key_hash(&mut sip);
    let mut fold = foldhash::quality::FixedState::with_seed(7).build_hasher();
    k.key_hash(&mut fold);
    (sip.finish(), fold.finish())
}

/// `a`'s values in a fresh array of the requested memory order.
pub fn with_order<T: Clone + Default>(a: &ArrayD<T>, fortran: bool) -> ArrayD<T> {
    let mut out = ArrayD::from_elem(IxDyn(a.shape()).set_f(fortran), T::default());
    out.assign(a);
    out
}

/// Storage holding `a`'s values reversed along every axis, so that the view
/// `reverse_all(&storage)` has negative strides and `a`'s logical values.
pub fn reversed_storage<T: Clone + Default>(a: &ArrayD<T>) -> ArrayD<T> {
    // `as_standard_layout`: `to_owned` would keep the negative strides.
    a.slice_each_axis(|_| Slice::new(0, None, -1))
        .as_standard_layout()
        .into_owned()
}

/// Reverses every axis of a view (negative strides).
pub fn reverse_all<T>(a: &ArrayD<T>) -> ndarray::ArrayViewD<'_, T> {
    a.slice_each_axis(|_| Slice::new(0, None, -1))
}

/// Storage three times as large along every axis, with `a`'s values at every
/// third position and `junk` between them; `every_third(&storage)` views `a`.
pub fn stepped_storage<T: Clone>(a: &ArrayD<T>, junk: T) -> ArrayD<T> {
    let big: Vec<usize> = a.shape().iter().map(|&n| 3 * n).collect();
    let mut out = ArrayD::from_elem(IxDyn(&big), junk);
    out.slice_each_axis_mut(|_| Slice::new(0, None, 3))
        .assign(a);
    out
}

/// The every-third view of `stepped_storage`.
pub fn every_third<T>(a: &ArrayD<T>) -> ndarray::ArrayViewD<'_, T> {
    a.slice_each_axis(|_| Slice::new(0, None, 3))
}

/// Axes permuted in storage, permuted back in the view: non-standard strides.
pub fn permuted_storage<T: Clone>(a: &ArrayD<T>) -> ArrayD<T> {
    a.t().as_standard_layout().into_owned()
}

/// The transposed view of `permuted_storage`.
pub fn unpermute<T>(a: &ArrayD<T>) -> ndarray::ArrayViewD<'_, T> {
    a.t()
}

/// Slice info selecting everything along `ndim` axes (handy for `s!`-free code).
pub fn full(ndim: usize) -> Vec<SliceInfoElem> {
    vec![
        SliceInfoElem::Slice {
            start: 0,
            end: None,
            step: 1
        };
        ndim
    ]
}

/// Random tensors of rank up to `max_rank`, extents below `extent_below`, with
/// elements drawn from the strategy `elements` makes.
pub fn tensor_of<T: std::fmt::Debug + Clone, S: Strategy<Value = T>>(
    max_rank: usize,
    extent_below: usize,
    elements: fn() -> S,
) -> impl Strategy<Value = ArrayD<T>> {
    prop::collection::vec(0..extent_below, 0..=max_rank).prop_flat_map(move |shape| {
        let n: usize = shape.iter().product();
        prop::collection::vec(elements(), n)
            .prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap())
    })
}
