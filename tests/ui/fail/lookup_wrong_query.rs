// A query that does not encode like the key: `f64` elements for an `f32`
// tensor, and a `u64` for a `u32`.
use ndarray::{Array2, array};
use std::collections::HashMap;
use tensor_key::Key;

fn main() {
    let memo: HashMap<Key<(Array2<f32>, u32)>, f32> = HashMap::new();
    let x = array![[1.0f64, 2.0], [3.0, 4.0]];
    let _ = memo.get(Key::lookup(&(x.view(), 7u32)));
    let y = array![[1.0f32, 2.0], [3.0, 4.0]];
    let _ = memo.get(Key::lookup(&(y.view(), 7u64)));
}
