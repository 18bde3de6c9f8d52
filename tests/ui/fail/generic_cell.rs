// A generic parameter instantiated with `Cell` at the use site.
use std::cell::Cell;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Tagged<T> {
    tag: u8,
    value: T,
}

fn cache<K: FrozenKey>(_key: K) {}

fn main() {
    cache(Tagged { tag: 1, value: Cell::new(2u32) });
}
