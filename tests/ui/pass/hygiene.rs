// Same as tests/derive_hygiene.rs (which clippy lints with `clippy::pedantic`):
// no implicit prelude, warnings denied, and user items shadowing every name the
// generated code could reach for: types, traits, primitive types, and (as
// constants, statics and generic parameters) every local, binding and generic
// parameter the expansion introduces.
// Most types also ask for a borrowed form (`#[frozen_key(borrowed)]`).
#![no_implicit_prelude]
#![deny(warnings, clippy::pedantic)]
#![allow(dead_code, non_camel_case_types, non_upper_case_globals)]

extern crate core;
extern crate ndarray;
extern crate std;
extern crate tensor_key;

use core::primitive as p;
use std::marker::PhantomData;

// Shadow every type and trait the generated code might name without a path...
struct Hash;
struct Hasher;
struct Option;
enum Result {}
struct Vec;
struct Encoder;
struct FloatPolicy;
struct Box;
struct String;
struct Sized;
trait FrozenKey {}
trait Immutable {}
trait PartialEq {}
trait Eq {}

// ... every primitive type name ...
struct bool;
struct char;
struct str;
struct u8;
struct u16;
struct u32;
struct u64;
struct u128;
struct usize;
struct i8;
struct i16;
struct i32;
struct i64;
struct i128;
struct isize;
struct f32;
struct f64;

// ... and, as constants and statics (which a binding pattern would resolve to),
// every local name and pattern binding the expansion introduces.
const tk_enc: p::u8 = 0;
const tk_other: p::u8 = 0;
static tk_floats: p::u8 = 0;
static tk_state: p::u8 = 0;
const tk_a0: p::u8 = 0;
const tk_a1: p::u8 = 0;
const tk_a2: p::u8 = 0;
static tk_b0: p::u8 = 0;
static tk_b1: p::u8 = 0;
static tk_b2: p::u8 = 0;
// The helpers asserting `Immutable` and `FrozenKey` of field types.
const tk_immutable: p::u8 = 0;
static tk_key_field: p::u8 = 0;
// The parameter of a borrowed form's `reborrow`.
const tk_r: p::u8 = 0;
// Unit structs are constants in patterns too.
struct TkHasher;
struct H;
struct T;

#[derive(::tensor_key::FrozenKey)]
struct Unit;

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
struct Tuple(
    p::u8,
    #[frozen_key(skip)] PhantomData<p::u8>,
    ::std::string::String,
);

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
struct Named<'a, T: ?::core::marker::Sized, const N: p::usize>
where
    T: ::std::fmt::Debug,
{
    id: p::u32,
    #[frozen_key(float = "bitwise")]
    weights: ::ndarray::Array2<p::f32>,
    view: ::ndarray::ArrayView2<'a, p::f32>,
    borrowed: &'a T,
    fixed: [p::u16; N],
    flag: p::bool,
    letter: p::char,
    text: &'a p::str,
    #[frozen_key(skip)]
    hits: ::std::cell::Cell<p::u64>,
}

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
enum Shape<T> {
    Empty,
    One(T),
    Two(T, #[frozen_key(float = "canonical")] p::f64),
    Three(p::i8, p::i16, p::i32),
    Named {
        x: ::std::vec::Vec<T>,
        #[frozen_key(skip)]
        note: p::u8,
        y: (p::i64, p::i128, p::isize, p::u128),
    },
}

// Generic parameters named like everything the expansion introduces: the
// hasher's type parameter, the locals and the bindings (const generics live in
// the value namespace, where patterns look).
#[derive(::tensor_key::FrozenKey)]
struct Generics<
    'tk_a,
    TkHasher,
    H,
    __H,
    const tk_enc: p::usize,
    const tk_other: p::usize,
    const tk_floats: p::usize,
    const tk_state: p::usize,
    const tk_immutable: p::usize,
    const tk_key_field: p::usize,
> {
    a: &'tk_a TkHasher,
    b: H,
    c: __H,
}

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
enum GenericEnum<TkHasher, const tk_a0: p::usize, const tk_b0: p::usize> {
    A(TkHasher, [p::u8; tk_a0]),
    B { x: [p::u8; tk_b0] },
}

// The lifetimes a borrowed form introduces, as the input's own parameters.
#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
struct BorrowedGenerics<'a, 'tk_b, 'tk_s, 'tk_l, TkHasher, const tk_r: p::usize> {
    a: &'a TkHasher,
    b: &'tk_b p::str,
    s: &'tk_s [p::u8; tk_r],
    l: ::std::option::Option<&'tk_l p::u8>,
}

mod by_value {
    pub fn encode(value: &::std::time::Duration, enc: &mut ::tensor_key::Encoder<'_>) {
        ::tensor_key::FrozenKey::encode(&value.as_nanos(), enc);
    }
    pub fn key_eq_with(
        a: &::std::time::Duration,
        b: &::std::time::Duration,
        _: ::tensor_key::FloatPolicy,
    ) -> ::core::primitive::bool {
        a == b
    }
}

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
enum WithFields {
    A(
        #[frozen_key(with = "by_value")] ::std::time::Duration,
        p::u8,
    ),
    B {
        #[frozen_key(with = "by_value", float = "bitwise")]
        d: ::std::time::Duration,
    },
}

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
enum Single {
    Only(p::u8),
}

#[derive(::tensor_key::FrozenKey)]
enum Never {}

#[derive(::tensor_key::FrozenKey)]
#[frozen_key(no_eq_hash)]
struct NoStd {
    x: p::u8,
}

#[derive(::tensor_key::FrozenKey)]
struct AllSkipped {
    #[frozen_key(skip)]
    x: p::u8,
}

fn check() {
    // Items local to a function body shadow the module's.
    const tk_a0: p::u8 = 1;
    #[derive(::tensor_key::FrozenKey)]
    enum Local {
        A(p::u8, p::u16),
    }
    let a = Shape::Two(1u8, 2.0);
    let b = Shape::Two(1u8, 2.0);
    ::std::assert!(a == b);
    let unit = Unit;
    ::std::assert!(unit == Unit);
    ::std::assert!(Local::A(1, 2) == Local::A(1, 2));
    ::std::assert!(GenericEnum::<p::u8, 1, 0>::A(1, [2]) == GenericEnum::<p::u8, 1, 0>::A(1, [2]));
    ::std::assert!(::tensor_key::FrozenKey::key_eq(
        &NoStd { x: 1 },
        &NoStd { x: 1 }
    ));
    // Borrowed forms encode like their keys.
    let owned = Shape::Named {
        x: ::std::vec![1u8],
        note: 0,
        y: (1, 2, 3, 4),
    };
    let borrowed: ShapeRef<'_, p::u8> = ShapeRef::Named {
        x: &[1u8],
        y: (1, 2, 3, 4),
    };
    ::std::assert_eq!(
        ::tensor_key::FrozenKey::encoding(&borrowed),
        ::tensor_key::FrozenKey::encoding(&owned)
    );
    let tuple = Tuple(1, PhantomData, ::std::borrow::ToOwned::to_owned("s"));
    ::std::assert_eq!(
        ::tensor_key::FrozenKey::encoding(&TupleRef(1, "s")),
        ::tensor_key::FrozenKey::encoding(&tuple)
    );
}

fn main() {
    check();
}
