use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key(bound = "")]
    x: f32,
    #[frozen_key(crate = "tensor_key")]
    y: f32,
}

fn main() {}
