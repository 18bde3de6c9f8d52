use std::cell::OnceCell;
use std::sync::OnceLock;
use tensor_key::FrozenKey;
fn main() {
    let _ = OnceCell::<u8>::new().digest();
    let _ = OnceLock::<u8>::new().digest();
}
