//! Borrowed lookups (`Key::lookup`): a query finds exactly the keys whose
//! canonical encoding equals its own, with the very hash the key has (same
//! bytes in the same `write` calls), whatever the layouts, and never by
//! comparing hashes.
// The map types are spelled out: they are what the tests are about.
#![allow(clippy::type_complexity)]

mod common;

use ndarray::{Array1, Array2, ArrayD, ArrayView2, Dimension, IxDyn, ShapeBuilder, array, s};
use proptest::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use tensor_key::{Bitwise, FrozenKey, Key, KeyBorrow, Lookup};

/// Records every `write` the hasher receives, so that two values hash alike
/// under every hasher exactly when their recordings are equal.
#[derive(Default)]
struct Recording(Vec<Vec<u8>>);

impl Hasher for Recording {
    fn write(&mut self, bytes: &[u8]) {
        self.0.push(bytes.to_vec());
    }
    fn finish(&self) -> u64 {
        0
    }
}

fn recorded<K: Hash + ?Sized>(k: &K) -> Vec<Vec<u8>> {
    let mut r = Recording::default();
    k.hash(&mut r);
    r.0
}

/// Every key lands in one bucket: a lookup then finds an entry only through
/// equality, so a hit proves the equality, not a hash match.
#[derive(Default)]
struct Collide;

impl Hasher for Collide {
    fn write(&mut self, _: &[u8]) {}
    fn finish(&self) -> u64 {
        42
    }
}

type Colliding = BuildHasherDefault<Collide>;

/// The borrowed query `q` of the stored `key`: same encoding, the same
/// recorded hash as the stored `Key`, and both forms agree on equality.
fn assert_same_key<T: KeyBorrow + Clone, Q: Lookup<T>>(key: &T, q: &Q) {
    let stored = Key::new(key.clone());
    assert_eq!(q.key_ref().encoding(), key.encoding());
    assert_eq!(key.as_key_ref().encoding(), key.encoding());
    assert_eq!(recorded(Key::<T>::lookup(q)), recorded(&stored));
    assert_eq!(
        recorded(Key::<T>::lookup(q)),
        recorded(Key::<T>::lookup(&stored))
    );
    assert!(Key::<T>::lookup(q) == Key::<T>::lookup(&stored));
    let s = foldhash::quality::FixedState::with_seed(9);
    assert_eq!(s.hash_one(Key::<T>::lookup(q)), s.hash_one(&stored));
}

/// The borrowed query `q` of another key than `key`: another encoding, and
/// unequal to the stored `Key`.
fn assert_other_key<T: KeyBorrow + Clone, Q: Lookup<T>>(key: &T, q: &Q) {
    assert_ne!(q.key_ref().encoding(), key.encoding());
    assert!(Key::<T>::lookup(q) != Key::<T>::lookup(&Key::new(key.clone())));
}

fn fortran<A: Clone + Default>(a: &Array2<A>) -> Array2<A> {
    let mut f = Array2::from_elem(a.raw_dim().f(), A::default());
    f.assign(a);
    f
}

/// The stored key's values behind negative strides (in other storage).
fn reversed<A: Clone>(a: &Array2<A>) -> Array2<A> {
    a.slice(s![..;-1, ..;-1]).as_standard_layout().into_owned()
}

