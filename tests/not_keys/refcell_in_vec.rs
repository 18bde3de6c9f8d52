use std::cell::RefCell;
use tensor_key::FrozenKey;
fn main() {
    let v = vec![RefCell::new(1u8)];
    let _ = v.digest();
}
