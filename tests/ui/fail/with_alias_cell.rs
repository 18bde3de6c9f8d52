// A `with` field needs no `FrozenKey` impl, but must be `Immutable`: a type
// alias hides `Cell` from the syntactic scan, and the bound catches it at the
// field's type. (Without it, mutating the field would lose the key in a map.)
use std::cell::Cell;
use tensor_key::FrozenKey;

type Counter = Cell<u8>;

mod by_value {
    use tensor_key::{Encoder, FloatPolicy, FrozenKey};
    pub fn encode(c: &super::Counter, enc: &mut Encoder<'_>) {
        c.get().encode(enc);
    }
    pub fn key_eq_with(a: &super::Counter, b: &super::Counter, _: FloatPolicy) -> bool {
        a.get() == b.get()
    }
}

#[derive(FrozenKey)]
struct Cached {
    id: u32,
    #[frozen_key(with = "by_value")]
    hits: Counter,
}

fn main() {}
