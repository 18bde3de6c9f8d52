use std::sync::{Mutex, RwLock};
use tensor_key::FrozenKey;
fn main() {
    let _ = Mutex::new(1u8).digest();
    let _ = RwLock::new(1u8).digest();
}
