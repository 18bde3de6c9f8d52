//! Behaviour of `#[derive(FrozenKey)]`: the documented encoding (checked against
//! hand-written impls), agreement of `==`, `Hash` and digests, and what `skip`,
//! `float`, `with`, `bound`, `crate` and enum variants do to a key.

// Skipped fields exist to be ignored by the key; nothing else reads them here.
#![allow(dead_code)]

use foldhash::fast::FixedState;
use ndarray::{Array2, ArrayView2, ShapeBuilder, array};
use proptest::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash};
use tensor_key::{Bitwise, Encoder, FloatPolicy, FrozenKey, Key};

/// Hashes with a fixed-seed foldhash and with std's `DefaultHasher`.
fn hashes<T: Hash + ?Sized>(value: &T) -> (u64, u64) {
    (
        FixedState::with_seed(7).hash_one(value),
        BuildHasherDefault::<DefaultHasher>::default().hash_one(value),
    )
}

/// The same hashers, fed through `key_hash` instead of `Hash`.
fn key_hashes<T: FrozenKey + ?Sized>(value: &T) -> (u64, u64) {
    struct ViaKey<'a, T: ?Sized>(&'a T);
    impl<T: FrozenKey + ?Sized> Hash for ViaKey<'_, T> {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.0.key_hash(state);
        }
    }
    hashes(&ViaKey(value))
}

#[derive(FrozenKey, Clone, Debug)]
struct Layer {
    index: u32,
    scale: f32,
    weights: Array2<f32>,
    #[frozen_key(skip)]
    name: String,
}

/// What the derive must generate for `Layer`, written by hand.
struct LayerByHand {
    index: u32,
    scale: f32,
    weights: Array2<f32>,
}

impl FrozenKey for LayerByHand {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.begin_struct(3);
        self.index.encode(enc);
        self.scale.encode(enc);
        self.weights.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.index.key_eq_with(&other.index, floats)
            && self.scale.key_eq_with(&other.scale, floats)
            && self.weights.key_eq_with(&other.weights, floats)
    }
}

fn layer(index: u32, scale: f32, name: &str) -> Layer {
    Layer {
        index,
        scale,
        weights: array![[1.0, -0.0], [f32::NAN, 4.0]],
        name: name.to_owned(),
    }
}

#[test]
fn struct_encodes_like_the_hand_written_impl() {
    let derived = layer(3, 0.5, "conv1");
    let by_hand = LayerByHand {
        index: 3,
        scale: 0.5,
        weights: derived.weights.clone(),
    };
    assert_eq!(derived.encoding(), by_hand.encoding());
    assert_eq!(derived.digest(), by_hand.digest());
    assert_eq!(hashes(&derived), key_hashes(&by_hand));
    assert_eq!(hashes(&derived), key_hashes(&derived));
}

#[test]
fn eq_hash_and_digest_agree() {
    let a = layer(1, 0.5, "a");
    let mut fortran = Array2::<f32>::zeros((2, 2).f());
    fortran.assign(&a.weights);
    let b = Layer {
        weights: fortran,
        ..a.clone()
    };
    assert!(a == b);
    assert_eq!(hashes(&a), hashes(&b));
    assert_eq!(a.digest(), b.digest());

    let c = layer(1, 0.25, "a");
    assert!(a != c);
    assert_ne!(a.digest(), c.digest());
    assert_ne!(hashes(&a), hashes(&c));

    let mut map = HashMap::new();
    map.insert(a, "first");
    assert_eq!(map.get(&b), Some(&"first"));
    assert_eq!(map.get(&c), None);
}

#[test]
fn skipped_fields_are_not_part_of_the_key() {
    let a = layer(1, 0.5, "a");
    let b = layer(1, 0.5, "a completely different name");
    assert!(a == b);
    assert_eq!(a.encoding(), b.encoding());
    assert_eq!(hashes(&a), hashes(&b));
}

#[derive(FrozenKey)]
struct Renamed {
    number: u32,
    factor: f32,
    tensor: Array2<f32>,
}

