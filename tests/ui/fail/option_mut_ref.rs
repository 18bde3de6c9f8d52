// The scan looks through generic arguments: `&mut` inside `Option`.
use ndarray::Array2;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Step<'a> {
    grad: Option<&'a mut Array2<f32>>,
}

fn main() {}
