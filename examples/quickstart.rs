//! Tensors as `HashMap` keys: a lookup that ignores memory layout, a derived key
//! struct, and a digest that names a tensor outside this process.
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

    // Your own key type: derive `FrozenKey` and get `Hash`, `Eq` and `digest()`.
    #[derive(FrozenKey)]
    struct CacheKey {
        input: Array2<f32>,
        model: String,
        #[frozen_key(skip)]
        requested_by: &'static str, // metadata, not part of the key
    }
    let mut results: HashMap<CacheKey, usize> = HashMap::new();
    let key = CacheKey {
        input: x.clone(),
        model: "resnet".into(),
        requested_by: "alice",
    };
    println!("{} asks for {}", key.requested_by, key.model);
    results.insert(key, 3);
    let again = CacheKey {
        input: x.t().as_standard_layout().into_owned().reversed_axes(),
        model: "resnet".into(),
        requested_by: "bob",
    };
    println!(
        "derived key, transposed-twice input, another requester: {:?}",
        results.get(&again)
    );
    assert_eq!(results.get(&again), Some(&3));

    // A digest of a view: stable across runs, processes and machines.
    let reversed = x.slice(s![.., ..;-1]);
    println!("digest of a reversed view: {}", reversed.digest());
    println!(
        "digest of its copy:        {}",
        reversed.to_owned().digest()
    );
}
