// Every error in the input is reported at once, in source order.
use std::cell::Cell;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(skip)]
struct Everything<'a> {
    #[frozen_key(float = "fuzzy")]
    a: f32,
    b: &'a mut u8,
    c: Cell<u8>,
}

fn main() {}
