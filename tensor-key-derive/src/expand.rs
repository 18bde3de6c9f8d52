//! Code generation: the `FrozenKey` impl and the `Hash`/`PartialEq`/`Eq` impls
//! that agree with it.
//!
//! Hygiene: the output compiles under `#![no_implicit_prelude]`, next to any
//! user item, whatever it is called.
//!
//! * Every type and trait is named by an absolute path (`::core::primitive::bool`,
//!   `::core::hash::Hasher`, `#krate::Encoder`, ...), so user types named `bool`,
//!   `Hash` or `Encoder` are never picked up.
//! * Every name the expansion introduces (the hasher's type parameter, function
//!   parameters, closure parameters, pattern bindings) is chosen so that it is not
//!   a generic parameter of the input ([`Names::new`]): a generic parameter would
//!   clash with the hasher's (E0403), and a const generic parameter would turn a
//!   binding into a const pattern.
//! * A binding pattern `x` resolves to a constant, static or unit struct `x` when
//!   one is in scope, even with `Span::mixed_site()` (only `def_site` hygiene would
//!   prevent that, and it is unstable). So the impls sit in an anonymous
//!   `const _: () = { ... };` block that first declares a function of each
//!   introduced local name: a function in an inner block shadows any outer item
//!   of the same name, and a binding may shadow a function, so every binding is a
//!   fresh local whatever the user has in scope.
//!
//! Field types are checked at their spans by calls to two helpers declared in
//! that block: `Immutable` for every keyed field, and `FrozenKey` (through the
//! hidden subtrait `KeyField`, for its message) for those without `with`.

use crate::ast::{Body, Field, Input, Variant};
use crate::attr::{Errors, Float};
use crate::valid;
use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{
    DeriveInput, GenericParam, Ident, Path, WherePredicate, parse_quote, parse_quote_spanned,
};

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
    let hasher = Names::new(input).hasher;
    // Leave out what a `#[derive(...)]` after this one implements: a second
    // impl would add an E0119 to the error reported for it.
    let skip = |name| input.attrs.no_eq_hash || input.attrs.derived_elsewhere.contains(&name);
    let hash = (!skip("Hash")).then(|| {
        quote! {
            impl #impl_generics ::core::hash::Hash for #ident #ty_generics #where_clause {
                fn hash<#hasher: ::core::hash::Hasher>(&self, _: &mut #hasher) {
                    ::core::unreachable!()
                }
            }
        }
    });
    let partial_eq = (!skip("PartialEq")).then(|| {
        quote! {
            impl #impl_generics ::core::cmp::PartialEq for #ident #ty_generics #where_clause {
                fn eq(&self, _: &Self) -> ::core::primitive::bool {
                    ::core::unreachable!()
                }
            }
        }
    });
    let eq = (!skip("Eq")).then(|| {
        quote! {
            impl #impl_generics ::core::cmp::Eq for #ident #ty_generics #where_clause {}
        }
    });
    let eq_hash = quote!(#hash #partial_eq #eq);
    quote! {
        impl #impl_generics #krate::FrozenKey for #ident #ty_generics #where_clause {
            fn encode(&self, _: &mut #krate::Encoder<'_>) {
                ::core::unreachable!()
            }
            fn key_eq_with(&self, _: &Self, _: #krate::FloatPolicy) -> ::core::primitive::bool {
                ::core::unreachable!()
            }
        }
        #eq_hash
    }
}

/// The names the generated code introduces. None is a generic parameter of the
/// input, and each local one is shadowed by a function in the enclosing block
/// (see the module docs), so no user item can capture it.
struct Names {
    krate: Path,
    /// The `encode` parameter (`&mut Encoder`).
    enc: Ident,
    /// The right-hand side of `key_eq_with` and `eq`.
    other: Ident,
    /// The float policy parameter of `key_eq_with`.
    floats: Ident,
    /// The `Hasher` parameter of `hash`.
    state: Ident,
    /// The type parameter of `hash`.
    hasher: Ident,
    /// `fn tk_immutable<T: ?Sized + Immutable>() {}`, called with the type of
    /// each `with` field.
    immutable: Ident,
    /// `fn tk_key_field<T: ?Sized + Immutable + KeyField>() {}`, called with the
    /// type of each field without `with`.
    key_field: Ident,
    /// Bindings of the keyed fields of `self` and of `other` in enum patterns,
    /// one per keyed field of the largest variant.
    a: Vec<Ident>,
    b: Vec<Ident>,
}

