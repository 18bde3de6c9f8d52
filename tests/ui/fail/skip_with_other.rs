use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key(skip, float = "bitwise")]
    x: f32,
    #[frozen_key(with = "somewhere", skip)]
    y: f32,
}

fn main() {}
