//! The laws of `FrozenKey`, checked as properties over random values:
//! `key_eq` iff equal encodings; equal keys have equal hashes (under a
//! split-sensitive hasher too) and digests; encodings are prefix-free.

mod common;

use common::hashes;
use ndarray::ArrayD;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Debug;
use tensor_key::{Bitwise, FrozenKey, Key};

/// Every law, for one pair of values of one type, under both float policies.
fn laws<T: FrozenKey + Debug + ?Sized>(a: &T, b: &T) -> Result<(), TestCaseError> {
    policy_laws(a, b)?;
    policy_laws(&Bitwise(a), &Bitwise(b))
}

fn policy_laws<T: FrozenKey + Debug + ?Sized>(a: &T, b: &T) -> Result<(), TestCaseError> {
    let (ea, eb) = (a.encoding(), b.encoding());
    prop_assert_eq!(
        a.key_eq(b),
        ea == eb,
        "key_eq disagrees with encodings: {:?} vs {:?}",
        a,
        b
    );
    prop_assert_eq!(a.key_eq(b), b.key_eq(a));
    prop_assert!(a.key_eq(a));
    if ea == eb {
        prop_assert_eq!(hashes(a), hashes(b));
        prop_assert_eq!(a.digest(), b.digest());
    } else {
        prop_assert!(
            !ea.starts_with(&eb) && !eb.starts_with(&ea),
            "prefix: {:?} vs {:?}",
            a,
            b
        );
        prop_assert_ne!(a.digest(), b.digest());
    }
    Ok(())
}

/// Few distinct values, so that equal pairs are common; NaNs with many payloads.
fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => (-2i8..2).prop_map(f32::from),
        1 => Just(-0.0f32),
        1 => any::<u32>().prop_map(|p| f32::from_bits(0x7F80_0001 | p)),
        1 => any::<f32>(),
    ]
}

fn double() -> impl Strategy<Value = f64> {
    float()
        .prop_map(f64::from)
        .boxed()
        .prop_union(Just(-0.0f64).boxed())
        .or(any::<u64>()
            .prop_map(|p| f64::from_bits(0x7FF0_0000_0000_0001 | p))
            .boxed())
}

fn small_string() -> impl Strategy<Value = String> {
    "[ab]{0,3}"
}

fn tensor() -> impl Strategy<Value = ArrayD<f32>> {
    common::tensor_of(3, 3, float)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn scalars(a in float(), b in float(), c in double(), d in double(), i in 0u8..3, j in 0u8..3) {
        laws(&a, &b)?;
        laws(&c, &d)?;
        laws(&i, &j)?;
        laws(&num_complex::Complex::new(a, c as f32), &num_complex::Complex::new(b, d as f32))?;
        laws(&(i as char), &(j as char))?;
        laws(&(i % 2 == 0), &(j % 2 == 0))?;
    }

    #[test]
    fn strings_and_sequences(a in prop::collection::vec(small_string(), 0..3), b in prop::collection::vec(small_string(), 0..3)) {
        laws(&a, &b)?;
        laws(a.as_slice(), b.as_slice())?;
        laws(&a.concat(), &b.concat())?;
        laws(&VecDeque::from(a.clone()), &VecDeque::from(b.clone()))?;
        laws(&a.iter().cloned().collect::<BTreeSet<_>>(), &b.iter().cloned().collect::<BTreeSet<_>>())?;
    }

    #[test]
    fn nested_sequences(a in prop::collection::vec(prop::collection::vec(float(), 0..3), 0..3),
                        b in prop::collection::vec(prop::collection::vec(float(), 0..3), 0..3)) {
        laws(&a, &b)?;
    }

    #[test]
    fn options_and_tuples(a in prop::option::of(0u8..2), b in prop::option::of(0u8..2),
                          c in prop::option::of(0u8..2), d in prop::option::of(0u8..2),
                          s in small_string(), t in small_string(), x in float(), y in float()) {
        laws(&(a, c), &(b, d))?;
        laws(&(s.clone(), x, a), &(t.clone(), y, b))?;
        laws(&(s.as_str(), t.as_str()), &(t.as_str(), s.as_str()))?;
        laws(&Some(Some(x)), &Some(Some(y)))?;
    }

    #[test]
    fn maps(a in prop::collection::btree_map(0u8..4, prop::collection::vec(float(), 0..2), 0..3),
            b in prop::collection::btree_map(0u8..4, prop::collection::vec(float(), 0..2), 0..3)) {
        laws(&a, &b)?;
    }

    #[test]
    fn tensors(a in tensor(), b in tensor(), i in 0u32..2, j in 0u32..2) {
        laws(&a, &b)?;
        laws(&a.view(), &b.view())?;
        laws(&(a.clone(), i), &(b.clone(), j))?;
        laws(&vec![a.clone(), b.clone()], &vec![b.clone(), a.clone()])?;
        let (ka, kb) = (Key::new(a.clone()), Key::new(b.clone()));
        prop_assert_eq!(ka == kb, a.key_eq(&b));
    }

    #[test]
    fn concatenations_never_collide(a in prop::collection::vec(small_string(), 1..4), split in 0usize..4) {
        // Any two different ways of cutting the same bytes into a pair of fields differ.
        let joined = a.concat();
        let cut = split.min(joined.len());
        let (x, y) = joined.split_at(cut);
        laws(&(x, y), &(joined.as_str(), ""))?;
    }
}

#[test]
fn adjacent_fields_never_trade_bytes() {
    assert!(!("ab", "c").key_eq(&("a", "bc")));
    assert_ne!(("ab", "c").digest(), ("a", "bc").digest());
    let (x, y) = (vec![vec![1u8], vec![2, 3]], vec![vec![1u8, 2], vec![3]]);
    assert!(!x.key_eq(&y));
    assert_ne!(x.digest(), y.digest());
    let (p, q) = ((Some(0u8), None::<u8>), (None::<u8>, Some(0u8)));
    assert!(!p.key_eq(&q));
    assert_ne!(p.digest(), q.digest());
    let (m, n) = (
        BTreeMap::from([(1u8, vec![2u8]), (3, vec![])]),
        BTreeMap::from([(1u8, vec![]), (3, vec![2u8])]),
    );
    assert!(!m.key_eq(&n));
    assert_ne!(m.digest(), n.digest());
}
