use tensor_key::FrozenKey;

#[derive(FrozenKey)]
union Bits {
    f: f32,
    u: u32,
}

fn main() {}
