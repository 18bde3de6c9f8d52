// The alias is nested inside a container the scan can see into.
use std::cell::RefCell;
use tensor_key::FrozenKey;

type Slot = RefCell<u8>;

#[derive(FrozenKey)]
struct Slots {
    slots: Vec<Slot>,
}

fn main() {}
