// `#[derive(FrozenKey)]` implements `Hash`, `PartialEq` and `Eq` itself; a later
// `#[derive]` of them is reported at each name, with the way out (no E0119).
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[derive(Debug, PartialEq, std::hash::Hash)]
struct Key {
    id: u32,
    name: String,
}

fn main() {}
