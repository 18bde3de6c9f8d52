// A type alias hides `RefCell` from the syntactic scan; the trait bound catches it.
use std::cell::RefCell;
use tensor_key::FrozenKey;

type Shared = RefCell<u8>;

#[derive(FrozenKey)]
struct Cached {
    id: u32,
    value: Shared,
}

fn main() {}
