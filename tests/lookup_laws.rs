//! The borrowed-lookup law, as a property over random pairs of `f32` tensors:
//! a query equals a stored key exactly when their canonical values are equal
//! (same shape; NaNs alike, zeros alike; bit for bit under `Bitwise`), and an
//! equal query makes the stored key's hasher writes, so it has the key's hash
//! under every hasher. Checked for queries in every layout (C and Fortran
//! order, reversed, stepped, reversed and stepped, permuted and rotated axes,
//! padded rows, broadcast), with shapes on both sides of the 4 KiB piece
//! boundary, for `Key<ArrayD>`, `Key<Array2>` (static- and dynamic-rank
//! views), `Key<(ArrayD, String)>` with long strings, `Key<Bitwise<ArrayD>>`,
//! `Key<FrozenTensor>`, `FrozenTensor` keys queried by `TensorQuery`,
//! `SmallTensor`, and `Key`s of other element types.

mod common;

use common::*;
use ndarray::{Array2, ArrayD, ArrayViewD, Axis, Ix2, IxDyn, Slice};
use proptest::prelude::*;
use std::borrow::Borrow;
use std::hash::Hash;
use tensor_key::{Bitwise, FrozenKey, FrozenTensor, Key, SmallTensor, TensorLookup, TensorQuery};

/// The reference model: equal shapes and canonically (or bitwise) equal
/// elements, decided without the crate.
fn values_equal(a: &ArrayD<f32>, b: &ArrayD<f32>, bitwise: bool) -> bool {
    let same = |x: f32, y: f32| {
        if bitwise {
            x.to_bits() == y.to_bits()
        } else if x.is_nan() || y.is_nan() {
            x.is_nan() && y.is_nan()
        } else {
            x.to_bits() == y.to_bits() || (x == 0.0 && y == 0.0)
        }
    };
    a.shape() == b.shape() && a.iter().zip(b).all(|(&x, &y)| same(x, y))
}

/// The law for one stored key and one query: equal exactly when `expected`,
/// and then with the stored key's hasher writes.
fn law<K, L>(stored: &K, query: &L, expected: bool, what: &str) -> Result<(), TestCaseError>
where
    K: Hash + Borrow<L>,
    L: Hash + PartialEq + ?Sized,
{
    prop_assert_eq!(query == stored.borrow(), expected, "{}: equality", what);
    if expected {
        prop_assert_eq!(hash_writes(query), hash_writes(stored), "{}: writes", what);
    }
    Ok(())
}

/// `a`'s values stored in every layout family; `views` shows each as `a`.
struct Layouts<T> {
    c: ArrayD<T>,
    fortran: ArrayD<T>,
    reversed: ArrayD<T>,
    stepped: ArrayD<T>,
    reversed_stepped: ArrayD<T>,
    permuted: ArrayD<T>,
    rotated: ArrayD<T>,
    padded: ArrayD<T>,
}

/// Axes rotated left by one (in storage), and the rotation back (in views).
fn rotation(ndim: usize, back: bool) -> IxDyn {
    let by = if back { ndim.saturating_sub(1) } else { 1 };
    IxDyn(&(0..ndim).map(|i| (i + by) % ndim).collect::<Vec<_>>())
}

impl<T: Clone + Default> Layouts<T> {
    fn new(a: &ArrayD<T>) -> Self {
        let junk = T::default();
        let padded = if a.ndim() == 0 {
            a.clone()
        } else {
            // Rows inside wider rows: contiguous runs, then a gap.
            let last = Axis(a.ndim() - 1);
            let mut wide = a.shape().to_vec();
            wide[last.index()] += 3;
            let mut store = ArrayD::from_elem(IxDyn(&wide), junk.clone());
            let n = a.len_of(last) as isize;
            store.slice_axis_mut(last, Slice::from(1..1 + n)).assign(a);
            store
        };
        Layouts {
            c: a.clone(),
            fortran: with_order(a, true),
            reversed: reversed_storage(a),
            stepped: stepped_storage(a, junk.clone()),
            reversed_stepped: stepped_storage(&reversed_storage(a), junk),
            permuted: permuted_storage(a),
            rotated: a
                .view()
                .permuted_axes(rotation(a.ndim(), false))
                .as_standard_layout()
                .into_owned(),
            padded,
        }
    }

    fn views(&self) -> [(&'static str, ArrayViewD<'_, T>); 8] {
        let mut reversed_stepped = every_third(&self.reversed_stepped);
        for axis in 0..reversed_stepped.ndim() {
            reversed_stepped.invert_axis(Axis(axis));
        }
        let padded = match self.padded.ndim() {
            0 => self.padded.view(),
            n => {
                let len = self.padded.len_of(Axis(n - 1)) as isize;
                self.padded.slice_axis(Axis(n - 1), Slice::from(1..len - 2))
            }
        };
        [
            ("C order", self.c.view()),
            ("Fortran order", self.fortran.view()),
            ("reversed", reverse_all(&self.reversed)),
            ("stepped", every_third(&self.stepped)),
            ("reversed and stepped", reversed_stepped),
            ("permuted", unpermute(&self.permuted)),
            (
                "rotated",
                self.rotated
                    .view()
                    .permuted_axes(rotation(self.rotated.ndim(), true)),
            ),
            ("padded", padded),
        ]
    }
}

