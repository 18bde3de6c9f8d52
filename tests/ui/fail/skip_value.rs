use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key(skip = true)]
    x: f32,
}

fn main() {}
