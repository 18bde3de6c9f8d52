use ndarray::Array2;
use tensor_key::FrozenKey;
fn main() {
    let mut a = Array2::<f32>::zeros((2, 2));
    let _ = a.view_mut().digest();
}
