use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Handle {
    data: [*const f32; 2],
}

fn main() {}
