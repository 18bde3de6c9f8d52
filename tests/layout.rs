//! Layout independence: a tensor's key depends on its values, never on strides.

mod common;

use common::*;
use ndarray::{Array, Array1, Array2, ArrayD, Axis, ShapeBuilder, array, s};
use proptest::prelude::*;
use tensor_key::{Bitwise, FrozenKey, Key};

/// Checks that `a` and `b` are the same key in every respect.
fn assert_same_key<K: FrozenKey + ?Sized>(a: &K, b: &K) {
    assert!(a.key_eq(b));
    assert!(b.key_eq(a));
    assert_eq!(a.encoding(), b.encoding());
    assert_eq!(hashes(a), hashes(b));
    assert_eq!(a.digest(), b.digest());
}

fn check_all_layouts(a: &ArrayD<f32>) {
    let c = with_order(a, false);
    assert_same_key(a, &c);
    assert_same_key(a, &with_order(a, true));
    let rev = reversed_storage(a);
    assert_same_key(&a.view(), &reverse_all(&rev));
    let step = stepped_storage(a, 99.0);
    assert_same_key(&a.view(), &every_third(&step));
    let perm = permuted_storage(a);
    assert_same_key(&a.view(), &unpermute(&perm));
    // Views and owned arrays, static and dynamic dimensions share one digest.
    assert_eq!(a.view().digest(), a.digest());
}

/// Floats that stress canonicalization: NaNs with payloads, both zeros, infinities.
fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => (-4i8..4).prop_map(f32::from),
        1 => Just(-0.0f32),
        1 => any::<u32>().prop_map(|p| f32::from_bits(0x7F80_0001 | p)),
        1 => Just(f32::INFINITY),
        1 => any::<f32>(),
    ]
}

fn tensor() -> impl Strategy<Value = ArrayD<f32>> {
    common::tensor_of(4, 5, float)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_layout_is_the_same_key(a in tensor()) {
        check_all_layouts(&a);
    }

    #[test]
    fn broadcast_views_are_the_same_key(row in prop::collection::vec(float(), 0..6), rows in 0usize..5) {
        let row = Array1::from(row);
        let wide = row.broadcast((rows, row.len())).unwrap();
        assert_same_key(&wide, &wide.to_owned().view());
        let tall = row.view().insert_axis(Axis(1));
        let tall = tall.broadcast((row.len(), rows)).unwrap();
        assert_same_key(&tall, &tall.to_owned().view());
    }
}

#[test]
fn large_tensors_in_every_layout() {
    // Big enough to take the bulk path (several 4 KiB pieces) with dirty pieces in it.
    let mut a = Array::from_shape_fn((67, 131), |(i, j)| (i * 131 + j) as f32 * 0.25).into_dyn();
    a[[3, 5]] = f32::NAN;
    a[[40, 0]] = -0.0;
    check_all_layouts(&a);
    let canon = a.mapv(|x| {
        if x.is_nan() {
            f32::from_bits(0xFFC0_1234)
        } else {
            x.abs()
        }
    });
    assert_same_key(&a, &canon);
}

#[test]
fn every_element_type_is_layout_independent() {
    fn check<T: FrozenKey + Clone + Default>(a: Array2<T>) {
        let f = with_order(&a.clone().into_dyn(), true);
        assert_same_key(&a.clone().into_dyn(), &f);
        assert_same_key(
            &a.view(),
            &a.t()
                .as_standard_layout()
                .into_owned()
                .reversed_axes()
                .view(),
        );
    }
    check(Array2::from_shape_fn((5, 7), |(i, j)| i as u8 ^ j as u8));
    check(Array2::from_shape_fn((5, 7), |(i, j)| {
        (i * 7 + j) as i64 - 9
    }));
    check(Array2::from_shape_fn((5, 7), |(i, j)| (i + j) % 2 == 0));
    check(Array2::from_shape_fn((5, 7), |(i, j)| {
        num_complex::Complex::new(i as f64, -(j as f64))
    }));
    check(Array2::from_shape_fn((5, 7), |(i, j)| format!("{i}-{j}")));
    check(Array2::from_shape_fn((5, 7), |(i, j)| {
        (j > i).then_some(i as u16)
    }));
    check(Array2::from_shape_fn((5, 7), |(i, j)| {
        char::from(b'a' + (i + j) as u8)
    }));
}

