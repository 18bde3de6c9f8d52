// A borrowed form whose field holds the type itself through `Option`, `Box`,
// `Rc`, `Arc`, references or tuples would contain itself (the borrowed form of
// `Box<T>` is `T`'s): rustc would report only a cycle (E0391). Through a
// `Vec`, the borrowed form is a slice, which is fine (see ui/pass/field_types.rs).
use std::rc::Rc;
use std::sync::Arc;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
#[frozen_key(borrowed)]
struct List {
    value: u8,
    next: Option<Box<Self>>,
}

#[derive(FrozenKey)]
#[frozen_key(borrowed = "ExprRef")]
enum Expr {
    Leaf(u8),
    Add(Box<Expr>, (u8, Arc<Self>)),
}

#[derive(FrozenKey)]
#[frozen_key(borrowed)]
struct Tree<'a, T> {
    value: T,
    parent: Option<&'a Tree<'a, T>>,
    shared: Option<Rc<Self>>,
}

fn main() {}
