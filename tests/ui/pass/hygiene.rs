// Same as tests/derive_hygiene.rs (which clippy lints with `clippy::pedantic`):
// no implicit prelude, warnings denied, and user types shadowing every name the
// generated code could reach for.
#![no_implicit_prelude]
#![deny(warnings, clippy::pedantic)]
#![allow(dead_code)]

extern crate ndarray;
extern crate std;
extern crate tensor_key;

use std::marker::PhantomData;

// Shadow everything the generated code might name without a path.
struct Hash;
struct Option;
enum Result {}
struct Vec;
struct Encoder;
struct Box;
struct String;
trait FrozenKey {}
trait PartialEq {}
trait Eq {}

#[derive(::tensor_key::FrozenKey)]
struct Unit;

#[derive(::tensor_key::FrozenKey)]
struct Tuple(
    u8,
    #[frozen_key(skip)] PhantomData<u8>,
    ::std::string::String,
);

#[derive(::tensor_key::FrozenKey)]
struct Named<'a, T: ?::std::marker::Sized, const N: usize>
where
    T: ::std::fmt::Debug,
{
    id: u32,
    #[frozen_key(float = "bitwise")]
    weights: ::ndarray::Array2<f32>,
    view: ::ndarray::ArrayView2<'a, f32>,
    borrowed: &'a T,
    fixed: [u16; N],
    #[frozen_key(skip)]
    hits: ::std::cell::Cell<u64>,
}

#[derive(::tensor_key::FrozenKey)]
enum Shape<T> {
    Empty,
    One(T),
    Two(T, #[frozen_key(float = "canonical")] f64),
    Named {
        x: ::std::vec::Vec<T>,
        #[frozen_key(skip)]
        note: u8,
    },
}

#[derive(::tensor_key::FrozenKey)]
enum Single {
    Only(u8),
}

#[derive(::tensor_key::FrozenKey)]
enum Never {}

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(no_eq_hash)]
struct NoStd {
    x: u8,
}

#[derive(::tensor_key::FrozenKey)]
struct AllSkipped {
    #[frozen_key(skip)]
    x: u8,
}

fn main() {
    let a = Shape::Two(1u8, 2.0);
    let b = Shape::Two(1u8, 2.0);
    ::std::assert!(a == b);
    ::std::assert!(Unit == Unit);
}
