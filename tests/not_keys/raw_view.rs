use ndarray::Array2;
use tensor_key::FrozenKey;
fn main() {
    let a = Array2::<f32>::zeros((2, 2));
    let _ = a.raw_view().digest();
}
