// `with` fields must be `Immutable`: standard immutable types are, every
// `FrozenKey` type is, a type of your own is after `unsafe impl Immutable`,
// and generic `with` fields get `FieldType: Immutable` bounds, also next to
// `bound = "..."`.
use std::collections::HashSet;
use std::fmt::Debug;
use std::path::PathBuf;
use std::time::Duration;
use tensor_key::{Encoder, FloatPolicy, FrozenKey, Immutable};

mod by_debug {
    use std::fmt::Debug;
    use tensor_key::{Encoder, FloatPolicy, FrozenKey};
    pub fn encode<T: Debug + ?Sized>(value: &T, enc: &mut Encoder<'_>) {
        format!("{value:?}").encode(enc);
    }
    pub fn key_eq_with<T: Debug + ?Sized>(a: &T, b: &T, _: FloatPolicy) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }
}

/// A type of this crate with no `FrozenKey` impl, vouched for by hand.
#[derive(Debug)]
pub struct Celsius(pub f64);

// SAFETY: a plain `f64`: nothing changes through `&Celsius`.
unsafe impl Immutable for Celsius {}

/// A `FrozenKey` type encoded another way.
struct CaseInsensitive;
impl CaseInsensitive {
    fn encode(value: &String, enc: &mut Encoder<'_>) {
        value.to_lowercase().encode(enc);
    }
    fn key_eq_with(a: &String, b: &String, _: FloatPolicy) -> bool {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[derive(FrozenKey)]
struct Job<'a> {
    #[frozen_key(with = "by_debug")]
    path: PathBuf,
    #[frozen_key(with = "by_debug")]
    timeout: Duration,
    #[frozen_key(with = "by_debug")]
    temperature: Celsius,
    #[frozen_key(with = "by_debug")]
    borrowed: &'a std::path::Path,
    #[frozen_key(with = "CaseInsensitive")]
    name: String,
}

#[derive(FrozenKey)]
struct Generic<T: Debug, U: Debug> {
    #[frozen_key(with = "by_debug")]
    value: T,
    #[frozen_key(with = "by_debug")]
    values: Vec<U>,
}

#[derive(FrozenKey)]
#[frozen_key(bound = "T: Debug")]
enum Bounded<T> {
    A(#[frozen_key(with = "by_debug")] T),
    B,
}

fn main() {
    let job = |name: &str| Job {
        path: PathBuf::from("/tmp/x"),
        timeout: Duration::from_secs(3),
        temperature: Celsius(20.5),
        borrowed: std::path::Path::new("/etc"),
        name: name.to_owned(),
    };
    assert!(job("Build") == job("build"));
    let mut set = HashSet::new();
    set.insert(job("a"));
    assert!(set.contains(&job("A")));

    let g = Generic { value: Duration::from_millis(5), values: vec![1u8, 2] };
    assert!(g.key_eq(&Generic { value: Duration::from_millis(5), values: vec![1, 2] }));
    assert!(Bounded::A(PathBuf::from("a")) == Bounded::A(PathBuf::from("a")));
    assert!(Bounded::<PathBuf>::B != Bounded::A(PathBuf::from("a")));
}
