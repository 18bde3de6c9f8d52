//! Sets and maps are canonical by construction: entries are ordered by their
//! canonical encoding and equal encodings are written once (SPEC.md 4.8), so a
//! key type's `Ord` cannot change a key. Every element type here has an `Ord`
//! that disagrees with its canonical equality.

mod common;

use common::hashes;
use proptest::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use tensor_key::{Bitwise, Encoder, FloatPolicy, FrozenKey};

/// An `f64` ordered by `total_cmp`: `0.0` and `-0.0`, and NaNs of different
/// bits, are distinct set members although they are equal keys.
#[derive(Clone, Copy, Debug)]
struct Total(f64);

impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Total {}
impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Total {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl FrozenKey for Total {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.0.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.0.key_eq_with(&other.0, floats)
    }
}

/// Any key with its `Ord` reversed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rev<T>(T);

impl<T: Ord> PartialOrd for Rev<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: Ord> Ord for Rev<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp(&self.0)
    }
}
impl<T: FrozenKey> FrozenKey for Rev<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.0.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.0.key_eq_with(&other.0, floats)
    }
}

/// A derived key whose hand-written `Ord` also compares the skipped field (and
/// compares it first).
#[derive(FrozenKey, Clone, Debug)]
#[frozen_key(no_eq_hash)]
struct Tagged {
    value: i8,
    weight: Total,
    #[frozen_key(skip)]
    note: u8,
}

impl PartialEq for Tagged {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Tagged {}
impl PartialOrd for Tagged {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tagged {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.note, self.value, self.weight).cmp(&(other.note, other.value, other.weight))
    }
}

fn tagged(value: i8, weight: f64, note: u8) -> Tagged {
    Tagged {
        value,
        weight: Total(weight),
        note,
    }
}

fn u64le(n: u64) -> [u8; 8] {
    n.to_le_bytes()
}

/// `tag || u64(n) || parts...`
fn framed(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(u64le(parts.len() as u64));
    parts.iter().for_each(|p| out.extend(p));
    out
}

/// The set rule computed from the element encodings alone: sorted bytewise,
/// each distinct encoding once.
fn set_of_encodings(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    elements.dedup();
    framed(0x43, &elements)
}