#[test]
fn names_are_not_encoded_but_order_is() {
    let a = layer(9, 2.0, "x");
    let renamed = Renamed {
        number: 9,
        factor: 2.0,
        tensor: a.weights.clone(),
    };
    assert_eq!(a.digest(), renamed.digest());

    #[derive(FrozenKey)]
    struct Reordered {
        scale: f32,
        index: u32,
        weights: Array2<f32>,
    }
    let reordered = Reordered {
        scale: 2.0,
        index: 9,
        weights: a.weights.clone(),
    };
    assert_ne!(a.digest(), reordered.digest());
}

#[derive(FrozenKey, Debug)]
struct Unit;

#[derive(FrozenKey)]
struct Pair(u8, #[frozen_key(skip)] u8, i64);

#[test]
fn unit_and_tuple_structs() {
    let mut expected = Vec::new();
    struct Empty;
    impl FrozenKey for Empty {
        fn encode(&self, enc: &mut Encoder<'_>) {
            enc.begin_struct(0);
        }
        fn key_eq_with(&self, _: &Self, _: FloatPolicy) -> bool {
            true
        }
    }
    Empty.encode_into(&mut expected);
    assert_eq!(Unit.encoding(), expected);
    assert_eq!(Unit, Unit);

    struct PairByHand(u8, i64);
    impl FrozenKey for PairByHand {
        fn encode(&self, enc: &mut Encoder<'_>) {
            enc.begin_struct(2);
            self.0.encode(enc);
            self.1.encode(enc);
        }
        fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
            self.0.key_eq_with(&other.0, floats) && self.1.key_eq_with(&other.1, floats)
        }
    }
    assert_eq!(Pair(1, 2, 3).encoding(), PairByHand(1, 3).encoding());
    assert!(Pair(1, 2, 3) == Pair(1, 200, 3));
    assert!(Pair(1, 2, 3) != Pair(1, 2, 4));
}

#[derive(FrozenKey, Debug, Clone)]
enum Op {
    Identity,
    Scale(f32),
    Shift(f32),
    Conv {
        kernel: Array2<f32>,
        #[frozen_key(skip)]
        cached_norm: f64,
        stride: u8,
    },
}

struct OpByHand<'a>(&'a Op);

impl FrozenKey for OpByHand<'_> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        match self.0 {
            Op::Identity => enc.begin_variant(0, 0),
            Op::Scale(x) => {
                enc.begin_variant(1, 1);
                x.encode(enc);
            }
            Op::Shift(x) => {
                enc.begin_variant(2, 1);
                x.encode(enc);
            }
            Op::Conv { kernel, stride, .. } => {
                enc.begin_variant(3, 2);
                kernel.encode(enc);
                stride.encode(enc);
            }
        }
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.0.key_eq_with(other.0, floats)
    }
}

#[test]
fn enum_encodes_variant_index_then_fields() {
    let ops = [
        Op::Identity,
        Op::Scale(2.0),
        Op::Shift(2.0),
        Op::Conv {
            kernel: array![[1.0, 0.0]],
            cached_norm: 1.0,
            stride: 2,
        },
    ];
    for op in &ops {
        assert_eq!(op.encoding(), OpByHand(op).encoding(), "{op:?}");
        assert_eq!(hashes(op), key_hashes(&OpByHand(op)));
    }
    for (i, a) in ops.iter().enumerate() {
        for (j, b) in ops.iter().enumerate() {
            assert_eq!(a == b, i == j);
            assert_eq!(a.digest() == b.digest(), i == j);
        }
    }
}

#[test]
fn variants_with_equal_payloads_differ() {
    let (a, b) = (Op::Scale(2.0), Op::Shift(2.0));
    assert!(a != b);
    assert_ne!(hashes(&a), hashes(&b));
    assert_ne!(a.digest(), b.digest());
    assert!(Op::Scale(f32::NAN) == Op::Scale(-f32::NAN));
    let conv = |cached_norm| Op::Conv {
        kernel: array![[1.0]],
        cached_norm,
        stride: 1,
    };
    assert!(conv(1.0) == conv(2.0));
}

