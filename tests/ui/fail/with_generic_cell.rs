// A generic `with` field instantiated with `Cell` at the use site: the derived
// impl requires the field type to be `Immutable`, so the key is refused there.
use std::cell::Cell;
use tensor_key::FrozenKey;

mod by_debug {
    use std::fmt::Debug;
    use tensor_key::{Encoder, FloatPolicy, FrozenKey};
    pub fn encode<T: Debug>(value: &T, enc: &mut Encoder<'_>) {
        format!("{value:?}").encode(enc);
    }
    pub fn key_eq_with<T: Debug>(a: &T, b: &T, _: FloatPolicy) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }
}

#[derive(FrozenKey)]
#[frozen_key(bound = "T: std::fmt::Debug")]
struct Tagged<T> {
    tag: u8,
    #[frozen_key(with = "by_debug")]
    value: T,
}

fn cache<K: FrozenKey>(_key: K) {}

fn main() {
    cache(Tagged { tag: 1, value: 2u32 });
    cache(Tagged { tag: 1, value: Cell::new(2u32) });
}
