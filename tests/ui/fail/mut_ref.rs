use ndarray::Array2;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Step<'a> {
    index: u32,
    grad: &'a mut Array2<f32>,
}

fn main() {}