#[derive(FrozenKey)]
struct Policies {
    #[frozen_key(float = "bitwise")]
    exact: f32,
    #[frozen_key(float = "canonical")]
    loose: f64,
    follows: f32,
    #[frozen_key(float = "bitwise")]
    tensor: Option<Vec<Array2<f32>>>,
}

fn policies(exact: f32, loose: f64, follows: f32, tensor: f32) -> Policies {
    Policies {
        exact,
        loose,
        follows,
        tensor: Some(vec![array![[tensor]]]),
    }
}

#[test]
fn float_attribute_sets_the_policy_of_the_field() {
    let other_nan = f32::from_bits(f32::NAN.to_bits() | 1);
    // `exact` and `tensor` are bitwise: -0.0 and NaN payloads matter.
    assert!(policies(0.0, 1.0, 1.0, 1.0) != policies(-0.0, 1.0, 1.0, 1.0));
    assert!(policies(f32::NAN, 1.0, 1.0, 1.0) != policies(other_nan, 1.0, 1.0, 1.0));
    assert!(policies(1.0, 1.0, 1.0, 0.0) != policies(1.0, 1.0, 1.0, -0.0));
    assert!(policies(1.0, 1.0, 1.0, f32::NAN) != policies(1.0, 1.0, 1.0, other_nan));
    // `loose` and `follows` are canonical by default.
    assert!(policies(1.0, 0.0, 0.0, 1.0) == policies(1.0, -0.0, -0.0, 1.0));
    let (a, b) = (policies(1.0, 0.0, 0.0, 1.0), policies(1.0, -0.0, -0.0, 1.0));
    assert_eq!(a.digest(), b.digest());
    assert_eq!(hashes(&a), hashes(&b));

    // Under an outer bitwise policy `follows` turns bitwise, `loose` stays canonical.
    let follows = |x| policies(1.0, 0.0, x, 1.0);
    assert!(!Bitwise(follows(0.0)).key_eq(&Bitwise(follows(-0.0))));
    assert_ne!(
        Bitwise(follows(0.0)).digest(),
        Bitwise(follows(-0.0)).digest()
    );
    let loose = |x| policies(1.0, x, 0.0, 1.0);
    assert!(Bitwise(loose(0.0)).key_eq(&Bitwise(loose(-0.0))));
    assert_eq!(Bitwise(loose(0.0)).digest(), Bitwise(loose(-0.0)).digest());
}

#[test]
fn bitwise_field_encodes_like_a_bitwise_wrapper() {
    #[derive(FrozenKey)]
    struct Attr {
        #[frozen_key(float = "bitwise")]
        x: f32,
    }
    #[derive(FrozenKey)]
    struct Wrapped {
        x: Bitwise<f32>,
    }
    let nan = f32::from_bits(0x7fc0_0001);
    assert_eq!(
        Attr { x: nan }.encoding(),
        Wrapped { x: Bitwise(nan) }.encoding()
    );
    assert_ne!(Attr { x: nan }.encoding(), Renamed1 { x: nan }.encoding());
    #[derive(FrozenKey)]
    struct Renamed1 {
        x: f32,
    }
}

#[derive(FrozenKey)]
struct Borrowed<'a> {
    owned: &'a Array2<f32>,
    view: ArrayView2<'a, f32>,
    label: &'a str,
}

#[test]
fn lifetimes_and_views_as_fields() {
    let c = array![[1.0f32, 2.0], [3.0, 4.0]];
    let mut f = Array2::<f32>::zeros((2, 2).f());
    f.assign(&c);
    let a = Borrowed {
        owned: &c,
        view: c.view(),
        label: "x",
    };
    let b = Borrowed {
        owned: &f,
        view: f.view(),
        label: "x",
    };
    assert!(a == b);
    assert_eq!(a.digest(), b.digest());
    assert_eq!(hashes(&a), hashes(&b));
    let t = Borrowed {
        owned: &c,
        view: c.t(),
        label: "x",
    };
    assert!(a != t);
}