#[test]
fn memo_cache_with_views_and_str() {
    let x = array![[0.5f32, -0.0, 3.0], [f32::NAN, 2.0, 1.0]];
    let mut memo: HashMap<Key<(Array2<f32>, String)>, u32> = HashMap::new();
    memo.insert(Key::new((x.clone(), "sum".to_owned())), 1);
    memo.insert(Key::new((x.t().to_owned(), "sum".to_owned())), 2);
    memo.insert(Key::new((x.clone(), "max".to_owned())), 3);

    let f = fortran(&x);
    let r = reversed(&x);
    let back = r.slice(s![..;-1, ..;-1]);
    let views: [ArrayView2<'_, f32>; 4] = [x.view(), f.view(), back, x.t().reversed_axes()];
    for v in views {
        assert_same_key(&(x.clone(), "sum".to_owned()), &(v, "sum"));
        assert_eq!(memo.get(Key::lookup(&(v, "sum"))), Some(&1));
        assert_eq!(memo.get(Key::lookup(&(v, "max"))), Some(&3));
        assert_eq!(memo.get(Key::lookup(&(v.t(), "sum"))), Some(&2));
        assert_eq!(memo.get(Key::lookup(&(v, "min"))), None);
    }
    // Every query form of the parts: owned, references, `String`, `&String`.
    let sum = "sum".to_owned();
    assert_eq!(memo.get(Key::lookup(&(&x, &sum))), Some(&1));
    assert_eq!(memo.get(Key::lookup(&(x.clone(), sum.clone()))), Some(&1));
    assert_eq!(memo.get(Key::lookup(&(x.as_key_ref(), "sum"))), Some(&1));
    let stored = Key::new((x.clone(), sum.clone()));
    assert_eq!(memo.get(Key::lookup(&stored)), Some(&1));
    assert_eq!(
        memo.get_key_value(Key::lookup(&(f.view(), "sum")))
            .unwrap()
            .0,
        &stored
    );

    // Canonical floats: other NaN payloads and +0.0 find the entry.
    let mut y = x.clone();
    y[[1, 0]] = f32::from_bits(0xFFC0_1234);
    y[[0, 1]] = 0.0;
    assert_eq!(memo.get(Key::lookup(&(y.view(), "sum"))), Some(&1));

    // Mutation and removal through the query.
    *memo.get_mut(Key::lookup(&(f.view(), "sum"))).unwrap() += 10;
    assert_eq!(memo.remove(Key::lookup(&(back, "sum"))), Some(11));
    assert!(!memo.contains_key(Key::lookup(&(x.view(), "sum"))));
}

#[test]
fn any_difference_misses() {
    let x = array![[1.0f32, 2.0], [3.0, 4.0]];
    let mut memo: HashMap<Key<(Array2<f32>, String)>, u8, Colliding> = HashMap::default();
    memo.insert(Key::new((x.clone(), "a".to_owned())), 1);
    let hit = |q: &(ArrayView2<'_, f32>, &str)| memo.get(Key::lookup(q)).copied();
    assert_eq!(hit(&(x.view(), "a")), Some(1));
    assert_eq!(hit(&(fortran(&x).view(), "a")), Some(1));
    // One element one ulp off, another string, the transpose, another shape.
    let mut ulp = x.clone();
    ulp[[1, 1]] = f32::from_bits(4.0f32.to_bits() + 1);
    assert_eq!(hit(&(ulp.view(), "a")), None);
    assert_eq!(hit(&(x.view(), "b")), None);
    assert_eq!(hit(&(x.view(), "a\0")), None);
    assert_eq!(hit(&(x.t(), "a")), None);
    let row = array![[1.0f32, 2.0, 3.0, 4.0]];
    assert_eq!(hit(&(row.view(), "a")), None);
    assert_eq!(hit(&(x.slice(s![..1, ..]), "a")), None);

    // Shape counts also at dynamic rank: [4], [2, 2], [1, 4] and [2, 2, 1]
    // hold the same four values.
    let mut shapes: HashMap<Key<ArrayD<u8>>, usize, Colliding> = HashMap::default();
    let dims: [&[usize]; 4] = [&[4], &[2, 2], &[1, 4], &[2, 2, 1]];
    for (i, d) in dims.iter().enumerate() {
        shapes.insert(
            Key::new(ArrayD::from_shape_vec(IxDyn(d), vec![1, 2, 3, 4]).unwrap()),
            i,
        );
    }
    for (i, d) in dims.iter().enumerate() {
        let q = ArrayD::from_shape_vec(IxDyn(d), vec![1u8, 2, 3, 4]).unwrap();
        assert_eq!(shapes.get(Key::lookup(&q.view())), Some(&i));
    }
    // A 0-d tensor is not a 1-element one; the static dimension type does
    // not count (a 2-d view finds the dynamic-rank key of shape [2, 2]).
    shapes.insert(Key::new(ArrayD::from_elem(IxDyn(&[]), 9)), 10);
    assert_eq!(shapes.get(Key::lookup(&array![9u8].view())), None);
    assert_eq!(
        shapes.get(Key::lookup(&ndarray::arr0(9u8).view())),
        Some(&10)
    );
    assert_eq!(
        shapes.get(Key::lookup(&array![[1u8, 2], [3, 4]].view())),
        Some(&1)
    );
}

#[test]
fn broadcast_stepped_and_dynamic_views() {
    let row = array![1u32, 2, 3];
    let wide = row.broadcast((4, 3)).unwrap(); // zero strides
    let owned = wide.to_owned();
    let mut set: HashSet<Key<(Array2<u32>, Option<Vec<u32>>)>> = HashSet::new();
    set.insert(Key::new((owned.clone(), Some(vec![5, 6]))));
    assert!(set.contains(Key::lookup(&(wide, Some(&[5u32, 6][..])))));
    assert!(set.contains(Key::lookup(&(wide, Some(vec![5u32, 6])))));
    assert!(set.contains(Key::lookup(&(wide, Some([5u32, 6])))));
    assert!(!set.contains(Key::lookup(&(wide, Some(&[5u32][..])))));
    assert!(!set.contains(Key::lookup(&(wide, None::<&[u32]>))));
    assert_same_key(
        &(owned.clone(), Some(vec![5u32, 6])),
        &(wide, Some(&[5u32, 6][..])),
    );

    // Every other column of a wider array.
    let storage = Array2::from_shape_fn(
        (4, 6),
        |(i, j)| if j % 2 == 0 { owned[[i, j / 2]] } else { 99 },
    );
    let stepped = storage.slice(s![.., ..;2]);
    assert!(set.contains(Key::lookup(&(stepped, Some(&[5u32, 6][..])))));

    // Rank 6 in other layouts.
    let d = ArrayD::from_shape_fn(IxDyn(&[2, 1, 3, 2, 1, 2]), |i| {
        i.slice().iter().sum::<usize>() as i64
    });
    let mut dynamic: HashMap<Key<ArrayD<i64>>, u8> = HashMap::new();
    dynamic.insert(Key::new(d.clone()), 6);
    for fortran_order in [false, true] {
        let other = common::with_order(&d, fortran_order);
        assert_eq!(dynamic.get(Key::lookup(&other.view())), Some(&6));
        assert_same_key(&d, &other.view());
    }
    let rev = common::reversed_storage(&d);
    assert_eq!(
        dynamic.get(Key::lookup(&common::reverse_all(&rev))),
        Some(&6)
    );
}

#[test]
fn nan_payloads_and_signed_zero_under_bitwise() {
    let nan = f32::NAN;
    let other_nan = f32::from_bits(nan.to_bits() | 1);
    let a = array![[nan, 0.0], [1.0, 2.0]];
    let mut b = a.clone();
    b[[0, 0]] = other_nan;
    let mut c = a.clone();
    c[[0, 1]] = -0.0;

    let mut canonical: HashMap<Key<Array2<f32>>, u8, Colliding> = HashMap::default();
    canonical.insert(Key::new(a.clone()), 1);
    for q in [&a, &b, &c] {
        assert_eq!(canonical.get(Key::lookup(&fortran(q).view())), Some(&1));
    }

    let mut bitwise: HashMap<Key<(Bitwise<Array2<f32>>, u8)>, u8, Colliding> = HashMap::default();
    bitwise.insert(Key::new((Bitwise(a.clone()), 0)), 1);
    bitwise.insert(Key::new((Bitwise(b.clone()), 0)), 2);
    let fa = fortran(&a);
    assert_eq!(
        bitwise.get(Key::lookup(&(Bitwise(fa.view()), 0u8))),
        Some(&1)
    );
    assert_eq!(
        bitwise.get(Key::lookup(&(Bitwise(b.t().t()), 0u8))),
        Some(&2)
    );
    assert_eq!(bitwise.get(Key::lookup(&(Bitwise(c.view()), 0u8))), None);
    assert_same_key(
        &(Bitwise(b.clone()), 0u8),
        &(Bitwise(reversed(&b).slice(s![..;-1, ..;-1])), 0u8),
    );

    // Arrays of `Bitwise` elements are their own element type.
    let bits: Array2<Bitwise<f32>> = b.mapv(Bitwise);
    let mut by_elements: HashSet<Key<Array2<Bitwise<f32>>>> = HashSet::new();
    by_elements.insert(Key::new(bits.clone()));
    assert!(by_elements.contains(Key::lookup(&fortran(&bits).view())));
    assert!(!by_elements.contains(Key::lookup(&a.mapv(Bitwise).view())));
}

#[test]
fn pointers_options_and_nesting() {
    // Keys that own through pointers are looked up by references.
    let mut boxed: HashMap<Key<(Box<Array1<f64>>, std::rc::Rc<str>)>, u8> = HashMap::new();
    boxed.insert(Key::new((Box::new(array![1.0, 2.0]), "x".into())), 1);
    let v = array![1.0, 2.0, 0.0];
    assert_eq!(boxed.get(Key::lookup(&(&v.slice(s![..2]), "x"))), Some(&1));

    let key = (
        (array![1.0f64, f64::NAN], Some("n".to_owned())),
        (vec![1u8, 2], Bitwise(array![[-0.0f32]])),
        'c',
        (),
    );
    let mut nested: HashSet<Key<_>> = HashSet::new();
    nested.insert(Key::new(key.clone()));
    let z = array![[-0.0f32]];
    let q = (
        (key.0.0.view(), Some("n")),
        (&[1u8, 2][..], Bitwise(z.view())),
        'c',
        (),
    );
    assert_same_key(&key, &q);
    assert!(nested.contains(Key::lookup(&q)));
    let zero = array![[0.0f32]];
    let other = (
        (key.0.0.view(), Some("n")),
        (&[1u8, 2][..], Bitwise(zero.view())),
        'c',
        (),
    );
    assert!(!nested.contains(Key::lookup(&other)));

    // `Key<String>` and `Key<Vec<T>>` alone.
    let mut names: HashSet<Key<String>> = HashSet::new();
    names.insert(Key::new("ada".to_owned()));
    assert!(names.contains(Key::lookup(&"ada")));
    let mut lists: HashSet<Key<Vec<u16>>> = HashSet::new();
    lists.insert(Key::new(vec![3, 4]));
    assert!(lists.contains(Key::lookup(&[3u16, 4])));
    assert!(lists.contains(Key::lookup(&&[3u16, 4][..])));
}

/// Keys held in `VecDeque`s (also a ring buffer wrapped into two slices),
/// `Cow`s, boxed slices, `BTreeMap`s, arrays and keys of keys are found by
/// their borrowed forms, with the stored key's hash.
#[test]
fn std_containers_are_found_by_their_borrowed_forms() {
    let mut ring: VecDeque<f32> = VecDeque::with_capacity(2048);
    ring.extend((0..2000).map(|i| i as f32));
    for i in 2000..3000 {
        ring.pop_front();
        ring.push_back(i as f32);
    }
    assert!(
        !ring.as_slices().1.is_empty(),
        "the ring buffer did not wrap"
    );
    let straight: VecDeque<f32> = ring.iter().copied().collect();
    assert_same_key(&ring, &straight);
    let mut pushed_front = VecDeque::from([1.0f32, 2.0]);
    pushed_front.push_front(-0.0);
    assert_same_key(&pushed_front, &VecDeque::from([0.0f32, 1.0, 2.0]));

    assert_same_key(&(Cow::<str>::Owned("ab".into()), 1u8), &("ab", 1u8));
    let floats: Cow<'static, [f32]> = Cow::Owned(vec![1.0, -0.0]);
    assert_same_key(&floats, &&[1.0f32, 0.0][..]);
    let boxed: Box<[u16]> = vec![1, 2].into_boxed_slice();
    assert_same_key(&boxed, &&[1u16, 2][..]);
    assert_same_key(&[1.0f32, f32::NAN], &[1.0f32, -f32::NAN]);
    assert_same_key(
        &BTreeMap::from([(1u8, -0.0f32)]),
        &BTreeMap::from([(1u8, 0.0f32)]),
    );
    assert_same_key(
        &(None::<Array1<f32>>, 1u8),
        &(None::<ndarray::ArrayView1<'_, f32>>, 1u8),
    );
    assert_same_key(&Key::new(vec![1u8]), &&[1u8][..]);
    // A long string and a long tensor: several 4 KiB pieces in one key.
    let long = "z".repeat(5000);
    let ones = Array1::from_elem(2000, 1.0f32);
    assert_same_key(&(long.clone(), ones.clone()), &(long.as_str(), ones.view()));
}

// ---------------------------------------------------------------------------
// Properties

fn float() -> impl Strategy<Value = f32> {
    // A small domain, so that equal keys are frequent; NaNs of several
    // payloads and signs, both zeros.
    prop_oneof![
        Just(0.0f32),
        Just(-0.0),
        Just(1.0),
        Just(f32::NAN),
        Just(-f32::NAN),
        Just(f32::from_bits(0x7FC0_0001)),
        Just(f32::from_bits(0x7F80_0001)),
    ]
}

fn matrix() -> impl Strategy<Value = Array2<f32>> {
    (0usize..3, 0usize..3).prop_flat_map(|(r, c)| {
        prop::collection::vec(float(), r * c)
            .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

fn text() -> impl Strategy<Value = String> {
    "[ab]{0,2}"
}

fn numbers() -> impl Strategy<Value = Option<Vec<u32>>> {
    prop::option::of(prop::collection::vec(0u32..3, 0..3))
}

type Nested = (
    (Array1<f32>, Option<String>),
    (Vec<u8>, Bitwise<Array2<f32>>),
);

fn nested() -> impl Strategy<Value = Nested> {
    (
        (
            prop::collection::vec(float(), 0..3).prop_map(Array1::from),
            prop::option::of(text()),
        ),
        (
            prop::collection::vec(0u8..2, 0..2),
            matrix().prop_map(Bitwise),
        ),
    )
}

/// Stores `keys` (the first index of each class), then queries each probe's
/// borrowed form: the answer must be the first key equal to the probe, or none.
fn finds_exactly_equal<T: KeyBorrow + Clone, S: BuildHasher + Default>(
    keys: &[T],
    probes: &[T],
    query: impl Fn(&T, &dyn Fn(&dyn Lookup<T>)),
) {
    let mut map: HashMap<Key<T>, usize, S> = HashMap::default();
    for (i, k) in keys.iter().enumerate() {
        map.entry(Key::new(k.clone())).or_insert(i);
    }
    for p in keys.iter().chain(probes) {
        let expected = keys.iter().position(|k| k.key_eq(p));
        query(p, &|q| assert_eq!(map.get(q).copied(), expected));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matrix_and_string(
        keys in prop::collection::vec((matrix(), text()), 1..6),
        probes in prop::collection::vec((matrix(), text()), 0..6),
    ) {
        for (a, s) in keys.iter().chain(&probes) {
            let f = fortran(a);
            let r = reversed(a);
            assert_same_key(&(a.clone(), s.clone()), &(f.view(), s.as_str()));
            assert_same_key(&(a.clone(), s.clone()), &(r.slice(s![..;-1, ..;-1]), s.as_str()));
        }
        let query = |(a, s): &(Array2<f32>, String), check: &dyn Fn(&dyn Lookup<(Array2<f32>, String)>)| {
            let f = fortran(a);
            check(Key::lookup(&(f.view(), s.as_str())));
            check(Key::lookup(&(a.t().t(), s.as_str())));
        };
        finds_exactly_equal::<_, std::hash::RandomState>(&keys, &probes, query);
        finds_exactly_equal::<_, Colliding>(&keys, &probes, query);
    }

    #[test]
    fn optional_numbers(
        keys in prop::collection::vec(numbers(), 1..6),
        probes in prop::collection::vec(numbers(), 0..6),
    ) {
        for k in keys.iter().chain(&probes) {
            assert_same_key(k, &k.as_deref());
        }
        let query = |k: &Option<Vec<u32>>, check: &dyn Fn(&dyn Lookup<Option<Vec<u32>>>)| {
            check(Key::lookup(&k.as_deref()));
        };
        finds_exactly_equal::<_, std::hash::RandomState>(&keys, &probes, query);
        finds_exactly_equal::<_, Colliding>(&keys, &probes, query);
    }

    #[test]
    fn nested_tuples(
        keys in prop::collection::vec(nested(), 1..6),
        probes in prop::collection::vec(nested(), 0..6),
    ) {
        fn borrowed(k: &Nested, m: &Array2<f32>) -> impl Lookup<Nested> {
            let ((v, o), (bytes, _)) = k;
            ((v.view(), o.as_deref()), (bytes.as_slice(), Bitwise(m.view())))
        }
        for k in keys.iter().chain(&probes) {
            let m = fortran(&k.1.1.0);
            assert_same_key(k, &borrowed(k, &m));
        }
        let query = |k: &Nested, check: &dyn Fn(&dyn Lookup<Nested>)| {
            let m = fortran(&k.1.1.0);
            check(Key::lookup(&borrowed(k, &m)));
        };
        finds_exactly_equal::<_, std::hash::RandomState>(&keys, &probes, query);
        finds_exactly_equal::<_, Colliding>(&keys, &probes, query);
    }
}

// ---------------------------------------------------------------------------
// Derived types

mod derived {
    use super::*;
    use std::path::PathBuf;

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed = "NodeKeyRef")]
    pub struct NodeKey {
        pub weights: Array2<f32>,
        pub name: String,
        #[frozen_key(skip)]
        pub hits: u64,
        #[frozen_key(float = "bitwise")]
        pub bias: Option<Vec<f32>>,
    }

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed)]
    pub struct Pair(
        #[frozen_key(skip)] pub u8,
        pub ArrayD<u16>,
        pub (u8, String),
    );

    // `with` functions take the field's type, `&PathBuf`.
    #[allow(clippy::ptr_arg)]
    mod by_display {
        use tensor_key::{Encoder, FloatPolicy, FrozenKey};
        pub fn encode(p: &std::path::PathBuf, enc: &mut Encoder<'_>) {
            p.to_string_lossy().as_ref().encode(enc);
        }
        pub fn key_eq_with(a: &std::path::PathBuf, b: &std::path::PathBuf, _: FloatPolicy) -> bool {
            a == b
        }
    }

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed = "ShapeRef")]
    pub enum Shape {
        Empty,
        Grid(Array2<f64>),
        Tagged {
            values: Vec<i32>,
            #[frozen_key(skip)]
            note: String,
            #[frozen_key(with = "by_display")]
            file: PathBuf,
        },
    }

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed)]
    pub struct Generic<'k, T, const N: usize> {
        pub inner: T,
        pub label: &'k str,
        pub fixed: [u8; N],
    }

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed)]
    pub struct Layer {
        #[frozen_key(float = "bitwise")]
        pub weights: Array2<f32>,
        #[frozen_key(skip)]
        pub hits: u8,
        pub name: String,
    }

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed)]
    #[repr(u8)]
    pub enum Op {
        Nop = 5,
        Apply(
            #[frozen_key(skip)] u8,
            Layer,
            #[frozen_key(float = "canonical")] Option<f64>,
        ),
        Skipped {
            #[frozen_key(skip)]
            count: u8,
        },
        Stack {
            layers: Vec<Layer>,
            grid: ArrayD<f64>,
        },
    }

    #[derive(FrozenKey, Clone, Debug)]
    #[frozen_key(borrowed)]
    pub struct Model(
        pub Op,
        #[frozen_key(float = "bitwise")] pub (f32, Option<Array1<f32>>),
        pub tensor_key::FrozenTensor<f32, ndarray::Ix1>,
    );

    fn node(w: Array2<f32>, name: &str) -> NodeKey {
        NodeKey {
            weights: w,
            name: name.into(),
            hits: 7,
            bias: Some(vec![-0.0, 1.0]),
        }
    }

    #[test]
    fn struct_borrowed_form() {
        let w = array![[1.0f32, f32::NAN], [-0.0, 4.0]];
        let key = node(w.clone(), "conv");
        let f = fortran(&w);
        let bias = [-0.0f32, 1.0];
        let q = NodeKeyRef {
            weights: f.as_key_ref(),
            name: "conv",
            bias: Some(&bias),
        };
        assert_same_key(&key, &q);
        assert_same_key(&key, &key.as_key_ref());
        assert_same_key(&key, &&key);

        let mut map: HashMap<Key<NodeKey>, u8, Colliding> = HashMap::default();
        map.insert(Key::new(key.clone()), 1);
        assert_eq!(map.get(Key::lookup(&q)), Some(&1));
        assert_eq!(map.get(Key::lookup(&key)), Some(&1));
        // The skipped field does not count; every keyed one does, under its policy.
        let mut other = key.clone();
        other.hits = 0;
        assert_eq!(map.get(Key::lookup(&other)), Some(&1));
        let plus_zero = [0.0f32, 1.0];
        assert_eq!(
            map.get(Key::lookup(&NodeKeyRef {
                bias: Some(&plus_zero),
                ..q
            })),
            None
        );
        assert_eq!(map.get(Key::lookup(&NodeKeyRef { bias: None, ..q })), None);
        assert_eq!(
            map.get(Key::lookup(&NodeKeyRef { name: "conv2", ..q })),
            None
        );
        let t = w.t();
        assert_eq!(
            map.get(Key::lookup(&NodeKeyRef {
                weights: t.as_key_ref(),
                ..q
            })),
            None
        );

        // A map keyed by the derived type itself (its own `Hash` and `Eq`).
        let mut plain: HashMap<NodeKey, u8> = HashMap::new();
        plain.insert(key.clone(), 2);
        assert_eq!(plain.get(Key::lookup(&q)), Some(&2));
        assert_eq!(
            plain.get(Key::lookup(&NodeKeyRef { name: "conv2", ..q })),
            None
        );
        assert_eq!(recorded(Key::<NodeKey>::lookup(&q)), recorded(&key));

        // Inside a tuple, by reference or by borrowed form.
        let mut pairs: HashSet<Key<(NodeKey, u32)>> = HashSet::new();
        pairs.insert(Key::new((key.clone(), 3)));
        assert!(pairs.contains(Key::lookup(&(&key, 3u32))));
        assert!(pairs.contains(Key::lookup(&(q, 3u32))));
        assert!(!pairs.contains(Key::lookup(&(q, 4u32))));
    }

    #[test]
    fn tuple_struct_enum_and_generic_borrowed_forms() {
        let d = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| (i[0] * 3 + i[1]) as u16);
        let pair = Pair(9, d.clone(), (1, "x".into()));
        let dt = common::with_order(&d, true);
        let q = PairRef(dt.as_key_ref(), (1, "x"));
        assert_same_key(&pair, &q);
        let mut set: HashSet<Key<Pair>> = HashSet::new();
        set.insert(Key::new(pair));
        assert!(set.contains(Key::lookup(&q)));
        assert!(!set.contains(Key::lookup(&PairRef(dt.as_key_ref(), (2, "x")))));

        let g = array![[1.0f64, 2.0]];
        let shapes = [
            Shape::Empty,
            Shape::Grid(g.clone()),
            Shape::Tagged {
                values: vec![1, 2],
                note: "n".into(),
                file: "a/b".into(),
            },
        ];
        let file = PathBuf::from("a/b");
        let gf = fortran(&g);
        let queries = [
            ShapeRef::Empty,
            ShapeRef::Grid(gf.as_key_ref()),
            ShapeRef::Tagged {
                values: &[1, 2],
                file: &file,
            },
        ];
        let mut map: HashMap<Key<Shape>, usize, Colliding> = HashMap::default();
        for (i, s) in shapes.iter().enumerate() {
            assert_same_key(s, &queries[i]);
            map.insert(Key::new(s.clone()), i);
        }
        for (i, q) in queries.iter().enumerate() {
            assert_eq!(map.get(Key::lookup(q)), Some(&i));
        }
        let elsewhere = PathBuf::from("a/c");
        assert_eq!(
            map.get(Key::lookup(&ShapeRef::Tagged {
                values: &[1, 2],
                file: &elsewhere
            })),
            None
        );

        let label = String::from("lbl");
        let gen_key = Generic {
            inner: (vec![1u8], Some("s".to_owned())),
            label: &label,
            fixed: [1u8, 2],
        };
        let gq = GenericRef::<'_, '_, (Vec<u8>, Option<String>), 2> {
            inner: (&[1u8][..], Some("s")),
            label: "lbl",
            fixed: &[1, 2],
        };
        assert_same_key(&gen_key, &gq);
        let mut gmap: HashMap<Key<Generic<'_, (Vec<u8>, Option<String>), 2>>, u8> = HashMap::new();
        gmap.insert(Key::new(gen_key.clone()), 5);
        assert_eq!(gmap.get(Key::lookup(&gq)), Some(&5));
        assert_eq!(
            gmap.get(Key::lookup(&GenericRef {
                label: "other",
                ..gq
            })),
            None
        );
    }

    /// Derived keys inside derived keys have nested borrowed forms (a `Vec`
    /// of them by a slice, a `FrozenTensor` by a view), and every field keeps
    /// its own float policy, also under an outer `Bitwise`.
    #[test]
    fn nested_borrowed_forms_keep_each_fields_float_policy() {
        let w = array![[1.0f32, f32::NAN], [-0.0, 2.0]];
        let wf = fortran(&w);
        let layer = Layer {
            weights: w.clone(),
            hits: 1,
            name: "n".into(),
        };
        let q = LayerRef {
            weights: wf.as_key_ref(),
            name: "n",
        };
        assert_same_key(&layer, &q);
        // A bitwise field: the other zero, or another NaN, is another key.
        let plus_zero = array![[1.0f32, f32::NAN], [0.0, 2.0]];
        let minus_nan = array![[1.0f32, -f32::NAN], [-0.0, 2.0]];
        for other in [&plus_zero, &minus_nan] {
            let weights = other.as_key_ref();
            assert_other_key(&layer, &LayerRef { weights, ..q });
        }

        let op = Op::Apply(3, layer.clone(), Some(-0.0));
        assert_same_key(&op, &OpRef::Apply(q, Some(0.0)));
        assert_other_key(&op, &OpRef::Apply(q, Some(f64::NAN)));
        assert_same_key(&Op::Nop, &OpRef::Nop);
        assert_same_key(&Op::Skipped { count: 1 }, &OpRef::Skipped {});
        assert_other_key(&Op::Nop, &OpRef::Skipped {});
        let grid = ArrayD::from_shape_vec(IxDyn(&[1, 2, 1, 2, 1]), vec![1.0, f64::NAN, -0.0, 3.0])
            .unwrap();
        let permuted = common::permuted_storage(&grid);
        let layers = [layer.clone()];
        let stack = Op::Stack {
            layers: vec![layer],
            grid,
        };
        let grid_view = common::unpermute(&permuted);
        let stack_query = OpRef::Stack {
            layers: &layers,
            grid: grid_view.as_key_ref(),
        };
        assert_same_key(&stack, &stack_query);

        let model = Model(
            op.clone(),
            (-0.0, Some(array![f32::NAN])),
            tensor_key::FrozenTensor::new(array![1.0f32]),
        );
        let (nan, minus_nan, one) = (array![f32::NAN], array![-f32::NAN], array![1.0f32]);
        let mq = ModelRef(
            OpRef::Apply(q, Some(0.0)),
            (-0.0, Some(nan.as_key_ref())),
            one.as_key_ref(),
        );
        assert_same_key(&model, &mq);
        assert_other_key(&model, &ModelRef(mq.0, (0.0, mq.1.1), mq.2));
        assert_other_key(
            &model,
            &ModelRef(mq.0, (-0.0, Some(minus_nan.as_key_ref())), mq.2),
        );
        // An outer `Bitwise` does not override a field marked canonical.
        let bitwise = Bitwise(op);
        assert_same_key(&bitwise, &Bitwise(OpRef::Apply(q, Some(0.0))));
        assert_same_key(&bitwise, &Bitwise(OpRef::Apply(q, Some(-0.0))));
        // A map keyed by the derived type itself.
        let mut plain: HashMap<Model, u8> = HashMap::new();
        plain.insert(model, 1);
        assert_eq!(plain.get(Key::lookup(&mq)), Some(&1));
    }
}

