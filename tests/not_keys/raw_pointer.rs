use tensor_key::FrozenKey;
fn main() {
    let x = 1u8;
    let p: *const u8 = &x;
    let _ = p.digest();
}
