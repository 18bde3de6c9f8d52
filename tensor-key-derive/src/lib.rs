//! `#[derive(FrozenKey)]` for the `tensor-key` crate.
//!
//! Use it through `tensor-key` (default feature `derive`): `use tensor_key::FrozenKey;`
//! brings both the trait and this derive. The encoding, the attributes and the
//! compile-time mutability check are documented on `tensor_key::FrozenKey`'s
//! derive re-export.
//!
//! The crate is laid out like `serde_derive`/`thiserror`: `ast` is a small model
//! of the input, `attr` parses `#[frozen_key(...)]`, `valid` checks the model
//! (including the mutability scan) and `expand` generates the impls. Every error
//! is a `syn::Error` at the offending token; all of them are collected and emitted
//! together as `compile_error!`.

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `tensor_key::FrozenKey` (plus `Hash`, `PartialEq` and `Eq` that agree
/// with it). See the re-export `tensor_key::FrozenKey` for the documentation.
#[proc_macro_derive(FrozenKey, attributes(frozen_key))]
pub fn derive_frozen_key(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
