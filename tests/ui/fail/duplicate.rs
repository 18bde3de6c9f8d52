use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(no_eq_hash)]
#[frozen_key(no_eq_hash)]
struct Point {
    #[frozen_key(float = "bitwise")]
    #[frozen_key(float = "canonical")]
    x: f32,
}

fn main() {}