/// The map rule computed from the entry encodings alone: sorted by (key
/// encoding, value encoding), each distinct pair once.
fn map_of_encodings(mut entries: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<u8> {
    entries.sort();
    entries.dedup();
    let mut out = vec![0x42];
    out.extend(u64le(entries.len() as u64));
    for (k, v) in entries {
        out.extend(k);
        out.extend(v);
    }
    out
}

fn same_key<A: FrozenKey + ?Sized, B: FrozenKey + ?Sized>(a: &A, b: &B) {
    assert_eq!(a.encoding(), b.encoding());
    assert_eq!(a.digest(), b.digest());
    assert_eq!(hashes(a), hashes(b));
}

#[test]
fn zero_and_negative_zero_are_one_set_member() {
    let both = BTreeSet::from([Total(0.0), Total(-0.0)]);
    assert_eq!(both.len(), 2, "total_cmp keeps both");
    let one = BTreeSet::from([Total(0.0)]);
    assert_eq!(both.encoding(), framed(0x43, &[0.0f64.encoding()]));
    assert!(both.key_eq(&one) && one.key_eq(&both));
    same_key(&both, &one);
    // Bitwise, they are two members, in the order of their bitwise encodings
    // (`1b 00..00` before `1b 00..80`).
    let bits = Bitwise(&both);
    assert_eq!(
        bits.encoding(),
        framed(
            0x43,
            &[Bitwise(0.0f64).encoding(), Bitwise(-0.0f64).encoding()]
        )
    );
    assert!(!both.key_eq_with(&one, FloatPolicy::Bitwise));
    assert_ne!(bits.digest(), Bitwise(&one).digest());
}

#[test]
fn nan_signs_do_not_change_a_set() {
    let pos = BTreeSet::from([Total(f64::NAN), Total(1.0)]);
    let neg = BTreeSet::from([Total(-f64::NAN), Total(1.0)]);
    assert!(pos.key_eq(&neg));
    same_key(&pos, &neg);
    // 1.0 (`13 ..f03f`) sorts before the canonical NaN (`13 ..f87f`).
    assert_eq!(
        pos.encoding(),
        framed(0x43, &[1.0f64.encoding(), f64::NAN.encoding()])
    );
    assert!(!pos.key_eq_with(&neg, FloatPolicy::Bitwise));
    // Every NaN is one member.
    let nans = BTreeSet::from([
        Total(f64::NAN),
        Total(-f64::NAN),
        Total(f64::from_bits(0x7FF0_0000_0000_0001)),
    ]);
    same_key(&nans, &BTreeSet::from([Total(f64::NAN)]));
}

#[test]
fn a_reversed_ord_does_not_reverse_the_encoding() {
    let rev = BTreeSet::from([Rev(3u8), Rev(1), Rev(2)]);
    let mut want = vec![0x43];
    want.extend(u64le(3));
    want.extend([0x02, 1, 0x02, 2, 0x02, 3]);
    assert_eq!(rev.encoding(), want);
    same_key(&rev, &BTreeSet::from([1u8, 2, 3]));

    let rev_map = BTreeMap::from([(Rev(1u8), 10u8), (Rev(2), 20)]);
    let mut want = vec![0x42];
    want.extend(u64le(2));
    want.extend([0x02, 1, 0x02, 10, 0x02, 2, 0x02, 20]);
    assert_eq!(rev_map.encoding(), want);
    same_key(&rev_map, &BTreeMap::from([(1u8, 10u8), (2, 20)]));
}

#[test]
fn encoding_order_is_not_numeric_order() {
    // -1i32 is `09 ffffffff`, after `09 01000000`.
    let m = BTreeMap::from([(-1i32, 'a'), (1i32, 'b')]);
    assert_eq!(
        m.encoding(),
        map_of_encodings(vec![
            (1i32.encoding(), 'b'.encoding()),
            ((-1i32).encoding(), 'a'.encoding()),
        ])
    );
    // Strings: the length comes first, so "b" sorts before "aa".
    let s = BTreeSet::from(["aa".to_string(), "b".to_string()]);
    assert_eq!(
        s.encoding(),
        framed(0x43, &["b".encoding(), "aa".encoding()])
    );
}

#[test]
fn a_skipped_field_in_ord_does_not_duplicate_members() {
    let set = BTreeSet::from([
        tagged(1, 0.5, 0),
        tagged(1, 0.5, 1),
        tagged(0, -0.0, 2),
        tagged(0, 0.0, 3),
    ]);
    assert_eq!(set.len(), 4);
    let plain = BTreeSet::from([tagged(0, 0.0, 0), tagged(1, 0.5, 0)]);
    assert_eq!(
        set.encoding(),
        set_of_encodings(vec![
            tagged(0, 0.0, 9).encoding(),
            tagged(1, 0.5, 9).encoding()
        ])
    );
    assert!(set.key_eq(&plain));
    same_key(&set, &plain);
}

#[test]
fn map_entries_with_equal_key_encodings_are_kept() {
    let two = BTreeMap::from([(Total(0.0), "a"), (Total(-0.0), "b")]);
    // Both entries stay: the keys encode equally, so the values order them.
    assert_eq!(
        two.encoding(),
        map_of_encodings(vec![
            (0.0f64.encoding(), "a".encoding()),
            (0.0f64.encoding(), "b".encoding()),
        ])
    );
    // Swapping which zero holds which value is the same key canonically...
    let swapped = BTreeMap::from([(Total(-0.0), "a"), (Total(0.0), "b")]);
    assert!(two.key_eq(&swapped));
    same_key(&two, &swapped);
    // ...but not bit for bit.
    assert!(!two.key_eq_with(&swapped, FloatPolicy::Bitwise));
    assert_ne!(Bitwise(&two).digest(), Bitwise(&swapped).digest());
    // Equal (key, value) encodings are one entry.
    let dup = BTreeMap::from([(Total(0.0), "a"), (Total(-0.0), "a")]);
    same_key(&dup, &BTreeMap::from([(Total(0.0), "a")]));
    assert!(dup.key_eq(&BTreeMap::from([(Total(0.0), "a")])));
}

#[test]
fn map_values_are_encoded_under_the_policy_in_force() {
    let a = BTreeMap::from([(1u8, Total(-0.0)), (2, Total(f64::NAN))]);
    let b = BTreeMap::from([(1u8, Total(0.0)), (2, Total(-f64::NAN))]);
    same_key(&a, &b);
    assert!(a.key_eq(&b));
    assert!(!a.key_eq_with(&b, FloatPolicy::Bitwise));
    assert_eq!(
        Bitwise(&a).encoding(),
        map_of_encodings(vec![
            (1u8.encoding(), Bitwise(-0.0f64).encoding()),
            (2u8.encoding(), Bitwise(f64::NAN).encoding()),
        ])
    );
}

#[test]
fn nested_sets_sort_by_their_own_canonical_encoding() {
    let inner_a = BTreeSet::from([Total(0.0), Total(-0.0)]);
    let inner_b = BTreeSet::from([Total(0.0)]);
    // Total orders the two inner sets apart; their encodings are equal.
    let outer = BTreeSet::from([Rev(inner_a.clone()), Rev(inner_b.clone())]);
    assert_eq!(outer.len(), 2);
    assert_eq!(outer.encoding(), framed(0x43, &[inner_b.encoding()]));
}

/// Few distinct values, many equal under the canonical rule.
fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => (-2i8..3).prop_map(f64::from),
        2 => Just(-0.0f64),
        1 => any::<u64>().prop_map(|p| f64::from_bits(0x7FF0_0000_0000_0001 | p)),
        1 => any::<u64>().prop_map(|p| f64::from_bits(0xFFF0_0000_0000_0001 | p)),
    ]
}

fn total() -> impl Strategy<Value = Total> {
    double().prop_map(Total)
}

