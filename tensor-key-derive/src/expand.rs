//! Code generation: the `FrozenKey` impl and the `Hash`/`PartialEq`/`Eq` impls
//! that agree with it.
//!
//! Every path is absolute (`::core::...`, `#krate::...`) and every local is
//! `Span::mixed_site()`, so the output compiles next to user types named `Hash`,
//! `Option`, `Encoder`, `FrozenKey`, ... and under `#![no_implicit_prelude]`.

use crate::ast::{Body, Field, Input, Variant};
use crate::attr::{Errors, Float};
use crate::valid;
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{DeriveInput, Ident, Path, WherePredicate, parse_quote};

/// The impls, or every error found plus a fallback impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let model = Input::from_syn(input, &mut errors);
    if let Some(model) = &model {
        valid::check(model, &mut errors);
    }
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => expand(&model),
        (result, model) => {
            let errors = result.err().map(syn::Error::into_compile_error);
            let fallback = model.map(|m| fallback(&m));
            quote!(#errors #fallback)
        }
    }
}

/// After an error, impls with the same signatures whose bodies are never run
/// (the crate does not compile): uses of the type as a key then add no
/// follow-up errors to the real one.
fn fallback(input: &Input<'_>) -> TokenStream {
    let krate = input
        .attrs
        .krate
        .clone()
        .unwrap_or_else(|| parse_quote!(::tensor_key));
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let eq_hash = (!input.attrs.no_eq_hash).then(|| {
        quote! {
            impl #impl_generics ::core::hash::Hash for #ident #ty_generics #where_clause {
                fn hash<TkHasher: ::core::hash::Hasher>(&self, _: &mut TkHasher) {
                    ::core::unreachable!()
                }
            }
            impl #impl_generics ::core::cmp::PartialEq for #ident #ty_generics #where_clause {
                fn eq(&self, _: &Self) -> bool {
                    ::core::unreachable!()
                }
            }
            impl #impl_generics ::core::cmp::Eq for #ident #ty_generics #where_clause {}
        }
    });
    quote! {
        impl #impl_generics #krate::FrozenKey for #ident #ty_generics #where_clause {
            fn encode(&self, _: &mut #krate::Encoder<'_>) {
                ::core::unreachable!()
            }
            fn key_eq_with(&self, _: &Self, _: #krate::FloatPolicy) -> bool {
                ::core::unreachable!()
            }
        }
        #eq_hash
    }
}

/// Local names of the generated code, hygienic so that user items never clash.
struct Names {
    krate: Path,
    enc: Ident,
    other: Ident,
    floats: Ident,
}