#[test]
fn borrowed_forms_debug_like_derive_debug() {
    use derived::{NodeKeyRef, PairRef, ShapeRef};
    let w = array![[1.0f32]];
    let q = NodeKeyRef {
        weights: w.as_key_ref(),
        name: "n",
        bias: None,
    };
    assert_eq!(
        format!("{q:?}"),
        "NodeKeyRef { weights: TensorKeyRef { shape: [1, 1], .. }, name: \"n\", bias: None }"
    );
    let d = ArrayD::<u16>::zeros(IxDyn(&[0]));
    assert_eq!(
        format!("{:?}", PairRef(d.as_key_ref(), (1, "x"))),
        "PairRef(TensorKeyRef { shape: [0], .. }, (1, \"x\"))"
    );
    assert_eq!(format!("{:?}", ShapeRef::Empty), "Empty");
    let file = std::path::PathBuf::from("f");
    assert_eq!(
        format!(
            "{:?}",
            ShapeRef::Tagged {
                values: &[1],
                file: &file
            }
        ),
        "Tagged { values: [1], file: \"f\" }"
    );
}

#[test]
fn frozen_tensors_inside_keys_and_debug_of_queries() {
    use ndarray::Ix2;
    use tensor_key::{Freeze, FrozenTensor};
    let a = array![[1.5f32, -0.0], [f32::NAN, 2.0]];
    let mut set: HashSet<Key<(FrozenTensor<f32, Ix2>, u8)>> = HashSet::new();
    set.insert(Key::new((a.view().freeze(), 1)));
    let f = fortran(&a);
    assert!(set.contains(Key::lookup(&(f.view(), 1u8))));
    assert!(set.contains(Key::lookup(&(a.view().freeze(), 1u8))));
    assert!(!set.contains(Key::lookup(&(a.t(), 1u8))));
    assert_same_key(&(a.view().freeze(), 1u8), &(f.view(), 1u8));

    let q = (a.view(), "sum");
    let shown = format!("{:?}", Key::<(Array2<f32>, String)>::lookup(&q));
    assert_eq!(
        shown,
        "Lookup((TensorKeyRef { shape: [2, 2], .. }, \"sum\"))"
    );
}

