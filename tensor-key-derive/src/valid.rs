//! Checks on the model: the syntactic mutability scan, and fields that would
//! make a borrowed form contain itself.
//!
//! A key that changes while a map holds it sits in the wrong bucket: lookups miss
//! it, and the map is silently corrupted. The scan rejects field types that
//! visibly allow mutation through `&self`; the trait bounds emitted by `expand`
//! catch what syntax cannot see (aliases, generic parameters, foreign types).

use crate::ast::{Field, Input};
use crate::attr::Errors;
use syn::{GenericArgument, Ident, PathArguments, Type};

pub(crate) fn check(input: &Input<'_>, errors: &mut Errors) {
    for field in input.keyed_fields() {
        scan(&field.ty, field, errors);
    }
}

/// Why a type cannot be in a key, and what to do instead.
struct Offence {
    what: String,
    help: &'static str,
}

fn scan(ty: &Type, field: &Field<'_>, errors: &mut Errors) {
    if let Some(offence) = offence(ty) {
        errors.push(syn::Error::new_spanned(
            ty,
            format!(
                "{} cannot be part of a key: {}; a key that changes while a map holds it \
                 is silently lost and corrupts the map\n\
                 help: {}; if the field is not part of the key, mark it `#[frozen_key(skip)]`",
                field.describe(),
                offence.what,
                offence.help,
            ),
        ));
        return;
    }
    match ty {
        Type::Array(t) => scan(&t.elem, field, errors),
        Type::Slice(t) => scan(&t.elem, field, errors),
        Type::Group(t) => scan(&t.elem, field, errors),
        Type::Paren(t) => scan(&t.elem, field, errors),
        Type::Reference(t) => scan(&t.elem, field, errors),
        Type::Tuple(t) => t.elems.iter().for_each(|e| scan(e, field, errors)),
        // `PhantomData<T>` holds no `T`: it is the unit for every `T`, so a
        // `PhantomData<Cell<u8>>` cannot change (the trait checks still apply).
        Type::Path(t) if t.qself.is_none() && is_phantom_data(&t.path) => {}
        Type::Path(t) => {
            for segment in &t.path.segments {
                if let PathArguments::AngleBracketed(args) = &segment.arguments {
                    for arg in &args.args {
                        match arg {
                            GenericArgument::Type(ty) => scan(ty, field, errors),
                            GenericArgument::AssocType(assoc) => scan(&assoc.ty, field, errors),
                            _ => {}
                        }
                    }
                }
            }
        }
        // Function pointers, trait objects, macros, `_`, `!`: nothing to see or
        // nothing mutable; the trait bound still applies.
        _ => {}
    }
}

fn offence(ty: &Type) -> Option<Offence> {
    match ty {
        Type::Reference(r) if r.mutability.is_some() => Some(Offence {
            what: "it is a mutable reference (`&mut`)".to_owned(),
            help: "borrow it immutably with `&` or own the value",
        }),
        Type::Ptr(_) => Some(Offence {
            what: "it is a raw pointer, through which the pointee can change".to_owned(),
            help: "borrow it immutably with `&` or own the value",
        }),
        Type::Path(p) if p.qself.is_none() => {
            let name = p.path.segments.last()?.ident.to_string();
            classify(&name)
        }
        _ => None,
    }
}

/// Classifies a type by the last segment of its path.
fn classify(name: &str) -> Option<Offence> {
    let interior = |help| {
        Some(Offence {
            what: format!("`{name}` has interior mutability"),
            help,
        })
    };
    match name {
        "Cell" | "RefCell" | "UnsafeCell" | "SyncUnsafeCell" | "Mutex" | "RwLock" => {
            interior("store the plain value (or a frozen snapshot of it)")
        }
        "OnceCell" | "OnceLock" | "LazyCell" | "LazyLock" => {
            interior("initialise it first and store the value")
        }
        _ if is_atomic(name) => interior("store the loaded plain value"),
        _ if is_view_mut(name) => Some(Offence {
            what: format!("`{name}` is a mutable array view"),
            help: "use `.view()` for a read-only view or `.to_owned()` for an owned copy, or freeze the array",
        }),
        _ if name.starts_with("RawArrayView") || name == "RawViewRepr" => Some(Offence {
            what: format!("`{name}` is a raw array view"),
            help: "use a read-only `ArrayView` or an owned `Array`",
        }),
        _ => None,
    }
}

