use ndarray::Array2;
use tensor_key::Key;
fn main() {
    let mut a = Array2::<f32>::zeros((2, 2));
    let _ = Key::new(a.view_mut());
}
