use tensor_key::Key;
fn main() {
    let mut x = 1.0f32;
    let _ = Key::new(&mut x);
}
