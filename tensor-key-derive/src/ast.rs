//! A small model of the derive input: what the other passes need, nothing more.

use crate::attr::{self, Errors};
use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Index, Member, Type};

pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: attr::Container,
    pub(crate) body: Body<'a>,
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
    pub(crate) ty: &'a Type,
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
        let body = match &input.data {
            Data::Struct(data) => Body::Struct(fields(&data.fields, None, errors)),
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .map(|v| {
                        attr::check_variant(&v.attrs, errors);
                        Variant {
                            ident: &v.ident,
                            fields: fields(&v.fields, Some(&v.ident), errors),
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
        Some(Input {
            ident: &input.ident,
            generics: &input.generics,
            attrs,
            body,
        })
    }
}

fn fields<'a>(
    fields: &'a Fields,
    variant: Option<&'a Ident>,
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
            ty: &field.ty,
            attrs: attr::Field::from_attrs(&field.attrs, errors),
            variant,
        })
        .collect()
}
