// A type of this crate with neither `FrozenKey` nor `Immutable`: the error
// says it is not known to be immutable and names both ways out.
use tensor_key::FrozenKey;

pub struct Celsius(pub f64);

#[derive(FrozenKey)]
struct Reading {
    temperature: Celsius,
    sensor: u16,
}

fn main() {}
