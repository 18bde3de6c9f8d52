// Every shape the derive accepts: named, tuple and unit structs; enums with
// every kind of variant, one variant or none; lifetimes, views, const generics,
// `where` clauses, defaults and `?Sized`.
use ndarray::{Array2, ArrayView2, ArrayViewD};
use std::fmt::Debug;
use std::hash::Hash;
use tensor_key::{FrozenKey, Key};

#[derive(FrozenKey)]
struct Named {
    id: u32,
    weights: Array2<f32>,
}

#[derive(FrozenKey)]
struct Tuple(u8, Option<f64>, String);

#[derive(FrozenKey)]
struct Unit;

#[derive(FrozenKey)]
struct Empty {}

#[derive(FrozenKey)]
enum Kinds {
    Unit,
    Tuple(u8, f32),
    Named { x: Vec<f32>, y: (u8, char) },
}

#[derive(FrozenKey)]
enum Explicit {
    A = 5,
    B = 1,
}

#[derive(FrozenKey)]
enum One {
    Only { x: u8 },
}

#[derive(FrozenKey)]
enum Never {}

#[derive(FrozenKey)]
struct Borrowed<'a, 'b: 'a> {
    owned: &'a Array2<f32>,
    view: ArrayView2<'b, f32>,
    dyn_view: ArrayViewD<'a, f64>,
    text: &'a str,
    slice: &'b [u16],
}

#[derive(FrozenKey)]
struct Generic<'a, T, U = u8, const N: usize = 3>
where
    T: Debug + ?Sized,
{
    unsized_ref: &'a T,
    array: [U; N],
    nested: Vec<Option<Box<U>>>,
}

#[derive(FrozenKey)]
enum GenericEnum<T: Clone> {
    Some(T),
    Many(Vec<T>),
    Nothing,
}

#[derive(FrozenKey)]
struct Recursive {
    value: u8,
    children: Vec<Recursive>,
}

#[derive(FrozenKey)]
struct SelfReferential {
    next: Option<Box<Self>>,
}

fn is_map_key<K: FrozenKey + Hash + Eq>() {}

fn main() {
    is_map_key::<Named>();
    is_map_key::<Tuple>();
    is_map_key::<Unit>();
    is_map_key::<Empty>();
    is_map_key::<Kinds>();
    is_map_key::<Explicit>();
    is_map_key::<One>();
    is_map_key::<Never>();
    is_map_key::<Borrowed<'static, 'static>>();
    is_map_key::<Generic<'static, str>>();
    is_map_key::<Generic<'static, [f32], f64, 0>>();
    is_map_key::<GenericEnum<Array2<f32>>>();
    is_map_key::<Recursive>();
    is_map_key::<SelfReferential>();
    is_map_key::<Key<Kinds>>();
}
