//! `SmallTensor`: an inline small tensor is the same key as the ndarray tensor
//! with the same shape and values, in every layout.

mod common;

use common::*;
use ndarray::{Array2, ArrayD, IxDyn, ShapeBuilder, array};
use proptest::prelude::*;
use std::collections::HashSet;
use std::hash::BuildHasher;
use tensor_key::{Bitwise, FrozenKey, Key, SmallTensor, SmallTensorError};

type Small = SmallTensor<f32, 24>;

fn std_hash<K: std::hash::Hash>(k: &K, s: &std::hash::RandomState) -> u64 {
    s.hash_one(k)
}

fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => (-3i8..3).prop_map(f32::from),
        1 => Just(-0.0f32),
        1 => any::<u32>().prop_map(|p| f32::from_bits(0x7F80_0001 | p)),
    ]
}

fn small_array() -> impl Strategy<Value = ArrayD<f32>> {
    // Rank up to 4, at most 24 elements.
    prop::collection::vec(0usize..4, 0..=4)
        .prop_filter("fits", |s| s.iter().product::<usize>() <= 24)
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            prop::collection::vec(float(), n)
                .prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Same bytes, same hasher writes, same digest as the ndarray tensor, from
    /// every layout.
    #[test]
    fn encodes_like_the_ndarray_tensor(a in small_array()) {
        let from_c = Small::from_array(&a).unwrap();
        prop_assert_eq!(from_c.encoding(), a.encoding());
        prop_assert_eq!(writes(&from_c), writes(&a));
        prop_assert_eq!(from_c.digest(), a.digest());
        prop_assert_eq!(Bitwise(from_c).encoding(), Bitwise(&a).encoding());
        let f = with_order(&a, true);
        let rev = reversed_storage(&a);
        for other in [Small::from_array(&f).unwrap(), Small::from_array(&reverse_all(&rev)).unwrap()] {
            prop_assert_eq!(other.encoding(), a.encoding());
            prop_assert!(other == from_c);
        }
        prop_assert_eq!(from_c.shape(), a.shape());
        prop_assert!(from_c.view().key_eq(&a.view()));
    }

    /// `==` exactly when the encodings are equal; equal keys hash equally.
    #[test]
    fn eq_iff_equal_encodings(a in small_array(), b in small_array()) {
        let (x, y) = (Small::from_array(&a).unwrap(), Small::from_array(&b).unwrap());
        prop_assert_eq!(x == y, x.encoding() == y.encoding());
        prop_assert_eq!(x == y, a.key_eq(&b) && a.shape() == b.shape());
        if x == y {
            let s = std::hash::RandomState::new();
            prop_assert_eq!(std_hash(&x, &s), std_hash(&y, &s));
            prop_assert_eq!(x.digest(), y.digest());
        }
    }
}

#[test]
fn canonical_floats_and_set_membership() {
    let a = Small::from_array(&array![[f32::NAN, 0.0], [1.0, 2.0]]).unwrap();
    let b = Small::from_array(&array![[-f32::NAN, -0.0], [1.0, 2.0]]).unwrap();
    assert_eq!(a, b);
    let set: HashSet<Small> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1);
    // Shape counts: the same four values as a row are another key.
    let row = Small::from_array(&array![f32::NAN, 0.0, 1.0, 2.0]).unwrap();
    assert_ne!(a, row);
    assert!(!set.contains(&row));
    // The same hash as a Key of the array, under one hasher.
    let s = std::hash::RandomState::new();
    let array = array![[f32::NAN, 0.0], [1.0, 2.0]];
    assert_eq!(std_hash(&a, &s), std_hash(&Key::new(array), &s));
}

#[test]
fn arrays_that_do_not_fit_are_errors() {
    let big = Array2::<f32>::zeros((5, 5));
    assert_eq!(
        Small::from_array(&big).unwrap_err(),
        SmallTensorError::TooManyElements {
            len: 25,
            capacity: 24
        }
    );
    let deep = ArrayD::<f32>::zeros(IxDyn(&[1, 1, 1, 1, 1]));
    let err = Small::from_array(&deep).unwrap_err();
    assert_eq!(err, SmallTensorError::RankTooHigh { rank: 5 });
    assert!(err.to_string().contains("rank 5"));
    // Empty and 0-d tensors fit.
    let empty = Array2::<f32>::zeros((0, 7).f());
    assert_eq!(
        Small::from_array(&empty).unwrap().encoding(),
        empty.encoding()
    );
    let scalar = ndarray::arr0(1.5f32);
    assert_eq!(
        Small::from_array(&scalar).unwrap().digest(),
        scalar.digest()
    );
}

#[test]
fn it_is_copy_and_debug() {
    fn assert_copy<T: Copy>() {}
    assert_copy::<SmallTensor<f32, 16>>();
    let a: SmallTensor<u8, 4> = SmallTensor::try_from(&array![1u8, 2]).unwrap();
    let b = a;
    assert_eq!(a, b);
    assert_eq!(format!("{a:?}"), "SmallTensor { shape: [2], data: [1, 2] }");
}
