use std::sync::atomic::AtomicU64;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Stats {
    pair: (u8, AtomicU64),
}

fn main() {}
