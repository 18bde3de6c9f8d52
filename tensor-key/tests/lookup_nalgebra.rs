//! Borrowed lookups with nalgebra matrices (feature `nalgebra`): matrix keys
//! found by matrix views and by ndarray views, ndarray keys found by matrix
//! views, with the hash the stored key has.
#![cfg(feature = "nalgebra")]

use nalgebra::{DMatrix, Matrix2x3, SMatrix};
use ndarray::{Array2, array};
use std::collections::HashMap;
use std::hash::BuildHasher;
use tensor_key::{FrozenKey, Key, KeyBorrow, Lookup};

fn hash_of<K: std::hash::Hash + ?Sized>(k: &K) -> u64 {
    foldhash::quality::FixedState::with_seed(5).hash_one(k)
}

#[test]
fn matrices_and_arrays_look_each_other_up() {
    let m = Matrix2x3::new(1.0f32, 2.0, 3.0, 4.0, f32::NAN, -0.0);
    let a: Array2<f32> = array![[1.0, 2.0, 3.0], [4.0, -f32::NAN, 0.0]];
    let d = DMatrix::from_row_slice(2, 3, &[1.0f32, 2.0, 3.0, 4.0, f32::NAN, 0.0]);

    // A matrix key, found by a view of a dynamic matrix and by an ndarray view.
    let mut by_matrix: HashMap<Key<(Matrix2x3<f32>, String)>, u8> = HashMap::new();
    by_matrix.insert(Key::new((m, "m".to_owned())), 1);
    let dv = d.view((0, 0), (2, 3));
    assert_eq!(by_matrix.get(Key::lookup(&(dv, "m"))), Some(&1));
    assert_eq!(by_matrix.get(Key::lookup(&(&d, "m"))), Some(&1));
    assert_eq!(by_matrix.get(Key::lookup(&(a.view(), "m"))), Some(&1));
    assert_eq!(by_matrix.get(Key::lookup(&(a.t(), "m"))), None);
    let stored = Key::new((m, "m".to_owned()));
    assert_eq!(
        hash_of(Key::<(Matrix2x3<f32>, String)>::lookup(&(dv, "m"))),
        hash_of(&stored)
    );
    assert_eq!(m.as_key_ref().encoding(), m.encoding());

    // An ndarray key, found by a transposed matrix view (column strides).
    let mut by_array: HashMap<Key<Array2<f32>>, u8> = HashMap::new();
    by_array.insert(Key::new(a.clone()), 2);
    let mt: SMatrix<f32, 3, 2> = m.transpose();
    let back = mt.transpose();
    assert_eq!(by_array.get(Key::lookup(&back)), Some(&2));
    assert_eq!(by_array.get(Key::lookup(&mt)), None);
    assert_eq!(
        Lookup::<Array2<f32>>::key_ref(&d.columns(0, 3)).encoding(),
        a.encoding()
    );
}

/// Stepped matrix views (gaps between rows and columns) of every size, empty
/// and large ones too, find the ndarray key and the matrix key of their values
/// with the stored key's hash; ndarray views and transposes find the matrix
/// key exactly when their values are its values.
#[test]
fn stepped_matrix_views_find_array_and_matrix_keys() {
    for (r, c) in [
        (0, 0),
        (0, 3),
        (3, 0),
        (1, 1),
        (7, 9),
        (40, 31),
        (64, 70),
        (1, 1100),
        (1100, 1),
    ] {
        let big = DMatrix::<f32>::from_fn(2 * r + 3, 3 * c + 2, |i, j| match (i + j) % 7 {
            0 => f32::NAN,
            1 if i * j % 5 == 0 => -0.0,
            _ => (i * 1000 + j) as f32,
        });
        for (start, steps) in [((1, 1), (1, 2)), ((0, 0), (0, 0)), ((2, 0), (0, 2))] {
            let v = big.view_with_steps(start, (r, c), steps);
            let a = Array2::from_shape_fn((r, c), |(i, j)| v[(i, j)]);
            let by_array = Key::new(a.clone());
            let q = Key::<Array2<f32>>::lookup(&v);
            assert!(q == Key::lookup(&by_array), "{r}x{c}");
            assert_eq!(hash_of(q), hash_of(&by_array), "{r}x{c}");
            let by_matrix = Key::new(v.clone_owned());
            for q in [
                Key::<DMatrix<f32>>::lookup(&v),
                Key::<DMatrix<f32>>::lookup(&a.view()),
            ] {
                assert!(q == Key::lookup(&by_matrix), "{r}x{c}");
                assert_eq!(hash_of(q), hash_of(&by_matrix), "{r}x{c}");
            }
            let transposed = a.t();
            assert_eq!(
                Key::<DMatrix<f32>>::lookup(&transposed) == Key::lookup(&by_matrix),
                a.view().key_eq(&transposed),
                "{r}x{c}"
            );
            let vt = v.transpose();
            let by_transpose = Key::new(a.t().to_owned());
            assert_eq!(
                hash_of(Key::<Array2<f32>>::lookup(&vt)),
                hash_of(&by_transpose)
            );
        }
    }
}