fn expand(input: &Input<'_>) -> TokenStream {
    let names = Names {
        krate: input
            .attrs
            .krate
            .clone()
            .unwrap_or_else(|| parse_quote!(::tensor_key)),
        enc: Ident::new("tk_enc", Span::mixed_site()),
        other: Ident::new("tk_other", Span::mixed_site()),
        floats: Ident::new("tk_floats", Span::mixed_site()),
    };
    let Names {
        krate,
        enc,
        other,
        floats,
    } = &names;

    let mut generics = input.generics.clone();
    let bounds: Vec<WherePredicate> = match &input.attrs.bound {
        Some(bound) => bound.iter().cloned().collect(),
        None => inferred_bounds(input, krate),
    };
    if !bounds.is_empty() {
        generics.make_where_clause().predicates.extend(bounds);
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let ident = input.ident;

    let (encode_body, eq_body, uses_other, uses_floats) = match &input.body {
        Body::Struct(fields) => {
            let keyed: Vec<&Field<'_>> = Field::keyed(fields).collect();
            let n = Literal::usize_unsuffixed(keyed.len());
            let encodes = keyed.iter().map(|f| {
                let member = &f.member;
                encode_field(f, &quote!(&self.#member), &names)
            });
            let eqs = keyed.iter().map(|f| {
                let member = &f.member;
                eq_field(f, &quote!(&self.#member), &quote!(&#other.#member), &names)
            });
            (
                quote! {
                    #krate::Encoder::begin_struct(#enc, #n);
                    #(#encodes;)*
                },
                conjunction(eqs),
                !keyed.is_empty(),
                keyed.iter().any(|f| f.attrs.float.is_none()),
            )
        }
        Body::Enum(variants) if variants.is_empty() => {
            (quote!(match *self {}), quote!(match *self {}), false, false)
        }
        Body::Enum(variants) => {
            let encode_arms = variants.iter().enumerate().map(|(i, v)| {
                let index = Literal::u32_unsuffixed(u32::try_from(i).unwrap_or(u32::MAX));
                let keyed: Vec<&Field<'_>> = Field::keyed(&v.fields).collect();
                let n = Literal::usize_unsuffixed(keyed.len());
                let pat = pattern(v, "tk_a");
                let encodes = keyed
                    .iter()
                    .enumerate()
                    .map(|(j, f)| encode_field(f, &binding("tk_a", j).into_token_stream(), &names));
                quote! {
                    #pat => {
                        #krate::Encoder::begin_variant(#enc, #index, #n);
                        #(#encodes;)*
                    }
                }
            });
            let eq_arms = variants.iter().map(|v| {
                let (a, b) = (pattern(v, "tk_a"), pattern(v, "tk_b"));
                let eqs = Field::keyed(&v.fields).enumerate().map(|(j, f)| {
                    eq_field(
                        f,
                        &binding("tk_a", j).into_token_stream(),
                        &binding("tk_b", j).into_token_stream(),
                        &names,
                    )
                });
                let all = conjunction(eqs);
                quote!((#a, #b) => #all,)
            });
            // Different variants are never equal; with one variant the arm
            // would be unreachable.
            let mismatch = (variants.len() > 1).then(|| quote!(_ => false,));
            (
                quote! {
                    match self {
                        #(#encode_arms)*
                    }
                },
                quote! {
                    match (self, #other) {
                        #(#eq_arms)*
                        #mismatch
                    }
                },
                true,
                variants
                    .iter()
                    .any(|v| Field::keyed(&v.fields).any(|f| f.attrs.float.is_none())),
            )
        }
    };
    let other_param = if uses_other {
        quote!(#other)
    } else {
        quote!(_)
    };
    let floats_param = if uses_floats {
        quote!(#floats)
    } else {
        quote!(_)
    };

    let frozen_key = quote! {
        #[automatically_derived]
        impl #impl_generics #krate::FrozenKey for #ident #ty_generics #where_clause {
            #[inline]
            fn encode(&self, #enc: &mut #krate::Encoder<'_>) {
                #encode_body
            }

            #[inline]
            fn key_eq_with(
                &self,
                #other_param: &Self,
                #floats_param: #krate::FloatPolicy,
            ) -> bool {
                #eq_body
            }
        }
    };
    if input.attrs.no_eq_hash {
        return frozen_key;
    }
    let state = Ident::new("tk_state", Span::mixed_site());
    let hasher = Ident::new("TkHasher", Span::mixed_site());
    quote! {
        #frozen_key

        #[automatically_derived]
        impl #impl_generics ::core::hash::Hash for #ident #ty_generics #where_clause {
            #[inline]
            fn hash<#hasher: ::core::hash::Hasher>(&self, #state: &mut #hasher) {
                <Self as #krate::FrozenKey>::key_hash(self, #state);
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::cmp::PartialEq for #ident #ty_generics #where_clause {
            #[inline]
            fn eq(&self, #other: &Self) -> bool {
                <Self as #krate::FrozenKey>::key_eq(self, #other)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::cmp::Eq for #ident #ty_generics #where_clause {}
    }
}

use quote::ToTokens;

fn binding(prefix: &str, j: usize) -> Ident {
    let mut ident = format_ident!("{prefix}{j}");
    ident.set_span(Span::mixed_site());
    ident
}

/// `Self::V { x: tk_a0, 1: tk_a1, .. }`, binding the keyed fields in order.
fn pattern(variant: &Variant<'_>, prefix: &str) -> TokenStream {
    let ident = variant.ident;
    let bindings = Field::keyed(&variant.fields).enumerate().map(|(j, f)| {
        let member = &f.member;
        let name = binding(prefix, j);
        quote!(#member: #name)
    });
    quote!(Self::#ident { #(#bindings,)* .. })
}

fn policy(float: Float, krate: &Path) -> TokenStream {
    match float {
        Float::Canonical => quote!(#krate::FloatPolicy::Canonical),
        Float::Bitwise => quote!(#krate::FloatPolicy::Bitwise),
    }
}

/// Encodes one field reached by `access` (a `&FieldType` expression). The call
/// carries the span of the field's type, so an unmet `FrozenKey` bound (an alias
/// of `RefCell`, a generic parameter instantiated with `Cell`) is reported, with
/// the trait's explanation, at the field.
fn encode_field(field: &Field<'_>, access: &TokenStream, names: &Names) -> TokenStream {
    let Names { krate, enc, .. } = names;
    let call = match &field.attrs.with {
        Some(with) => quote_spanned!(with.span()=> #with::encode(#access, #enc)),
        None => {
            let ty = field.ty;
            quote_spanned!(ty.span()=> <#ty as #krate::FrozenKey>::encode(#access, #enc))
        }
    };
    match field.attrs.float {
        Some(float) => {
            let policy = policy(float, krate);
            quote!(#krate::Encoder::with_floats(#enc, #policy, |#enc| #call))
        }
        None => call,
    }
}

/// Compares one field of `a` and `b` under the field's policy, or the caller's.
fn eq_field(field: &Field<'_>, a: &TokenStream, b: &TokenStream, names: &Names) -> TokenStream {
    let Names { krate, floats, .. } = names;
    let policy = field
        .attrs
        .float
        .map_or_else(|| quote!(#floats), |float| policy(float, krate));
    match &field.attrs.with {
        Some(with) => quote_spanned!(with.span()=> #with::key_eq_with(#a, #b, #policy)),
        None => {
            let ty = field.ty;
            quote_spanned!(ty.span()=> <#ty as #krate::FrozenKey>::key_eq_with(#a, #b, #policy))
        }
    }
}

fn conjunction(parts: impl Iterator<Item = TokenStream>) -> TokenStream {
    let parts: Vec<TokenStream> = parts.collect();
    if parts.is_empty() {
        quote!(true)
    } else {
        quote!(#(#parts)&&*)
    }
}

/// `T: FrozenKey` for every type parameter that occurs in the type of a field
/// that is part of the key and not routed through `with`.
fn inferred_bounds(input: &Input<'_>, krate: &Path) -> Vec<WherePredicate> {
    struct Finder<'p> {
        params: Vec<&'p Ident>,
        used: Vec<bool>,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if path.leading_colon.is_none()
                && let Some(first) = path.segments.first()
                && let Some(i) = self.params.iter().position(|p| **p == first.ident)
            {
                self.used[i] = true;
            }
            visit::visit_path(self, path);
        }
    }
    let params: Vec<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let mut finder = Finder {
        used: vec![false; params.len()],
        params,
    };
    for field in input
        .keyed_fields()
        .into_iter()
        .filter(|f| f.attrs.with.is_none())
    {
        finder.visit_type(field.ty);
    }
    finder
        .params
        .iter()
        .zip(&finder.used)
        .filter(|(_, used)| **used)
        .map(|(param, _)| parse_quote!(#param: #krate::FrozenKey))
        .collect()
}
