//! Finds the values that MessagePack cannot write unambiguously, before they
//! are stored.
//!
//! MessagePack has one nil. `rmp_serde` writes `None` as nil and `Some(x)` as
//! `x`, so when `x` itself is written as nil (`()`, `None`, a newtype around
//! one, an untagged unit variant: anything that serializes through
//! `serialize_unit` or `serialize_none`), `Some(x)` and `None` are the same
//! bytes and `Some(x)` reads back as `None`: `Option<()>`'s `Some(())`,
//! `Option<Option<u8>>`'s `Some(None)`. The entry format is shared with other
//! languages, so the encoding stays; instead the [`Cache`](crate::Cache) does
//! not store such a value (it counts it in
//! [`Stats::encode_errors`](crate::Stats::encode_errors)), and a lookup never
//! returns a wrong value.
//!
//! [`check`] walks a value with a serde [`Serializer`](ser::Serializer) that
//! writes nothing and only tells whether each value it meets is written as nil
//! (mirroring `rmp_serde`'s choices), and fails at the first `Some(x)`, at any
//! depth (struct fields, elements, map keys and values, enum variants), whose
//! `x` is.

use serde::ser::{self, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// Fails when `value` holds a `Some(x)` whose `x` is written as nil (so it
/// would read back as `None`), or when its `Serialize` implementation fails.
pub(crate) fn check<V: Serialize + ?Sized>(value: &V) -> Result<(), Unstorable> {
    value.serialize(Probe).map(drop)
}

/// Why a value is not stored, and where in it.
#[derive(Debug)]
pub(crate) struct Unstorable {
    /// `None`: an ambiguous `Some`; otherwise the `Serialize` implementation's
    /// own error.
    custom: Option<String>,
    /// From the innermost step outwards.
    path: Vec<Step>,
}

/// One step from a value into a part of it.
#[derive(Debug)]
enum Step {
    /// An element of a sequence, an array or a tuple (serde does not tell
    /// arrays from tuples).
    Element(usize),
    /// A field of a tuple struct or tuple variant.
    Position(usize),
    /// A named field.
    Field(&'static str),
    /// The data of an enum variant.
    Variant(&'static str),
    /// The key of a map's `n`th entry.
    Key(usize),
    /// The value of a map's `n`th entry.
    Value(usize),
}

impl Unstorable {
    fn at(mut self, step: Step) -> Self {
        self.path.push(step);
        self
    }
}

impl fmt::Display for Unstorable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut at = String::from("value");
        for step in self.path.iter().rev() {
            use fmt::Write as _;
            let _ = match step {
                Step::Element(i) => write!(at, "[{i}]"),
                Step::Position(i) => write!(at, ".{i}"),
                Step::Field(name) => write!(at, ".{name}"),
                Step::Variant(name) => write!(at, "::{name}"),
                Step::Key(i) => write!(at, "{{key {i}}}"),
                Step::Value(i) => write!(at, "{{value {i}}}"),
            };
        }
        match &self.custom {
            None => write!(
                f,
                "`Some(x)` at `{at}` where `x` is written as nil (like `None`) would read \
                 back as `None`"
            ),
            Some(msg) => write!(f, "cannot check the value (at `{at}`): {msg}"),
        }
    }
}

impl std::error::Error for Unstorable {}

impl ser::Error for Unstorable {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unstorable {
            custom: Some(msg.to_string()),
            path: Vec::new(),
        }
    }
}

/// Whether `rmp_serde` writes a unit struct as nil. Version 1.3 writes `[]`
/// (and reads `Some(Unit)` back right); asked of `rmp_serde` itself, once, so
/// that another version cannot make the check wrong.
fn unit_struct_is_nil() -> bool {
    struct Unit;
    impl Serialize for Unit {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_unit_struct("Unit")
        }
    }
    static NIL: OnceLock<bool> = OnceLock::new();
    *NIL.get_or_init(|| rmp_serde::to_vec_named(&Unit).map_or(true, |b| b == [0xc0]))
}

/// The serializer: `Ok(true)` when the value is written as nil.
struct Probe;

/// The state of a compound value being walked: the index of the next part.
struct Parts(usize);

impl Parts {
    fn next<T: Serialize + ?Sized>(
        &mut self,
        part: &T,
        step: fn(usize) -> Step,
    ) -> Result<(), Unstorable> {
        let i = self.0;
        self.0 += 1;
        part.serialize(Probe).map(drop).map_err(|e| e.at(step(i)))
    }
}

type Nil = bool;

impl ser::Serializer for Probe {
    type Ok = Nil;
    type Error = Unstorable;
    type SerializeSeq = Parts;
    type SerializeTuple = Parts;
    type SerializeTupleStruct = Parts;
    type SerializeTupleVariant = Parts;
    type SerializeMap = Parts;
    type SerializeStruct = Parts;
    type SerializeStructVariant = Parts;

