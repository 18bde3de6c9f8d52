use std::sync::{Arc, Mutex};
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Guarded(u8, Arc<Mutex<f32>>);

fn main() {}