/// `PhantomData`, `marker::PhantomData`, `std::marker::PhantomData` or
/// `core::marker::PhantomData`.
fn is_phantom_data(path: &syn::Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    matches!(
        names.as_slice(),
        ["PhantomData"] | ["marker", "PhantomData"] | ["std" | "core", "marker", "PhantomData"]
    )
}

/// `Atomic`, `AtomicU32`, `AtomicPtr`, `AtomicCell`, ... but not `Atomics`.
fn is_atomic(name: &str) -> bool {
    name.strip_prefix("Atomic")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// `ArrayViewMut`, `ArrayViewMut0` ... `ArrayViewMut6`, `ArrayViewMutD`.
fn is_view_mut(name: &str) -> bool {
    name.strip_prefix("ArrayViewMut")
        .is_some_and(|rest| matches!(rest, "" | "0" | "1" | "2" | "3" | "4" | "5" | "6" | "D"))
}

/// With `borrowed`, a keyed field (without `with`) whose type holds the type
/// itself through wrappers whose borrowed form is the borrowed form of what
/// they hold (`Option`, `Box`, `Rc`, `Arc`, `Cow`, references, tuples, `Key`,
/// `Bitwise`): the borrowed form would then hold itself inline, and be
/// infinitely large (rustc reports only a cycle, E0391, or an overflow at the
/// first use). Through a `Vec`, slice, array, `VecDeque`, map or set, the
/// borrowed form is a reference, so `Vec<Self>` is fine; so is a skipped
/// field, or a `with` field (held as `&Field`).
pub(crate) fn check_borrowed_recursion(input: &Input<'_>, errors: &mut Errors) {
    let Some(name) = &input.attrs.borrowed else {
        return;
    };
    let name = name
        .as_ref()
        .map_or_else(|| format!("{}Ref", input.ident), ToString::to_string);
    for field in input.keyed_fields() {
        if field.attrs.with.is_none() && holds_inline(&field.ty, input.ident) {
            errors.push(syn::Error::new_spanned(
                &field.ty,
                format!(
                    "`borrowed` cannot be derived for a type that holds itself through \
                     `Option`, `Box`, `Rc`, `Arc`, `Cow`, references or tuples: the borrowed \
                     form of {} would contain `{name}` itself, so `{name}` would be \
                     infinitely large\n\
                     help: drop `borrowed` from `#[frozen_key(...)]`, mark the field \
                     `#[frozen_key(skip)]`, or hold the children in a `Vec` (whose borrowed \
                     form is a slice)",
                    field.describe(),
                ),
            ));
        }
    }
}

/// Whether the borrowed form of `ty` holds the borrowed form of `ident`
/// inline: `ty` reaches `ident` through wrappers whose borrowed form is that
/// of their contents.
fn holds_inline(ty: &Type, ident: &Ident) -> bool {
    match ty {
        Type::Group(t) => holds_inline(&t.elem, ident),
        Type::Paren(t) => holds_inline(&t.elem, ident),
        Type::Reference(t) => holds_inline(&t.elem, ident),
        Type::Tuple(t) => t.elems.iter().any(|e| holds_inline(e, ident)),
        Type::Path(t) if t.qself.is_none() => {
            let Some(last) = t.path.segments.last() else {
                return false;
            };
            if is_self(&t.path, ident) {
                return true;
            }
            let transparent = matches!(
                last.ident.to_string().as_str(),
                "Option" | "Box" | "Rc" | "Arc" | "Cow" | "Key" | "Bitwise"
            );
            transparent
                && matches!(&last.arguments, PathArguments::AngleBracketed(args)
                    if args.args.iter().any(|arg| matches!(arg,
                        GenericArgument::Type(ty) if holds_inline(ty, ident))))
        }
        // Arrays and slices are borrowed by reference; the rest has no
        // borrowed form or one that does not hold its contents inline.
        _ => false,
    }
}

/// `Name`, `self::Name`, `crate::...::Name` or `super::...::Name` (`Self`
/// in a field type is already `Name<..>`).
fn is_self(path: &syn::Path, ident: &Ident) -> bool {
    let mut segments = path.segments.iter().rev();
    if segments.next().is_none_or(|last| last.ident != *ident) {
        return false;
    }
    let rest: Vec<&syn::PathSegment> = segments.rev().collect();
    rest.is_empty()
        || (path.leading_colon.is_none()
            && ["crate", "self", "super"].contains(&rest[0].ident.to_string().as_str()))
}
