use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(bound = "T:: +")]
struct Wrapper<T> {
    x: T,
}

fn main() {}
