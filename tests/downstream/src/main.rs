//! Keys as a downstream crate writes them. `.ci/run` lints this crate with
//! `cargo clippy -- -D warnings` and default settings: maps keyed by
//! `FrozenTensor`, and by derived keys holding one, must not trip
//! `clippy::mutable_key_type`.

use std::collections::{HashMap, HashSet};

use ndarray::{Ix2, array};
use tensor_key::{Freeze, FrozenKey, FrozenTensor, Key, TensorQuery};

/// A derived key with a frozen tensor field.
#[derive(FrozenKey)]
struct Layer {
    weights: FrozenTensor<f32, Ix2>,
    index: u32,
}

/// A key of a tensor and a small tag.
type Tagged = Key<(FrozenTensor<f32, Ix2>, u8)>;

fn count_weights(map: &HashMap<FrozenTensor<f32, Ix2>, u32>) -> u32 {
    map.values().sum()
}

fn layers(set: &HashSet<Layer>) -> usize {
    set.len()
}

fn main() {
    let w = array![[1.0f32, f32::NAN], [-0.0, 4.0]];
    let mut by_tensor: HashMap<FrozenTensor<f32, Ix2>, u32> = HashMap::new();
    by_tensor.insert(w.view().freeze(), 1);
    assert_eq!(by_tensor.get(TensorQuery::new(w.view()).as_key()), Some(&1));
    assert_eq!(count_weights(&by_tensor), 1);

    let mut by_layer: HashMap<Layer, &str> = HashMap::new();
    let layer = Layer {
        weights: w.view().freeze(),
        index: 0,
    };
    let digest = layer.digest();
    by_layer.insert(layer, "first");
    let probe = Layer {
        weights: w.clone().into_frozen(),
        index: 0,
    };
    assert_eq!(by_layer.get(&probe), Some(&"first"));
    let set: HashSet<Layer> = by_layer.into_keys().collect();
    assert_eq!(layers(&set), 1);

    let mut by_key: HashMap<Tagged, u8> = HashMap::new();
    by_key.insert(Key::new((w.freeze(), 1)), 2);
    println!("{} {}", by_key.len(), digest);
}
