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
//!   an identifier of the input ([`Names::new`]): a generic parameter would
//!   clash with the hasher's (E0403), a const generic parameter would turn a
//!   binding into a const pattern, and a constant named in a field type
//!   (`[u8; tk_enc]`) would resolve to the shadowing function below.
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
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{
    Data, DeriveInput, Fields, GenericParam, Generics, Ident, Lifetime, Member, Path, Visibility,
    WherePredicate, parse_quote, parse_quote_spanned,
};

/// The impls, or every error found plus a fallback impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let model = Input::from_syn(input, &mut errors);
    if let Some(model) = &model {
        valid::check(model, &mut errors);
        if model.attrs.borrowed.is_some() {
            check_borrowed(model, &mut errors);
            valid::check_borrowed_recursion(model, &mut errors);
        }
    }
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => expand(&model, input),
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
    /// The parameter of the borrowed form's `reborrow`.
    reborrowed: Ident,
    /// Bindings of the keyed fields of `self` and of `other` in enum patterns,
    /// one per keyed field of the largest variant.
    a: Vec<Ident>,
    b: Vec<Ident>,
}

impl Names {
    fn new(input: &Input<'_>) -> Self {
        // Generic parameters, and every other name in the input: a constant
        // named in a field type (`[u8; tk_enc]`) would otherwise resolve to the
        // shadowing function of the same name.
        let taken = &input.idents;
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
            reborrowed: fresh("tk_r"),
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
        let locals = [
            &self.enc,
            &self.other,
            &self.floats,
            &self.state,
            &self.reborrowed,
        ]
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

fn expand(input: &Input<'_>, syn_input: &DeriveInput) -> TokenStream {
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
        let ty = &f.ty;
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
    let (ref_type, ref_impls) = match &input.attrs.borrowed {
        Some(name) => {
            let name = name
                .clone()
                .unwrap_or_else(|| format_ident!("{}Ref", input.ident));
            borrowed(input, syn_input, &name, &generics, &names)
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
    let shadows = names.shadows();
    quote! {
        #ref_type
        const _: () = {
            #shadows
            #frozen_key
            #eq_hash
            #ref_impls
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
            let ty = &field.ty;
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
            let ty = &field.ty;
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

/// The inferred bounds, as `serde_derive` infers them: `T: FrozenKey` for
/// every type parameter that occurs directly in the type of a field that is
/// part of the key and not routed through `with`, and `T::A: FrozenKey` (or
/// `<T as Tr>::A: FrozenKey`) for every associated type of a parameter that
/// occurs there, at any depth (`Vec<T::A>`). A parameter used only through
/// its associated types is not bounded itself: it need not be a key.
fn inferred_bounds(input: &Input<'_>, krate: &Path) -> Vec<WherePredicate> {
    let params: Vec<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let mut used = vec![false; params.len()];
    let mut assoc = Vec::new();
    for field in input
        .keyed_fields()
        .into_iter()
        .filter(|f| f.attrs.with.is_none())
    {
        mark_params_and_assoc(&field.ty, &params, &mut used, &mut assoc);
    }
    let direct = params
        .iter()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(param, _)| -> WherePredicate { parse_quote!(#param: #krate::FrozenKey) });
    let assoc = assoc
        .into_iter()
        .map(|ty| -> WherePredicate { parse_quote!(#ty: #krate::FrozenKey) });
    direct.chain(assoc).collect()
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
            mark_params(&f.ty, &params, &mut used);
            used.contains(&true)
        })
        .map(|f| {
            let ty = &f.ty;
            parse_quote_spanned!(ty.span()=> #ty: #krate::Immutable)
        })
        .collect()
}

/// Sets `used[i]` for every `params[i]` that occurs in `ty`.
fn mark_params(ty: &syn::Type, params: &[&Ident], used: &mut [bool]) {
    let mut finder = ParamFinder {
        params,
        used,
        assoc: None,
    };
    finder.visit_type(ty);
}

/// Sets `used[i]` for every `params[i]` that occurs in `ty` other than as the
/// start of an associated type path, and pushes each such path (`T::A`,
/// `<T as Tr>::A`, `<Vec<T> as Tr>::A`) onto `assoc` once.
fn mark_params_and_assoc(
    ty: &syn::Type,
    params: &[&Ident],
    used: &mut [bool],
    assoc: &mut Vec<syn::TypePath>,
) {
    let mut finder = ParamFinder {
        params,
        used,
        assoc: Some(assoc),
    };
    finder.visit_type(ty);
}

struct ParamFinder<'p, 'u> {
    params: &'p [&'p Ident],
    used: &'u mut [bool],
    /// Where associated type paths go; `None`: visit them like other paths
    /// (their parameter counts as used).
    assoc: Option<&'u mut Vec<syn::TypePath>>,
}

impl ParamFinder<'_, '_> {
    /// `T::A...` for a type parameter `T`, or a qualified path whose
    /// self type mentions one (`<T as Tr>::A`).
    fn is_assoc(&self, ty: &syn::TypePath) -> bool {
        match &ty.qself {
            Some(qself) => {
                let mut used = vec![false; self.params.len()];
                mark_params(&qself.ty, self.params, &mut used);
                used.contains(&true)
            }
            None => {
                ty.path.leading_colon.is_none()
                    && ty.path.segments.len() > 1
                    && self.params.iter().any(|p| **p == ty.path.segments[0].ident)
            }
        }
    }
}

impl<'ast> Visit<'ast> for ParamFinder<'_, '_> {
    fn visit_type_path(&mut self, ty: &'ast syn::TypePath) {
        if self.assoc.is_some() && self.is_assoc(ty) {
            // The bound on the whole path covers its parameters and
            // arguments (`T::A<U>`).
            let text = ty.to_token_stream().to_string();
            if let Some(assoc) = &mut self.assoc
                && !assoc
                    .iter()
                    .any(|a| a.to_token_stream().to_string() == text)
            {
                assoc.push(ty.clone());
            }
            return;
        }
        visit::visit_type_path(self, ty);
    }

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

// ---------------------------------------------------------------------------
// The borrowed form: `#[frozen_key(borrowed = "NameRef")]`

/// A borrowed form names every generic parameter of the type in a keyed
/// field (an unused parameter of a struct is an error, E0392), and holds at
/// least one keyed field (else its lifetime would be unused).
fn check_borrowed(input: &Input<'_>, errors: &mut Errors) {
    let keyed = input.keyed_fields();
    if keyed.is_empty() {
        errors.push(syn::Error::new(
            input.ident.span(),
            "`borrowed` needs at least one field that is part of the key: a type without \
             keyed fields borrows nothing (look it up with the value itself)",
        ));
        return;
    }
    let mut used = Used::default();
    for f in &keyed {
        used.visit_type(&f.ty);
    }
    for param in &input.generics.params {
        let (name, span) = match param {
            GenericParam::Type(t) => (t.ident.to_string(), t.ident.span()),
            GenericParam::Const(c) => (c.ident.to_string(), c.ident.span()),
            GenericParam::Lifetime(l) => (l.lifetime.to_string(), l.lifetime.span()),
        };
        if !used.0.contains(&name) {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`borrowed` needs `{name}` in a field that is part of the key: the borrowed \
                     form holds only the keyed fields, so it could not use `{name}`"
                ),
            ));
        }
    }
}

/// The identifiers and lifetimes that occur in a type (paths by their first
/// segment, which is where a generic parameter would be).
#[derive(Default)]
struct Used(Vec<String>);

impl<'ast> Visit<'ast> for Used {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let Some(first) = path.segments.first() {
            self.0.push(first.ident.to_string());
        }
        visit::visit_path(self, path);
    }
    fn visit_lifetime(&mut self, lifetime: &'ast Lifetime) {
        self.0.push(lifetime.to_string());
    }
    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        self.visit_path(&expr.path);
    }
}

/// A lifetime named `base` (or `base_`, ...) that is not a lifetime
/// parameter of the input.
fn fresh_lifetime(generics: &Generics, base: &str) -> Lifetime {
    let taken: Vec<String> = generics
        .lifetimes()
        .map(|l| l.lifetime.ident.to_string())
        .collect();
    let mut name = base.to_owned();
    while taken.contains(&name) {
        name.push('_');
    }
    Lifetime::new(&format!("'{name}"), Span::call_site())
}

/// `generics` with `lifetime` first and `predicates` added to the where clause.
fn with_lifetime(
    generics: &Generics,
    lifetime: &Lifetime,
    predicates: impl IntoIterator<Item = WherePredicate>,
) -> Generics {
    let mut out = generics.clone();
    out.params.insert(
        0,
        GenericParam::Lifetime(syn::LifetimeParam::new(lifetime.clone())),
    );
    out.make_where_clause().predicates.extend(predicates);
    out
}

/// One keyed field as the borrowed form holds it.
struct RefField<'f, 'a> {
    field: &'f Field<'a>,
    /// The member in the borrowed type: the same name, or the index among
    /// the keyed fields for tuple fields.
    member: Member,
    vis: Option<&'a Visibility>,
}

impl RefField<'_, '_> {
    /// `<Ty as KeyBorrow>::Ref<'a>`, or `&'a Ty` for a `with` field.
    fn ty(&self, krate: &Path, lifetime: &Lifetime) -> TokenStream {
        let ty = &self.field.ty;
        if self.field.attrs.with.is_some() {
            quote_spanned!(ty.span()=> &#lifetime #ty)
        } else {
            quote_spanned!(ty.span()=> <#ty as #krate::KeyBorrow>::Ref<#lifetime>)
        }
    }

    /// The field's borrowed form from `value` (a `&Ty`).
    fn borrow_of(&self, value: &TokenStream, krate: &Path) -> TokenStream {
        let ty = &self.field.ty;
        if self.field.attrs.with.is_some() {
            value.clone()
        } else {
            quote_spanned!(ty.span()=> <#ty as #krate::KeyBorrow>::as_key_ref(#value))
        }
    }

    /// The field's borrowed form, reborrowed, from `value` (a reference to it).
    fn reborrow(&self, value: &TokenStream, krate: &Path) -> TokenStream {
        let ty = &self.field.ty;
        if self.field.attrs.with.is_some() {
            quote!(*#value)
        } else {
            quote_spanned!(ty.span()=> <#ty as #krate::KeyBorrow>::reborrow(#value))
        }
    }

    /// Encodes the held field (`value` is a reference to it).
    fn encode(&self, value: &TokenStream, names: &Names) -> TokenStream {
        let Names { krate, enc, .. } = names;
        let call = match &self.field.attrs.with {
            Some(with) => quote_spanned!(with.span()=> #with::encode(*#value, #enc)),
            None => quote!(#krate::FrozenKey::encode(#value, #enc)),
        };
        match self.field.attrs.float {
            Some(float) => {
                let policy = policy(float, krate);
                quote!(#krate::Encoder::with_floats(#enc, #policy, |#enc| #call))
            }
            None => call,
        }
    }

    /// Compares the held fields (`a` and `b` are references to them).
    fn eq(&self, a: &TokenStream, b: &TokenStream, names: &Names) -> TokenStream {
        let Names { krate, floats, .. } = names;
        let policy = self
            .field
            .attrs
            .float
            .map_or_else(|| quote!(#floats), |float| policy(float, krate));
        match &self.field.attrs.with {
            Some(with) => quote_spanned!(with.span()=> #with::key_eq_with(*#a, *#b, #policy)),
            None => quote!(#krate::FrozenKey::key_eq_with(#a, #b, #policy)),
        }
    }
}

/// The keyed fields of one struct or variant, with their members in the
/// borrowed form, and whether it has named fields.
fn ref_fields<'f, 'a>(
    fields: &'f [Field<'a>],
    syn_fields: Option<&'a Fields>,
) -> (Vec<RefField<'f, 'a>>, bool) {
    let named = fields
        .first()
        .is_some_and(|f| matches!(f.member, Member::Named(_)));
    let vis: Vec<Option<&Visibility>> = match syn_fields {
        Some(sf) => sf.iter().map(|f| Some(&f.vis)).collect(),
        None => vec![None; fields.len()],
    };
    let keyed = fields
        .iter()
        .zip(vis)
        .filter(|(f, _)| !f.attrs.skip)
        .enumerate()
        .map(|(i, (field, vis))| RefField {
            field,
            member: match &field.member {
                Member::Named(ident) => Member::Named(ident.clone()),
                Member::Unnamed(_) => Member::Unnamed(syn::Index {
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                    span: Span::call_site(),
                }),
            },
            vis,
        })
        .collect();
    (keyed, named)
}

/// The fields of a borrowed struct or variant: `{ x: T, ... }`, `(T, ...)` or
/// nothing. `doc` names the owned field for its documentation.
fn ref_body(
    fields: &[RefField<'_, '_>],
    named: bool,
    tuple: bool,
    krate: &Path,
    lifetime: &Lifetime,
    doc: impl Fn(&RefField<'_, '_>) -> String,
) -> TokenStream {
    let decls = fields.iter().map(|f| {
        let ty = f.ty(krate, lifetime);
        let vis = f.vis;
        let doc = doc(f);
        match &f.member {
            Member::Named(ident) => quote!(#[doc = #doc] #vis #ident: #ty),
            Member::Unnamed(_) => quote!(#[doc = #doc] #vis #ty),
        }
    });
    if named {
        quote!({ #(#decls,)* })
    } else if tuple || !fields.is_empty() {
        quote!(( #(#decls,)* ))
    } else {
        TokenStream::new()
    }
}

/// `{ m0: e0, m1: e1, ... }` for the borrowed form's fields.
fn construct(
    fields: &[RefField<'_, '_>],
    value: impl Fn(usize, &RefField<'_, '_>) -> TokenStream,
) -> TokenStream {
    let inits = fields.iter().enumerate().map(|(i, f)| {
        let member = &f.member;
        let value = value(i, f);
        quote!(#member: #value)
    });
    quote!({ #(#inits,)* })
}

/// `Path { m0: b0, m1: b1, .. }`, binding the borrowed form's fields.
fn ref_pattern(path: &TokenStream, fields: &[RefField<'_, '_>], bindings: &[Ident]) -> TokenStream {
    let binds = fields.iter().zip(bindings).map(|(f, b)| {
        let member = &f.member;
        quote!(#member: #b)
    });
    quote!(#path { #(#binds,)* .. })
}

/// The borrowed type (an item next to the input) and, for the `const` block,
/// its `FrozenKey`, `Clone` and `Copy` impls and the `KeyBorrow` and `Lookup`
/// impls that connect it to the input.
fn borrowed(
    input: &Input<'_>,
    syn_input: &DeriveInput,
    name: &Ident,
    key_generics: &Generics,
    names: &Names,
) -> (TokenStream, TokenStream) {
    let Names {
        krate,
        enc,
        other,
        floats,
        a,
        b,
        ..
    } = names;
    let ident = input.ident;
    let lt = fresh_lifetime(input.generics, "a");
    let lt_b = fresh_lifetime(input.generics, "tk_b");
    let lt_s = fresh_lifetime(input.generics, "tk_s");
    let lt_l = fresh_lifetime(input.generics, "tk_l");
    let r = &names.reborrowed;

    // What the borrowed type's fields need: `Ty: KeyBorrow + 'a` (`Ty: 'a`
    // for a `with` field), at the field's span. Only for field types that
    // mention a generic parameter: for the others rustc checks the field
    // types themselves, and reports a missing `KeyBorrow` at the field.
    let params: Vec<String> = input
        .generics
        .params
        .iter()
        .map(|p| match p {
            GenericParam::Type(t) => t.ident.to_string(),
            GenericParam::Const(c) => c.ident.to_string(),
            GenericParam::Lifetime(l) => l.lifetime.to_string(),
        })
        .collect();
    let generic = |ty: &syn::Type| {
        let mut used = Used::default();
        used.visit_type(ty);
        used.0.iter().any(|u| params.contains(u))
    };
    let field_bounds = |lifetime: Option<&Lifetime>| -> Vec<WherePredicate> {
        input
            .keyed_fields()
            .into_iter()
            .filter(|f| generic(&f.ty))
            .filter_map(|f| {
                let ty = &f.ty;
                match (f.attrs.with.is_some(), lifetime) {
                    (true, Some(l)) => Some(parse_quote_spanned!(ty.span()=> #ty: #l)),
                    (true, None) => None,
                    (false, Some(l)) => {
                        Some(parse_quote_spanned!(ty.span()=> #ty: #krate::KeyBorrow + #l))
                    }
                    (false, None) => Some(parse_quote_spanned!(ty.span()=> #ty: #krate::KeyBorrow)),
                }
            })
            .collect()
    };

    // The type definition: the input's generics and where clause, plus `'a`.
    let def_generics = with_lifetime(input.generics, &lt, field_bounds(Some(&lt)));
    let def_where = &def_generics.where_clause;
    let (_, ref_ty_generics, _) = def_generics.split_for_impl();
    let vis = &syn_input.vis;
    let type_doc = format!(
        "The borrowed form of [`{ident}`] (generated by `#[frozen_key(borrowed)]`): the same \
         canonical encoding, made of borrowed parts, for looking `{ident}` keys up without \
         cloning (`Key::lookup`)."
    );
    let field_doc = |f: &RefField<'_, '_>| match &f.field.member {
        Member::Named(m) => format!("The borrowed form of `{ident}::{m}`."),
        Member::Unnamed(i) => format!("The borrowed form of field {} of `{ident}`.", i.index),
    };
    let (type_def, encode_body, eq_body, from_owned, reborrow, clone_body, copy_bounds) =
        match (&input.body, &syn_input.data) {
            (Body::Struct(fields), Data::Struct(data)) => {
                let (fields, named) = ref_fields(fields, Some(&data.fields));
                let tuple = matches!(data.fields, Fields::Unnamed(_));
                let body = ref_body(&fields, named, tuple, krate, &lt, field_doc);
                let def = if named {
                    quote!(#vis struct #name #def_generics #def_where #body)
                } else {
                    quote!(#vis struct #name #def_generics #body #def_where;)
                };
                let n = Literal::usize_unsuffixed(fields.len());
                let encodes = fields.iter().map(|f| {
                    let m = &f.member;
                    f.encode(&quote!(&self.#m), names)
                });
                let eqs = fields.iter().map(|f| {
                    let m = &f.member;
                    f.eq(&quote!(&self.#m), &quote!(&#other.#m), names)
                });
                let eq = conjunction(eqs);
                let from_owned = construct(&fields, |_, f| {
                    let m = &f.field.member;
                    f.borrow_of(&quote!(&self.#m), krate)
                });
                let reborrow = construct(&fields, |_, f| {
                    let m = &f.member;
                    f.reborrow(&quote!(&#r.#m), krate)
                });
                let clone = construct(&fields, |_, f| {
                    let m = &f.member;
                    quote!(::core::clone::Clone::clone(&self.#m))
                });
                let copy_bounds: Vec<TokenStream> =
                    fields.iter().map(|f| f.ty(krate, &lt)).collect();
                (
                    def,
                    quote! {
                        #krate::Encoder::begin_struct(#enc, #n);
                        #(#encodes;)*
                    },
                    eq,
                    quote!(#name #from_owned),
                    quote!(#name #reborrow),
                    quote!(#name #clone),
                    copy_bounds,
                )
            }
            (Body::Enum(variants), Data::Enum(data)) => {
                let all: Vec<(&Variant<'_>, Vec<RefField<'_, '_>>, bool, bool)> = variants
                    .iter()
                    .zip(&data.variants)
                    .map(|(v, sv)| {
                        let (fields, named) = ref_fields(&v.fields, None);
                        let tuple = matches!(sv.fields, Fields::Unnamed(_));
                        (v, fields, named, tuple)
                    })
                    .collect();
                let defs = all.iter().map(|(v, fields, named, tuple)| {
                    let vident = v.ident;
                    let body = ref_body(fields, *named, *tuple, krate, &lt, |f| {
                        match &f.field.member {
                            Member::Named(m) => {
                                format!("The borrowed form of `{ident}::{vident}::{m}`.")
                            }
                            Member::Unnamed(i) => format!(
                                "The borrowed form of field {} of `{ident}::{vident}`.",
                                i.index
                            ),
                        }
                    });
                    let doc = format!("The borrowed form of `{ident}::{vident}`.");
                    quote!(#[doc = #doc] #vident #body)
                });
                let def = quote!(#vis enum #name #def_generics #def_where { #(#defs,)* });
                let encode_arms = all.iter().enumerate().map(|(i, (v, fields, _, _))| {
                    let vident = v.ident;
                    let index = Literal::u32_unsuffixed(u32::try_from(i).unwrap_or(u32::MAX));
                    let n = Literal::usize_unsuffixed(fields.len());
                    let pat = ref_pattern(&quote!(Self::#vident), fields, a);
                    let encodes = fields
                        .iter()
                        .zip(a)
                        .map(|(f, a)| f.encode(&a.to_token_stream(), names));
                    quote! {
                        #pat => {
                            #krate::Encoder::begin_variant(#enc, #index, #n);
                            #(#encodes;)*
                        }
                    }
                });
                let eq_arms = all.iter().map(|(v, fields, _, _)| {
                    let vident = v.ident;
                    let pa = ref_pattern(&quote!(Self::#vident), fields, a);
                    let pb = ref_pattern(&quote!(Self::#vident), fields, b);
                    let eqs = fields
                        .iter()
                        .zip(a.iter().zip(b))
                        .map(|(f, (a, b))| f.eq(&a.to_token_stream(), &b.to_token_stream(), names));
                    let all = conjunction(eqs);
                    quote!((#pa, #pb) => #all,)
                });
                let mismatch = (variants.len() > 1).then(|| quote!(_ => false,));
                let from_arms = all.iter().map(|(v, fields, _, _)| {
                    let vident = v.ident;
                    let pat = pattern(v, a);
                    let value =
                        construct(fields, |i, f| f.borrow_of(&a[i].to_token_stream(), krate));
                    quote!(#pat => #name::#vident #value,)
                });
                let reborrow_arms = all.iter().map(|(v, fields, _, _)| {
                    let vident = v.ident;
                    let pat = ref_pattern(&quote!(#name::#vident), fields, a);
                    let value =
                        construct(fields, |i, f| f.reborrow(&a[i].to_token_stream(), krate));
                    quote!(#pat => #name::#vident #value,)
                });
                let clone_arms = all.iter().map(|(v, fields, _, _)| {
                    let vident = v.ident;
                    let pat = ref_pattern(&quote!(Self::#vident), fields, a);
                    let value = construct(fields, |i, _| {
                        let a = &a[i];
                        quote!(::core::clone::Clone::clone(#a))
                    });
                    quote!(#pat => Self::#vident #value,)
                });
                let copy_bounds: Vec<TokenStream> = all
                    .iter()
                    .flat_map(|(_, fields, _, _)| fields.iter().map(|f| f.ty(krate, &lt)))
                    .collect();
                (
                    def,
                    quote!(match self { #(#encode_arms)* }),
                    quote!(match (self, #other) { #(#eq_arms)* #mismatch }),
                    quote!(match self { #(#from_arms)* }),
                    quote!(match #r { #(#reborrow_arms)* }),
                    quote!(match self { #(#clone_arms)* }),
                    copy_bounds,
                )
            }
            _ => return (TokenStream::new(), TokenStream::new()),
        };

    // Impls on the borrowed type: its definition's bounds and the key's.
    let mut ref_generics = with_lifetime(key_generics, &lt, field_bounds(Some(&lt)));
    let (ref_impl_generics, _, ref_where) = ref_generics.split_for_impl();
    let ref_impl_generics = ref_impl_generics.to_token_stream();
    let ref_where = ref_where.to_token_stream();
    ref_generics.make_where_clause().predicates.extend(
        copy_bounds
            .iter()
            .map(|ty| -> WherePredicate { parse_quote!(#ty: ::core::marker::Copy) }),
    );
    let copy_where = ref_generics.where_clause.to_token_stream();

    // Impls on the key type: the key's bounds and `Ty: KeyBorrow`.
    let mut owned_generics = key_generics.clone();
    owned_generics
        .make_where_clause()
        .predicates
        .extend(field_bounds(None));
    let (impl_generics, ty_generics, owned_where) = owned_generics.split_for_impl();
    let key_ty = quote!(#ident #ty_generics);
    let ref_of = |l: &Lifetime| {
        let mut g = input.generics.clone();
        g.params.insert(
            0,
            GenericParam::Lifetime(syn::LifetimeParam::new(l.clone())),
        );
        let (_, tyg, _) = g.split_for_impl();
        quote!(#name #tyg)
    };
    let ref_s = ref_of(&lt_s);
    let ref_l = ref_of(&lt_l);
    let ref_b = ref_of(&lt_b);
    let ref_anon = ref_of(&Lifetime::new("'_", Span::call_site()));

    // `Lookup` on `&Key` and on the borrowed form itself (with `'tk_b`).
    let with_b = |extra: Vec<WherePredicate>| with_lifetime(&owned_generics, &lt_b, extra);
    let by_ref_generics = with_b(Vec::new());
    let (by_ref_impl, _, by_ref_where) = by_ref_generics.split_for_impl();
    let mut on_ref_preds = field_bounds(Some(&lt_b));
    on_ref_preds.push(parse_quote!(#key_ty: #lt_b));
    let on_ref_generics = with_b(on_ref_preds);
    let (on_ref_impl, _, on_ref_where) = on_ref_generics.split_for_impl();

    // `Copy` when every field's borrowed form is. Only for types without
    // generic parameters: a bound on a field's borrowed form through a
    // parameter (`<ArrayView2<'x, f32> as KeyBorrow>::Ref<'a>: Copy`) does
    // not normalize in a where clause (rustc does not use the `'x: 'a` it
    // needs there).
    let copy = input.generics.params.is_empty().then(|| {
        quote! {
            #[automatically_derived]
            impl #ref_impl_generics ::core::marker::Copy for #name #ref_ty_generics #copy_where {}
        }
    });
    let debug_body = ref_debug(input, syn_input, name, names);
    let mut debug_generics = with_lifetime(key_generics, &lt, field_bounds(Some(&lt)));
    debug_generics.make_where_clause().predicates.extend(
        copy_bounds
            .iter()
            .map(|ty| -> WherePredicate { parse_quote!(#ty: ::core::fmt::Debug) }),
    );
    let debug_where = debug_generics.where_clause.to_token_stream();
    let state = &names.state;
    // `Debug` when every field's borrowed form is; like `Copy`, only for types
    // without generic parameters (the bounds would not normalize).
    let debug = input.generics.params.is_empty().then(|| {
        quote! {
            #[automatically_derived]
            impl #ref_impl_generics ::core::fmt::Debug for #name #ref_ty_generics #debug_where {
                fn fmt(&self, #state: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #debug_body
                }
            }
        }
    });

    // Maps keyed by the type itself (its own `Hash` and `Eq`, which agree with
    // `Lookup`'s) take `Key::lookup` queries too.
    let borrow = (!input.attrs.no_eq_hash).then(|| {
        let generics = with_lifetime(&owned_generics, &lt_b, [parse_quote!(#key_ty: #lt_b)]);
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        quote! {
            #[automatically_derived]
            impl #impl_generics ::core::borrow::Borrow<dyn #krate::Lookup<#key_ty> + #lt_b>
                for #key_ty #where_clause
            {
                #[inline]
                fn borrow(&self) -> &(dyn #krate::Lookup<#key_ty> + #lt_b) {
                    self
                }
            }
        }
    });
    let floats_used = quote!(#floats);
    let impls = quote! {
        #[automatically_derived]
        impl #ref_impl_generics #krate::FrozenKey for #name #ref_ty_generics #ref_where {
            #[inline]
            #[allow(unused_variables)]
            fn encode(&self, #enc: &mut #krate::Encoder<'_>) {
                #encode_body
            }
            #[inline]
            #[allow(unused_variables)]
            fn key_eq_with(
                &self,
                #other: &Self,
                #floats_used: #krate::FloatPolicy,
            ) -> ::core::primitive::bool {
                #eq_body
            }
        }

        #[automatically_derived]
        impl #ref_impl_generics ::core::clone::Clone for #name #ref_ty_generics #ref_where {
            #[inline]
            fn clone(&self) -> Self {
                #clone_body
            }
        }

        #copy

        #debug

        #[automatically_derived]
        impl #impl_generics #krate::KeyBorrow for #key_ty #owned_where {
            type Ref<#lt> = #name #ref_ty_generics where Self: #lt;
            #[inline]
            fn as_key_ref(&self) -> #ref_anon {
                #from_owned
            }
            #[inline]
            fn reborrow<#lt_s, #lt_l: #lt_s>(#r: &#lt_s #ref_l) -> #ref_s
            where
                Self: #lt_l,
            {
                #reborrow
            }
        }

        #[automatically_derived]
        impl #impl_generics #krate::Lookup<#key_ty> for #key_ty #owned_where {
            #[inline]
            fn key_ref(&self) -> #ref_anon {
                <Self as #krate::KeyBorrow>::as_key_ref(self)
            }
        }

        #[automatically_derived]
        impl #by_ref_impl #krate::Lookup<#key_ty> for &#lt_b #key_ty #by_ref_where {
            #[inline]
            fn key_ref(&self) -> #ref_anon {
                <#key_ty as #krate::KeyBorrow>::as_key_ref(*self)
            }
        }

        #[automatically_derived]
        impl #on_ref_impl #krate::Lookup<#key_ty> for #ref_b #on_ref_where {
            #[inline]
            fn key_ref(&self) -> #ref_anon {
                <#key_ty as #krate::KeyBorrow>::reborrow(self)
            }
        }

        #borrow
    };
    let type_def = quote! {
        #[doc = #type_doc]
        #type_def
    };
    (type_def, impls)
}

/// The body of the borrowed form's `Debug::fmt`, in the style of
/// `#[derive(Debug)]`, writing to `names.state`.
fn ref_debug(
    input: &Input<'_>,
    syn_input: &DeriveInput,
    name: &Ident,
    names: &Names,
) -> TokenStream {
    let state = &names.state;
    let one = |label: String, fields: &[RefField<'_, '_>], named: bool, values: &[TokenStream]| {
        if named {
            let entries = fields.iter().zip(values).map(|(f, v)| {
                let key = f.member.to_token_stream().to_string();
                quote!(.field(#key, #v))
            });
            quote!(::core::fmt::Formatter::debug_struct(#state, #label) #(#entries)* .finish())
        } else if fields.is_empty() {
            quote!(::core::fmt::Formatter::write_str(#state, #label))
        } else {
            quote!(::core::fmt::Formatter::debug_tuple(#state, #label) #(.field(#values))* .finish())
        }
    };
    match (&input.body, &syn_input.data) {
        (Body::Struct(fields), Data::Struct(data)) => {
            let (fields, named) = ref_fields(fields, Some(&data.fields));
            let values: Vec<TokenStream> = fields
                .iter()
                .map(|f| {
                    let m = &f.member;
                    quote!(&self.#m)
                })
                .collect();
            one(name.to_string(), &fields, named, &values)
        }
        (Body::Enum(variants), _) => {
            let arms = variants.iter().map(|v| {
                let (fields, named) = ref_fields(&v.fields, None);
                let vident = v.ident;
                let pat = ref_pattern(&quote!(Self::#vident), &fields, &names.a);
                let values: Vec<TokenStream> = names
                    .a
                    .iter()
                    .take(fields.len())
                    .map(ToTokens::to_token_stream)
                    .collect();
                let body = one(vident.to_string(), &fields, named, &values);
                quote!(#pat => #body,)
            });
            quote!(match self { #(#arms)* })
        }
        _ => TokenStream::new(),
    }
}
