use tensor_key::FrozenKey;

#[derive(FrozenKey)]
enum Shape {
    #[frozen_key(float = "bitwise")]
    Circle(f32),
    Square(f32),
}

fn main() {}