#[derive(FrozenKey)]
struct Generic<T, const N: usize> {
    items: [T; N],
    #[frozen_key(skip)]
    _marker: std::marker::PhantomData<fn() -> T>,
}

#[derive(FrozenKey)]
#[frozen_key(bound = "")]
struct OnlyMarker<T> {
    id: u8,
    #[frozen_key(skip)]
    marker: std::marker::PhantomData<T>,
}

#[test]
fn generics_and_bounds() {
    let g = |x| Generic {
        items: [x, 2.0f64],
        _marker: std::marker::PhantomData,
    };
    assert!(g(-0.0) == g(0.0));
    let mut map: HashMap<Key<Generic<f64, 2>>, u8> = HashMap::new();
    map.insert(Key::new(g(1.0)), 1);
    assert_eq!(map[&Key::new(g(1.0))], 1);

    // `bound = ""`: no `T: FrozenKey` needed for a type only in a skipped field.
    struct NotAKey;
    let m = OnlyMarker::<NotAKey> {
        id: 1,
        marker: std::marker::PhantomData,
    };
    assert!(
        m == OnlyMarker {
            id: 1,
            marker: std::marker::PhantomData
        }
    );
}

/// A parameter type with associated types, implemented by a type that is
/// not a key itself.
trait Model {
    type Param;
    type Label;
}

/// Not a key: no `FrozenKey`, `Hash` or `Eq`.
struct Linear;

impl Model for Linear {
    type Param = f32;
    type Label = String;
}

/// `T` occurs only through its associated types, so the inferred bounds are
/// `T::Param: FrozenKey` and `<T as Model>::Label: FrozenKey`, not
/// `T: FrozenKey`.
#[derive(FrozenKey)]
struct Fitted<T: Model> {
    weight: T::Param,
    label: <T as Model>::Label,
    history: Vec<T::Param>,
}

/// `T` occurs directly too: it keeps `T: FrozenKey`.
#[derive(FrozenKey)]
struct Tagged<T: Model> {
    model: T,
    weight: T::Param,
}

impl Model for u8 {
    type Param = f64;
    type Label = ();
}

#[test]
fn associated_types_are_bounded_not_their_parameter() {
    let fitted = |weight: f32, history: Vec<f32>| Fitted::<Linear> {
        weight,
        label: "w".to_owned(),
        history,
    };
    let a = fitted(-0.0, vec![f32::NAN, 1.0]);
    // SPEC 4.11: `60 u64(3)`, then each field's encoding.
    let mut expected = vec![0x60];
    expected.extend(3u64.to_le_bytes());
    expected.extend((-0.0f32).encoding());
    expected.extend("w".to_owned().encoding());
    expected.extend(vec![f32::NAN, 1.0].encoding());
    assert_eq!(a.encoding(), expected);

    // `key_eq` agrees with encodings, `==` with `key_eq`, and `Hash` with both.
    let b = fitted(0.0, vec![-f32::NAN, 1.0]);
    assert!(a.key_eq(&b) && a == b);
    assert_eq!(a.encoding(), b.encoding());
    assert_eq!(hashes(&a), hashes(&b));
    assert_eq!(hashes(&a), key_hashes(&a));
    assert_eq!(a.digest(), b.digest());
    let c = fitted(0.0, vec![f32::NAN, 2.0]);
    assert!(!a.key_eq(&c) && a != c);
    assert_ne!(a.encoding(), c.encoding());
    assert_ne!(a.digest(), c.digest());
    let mut map = HashMap::new();
    map.insert(a, 1);
    assert_eq!(map.get(&b), Some(&1));
    assert_eq!(map.get(&c), None);

    let t = Tagged::<u8> {
        model: 2,
        weight: 0.5,
    };
    let mut expected = vec![0x60];
    expected.extend(2u64.to_le_bytes());
    expected.extend(2u8.encoding());
    expected.extend(0.5f64.encoding());
    assert_eq!(t.encoding(), expected);
    assert!(
        t == Tagged {
            model: 2,
            weight: 0.5
        }
    );
}

