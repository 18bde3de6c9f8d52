use ndarray::ArrayViewMut2;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Window<'a> {
    pixels: ArrayViewMut2<'a, f32>,
}

fn main() {}
