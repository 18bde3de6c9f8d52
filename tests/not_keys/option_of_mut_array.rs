use ndarray::Array2;
use std::collections::HashMap;
use tensor_key::Key;
fn main() {
    let mut a = Array2::<f32>::zeros((2, 2));
    let mut map = HashMap::new();
    map.insert(Key::new(Some(&mut a)), 1);
}