fn tagged_s() -> impl Strategy<Value = Tagged> {
    (0i8..2, double(), any::<u8>()).prop_map(|(v, w, n)| tagged(v, w, n))
}

fn string() -> impl Strategy<Value = String> {
    "[ab]{0,2}"
}

/// The laws for one pair of values, under both policies.
fn laws<T: FrozenKey + Debug + ?Sized>(a: &T, b: &T) -> Result<(), TestCaseError> {
    policy_laws(a, b)?;
    policy_laws(&Bitwise(a), &Bitwise(b))
}

fn policy_laws<T: FrozenKey + Debug + ?Sized>(a: &T, b: &T) -> Result<(), TestCaseError> {
    let (ea, eb) = (a.encoding(), b.encoding());
    prop_assert_eq!(a.key_eq(b), ea == eb, "{:?} vs {:?}", a, b);
    prop_assert_eq!(a.key_eq(b), b.key_eq(a));
    prop_assert!(a.key_eq(a));
    if ea == eb {
        prop_assert_eq!(hashes(a), hashes(b));
        prop_assert_eq!(a.digest(), b.digest());
    } else {
        prop_assert!(!ea.starts_with(&eb) && !eb.starts_with(&ea));
        prop_assert_ne!(a.digest(), b.digest());
    }
    Ok(())
}

fn encodings<T: FrozenKey>(items: &[T], floats: FloatPolicy) -> Vec<Vec<u8>> {
    items
        .iter()
        .map(|x| match floats {
            FloatPolicy::Canonical => x.encoding(),
            FloatPolicy::Bitwise => Bitwise(x).encoding(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sets_are_their_sorted_distinct_element_encodings(items in prop::collection::vec(total(), 0..6)) {
        let total: BTreeSet<Total> = items.iter().copied().collect();
        let rev: BTreeSet<Rev<Total>> = items.iter().copied().map(Rev).collect();
        for floats in [FloatPolicy::Canonical, FloatPolicy::Bitwise] {
            let want = set_of_encodings(encodings(&items, floats));
            let (t, r) = match floats {
                FloatPolicy::Canonical => (total.encoding(), rev.encoding()),
                FloatPolicy::Bitwise => (Bitwise(&total).encoding(), Bitwise(&rev).encoding()),
            };
            prop_assert_eq!(&t, &want);
            prop_assert_eq!(&r, &want);
        }
    }

    #[test]
    fn maps_are_their_sorted_distinct_entry_encodings(entries in prop::collection::vec((total(), string()), 0..6)) {
        let map: BTreeMap<Total, String> = entries.iter().cloned().collect();
        let rev: BTreeMap<Rev<Total>, String> = map.iter().map(|(k, v)| (Rev(*k), v.clone())).collect();
        for floats in [FloatPolicy::Canonical, FloatPolicy::Bitwise] {
            let keys: Vec<Total> = map.keys().copied().collect();
            let values: Vec<String> = map.values().cloned().collect();
            let want = map_of_encodings(
                encodings(&keys, floats).into_iter().zip(encodings(&values, floats)).collect(),
            );
            let (m, r) = match floats {
                FloatPolicy::Canonical => (map.encoding(), rev.encoding()),
                FloatPolicy::Bitwise => (Bitwise(&map).encoding(), Bitwise(&rev).encoding()),
            };
            prop_assert_eq!(&m, &want);
            prop_assert_eq!(&r, &want);
        }
    }

    #[test]
    fn set_laws(a in prop::collection::btree_set(total(), 0..5), b in prop::collection::btree_set(total(), 0..5)) {
        laws(&a, &b)?;
        let (ra, rb): (BTreeSet<_>, BTreeSet<_>) = (a.iter().map(|x| Rev(*x)).collect(), b.iter().map(|x| Rev(*x)).collect());
        laws(&ra, &rb)?;
        laws(&(a, 1u8), &(b, 1u8))?;
    }

    #[test]
    fn tagged_set_laws(a in prop::collection::btree_set(tagged_s(), 0..5), b in prop::collection::btree_set(tagged_s(), 0..5)) {
        laws(&a, &b)?;
    }

    #[test]
    fn map_laws(a in prop::collection::btree_map(total(), string(), 0..4), b in prop::collection::btree_map(total(), string(), 0..4),
                c in prop::collection::btree_map(0u8..3, total(), 0..3), d in prop::collection::btree_map(0u8..3, total(), 0..3)) {
        laws(&a, &b)?;
        let (rc, rd): (BTreeMap<_, _>, BTreeMap<_, _>) =
            (c.iter().map(|(k, v)| (Rev(*k), *v)).collect(), d.iter().map(|(k, v)| (Rev(*k), *v)).collect());
        laws(&rc, &rd)?;
        laws(&vec![a.clone(), a], &vec![b.clone(), b])?;
    }

    #[test]
    fn nested_set_laws(a in prop::collection::btree_set(prop::collection::btree_set(total(), 0..3).prop_map(Rev), 0..3),
                       b in prop::collection::btree_set(prop::collection::btree_set(total(), 0..3).prop_map(Rev), 0..3)) {
        laws(&a, &b)?;
    }
}
