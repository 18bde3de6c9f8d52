use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(skip)]
struct Point {
    x: f32,
}

fn main() {}
