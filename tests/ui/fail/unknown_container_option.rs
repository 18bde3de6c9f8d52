use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(transparent)]
struct Point {
    x: u8,
}

fn main() {}