#[test]
fn fortran_copy_finds_the_entry() {
    let x = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let mut f = Array2::<f32>::zeros((2, 3).f());
    f.assign(&x);
    let mut map = std::collections::HashMap::new();
    map.insert(Key::new((x, 3u32)), "v");
    assert_eq!(map.get(&Key::new((f, 3u32))), Some(&"v"));
}

#[test]
fn bitwise_view_matches_bitwise_elements() {
    let a = array![[1.5f32, f32::NAN], [-0.0, 2.0]];
    let elems = a.mapv(Bitwise);
    assert_eq!(Bitwise(a.view()).encoding(), elems.encoding());
    let t = elems.t();
    let back = t.t();
    assert_eq!(Bitwise(a.view()).digest(), back.digest());
}

#[test]
fn ndarray_hash_depends_on_layout_under_foldhash_but_ours_does_not() {
    use std::hash::BuildHasher;
    let c = Array2::from_shape_fn((64, 64), |(i, j)| (i * 64 + j) as u32);
    let mut f = Array2::<u32>::zeros((64, 64).f());
    f.assign(&c);
    assert_eq!(c, f);
    let state = foldhash::quality::FixedState::with_seed(1);
    let nd = |a: &Array2<u32>| state.hash_one(a);
    // ndarray hashes element by element for non-contiguous data and by slice otherwise.
    assert_ne!(
        nd(&c),
        nd(&f),
        "ndarray's Hash unexpectedly layout-independent"
    );
    assert_eq!(hashes(&c), hashes(&f));
    assert_eq!(hashes(&c.slice(s![.., ..])), hashes(&f.view()));
}

#[test]
fn column_major_matrices_of_every_shape_and_policy() {
    // Clean and dirty data, bands of many rows, one row, and rows too long to band.
    for (rows, cols) in [(1, 1), (2, 3), (17, 1024), (100, 37), (3, 5000), (2, 9000)] {
        let c = Array::from_shape_fn((rows, cols), |(i, j)| (i * cols + j) as f32 * 0.5 - 3.0);
        let mut dirty = c.clone();
        dirty[[rows / 2, cols / 2]] = f32::from_bits(0xFFC0_0007);
        dirty[[0, cols - 1]] = -0.0;
        for a in [c, dirty] {
            let mut f = Array2::<f32>::zeros((rows, cols).f());
            f.assign(&a);
            assert_same_key(&a, &f);
            assert_same_key(&a.view(), &a.t().as_standard_layout().t());
            assert_same_key(&Bitwise(a.view()), &Bitwise(f.view()));
            let elems = a.mapv(Bitwise);
            assert_eq!(
                Bitwise(a.view()).encoding(),
                elems.t().as_standard_layout().t().encoding()
            );
            let z = a.mapv(|x| num_complex::Complex::new(x, -x));
            assert_same_key(&z.view(), &z.t().as_standard_layout().t());
            let bytes = a.mapv(|x| x as i8);
            assert_same_key(&bytes.view(), &bytes.t().as_standard_layout().t());
        }
    }
}

#[test]
fn negative_strides_read_in_logical_order() {
    // Regression: ndarray's `ArrayBase::for_each` visits memory order, which for a
    // reversed view is backwards.
    let x = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let reversed_cols = x.slice(s![.., ..;-1]);
    assert_eq!(reversed_cols.strides(), &[3, -1]);
    let expected = array![[3.0f32, 2.0, 1.0], [6.0, 5.0, 4.0]];
    assert_same_key(&reversed_cols, &expected.view());
    let reversed_rows = x.slice(s![..;-1, ..]);
    assert_same_key(
        &reversed_rows,
        &array![[4.0f32, 5.0, 6.0], [1.0, 2.0, 3.0]].view(),
    );
    let both = x.slice(s![..;-1, ..;-2]);
    assert_same_key(&both, &array![[6.0f32, 4.0], [3.0, 1.0]].view());
    assert!(!reversed_cols.key_eq(&x.view()));
    // Long rows take the bulk path.
    let long = Array::from_shape_fn((3, 5000), |(i, j)| (i * 5000 + j) as f32).into_dyn();
    let storage = reversed_storage(&long);
    assert!(reverse_all(&storage).strides().iter().all(|&s| s < 0));
    assert_same_key(&long.view(), &reverse_all(&storage));
}

