// An associated type of a parameter that is `Cell`: the derived impls require
// `T::Value: FrozenKey` (and, for a `with` field, `Immutable`), so the key is
// refused where it is used, although `T` itself need not be a key.
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

trait Store {
    type Value: std::fmt::Debug;
}

struct Plain;
impl Store for Plain {
    type Value = u8;
}

struct Shared;
impl Store for Shared {
    type Value = Cell<u8>;
}

#[derive(FrozenKey)]
struct Entry<T: Store> {
    value: T::Value,
}

#[derive(FrozenKey)]
struct Shown<T: Store> {
    #[frozen_key(with = "by_debug")]
    value: <T as Store>::Value,
}

fn cache<K: FrozenKey>(_key: K) {}

fn main() {
    cache(Entry::<Plain> { value: 1 });
    cache(Shown::<Plain> { value: 1 });
    cache(Entry::<Shared> { value: Cell::new(1) });
    cache(Shown::<Shared> { value: Cell::new(1) });
}