/// `hashbrown` and `indexmap` maps and sets keyed by `Key<T>` take the same
/// `Key::lookup` queries as std's, through their `Equivalent` blanket impl,
/// with no feature of this crate.
#[test]
fn hashbrown_and_indexmap_take_the_same_queries() {
    type K = Key<(Array2<f32>, String)>;
    let x = array![[1.0f32, 2.0], [3.0, f32::NAN]];
    let stored_transposed = x.t().as_standard_layout().into_owned();
    let hit = (stored_transposed.t(), "sum");
    let miss = (x.view(), "max");
    let key = || Key::new((x.clone(), "sum".to_string()));
    let state = std::hash::RandomState::new();

    let mut hb: hashbrown::HashMap<K, u32, _> = hashbrown::HashMap::with_hasher(state.clone());
    hb.insert(key(), 1);
    assert_eq!(hb.get(Key::lookup(&hit)), Some(&1));
    assert_eq!(hb.get(Key::lookup(&miss)), None);
    *hb.get_mut(Key::lookup(&hit)).unwrap() += 1;
    assert_eq!(hb.remove(Key::lookup(&hit)), Some(2));
    let mut hs: hashbrown::HashSet<K, _> = hashbrown::HashSet::with_hasher(state);
    hs.insert(key());
    assert!(hs.contains(Key::lookup(&hit)) && !hs.contains(Key::lookup(&miss)));

    let mut im: indexmap::IndexMap<K, u32> = indexmap::IndexMap::new();
    im.insert(key(), 1);
    assert_eq!(im.get(Key::lookup(&hit)), Some(&1));
    assert_eq!(im.get_index_of(Key::lookup(&miss)), None);
    assert_eq!(im.swap_remove(Key::lookup(&hit)), Some(1));
    let mut is: indexmap::IndexSet<K> = indexmap::IndexSet::new();
    is.insert(key());
    assert!(is.contains(Key::lookup(&hit)) && !is.contains(Key::lookup(&miss)));
}

/// The derive's borrowed forms are `Clone`, and `Copy` for types without
/// generic parameters, as `derive.md` says.
#[test]
fn borrowed_forms_are_clone_and_copy_without_generics() {
    use derived::{Generic, GenericRef, NodeKeyRef, PairRef, ShapeRef};
    fn copy<T: Copy>(t: T) -> (T, T) {
        (t, t)
    }
    let w = array![[1.0f32]];
    let d = ArrayD::<u16>::zeros(IxDyn(&[0]));
    let (a, b) = copy(NodeKeyRef {
        weights: w.as_key_ref(),
        name: "n",
        bias: None,
    });
    assert!(a.key_eq(&b));
    let _ = copy(PairRef(d.as_key_ref(), (1, "x")));
    let _ = copy(ShapeRef::Empty);
    fn clone<T: Clone>(t: &T) -> T {
        t.clone()
    }
    let label = String::from("g");
    let key = Generic {
        inner: (vec![1u8], Some("s".to_owned())),
        label: &label,
        fixed: [1u8, 2],
    };
    let r: GenericRef<'_, '_, (Vec<u8>, Option<String>), 2> = key.as_key_ref();
    assert_eq!(clone(&r).encoding(), key.encoding());
}
