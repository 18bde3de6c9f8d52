use std::sync::atomic::AtomicU32;
use tensor_key::FrozenKey;
fn main() {
    let _ = AtomicU32::new(1).digest();
}
