// `Option<&mut Weights>` behind an alias: the syntactic scan cannot see the `&mut`.
use ndarray::Array2;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Weights(Array2<f32>);

type Grad<'a> = Option<&'a mut Weights>;

#[derive(FrozenKey)]
struct Step<'a> {
    grad: Grad<'a>,
}

fn main() {}
