use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key(float = bitwise)]
    x: f32,
}

fn main() {}
