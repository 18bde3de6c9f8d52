//! A small model of the derive input: what the other passes need, nothing more.

use crate::attr::{self, Errors};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::{Data, DeriveInput, Fields, Generics, Ident, Index, Member, Type};

pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: attr::Container,
    pub(crate) body: Body<'a>,
    /// Every identifier in the input's tokens (field types, generics, where
    /// clauses, attributes): the names the expansion introduces avoid them, so
    /// a user constant named like one of them in a field type (`[u8; tk_enc]`)
    /// is not shadowed.
    pub(crate) idents: Vec<String>,
}

pub(crate) enum Body<'a> {
    /// Named, tuple and unit structs.
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    /// `x` or `0`: how to reach the field.
    pub(crate) member: Member,
    /// The field's type, with `Self` replaced by the input type (`Name<T, ..>`),
    /// so that it means the same in the borrowed form's definition and impls.
    pub(crate) ty: Type,
    pub(crate) attrs: attr::Field,
    /// The variant holding the field, for messages.
    pub(crate) variant: Option<&'a Ident>,
}

impl Field<'_> {
    /// "field `x`" or "field `0` of variant `V`", for messages.
    pub(crate) fn describe(&self) -> String {
        let name = match &self.member {
            Member::Named(ident) => ident.to_string(),
            Member::Unnamed(index) => index.index.to_string(),
        };
        match self.variant {
            Some(variant) => format!("field `{name}` of variant `{variant}`"),
            None => format!("field `{name}`"),
        }
    }

    /// Fields that are part of the key.
    pub(crate) fn keyed(fields: &[Self]) -> impl Iterator<Item = &Self> {
        fields.iter().filter(|f| !f.attrs.skip)
    }
}

impl<'a> Input<'a> {
    /// Every field that is part of the key, across all variants of an enum.
    pub(crate) fn keyed_fields(&self) -> Vec<&Field<'a>> {
        match &self.body {
            Body::Struct(fields) => Field::keyed(fields).collect(),
            Body::Enum(variants) => variants
                .iter()
                .flat_map(|v| Field::keyed(&v.fields))
                .collect(),
        }
    }

    /// Builds the model, collecting every attribute error into `errors`.
    pub(crate) fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let attrs = attr::Container::from_attrs(&input.attrs, errors);
        let ident = &input.ident;
        let (_, ty_generics, _) = input.generics.split_for_impl();
        let self_ty = quote::quote!(#ident #ty_generics);
        let body = match &input.data {
            Data::Struct(data) => Body::Struct(fields(&data.fields, None, &self_ty, errors)),
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .map(|v| {
                        attr::check_variant(&v.attrs, errors);
                        Variant {
                            ident: &v.ident,
                            fields: fields(&v.fields, Some(&v.ident), &self_ty, errors),
                        }
                    })
                    .collect(),
            ),
            Data::Union(data) => {
                errors.push(syn::Error::new(
                    data.union_token.span,
                    "`FrozenKey` cannot be derived for a union: the active field is unknown, \
                     so there is no canonical encoding; use a struct or an enum",
                ));
                return None;
            }
        };
        let mut idents = Vec::new();
        collect_idents(input.to_token_stream(), &mut idents);
        Some(Input {
            ident: &input.ident,
            generics: &input.generics,
            attrs,
            body,
            idents,
        })
    }
}

fn fields<'a>(
    fields: &'a Fields,
    variant: Option<&'a Ident>,
    self_ty: &TokenStream,
    errors: &mut Errors,
) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| Field {
            member: field.ident.clone().map_or_else(
                || {
                    Member::Unnamed(Index {
                        index: u32::try_from(i).unwrap_or(u32::MAX),
                        span: Span::call_site(),
                    })
                },
                Member::Named,
            ),
            ty: syn::parse2(replace_self(field.ty.to_token_stream(), self_ty))
                .unwrap_or_else(|_| field.ty.clone()),
            attrs: attr::Field::from_attrs(&field.attrs, errors),
            variant,
        })
        .collect()
}

/// Pushes every identifier in `tokens`, at any depth, onto `out`.
fn collect_idents(tokens: TokenStream, out: &mut Vec<String>) {
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            TokenTree::Group(group) => collect_idents(group.stream(), out),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

/// `tokens` with every `Self` replaced by `self_ty` (`<self_ty>` before `::`).
fn replace_self(tokens: TokenStream, self_ty: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "Self" => {
                let path_follows =
                    matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                let span = ident.span();
                out.extend(if path_follows {
                    quote_spanned!(span=> <#self_ty>)
                } else {
                    quote_spanned!(span=> #self_ty)
                });
            }
            TokenTree::Group(group) => {
                let mut replaced =
                    Group::new(group.delimiter(), replace_self(group.stream(), self_ty));
                replaced.set_span(group.span());
                out.extend([TokenTree::Group(replaced)]);
            }
            other => out.extend([other]),
        }
    }
    out
}