/// A type with no `FrozenKey` impl, keyed by its rounded value.
struct Meters(f64);

// SAFETY: a plain `f64`: nothing changes through `&Meters`.
unsafe impl tensor_key::Immutable for Meters {}

mod rounded {
    use tensor_key::{Encoder, FloatPolicy, FrozenKey};
    pub fn encode(m: &super::Meters, enc: &mut Encoder<'_>) {
        m.0.round().encode(enc);
    }
    pub fn key_eq_with(a: &super::Meters, b: &super::Meters, floats: FloatPolicy) -> bool {
        a.0.round().key_eq_with(&b.0.round(), floats)
    }
}

#[derive(FrozenKey)]
struct Trip {
    #[frozen_key(with = "rounded")]
    distance: Meters,
    legs: u8,
}

#[test]
fn with_routes_a_foreign_field_through_user_functions() {
    let a = Trip {
        distance: Meters(10.2),
        legs: 2,
    };
    let b = Trip {
        distance: Meters(9.8),
        legs: 2,
    };
    assert!(a == b);
    assert_eq!(a.digest(), b.digest());
    struct TripByHand;
    impl FrozenKey for TripByHand {
        fn encode(&self, enc: &mut Encoder<'_>) {
            enc.begin_struct(2);
            10.0f64.encode(enc);
            2u8.encode(enc);
        }
        fn key_eq_with(&self, _: &Self, _: FloatPolicy) -> bool {
            true
        }
    }
    assert_eq!(a.encoding(), TripByHand.encoding());
    assert!(
        a != Trip {
            distance: Meters(11.0),
            legs: 2
        }
    );
}

mod reexport {
    pub use tensor_key::*;
}

#[derive(reexport::FrozenKey)]
#[frozen_key(crate = "crate::reexport", no_eq_hash)]
struct ThroughReexport {
    x: u8,
}

impl PartialEq for ThroughReexport {
    fn eq(&self, _: &Self) -> bool {
        true // `no_eq_hash` leaves this impl to us
    }
}

#[test]
fn crate_path_and_no_eq_hash() {
    let (a, b) = (ThroughReexport { x: 1 }, ThroughReexport { x: 2 });
    assert!(a == b);
    assert!(!a.key_eq(&b));
}

// A small domain so that equal values are common.
#[derive(FrozenKey, Clone, Debug)]
enum Small {
    A(f32),
    B {
        v: Vec<i8>,
        #[frozen_key(float = "bitwise")]
        w: f32,
    },
    C,
}

#[derive(FrozenKey, Clone, Debug)]
struct Record {
    id: u8,
    x: f32,
    small: Small,
    #[frozen_key(skip)]
    note: u8,
}

fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.0f32),
        Just(-0.0),
        Just(1.0),
        Just(f32::NAN),
        Just(-f32::NAN),
        Just(f32::from_bits(0x7fc0_0001)),
    ]
}

fn small() -> impl Strategy<Value = Small> {
    prop_oneof![
        float().prop_map(Small::A),
        (prop::collection::vec(0i8..2, 0..2), float()).prop_map(|(v, w)| Small::B { v, w }),
        Just(Small::C),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (0u8..2, float(), small(), 0u8..3).prop_map(|(id, x, small, note)| Record {
        id,
        x,
        small,
        note,
    })
}

proptest! {
    #[test]
    fn eq_iff_equal_encodings_and_eq_implies_equal_hash(a in record(), b in record()) {
        let eq = a == b;
        prop_assert_eq!(eq, a.encoding() == b.encoding());
        prop_assert_eq!(eq, a.digest() == b.digest());
        prop_assert_eq!(eq, a.key_eq(&b));
        prop_assert_eq!(
            a.key_eq_with(&b, FloatPolicy::Bitwise),
            Bitwise(a.clone()).encoding() == Bitwise(b.clone()).encoding()
        );
        if eq {
            prop_assert_eq!(hashes(&a), hashes(&b));
        }
        prop_assert!(a == a.clone());
    }
}
