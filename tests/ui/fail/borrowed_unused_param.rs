// A borrowed form holds only the keyed fields: a parameter used only by a
// skipped field (or a type without keyed fields) has nothing to borrow.
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(borrowed)]
struct Cached<T> {
    key: u32,
    #[frozen_key(skip)]
    cache: Option<T>,
}

#[derive(FrozenKey)]
#[frozen_key(borrowed = "NothingRef")]
struct Nothing {
    #[frozen_key(skip)]
    note: String,
}

fn main() {}
