// A field of a derived type that has no borrowed form: the error names the
// option that generates one.
use ndarray::Array1;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Inner {
    values: Array1<f32>,
}

#[derive(FrozenKey)]
#[frozen_key(borrowed)]
struct Outer {
    inner: Inner,
    name: String,
}

fn main() {}
