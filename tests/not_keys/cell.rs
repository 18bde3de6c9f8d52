use std::cell::Cell;
use tensor_key::FrozenKey;

/// Accepts keys only.
fn key<K: FrozenKey>(_: K) {}

fn main() {
    let _ = key(Cell::new(1u32));
}
