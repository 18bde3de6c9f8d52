// In the same list (or an earlier `#[derive]`), `PartialEq` is invisible to
// `#[derive(FrozenKey)]` (a derive sees only the attributes after its own), so
// rustc reports the overlap as E0119: remove `PartialEq`, or add
// `#[frozen_key(no_eq_hash)]`. This snapshot keeps today's message checked.
use tensor_key::FrozenKey;

#[derive(PartialEq, FrozenKey)]
struct Key {
    id: u32,
}

fn main() {}