    // As `rmp_serde::to_vec_named`: types that serialize differently for
    // humans take their compact form.
    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, _: bool) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_i8(self, _: i8) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_i16(self, _: i16) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_i32(self, _: i32) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_i64(self, _: i64) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_i128(self, _: i128) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_u8(self, _: u8) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_u16(self, _: u16) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_u32(self, _: u32) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_u64(self, _: u64) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_u128(self, _: u128) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_f32(self, _: f32) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_f64(self, _: f64) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_char(self, _: char) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_str(self, _: &str) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Nil, Unstorable> {
        Ok(false)
    }

    fn serialize_none(self) -> Result<Nil, Unstorable> {
        Ok(true)
    }

    /// The one place a value is refused.
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Nil, Unstorable> {
        if value.serialize(Probe)? {
            return Err(Unstorable {
                custom: None,
                path: Vec::new(),
            });
        }
        Ok(false)
    }

    fn serialize_unit(self) -> Result<Nil, Unstorable> {
        Ok(true)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Nil, Unstorable> {
        Ok(unit_struct_is_nil())
    }
    /// Written as the variant's name.
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<Nil, Unstorable> {
        Ok(false)
    }
    /// Written as the inner value (`rmp_serde`'s extension type wrapper is a
    /// tuple inside, not nil).
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Nil, Unstorable> {
        value.serialize(Probe)
    }
    /// Written as a map `{variant: value}`.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Nil, Unstorable> {
        value
            .serialize(Probe)
            .map_err(|e| e.at(Step::Variant(variant)))?;
        Ok(false)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
    fn serialize_tuple(self, _: usize) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Parts, Unstorable> {
        Ok(Parts(0))
    }
}

// Compound values are arrays or maps: never nil themselves.

/// The four sequence-like compound serializers: each part is an element
/// (`Step::Element`) or a positional field (`Step::Position`).
macro_rules! positional_parts {
    ($($trait:ident :: $method:ident => $step:ident;)*) => {$(
        impl ser::$trait for Parts {
            type Ok = Nil;
            type Error = Unstorable;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unstorable> {
                self.next(v, Step::$step)
            }
            fn end(self) -> Result<Nil, Unstorable> {
                Ok(false)
            }
        }
    )*};
}

positional_parts! {
    SerializeSeq::serialize_element => Element;
    SerializeTuple::serialize_element => Element;
    SerializeTupleStruct::serialize_field => Position;
    SerializeTupleVariant::serialize_field => Position;
}

impl ser::SerializeMap for Parts {
    type Ok = Nil;
    type Error = Unstorable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Unstorable> {
        k.serialize(Probe)
            .map(drop)
            .map_err(|e| e.at(Step::Key(self.0)))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unstorable> {
        self.next(v, Step::Value)
    }
    fn end(self) -> Result<Nil, Unstorable> {
        Ok(false)
    }
}

/// The two struct-like compound serializers: each part is a named field.
macro_rules! named_parts {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Parts {
            type Ok = Nil;
            type Error = Unstorable;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                name: &'static str,
                v: &T,
            ) -> Result<(), Unstorable> {
                v.serialize(Probe)
                    .map(drop)
                    .map_err(|e| e.at(Step::Field(name)))
            }
            fn end(self) -> Result<Nil, Unstorable> {
                Ok(false)
            }
        }
    )*};
}

named_parts!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;

    fn refused<V: Serialize + ?Sized>(v: &V) -> String {
        check(v).unwrap_err().to_string()
    }

    #[test]
    fn some_of_nil_is_refused_at_any_depth_and_nothing_else() {
        assert!(check(&Some(3u8)).is_ok());
        assert!(check(&None::<()>).is_ok());
        assert!(check(&Some(Some(1u8))).is_ok());
        assert!(check(&((), vec![(); 3], [None::<u8>; 2])).is_ok());
        assert!(refused(&Some(())).contains("at `value` where"));
        assert!(check(&vec![Some(1u8), None, Some(2)]).is_ok());
        assert!(refused(&vec![None, Some(None::<u8>)]).contains("`value[1]`"));
        assert!(refused(&(1u8, [None, Some(())])).contains("`value[1][1]`"));
        let map = std::collections::BTreeMap::from([(1u8, None), (2, Some(()))]);
        assert!(refused(&map).contains("`value{value 1}`"));
    }

    /// `Some(UnitStruct)` is refused exactly when `rmp_serde` would read it
    /// back as `None` (version 1.3 writes a unit struct as `[]`: it is kept).
    #[test]
    fn unit_structs_as_rmp_serde_writes_them() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Unit;
        let bytes = rmp_serde::to_vec_named(&Some(Unit)).unwrap();
        let back: Option<Unit> = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(check(&Some(Unit)).is_ok(), back == Some(Unit));
        assert!(!unit_struct_is_nil());
    }
}
