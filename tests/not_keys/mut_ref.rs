use tensor_key::FrozenKey;

/// Accepts keys only.
fn key<K: FrozenKey>(_: K) {}

fn main() {
    let mut x = 1.0f32;
    let _ = key(&mut x);
}
