use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key]
    x: f32,
}

fn main() {}
