// Fields of immutable standard types without a `FrozenKey` impl: the error
// says the type has no `FrozenKey` impl and points to `with`, not to
// mutability (they are `Immutable`).
use std::path::PathBuf;
use std::time::Instant;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Job {
    input: PathBuf,
    started: Instant,
    retries: u8,
}

fn main() {}
