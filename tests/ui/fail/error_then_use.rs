// After a derive error the type still implements the traits (with bodies that
// never run), so using it as a key adds no follow-up errors.
use std::cell::Cell;
use std::collections::HashMap;
use tensor_key::{FrozenKey, Key};

#[derive(FrozenKey)]
struct Counter {
    hits: Cell<u32>,
}

fn main() {
    let mut map = HashMap::new();
    map.insert(Counter { hits: Cell::new(0) }, 1);
    let _ = Key::new(Counter { hits: Cell::new(0) }).digest();
}