/// Few distinct values, so that equal pairs are common; NaNs of many payloads.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => (-2i8..3).prop_map(f32::from),
        1 => Just(-0.0f32),
        1 => Just(f32::NAN),
        1 => Just(-f32::NAN),
        1 => any::<u32>().prop_map(|p| f32::from_bits(0x7F80_0001 | (p & 0x807F_FFFF))),
    ]
}

/// Small shapes up to rank 9, and shapes around the bulk paths' boundaries:
/// 4 KiB rows, banded transposes, long and short rows.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        3 => prop::collection::vec(0usize..5, 0..6),
        1 => prop::collection::vec(1usize..4, 5..10),
        1 => (1017usize..1028).prop_map(|n| vec![n]),
        1 => (30usize..36, 30usize..36).prop_map(|(a, b)| vec![a, b]),
        1 => (60usize..70, 60usize..130).prop_map(|(a, b)| vec![a, b]),
        1 => (1usize..4, 1000usize..1100).prop_map(|(a, b)| vec![a, b]),
        1 => (2usize..5, 2usize..5, 100usize..300).prop_map(|(a, b, c)| vec![a, b, c]),
        1 => (1usize..9, 30usize..34).prop_map(|(a, b)| vec![a, b]),
        1 => (1usize..9, 110usize..130).prop_map(|(a, b)| vec![a, b]),
    ]
}

/// A tensor and a near twin: NaN and zero signs flipped (canonically equal,
/// bitwise not), then unchanged, one element redrawn, one element certainly
/// changed, or the same elements in another shape.
fn pair() -> impl Strategy<Value = (ArrayD<f32>, ArrayD<f32>)> {
    shape()
        .prop_flat_map(|s| {
            let n: usize = s.iter().product();
            (
                prop::collection::vec(value(), n),
                Just(s),
                0u8..5,
                0..n.max(1),
                value(),
            )
        })
        .prop_map(|(values, s, mode, at, redrawn)| {
            let x = ArrayD::from_shape_vec(IxDyn(&s), values).unwrap();
            let mut y = x.mapv(|v| if v.is_nan() || v == 0.0 { -v } else { v });
            if mode == 4 {
                let n = y.len();
                y = y.into_shape_with_order(IxDyn(&[n])).unwrap();
            } else if let Some(slot) = y.iter_mut().nth(at) {
                match mode {
                    1 | 2 => *slot = redrawn,
                    3 => *slot = if *slot == 5.5 { 6.5 } else { 5.5 },
                    _ => {}
                }
            }
            (x, y)
        })
}

/// Looks up keys of `x` with queries of `y` in every layout.
fn check_pair(x: &ArrayD<f32>, y: &ArrayD<f32>, tag: &str) -> Result<(), TestCaseError> {
    let equal = values_equal(x, y, false);
    let bits_equal = values_equal(x, y, true);
    let plain = Key::new(x.clone());
    let tagged = Key::new((x.clone(), tag.to_owned()));
    let bitwise = Key::new(Bitwise(x.clone()));
    let frozen = FrozenTensor::new(x.clone());
    let frozen_in_key = Key::new(frozen.clone());
    let fixed_rank = (x.ndim() == 2 && y.ndim() == 2)
        .then(|| Key::new(x.clone().into_dimensionality::<Ix2>().unwrap()));
    let small_x = SmallTensor::<f32, 64>::from_array(x).ok();
    let layouts = Layouts::new(y);
    for (name, v) in layouts.views() {
        prop_assert_eq!(v.shape(), y.shape());
        law(&plain, Key::lookup(&v), equal, name)?;
        law(&tagged, Key::lookup(&(v.view(), tag)), equal, name)?;
        law(&bitwise, Key::lookup(&Bitwise(v.view())), bits_equal, name)?;
        law(&frozen_in_key, Key::lookup(&v), equal, name)?;
        let query = TensorQuery::new(v.view());
        let query: &dyn TensorLookup<f32, IxDyn> = query.as_key();
        law(&frozen, query, equal, name)?;
        if let Some(stored) = &fixed_rank {
            let v2 = v.view().into_dimensionality::<Ix2>().unwrap();
            law(stored, Key::<Array2<f32>>::lookup(&v2), equal, name)?;
            law(stored, Key::<Array2<f32>>::lookup(&v), equal, name)?;
            if equal {
                // Static and dynamic rank keys hash alike.
                prop_assert_eq!(hash_writes(stored), hash_writes(&plain));
            }
        }
        if let Ok(small) = SmallTensor::<f32, 64>::from_array(&v) {
            prop_assert_eq!(hash_writes(&small), hash_writes(&Key::new(y.clone())));
            if let Some(small_x) = &small_x {
                prop_assert_eq!(&small == small_x, equal, "{}: SmallTensor", name);
            }
        }
    }
    Ok(())
}

