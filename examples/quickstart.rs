//! Tensors as `HashMap` keys: a lookup that ignores memory layout, and a digest
//! that names a tensor outside this process.
//!
//! Run with `cargo run --release --example quickstart`.

use ndarray::{Array2, ShapeBuilder, array, s};
use std::collections::HashMap;
use tensor_key::{FrozenKey, Key};

fn main() {
    // A memo table keyed by (input tensor, layer index).
    let mut cache: HashMap<Key<(Array2<f32>, u32)>, f32> = HashMap::new();
    let x = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    cache.insert(Key::new((x.clone(), 0)), x.sum());

    // The same values laid out in Fortran order find the same entry.
    let mut fortran = Array2::<f32>::zeros((2, 3).f());
    fortran.assign(&x);
    let hit = cache.get(&Key::new((fortran, 0)));
    println!("Fortran-order lookup: {hit:?}");
    assert_eq!(hit, Some(&21.0));

    // NaN and -0.0 are canonical: a NaN-holding tensor finds itself.
    let odd = array![[f32::NAN, -0.0]];
    cache.insert(Key::new((odd.clone(), 1)), 0.0);
    println!(
        "NaN tensor found again: {}",
        cache.contains_key(&Key::new((odd, 1)))
    );

    // A digest of a view: stable across runs, processes and machines.
    let reversed = x.slice(s![.., ..;-1]);
    println!("digest of a reversed view: {}", reversed.digest());
    println!(
        "digest of its copy:        {}",
        reversed.to_owned().digest()
    );
}
