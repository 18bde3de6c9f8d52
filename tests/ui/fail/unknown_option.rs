use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Point {
    #[frozen_key(rename = "y")]
    x: u8,
}

fn main() {}
