//! Parsing of `#[frozen_key(...)]` on containers, variants and fields.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Path, Token, WherePredicate};

/// Collects errors so that every problem in the input is reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// A float policy named by `float = "..."`.
#[derive(Clone, Copy)]
pub(crate) enum Float {
    Canonical,
    Bitwise,
}

/// Options of the struct or enum itself.
pub(crate) struct Container {
    /// `crate = "path"`: where `tensor_key` is (default `::tensor_key`).
    pub(crate) krate: Option<Path>,
    /// `bound = "T: Trait, ..."`: replaces the inferred `T: FrozenKey` bounds.
    pub(crate) bound: Option<Punctuated<WherePredicate, Token![,]>>,
    /// `no_eq_hash`: do not implement `Hash`, `PartialEq` and `Eq`.
    pub(crate) no_eq_hash: bool,
    /// `borrowed` or `borrowed = "NameRef"`: also generate the borrowed form
    /// `NameRef<'a>` and the `KeyBorrow`/`Lookup` impls. `Some(None)` for the
    /// default name (the type's name followed by `Ref`).
    pub(crate) borrowed: Option<Option<Ident>>,
    /// `Hash`, `PartialEq` or `Eq` named by a `#[derive(...)]` after this one
    /// (reported unless `no_eq_hash`); the fallback impls leave them out.
    pub(crate) derived_elsewhere: Vec<&'static str>,
}

/// Options of one field.
pub(crate) struct Field {
    /// `skip`: the field is not part of the key.
    pub(crate) skip: bool,
    /// `float = "bitwise" | "canonical"`: the float policy for everything inside.
    pub(crate) float: Option<Float>,
    /// `with = "path"`: encode and compare through `path::encode` / `path::key_eq_with`.
    pub(crate) with: Option<Path>,
}

/// Where an attribute sits; decides which options are allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Container,
    Variant,
    Field,
}

/// One parsed option, with the span of its name.
enum Item {
    Crate(Path),
    Bound(Punctuated<WherePredicate, Token![,]>),
    NoEqHash,
    Borrowed(Option<Ident>),
    Skip,
    Float(Float),
    With(Path),
}

impl Item {
    fn name(&self) -> &'static str {
        match self {
            Item::Crate(_) => "crate",
            Item::Bound(_) => "bound",
            Item::NoEqHash => "no_eq_hash",
            Item::Borrowed(_) => "borrowed",
            Item::Skip => "skip",
            Item::Float(_) => "float",
            Item::With(_) => "with",
        }
    }

    fn place(&self) -> Place {
        match self {
            Item::Crate(_) | Item::Bound(_) | Item::NoEqHash | Item::Borrowed(_) => {
                Place::Container
            }
            Item::Skip | Item::Float(_) | Item::With(_) => Place::Field,
        }
    }
}

const CONTAINER_OPTIONS: &str =
    "`crate = \"...\"`, `bound = \"...\"`, `no_eq_hash`, `borrowed = \"...\"`";
const FIELD_OPTIONS: &str = "`skip`, `float = \"...\"`, `with = \"...\"`";

/// Parses every `#[frozen_key(...)]` in `attrs` and hands each well-formed
/// option that belongs at `place` to `accept`, in source order. Malformed and
/// unknown options, options that belong elsewhere, and whatever `accept` rejects
/// are reported in source order too.
fn parse(
    attrs: &[Attribute],
    place: Place,
    errors: &mut Errors,
    mut accept: impl FnMut(Item, Span) -> syn::Result<()>,
) {
    for attr in attrs {
        if !attr.path().is_ident("frozen_key") {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let name = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let item = match name.as_str() {
                "crate" => Item::Crate(parse_lit(
                    &string(&meta, &name)?,
                    "a path such as \"::tensor_key\"",
                    syn::Path::parse_mod_style,
                )?),
                "bound" => Item::Bound(parse_lit(
                    &string(&meta, &name)?,
                    "where-predicates such as \"T: FrozenKey + Clone\"",
                    Punctuated::parse_terminated,
                )?),
                "no_eq_hash" => Item::NoEqHash,
                "borrowed" if meta.input.peek(Token![=]) => Item::Borrowed(Some(parse_lit(
                    &string(&meta, &name)?,
                    "the name of the borrowed type, such as \"NodeKeyRef\"",
                    syn::parse::Parse::parse,
                )?)),
                "borrowed" => Item::Borrowed(None),
                "skip" => Item::Skip,
                "float" => {
                    let lit = string(&meta, &name)?;
                    match lit.value().as_str() {
                        "canonical" => Item::Float(Float::Canonical),
                        "bitwise" => Item::Float(Float::Bitwise),
                        other => {
                            return Err(syn::Error::new(
                                lit.span(),
                                format!(
                                    "unknown float policy `{other}`: expected \"canonical\" or \"bitwise\""
                                ),
                            ));
                        }
                    }
                }
                "with" => Item::With(parse_lit(
                    &string(&meta, &name)?,
                    "a path to a module or type such as \"my_crate::codec\"",
                    syn::Path::parse_mod_style,
                )?),
                _ => {
                    let expected = match place {
                        Place::Container => CONTAINER_OPTIONS,
                        Place::Field => FIELD_OPTIONS,
                        Place::Variant => "no options on a variant (they go on its fields)",
                    };
                    let shown = if name.is_empty() {
                        "here".to_owned()
                    } else {
                        format!("`{name}`")
                    };
                    return Err(meta.error(format!(
                        "unknown frozen_key option {shown}: expected {expected}"
                    )));
                }
            };
            if matches!(item, Item::NoEqHash | Item::Skip | Item::Borrowed(None))
                && !meta.input.is_empty()
                && !meta.input.peek(Token![,])
            {
                return Err(meta.error(format!("`{name}` takes no value")));
            }
            // Misplaced, duplicate and conflicting options are well-formed:
            // report them and go on parsing.
            let accepted = if item.place() == place {
                accept(item, span)
            } else {
                Err(misplaced(item.name(), item.place(), place, span))
            };
            if let Err(e) = accepted {
                errors.push(e);
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
}

fn misplaced(name: &str, belongs: Place, place: Place, span: Span) -> syn::Error {
    let msg = match (belongs, place) {
        (Place::Container, Place::Field) => {
            format!("`{name}` is a container option: put it on the struct or enum, not on a field")
        }
        (Place::Container, _) => {
            format!("`{name}` is a container option: put it on the enum, not on a variant")
        }
        (_, Place::Container) => {
            format!("`{name}` is a field option: put it on a field, not on the struct or enum")
        }
        _ => format!(
            "`{name}` is a field option: put it on the variant's fields, not on the variant"
        ),
    };
    syn::Error::new(span, msg)
}

/// The string literal after `=`.
fn string(meta: &syn::meta::ParseNestedMeta<'_>, name: &str) -> syn::Result<LitStr> {
    let value = meta.value()?;
    value.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a string literal: `{name} = \"...\"`"),
        )
    })
}