impl Names {
    fn new(input: &Input<'_>) -> Self {
        let taken: Vec<String> = input
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                GenericParam::Type(t) => Some(t.ident.to_string()),
                GenericParam::Const(c) => Some(c.ident.to_string()),
                GenericParam::Lifetime(_) => None,
            })
            .collect();
        let fresh = |base: &str| {
            let mut name = base.to_owned();
            while taken.contains(&name) {
                name.push('_');
            }
            Ident::new(&name, Span::mixed_site())
        };
        let bindings = match &input.body {
            Body::Struct(_) => 0,
            Body::Enum(variants) => variants
                .iter()
                .map(|v| Field::keyed(&v.fields).count())
                .max()
                .unwrap_or(0),
        };
        Names {
            krate: input
                .attrs
                .krate
                .clone()
                .unwrap_or_else(|| parse_quote!(::tensor_key)),
            enc: fresh("tk_enc"),
            other: fresh("tk_other"),
            floats: fresh("tk_floats"),
            state: fresh("tk_state"),
            hasher: fresh("TkHasher"),
            immutable: fresh("tk_immutable"),
            key_field: fresh("tk_key_field"),
            a: (0..bindings).map(|j| fresh(&format!("tk_a{j}"))).collect(),
            b: (0..bindings).map(|j| fresh(&format!("tk_b{j}"))).collect(),
        }
    }

    /// `fn tk_enc() {}` ... for every local name: declared in the block around
    /// the impls, they shadow user constants, statics and unit structs of the
    /// same names, which a binding would otherwise resolve to. Then the two
    /// helpers that assert properties of field types (see `expand`).
    fn shadows(&self) -> TokenStream {
        let Names {
            krate,
            immutable,
            key_field,
            ..
        } = self;
        let locals = [&self.enc, &self.other, &self.floats, &self.state]
            .into_iter()
            .chain(&self.a)
            .chain(&self.b);
        quote! {
            #(
                #[allow(dead_code)]
                fn #locals() {}
            )*
            #[allow(dead_code)]
            fn #immutable<T: ?::core::marker::Sized + #krate::Immutable>() {}
            #[allow(dead_code)]
            fn #key_field<
                T: ?::core::marker::Sized + #krate::Immutable + #krate::__private::KeyField,
            >() {
            }
        }
    }
}

