use std::cell::Cell;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Counter {
    hits: Cell<u32>,
}

fn main() {}
