use std::cell::Cell;
use tensor_key::Key;
fn main() {
    let _ = Key::new(Cell::new(1u32));
}
