use std::cell::UnsafeCell;
use tensor_key::FrozenKey;
fn main() {
    let _ = UnsafeCell::new(1u8).digest();
}
