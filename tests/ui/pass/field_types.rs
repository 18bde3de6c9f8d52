// Field types that name constants called like the expansion's locals, a
// `PhantomData` of an interior-mutable type (it holds none), and `Self` in
// the fields of a type with a borrowed form, where its borrowed form is a
// reference (`Vec`, boxed slices, maps) or the field is skipped; only
// `Option<Box<Self>>` and the like are refused (ui/fail/borrowed_recursive.rs).
#![allow(non_upper_case_globals)]
use std::cell::Cell;
use std::marker::PhantomData;
use tensor_key::{FrozenKey, KeyBorrow};

const tk_enc: usize = 1;
const tk_other: usize = 2;
const tk_key_field: usize = 3;
const tk_immutable: usize = 1;
const tk_a0: usize = 2;

#[derive(FrozenKey)]
struct Consts {
    a: [u8; tk_enc],
    b: [u8; tk_other],
    c: [u8; tk_key_field],
    #[frozen_key(with = "by_value")]
    d: [u8; tk_immutable],
}

mod by_value {
    use tensor_key::{Encoder, FloatPolicy, FrozenKey};
    pub fn encode(v: &[u8; super::tk_immutable], enc: &mut Encoder<'_>) {
        v.encode(enc);
    }
    pub fn key_eq_with(a: &[u8; super::tk_immutable], b: &[u8; super::tk_immutable], _: FloatPolicy) -> bool {
        a == b
    }
}

#[derive(FrozenKey)]
enum ConstsEnum {
    A([u8; tk_a0]),
    B,
}

#[derive(FrozenKey)]
struct Marker {
    id: u8,
    not_sync: PhantomData<Cell<u8>>,
    also: std::marker::PhantomData<std::sync::Mutex<u8>>,
}

#[derive(FrozenKey, Debug)]
#[frozen_key(borrowed)]
struct Tree<T> {
    value: T,
    children: Vec<Self>,
}

#[derive(FrozenKey, Debug)]
#[frozen_key(borrowed)]
enum Expr {
    Leaf(u8),
    Node(Vec<Self>),
}

#[derive(FrozenKey)]
#[frozen_key(borrowed)]
struct Indirect {
    value: u8,
    boxed: Vec<Box<Self>>,
    slice: Option<Box<[Indirect]>>,
    nested: Option<Vec<Self>>,
    map: std::collections::BTreeMap<u8, Self>,
    #[frozen_key(skip)]
    parent: Option<Box<Self>>,
}

fn main() {
    let c = Consts { a: [1], b: [1, 2], c: [1, 2, 3], d: [4] };
    // 60 u64(4), then four sequences `41 u64(n) 02 bytes`.
    assert_eq!(c.encoding().len(), 9 + (10 + 1) + (10 + 2) + (10 + 3) + (10 + 1));
    assert!(ConstsEnum::A([1, 2]) != ConstsEnum::B);
    let m = Marker { id: 1, not_sync: PhantomData, also: PhantomData };
    // 60 u64(3) 02 01 00 00
    assert_eq!(m.encoding(), [0x60, 3, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0]);
    let t = Tree { value: 1u8, children: vec![Tree { value: 2, children: Vec::new() }] };
    assert_eq!(t.as_key_ref().encoding(), t.encoding());
    let e = Expr::Node(vec![Expr::Leaf(1)]);
    assert_eq!(e.as_key_ref().encoding(), e.encoding());
    let leaf = || Indirect {
        value: 2,
        boxed: Vec::new(),
        slice: None,
        nested: None,
        map: Default::default(),
        parent: None,
    };
    let i = Indirect {
        value: 1,
        boxed: vec![Box::new(leaf())],
        slice: Some(vec![leaf()].into_boxed_slice()),
        nested: Some(vec![leaf()]),
        map: [(3, leaf())].into(),
        parent: Some(Box::new(leaf())),
    };
    assert_eq!(i.as_key_ref().encoding(), i.encoding());
}
