use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(crate = "not a path")]
struct Point {
    x: f32,
}

fn main() {}