/// SPEC.md's tensor encoding of f32 elements, written out element by element
/// in logical order: the general path every fast path must reproduce.
fn spec_encoding(a: &ArrayD<f32>) -> Vec<u8> {
    let mut out = vec![0x50];
    out.extend((a.ndim() as u64).to_le_bytes());
    for &n in a.shape() {
        out.extend((n as u64).to_le_bytes());
    }
    out.push(0x12);
    for &x in a.iter() {
        let bits = if x.is_nan() {
            0x7FC0_0000
        } else if x == 0.0 {
            0
        } else {
            x.to_bits()
        };
        out.extend(bits.to_le_bytes());
    }
    out
}

/// Ranks 0 to 8: small extents on most axes, one longer axis so that some
/// tensors cross the 4 KiB piece boundary.
fn high_rank_tensor() -> impl Strategy<Value = ArrayD<f32>> {
    (0usize..=8, 0usize..8, 0usize..300).prop_flat_map(|(rank, long_axis, long)| {
        prop::collection::vec(1usize..4, rank).prop_flat_map(move |mut shape| {
            if let Some(n) = shape.get_mut(long_axis) {
                *n = long % if rank > 5 { 8 } else { 300 };
            }
            let n: usize = shape.iter().product();
            prop::collection::vec(float(), n)
                .prop_map(move |v| ArrayD::from_shape_vec(ndarray::IxDyn(&shape), v).unwrap())
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every path (one slice, banded transposes, strided runs; fixed or
    /// dynamic rank) hands a hasher exactly the writes of the C-order path,
    /// and their bytes are SPEC.md's encoding.
    #[test]
    fn every_path_writes_the_same_pieces_at_every_rank(a in high_rank_tensor()) {
        let expected = writes(&with_order(&a, false));
        prop_assert_eq!(expected.concat(), spec_encoding(&a));
        prop_assert!(expected.iter().all(|w| !w.is_empty()));
        let f = with_order(&a, true);
        let rev = reversed_storage(&a);
        let step = stepped_storage(&a, 99.0);
        let perm = permuted_storage(&a);
        for (name, got) in [
            ("fortran", writes(&f)),
            ("reversed", writes(&reverse_all(&rev))),
            ("stepped", writes(&every_third(&step))),
            ("permuted", writes(&unpermute(&perm))),
            ("transposed twice", writes(&f.t().t())),
        ] {
            prop_assert_eq!(&got, &expected, "{}", name);
        }
        prop_assert!(a.key_eq(&f) && f.view().key_eq(&reverse_all(&rev)) && every_third(&step).key_eq(&unpermute(&perm)));
        // Composite elements take the per-element path through the same walks.
        let boxed = a.mapv(Some);
        let boxed_f = with_order(&boxed, true);
        prop_assert_eq!(writes(&boxed_f), writes(&boxed));
        prop_assert!(boxed_f.key_eq(&boxed));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Equality across layouts (banded, run by run, one slice) finds a single
    /// changed element wherever it is, and agrees with the encodings.
    #[test]
    fn one_changed_element_is_found_in_every_layout(a in high_rank_tensor(), at in any::<prop::sample::Index>(), nan_payload in 1u32..0x3F_FFFF) {
        prop_assume!(!a.is_empty());
        let mut changed = with_order(&a, false);
        let i = at.index(a.len());
        let x = changed.iter().nth(i).copied().unwrap();
        let y = if x.is_nan() { 1.5 } else if x == 0.0 { f32::from_bits(0x7F80_0000 | nan_payload) } else { -x * 2.0 - 1.0 };
        *changed.iter_mut().nth(i).unwrap() = y;
        let f = with_order(&a, true);
        let changed_f = with_order(&changed, true);
        let rev = reversed_storage(&a);
        let perm = permuted_storage(&a);
        for view in [a.view(), f.view(), reverse_all(&rev), unpermute(&perm)] {
            for other in [changed.view(), changed_f.view()] {
                prop_assert!(!view.key_eq(&other));
                prop_assert!(!other.key_eq(&view));
                prop_assert_ne!(view.encoding(), other.encoding());
            }
            // Same values in another layout: equal, with a NaN payload and a
            // zero sign flipped where they occur.
            let mut twin = with_order(&a, true);
            twin.mapv_inplace(|v| if v.is_nan() { f32::from_bits((v.to_bits() ^ 0x8000_0000) | 0x0040_0000) } else if v == 0.0 { -v } else { v });
            prop_assert!(view.key_eq(&twin.view()));
            prop_assert!(twin.view().key_eq(&view));
        }
    }
}
