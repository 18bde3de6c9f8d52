use ndarray::Array2;
use tensor_key::FrozenKey;

/// Accepts keys only.
fn key<K: FrozenKey>(_: K) {}

fn main() {
    let mut a = Array2::<f32>::zeros((2, 2));
    let _ = key(a.view_mut());
}