/// A certainly different value.
fn changed(v: f32) -> f32 {
    if v.is_nan() { 1.5 } else { f32::NAN }
}

/// A base with extent-1 axes and the shape to broadcast it to.
fn broadcast() -> impl Strategy<Value = (ArrayD<f32>, Vec<usize>, prop::sample::Index)> {
    prop::collection::vec((0usize..5, any::<bool>()), 1..6).prop_flat_map(|axes| {
        let shape: Vec<usize> = axes.iter().map(|&(n, _)| n).collect();
        let base: Vec<usize> = axes.iter().map(|&(n, b)| if b { 1 } else { n }).collect();
        let n: usize = base.iter().product();
        (
            prop::collection::vec(value(), n)
                .prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&base), v).unwrap()),
            Just(shape),
            any::<prop::sample::Index>(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A query is equal to a key of the same canonical values, with its
    /// hasher writes, and unequal to any other, whatever its layout.
    #[test]
    fn queries_equal_exactly_the_keys_of_equal_values(
        (x, y) in pair(),
        tag in prop_oneof![Just(String::new()), "[a-z]{0,5}", (4050usize..4100).prop_map(|n| "s".repeat(n))],
    ) {
        check_pair(&x, &y, &tag)?;
        check_pair(&y, &x, &tag)?;
    }

    /// Broadcast views (zero strides), also with permuted axes, find the keys
    /// of their owned copies and miss the copy with one element changed.
    #[test]
    fn broadcast_queries_equal_exactly_the_keys_of_equal_values((base, shape, at) in broadcast()) {
        let fortran = with_order(&base, true);
        let reversed = reversed_storage(&base);
        let bases = [base.view(), fortran.view(), reverse_all(&reversed)];
        for v in bases.iter().map(|b| b.broadcast(IxDyn(&shape)).unwrap()) {
            for v in [v.view(), v.view().reversed_axes()] {
                let owned = v.to_owned();
                law(&Key::new(owned.clone()), Key::lookup(&v), true, "broadcast")?;
                law(&Key::new(Bitwise(owned.clone())), Key::lookup(&Bitwise(v.view())), true, "bitwise")?;
                let query = TensorQuery::new(v.view());
                let query: &dyn TensorLookup<f32, IxDyn> = query.as_key();
                law(&FrozenTensor::new(owned.clone()), query, true, "TensorQuery")?;
                if let Ok(small) = SmallTensor::<f32, 64>::from_array(&v) {
                    prop_assert_eq!(hash_writes(&small), hash_writes(&Key::new(owned.clone())));
                }
                if !owned.is_empty() {
                    let mut other = owned;
                    let slot = other.iter_mut().nth(at.index(v.len())).unwrap();
                    *slot = changed(*slot);
                    law(&Key::new(other), Key::lookup(&v), false, "changed")?;
                }
            }
        }
    }
}

/// `Key<ArrayD<T>>` and `Key<Bitwise<ArrayD<T>>>` of `x`, queried by `y` in
/// every layout, after converting both to `T`.
fn check_element_type<T: FrozenKey + Clone + Default + 'static>(
    x: &ArrayD<f32>,
    y: &ArrayD<f32>,
    convert: fn(f32) -> T,
) -> Result<(), TestCaseError> {
    let (x, y) = (x.mapv(convert), y.mapv(convert));
    let equal = x.encoding() == y.encoding();
    let bits_equal = Bitwise(&x).encoding() == Bitwise(&y).encoding();
    let plain = Key::new(x.clone());
    let bitwise = Key::new(Bitwise(x));
    for (name, v) in Layouts::new(&y).views() {
        law(&plain, Key::lookup(&v), equal, name)?;
        law(&bitwise, Key::lookup(&Bitwise(v.view())), bits_equal, name)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The law for elements of every width and kind: floats, complex numbers,
    /// integers, `bool`, `char` and `Bitwise` elements.
    #[test]
    fn queries_of_every_element_type_equal_exactly_the_keys_of_equal_values((x, y) in pair()) {
        check_element_type(&x, &y, f64::from)?;
        check_element_type(&x, &y, |v| num_complex::Complex::new(v, -v))?;
        check_element_type(&x, &y, |v| num_complex::Complex::new(f64::from(v), 1.0))?;
        check_element_type(&x, &y, |v| v.to_bits() as u8)?;
        check_element_type(&x, &y, |v| v.to_bits() as u16)?;
        check_element_type(&x, &y, |v| i128::from(v.to_bits()) * -3)?;
        check_element_type(&x, &y, |v| v.to_bits() as usize)?;
        check_element_type(&x, &y, |v| v > 0.5)?;
        check_element_type(&x, &y, |v| char::from((v.to_bits() % 3) as u8))?;
        check_element_type(&x, &y, Bitwise)?;
    }
}
