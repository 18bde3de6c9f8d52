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
