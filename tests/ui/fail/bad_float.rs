use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key(float = "fuzzy")]
    x: f32,
}

fn main() {}