fn expand(input: &Input<'_>) -> TokenStream {
    let names = Names::new(input);
    let Names {
        krate,
        enc,
        other,
        floats,
        ..
    } = &names;

    let mut generics = input.generics.clone();
    let mut bounds: Vec<WherePredicate> = match &input.attrs.bound {
        Some(bound) => bound.iter().cloned().collect(),
        None => inferred_bounds(input, krate),
    };
    bounds.extend(immutable_bounds(input, krate));
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
                let pat = pattern(v, &names.a);
                let encodes = keyed
                    .iter()
                    .zip(&names.a)
                    .map(|(f, a)| encode_field(f, &a.to_token_stream(), &names));
                quote! {
                    #pat => {
                        #krate::Encoder::begin_variant(#enc, #index, #n);
                        #(#encodes;)*
                    }
                }
            });
            let eq_arms = variants.iter().map(|v| {
                let (a, b) = (pattern(v, &names.a), pattern(v, &names.b));
                let eqs = Field::keyed(&v.fields)
                    .zip(names.a.iter().zip(&names.b))
                    .map(|(f, (a, b))| {
                        eq_field(f, &a.to_token_stream(), &b.to_token_stream(), &names)
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

    // Every field must be `Immutable`, and every field without `with`
    // `FrozenKey`. The calls carry the span of the field's type, so errors point
    // there: `Immutable` explains interior mutability (an alias of `Cell`), and
    // `KeyField` (a subtrait of `FrozenKey`, whose error replaces the one of the
    // `FrozenKey` calls below at the same span) a type that merely has no impl
    // (`PathBuf`), pointing to `with`.
    let assertions = input.keyed_fields().into_iter().map(|f| {
        let ty = f.ty;
        let check = if f.attrs.with.is_some() {
            &names.immutable
        } else {
            &names.key_field
        };
        quote_spanned!(ty.span()=> #check::<#ty>();)
    });
    // In both bodies: the `KeyField` error replaces a `FrozenKey` one only
    // within the same body.
    let assertions: Vec<TokenStream> = assertions.collect();

    let frozen_key = quote! {
        #[automatically_derived]
        impl #impl_generics #krate::FrozenKey for #ident #ty_generics #where_clause {
            #[inline]
            fn encode(&self, #enc: &mut #krate::Encoder<'_>) {
                #(#assertions)*
                #encode_body
            }

            #[inline]
            fn key_eq_with(
                &self,
                #other_param: &Self,
                #floats_param: #krate::FloatPolicy,
            ) -> ::core::primitive::bool {
                #(#assertions)*
                #eq_body
            }
        }
    };
    let eq_hash = (!input.attrs.no_eq_hash)
        .then(|| eq_hash(input, &impl_generics, &ty_generics, where_clause, &names));
    let shadows = names.shadows();
    quote! {
        const _: () = {
            #shadows
            #frozen_key
            #eq_hash
        };
    }
}

/// `Hash`, `PartialEq` and `Eq` through the `FrozenKey` impl.
fn eq_hash(
    input: &Input<'_>,
    impl_generics: &syn::ImplGenerics<'_>,
    ty_generics: &syn::TypeGenerics<'_>,
    where_clause: Option<&syn::WhereClause>,
    names: &Names,
) -> TokenStream {
    let Names {
        krate,
        other,
        state,
        hasher,
        ..
    } = names;
    let ident = input.ident;
    quote! {
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
            fn eq(&self, #other: &Self) -> ::core::primitive::bool {
                <Self as #krate::FrozenKey>::key_eq(self, #other)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::cmp::Eq for #ident #ty_generics #where_clause {}
    }
}

/// `Self::V { x: tk_a0, 1: tk_a1, .. }`, binding the keyed fields in order.
fn pattern(variant: &Variant<'_>, names: &[Ident]) -> TokenStream {
    let ident = variant.ident;
    let bindings = Field::keyed(&variant.fields).zip(names).map(|(f, name)| {
        let member = &f.member;
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
    let params: Vec<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let mut used = vec![false; params.len()];
    for field in input
        .keyed_fields()
        .into_iter()
        .filter(|f| f.attrs.with.is_none())
    {
        mark_params(field.ty, &params, &mut used);
    }
    params
        .iter()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(param, _)| parse_quote!(#param: #krate::FrozenKey))
        .collect()
}

/// `FieldType: Immutable` for every `with` field whose type mentions a type
/// parameter; added to the inferred bounds and to `bound = "..."` alike, since
/// the impl's body requires it (a field type without parameters is checked
/// there directly).
fn immutable_bounds(input: &Input<'_>, krate: &Path) -> Vec<WherePredicate> {
    let params: Vec<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    input
        .keyed_fields()
        .into_iter()
        .filter(|f| f.attrs.with.is_some())
        .filter(|f| {
            let mut used = vec![false; params.len()];
            mark_params(f.ty, &params, &mut used);
            used.contains(&true)
        })
        .map(|f| {
            let ty = f.ty;
            parse_quote_spanned!(ty.span()=> #ty: #krate::Immutable)
        })
        .collect()
}

/// Sets `used[i]` for every `params[i]` that occurs in `ty`.
fn mark_params(ty: &syn::Type, params: &[&Ident], used: &mut [bool]) {
    struct Finder<'p, 'u> {
        params: &'p [&'p Ident],
        used: &'u mut [bool],
    }
    impl<'ast> Visit<'ast> for Finder<'_, '_> {
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
    Finder { params, used }.visit_type(ty);
}