/// Parses the contents of a string literal, saying what was expected.
fn parse_lit<T>(
    lit: &LitStr,
    expected: &str,
    parser: impl syn::parse::Parser<Output = T>,
) -> syn::Result<T> {
    lit.parse_with(parser)
        .map_err(|e| syn::Error::new(lit.span(), format!("expected {expected}: {e}")))
}

fn duplicate(name: &str, span: Span) -> syn::Error {
    syn::Error::new(span, format!("duplicate frozen_key option `{name}`"))
}

impl Container {
    pub(crate) fn from_attrs(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut out = Container {
            krate: None,
            bound: None,
            no_eq_hash: false,
            borrowed: None,
            derived_elsewhere: Vec::new(),
        };
        let mut seen = Vec::new();
        parse(attrs, Place::Container, errors, |item, span| {
            let name = item.name();
            if seen.contains(&name) {
                return Err(duplicate(name, span));
            }
            seen.push(name);
            match item {
                Item::Crate(path) => out.krate = Some(path),
                Item::Bound(bound) => out.bound = Some(bound),
                Item::NoEqHash => out.no_eq_hash = true,
                Item::Borrowed(name) => out.borrowed = Some(name),
                Item::Skip | Item::Float(_) | Item::With(_) => {}
            }
            Ok(())
        });
        if !out.no_eq_hash {
            out.derived_elsewhere = conflicting_derives(attrs, errors);
        }
        out
    }
}

/// `Hash`, `PartialEq` and `Eq` in the `#[derive(...)]` attributes of `attrs`,
/// each reported at its name: the derive implements them too. A derive macro
/// sees only the `#[derive]` attributes *after* its own: one in the same list
/// (`#[derive(PartialEq, FrozenKey)]`) or before it is not visible, and rustc
/// reports the overlap as E0119 (see the derive's documentation).
fn conflicting_derives(attrs: &[Attribute], errors: &mut Errors) -> Vec<&'static str> {
    let mut found = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        for path in paths {
            let Some(last) = path.segments.last() else {
                continue;
            };
            let name = match last.ident.to_string().as_str() {
                "PartialEq" => "PartialEq",
                "Eq" => "Eq",
                "Hash" => "Hash",
                _ => continue,
            };
            errors.push(syn::Error::new_spanned(
                &path,
                format!(
                    "`#[derive(FrozenKey)]` already implements `Hash`, `PartialEq` and `Eq`, \
                     following the key, so this `{name}` would conflict\n\
                     help: remove `{name}` from this derive, or add `#[frozen_key(no_eq_hash)]` \
                     to derive only `FrozenKey` and keep your own `Hash`, `PartialEq` and `Eq`"
                ),
            ));
            found.push(name);
        }
    }
    found
}

/// Variants take no options; anything there is reported.
pub(crate) fn check_variant(attrs: &[Attribute], errors: &mut Errors) {
    parse(attrs, Place::Variant, errors, |_, _| Ok(()));
}

impl Field {
    pub(crate) fn from_attrs(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut out = Field {
            skip: false,
            float: None,
            with: None,
        };
        let mut seen: Vec<&str> = Vec::new();
        parse(attrs, Place::Field, errors, |item, span| {
            let name = item.name();
            if seen.contains(&name) {
                return Err(duplicate(name, span));
            }
            // `skip` excludes every other option, whichever comes first.
            let conflict = if name == "skip" {
                seen.first().copied()
            } else if seen.contains(&"skip") {
                Some(name)
            } else {
                None
            };
            if let Some(other) = conflict {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`skip` cannot be combined with `{other}`: a skipped field is not part of the key"
                    ),
                ));
            }
            seen.push(name);
            match item {
                Item::Skip => out.skip = true,
                Item::Float(float) => out.float = Some(float),
                Item::With(path) => out.with = Some(path),
                Item::Crate(_) | Item::Bound(_) | Item::NoEqHash | Item::Borrowed(_) => {}
            }
            Ok(())
        });
        out
    }
}
