// Every attribute the derive accepts.
use std::cell::Cell;
use std::marker::PhantomData;
use tensor_key::{Encoder, FloatPolicy, FrozenKey};

#[derive(FrozenKey)]
struct Skips<'a> {
    kept: u8,
    // Skipped fields are not part of the key and are not checked.
    #[frozen_key(skip)]
    counter: Cell<u32>,
    #[frozen_key(skip)]
    scratch: &'a mut Vec<u8>,
}

#[derive(FrozenKey)]
struct Floats {
    #[frozen_key(float = "bitwise")]
    exact: f32,
    #[frozen_key(float = "canonical")]
    loose: ndarray::Array1<f64>,
}

pub struct Foreign(pub u64);

// SAFETY: a plain `u64`: nothing changes through `&Foreign`.
unsafe impl tensor_key::Immutable for Foreign {}

mod foreign {
    use tensor_key::{Encoder, FloatPolicy, FrozenKey};
    pub fn encode(value: &super::Foreign, enc: &mut Encoder<'_>) {
        value.0.encode(enc);
    }
    pub fn key_eq_with(a: &super::Foreign, b: &super::Foreign, floats: FloatPolicy) -> bool {
        a.0.key_eq_with(&b.0, floats)
    }
}

/// `with` may name a type with associated functions, too.
struct ByBits;
impl ByBits {
    fn encode(value: &f32, enc: &mut Encoder<'_>) {
        value.to_bits().encode(enc);
    }
    fn key_eq_with(a: &f32, b: &f32, _: FloatPolicy) -> bool {
        a.to_bits() == b.to_bits()
    }
}

#[derive(FrozenKey)]
enum With {
    A(#[frozen_key(with = "foreign")] Foreign),
    B {
        #[frozen_key(with = "ByBits", float = "bitwise")]
        bits: f32,
    },
}

#[derive(FrozenKey)]
#[frozen_key(bound = "T: FrozenKey + Clone")]
struct Bound<T> {
    value: T,
    #[frozen_key(skip)]
    marker: PhantomData<T>,
}

#[derive(FrozenKey)]
#[frozen_key(bound = "")]
struct NoBound<T> {
    id: u8,
    #[frozen_key(skip)]
    marker: PhantomData<T>,
}

mod renamed {
    pub use tensor_key as tk;
}

#[derive(renamed::tk::FrozenKey)]
#[frozen_key(crate = "renamed::tk", no_eq_hash)]
struct Renamed {
    x: u8,
}

// `no_eq_hash` leaves these to the user.
impl PartialEq for Renamed {
    fn eq(&self, other: &Self) -> bool {
        self.key_eq(other)
    }
}

#[derive(FrozenKey)]
#[frozen_key(no_eq_hash, bound = "")]
#[frozen_key()]
struct Combined<T> {
    #[frozen_key()]
    #[frozen_key(skip)]
    marker: PhantomData<T>,
}

struct NotAKey;

// With `no_eq_hash`, a later `#[derive]` of the std traits is no conflict.
#[derive(FrozenKey)]
#[frozen_key(no_eq_hash)]
#[derive(PartialEq, Eq, Hash, Debug)]
struct StdDerived {
    x: u8,
}

fn main() {
    let _ = Floats {
        exact: 0.0,
        loose: ndarray::array![1.0],
    } == Floats {
        exact: -0.0,
        loose: ndarray::array![1.0],
    };
    let _ = Bound::<u8> { value: 1, marker: PhantomData }.digest();
    let _ = NoBound::<NotAKey> { id: 1, marker: PhantomData } == NoBound { id: 1, marker: PhantomData };
    let _ = Renamed { x: 1 } == Renamed { x: 1 };
    let _ = StdDerived { x: 1 } == StdDerived { x: 1 };
    let _ = Combined::<NotAKey> { marker: PhantomData }.digest();
    let _ = With::A(Foreign(1)) == With::B { bits: 1.0 };
    let mut scratch = Vec::new();
    let _ = Skips { kept: 1, counter: Cell::new(0), scratch: &mut scratch }.digest();
}
