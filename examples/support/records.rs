//! Cross-check records: structured values (sets, maps, derived enums and
//! structs, per-field float policies, wrapped scalars, standard-library value
//! types) rebuilt from the JSON
//! that `python/gen_random.py` writes, each part digested and compared with
//! the Python reference. (Not an example itself: included by `crosscheck.rs`.)
//!
//! Every set and map element type here has an `Ord` that disagrees with its
//! canonical equality, so the Rust iteration order and the encoded order
//! (SPEC.md 4.9) differ often.

use ndarray::Array1;
use serde_json::Value;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::num::{NonZeroI16, NonZeroU64, Wrapping};
use std::ops::{Range, RangeInclusive};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tensor_key::{Bitwise, Encoder, FloatPolicy, FrozenKey, Key};

/// A float ordered by `total_cmp`: `0.0`/`-0.0` and NaNs of different bits are
/// distinct members of a `BTreeSet` although they are equal keys.
#[derive(Clone, Copy, Debug)]
pub struct Total<F>(F);

macro_rules! total {
    ($($f:ty),*) => {$(
        impl Ord for Total<$f> {
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.total_cmp(&other.0)
            }
        }
    )*};
}
total!(f32, f64);

impl<F> PartialEq for Total<F>
where
    Total<F>: Ord,
{
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<F> Eq for Total<F> where Total<F>: Ord {}
impl<F> PartialOrd for Total<F>
where
    Total<F>: Ord,
{
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<F: FrozenKey> FrozenKey for Total<F> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.0.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.0.key_eq_with(&other.0, floats)
    }
}

/// Any key with its `Ord` reversed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rev<T>(T);

impl<T: Ord> PartialOrd for Rev<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: Ord> Ord for Rev<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp(&self.0)
    }
}
impl<T: FrozenKey> FrozenKey for Rev<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.0.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.0.key_eq_with(&other.0, floats)
    }
}

/// A derived key whose hand-written `Ord` compares the skipped field first.
#[derive(FrozenKey, Debug)]
#[frozen_key(no_eq_hash)]
pub struct Tagged {
    value: i8,
    weight: Total<f64>,
    #[frozen_key(skip)]
    note: u8,
}

impl PartialEq for Tagged {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Tagged {}
impl PartialOrd for Tagged {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tagged {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.note, self.value, self.weight).cmp(&(other.note, other.value, other.weight))
    }
}

/// Explicit discriminants on variants with fields: the encoded index is the
/// declaration position (A = 0, B = 1, C = 2, D = 3).
#[derive(FrozenKey, Debug)]
#[repr(i16)]
pub enum Disc {
    A = 10,
    B(f32) = -3,
    C { x: u8, y: Option<Total<f64>> } = 7,
    D = 0,
}

/// Derived `Ord` by discriminant (Low < Mid < High), encoded index by
/// declaration position (High = 0, Low = 1, Mid = 2).
#[derive(FrozenKey, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[frozen_key(no_eq_hash)]
pub enum Level {
    High = 5,
    Low = 1,
    Mid = 3,
}

#[derive(FrozenKey, Debug)]
pub struct Unit;

#[derive(FrozenKey, Debug)]
pub struct One(f64);

#[derive(FrozenKey, Debug)]
pub struct NamedOne {
    v: Vec<f32>,
}

/// Per-field float policies.
#[derive(FrozenKey, Debug)]
pub struct Policies {
    #[frozen_key(float = "bitwise")]
    bits: f32,
    #[frozen_key(float = "canonical")]
    canon: f64,
    plain: f32,
    #[frozen_key(float = "bitwise")]
    nested: (Vec<f64>, BTreeSet<Total<f32>>),
    #[frozen_key(float = "canonical")]
    canon_set: BTreeSet<Total<f64>>,
}

/// Every part of a record, in the order `gen_random.py` lists them. The
/// boxes are what is being checked (wrapped scalars as elements).
#[derive(FrozenKey, Debug)]
#[allow(clippy::box_collection, clippy::vec_box, clippy::type_complexity)]
pub struct Record {
    set_total_f64: BTreeSet<Total<f64>>,
    bitwise_set_total_f32: Bitwise<BTreeSet<Total<f32>>>,
    set_rev_i32: BTreeSet<Rev<i32>>,
    map_total_f32_string: BTreeMap<Total<f32>, String>,
    map_rev_u8_total_f64: BTreeMap<Rev<u8>, Total<f64>>,
    map_set_vec: BTreeMap<BTreeSet<Total<f64>>, Vec<f32>>,
    set_box_string: BTreeSet<Box<String>>,
    set_rc_str: BTreeSet<Rc<str>>,
    set_tagged: BTreeSet<Tagged>,
    discs: Vec<Disc>,
    levels: BTreeSet<Level>,
    unit: Unit,
    one: One,
    named_one: NamedOne,
    policies: Policies,
    bitwise_policies: Bitwise<Policies>,
    vec_box_f32: Vec<Box<f32>>,
    vec_key_bitwise_f32: Vec<Key<Bitwise<f32>>>,
    bitwise_vec_key_f64: Bitwise<Vec<Key<f64>>>,
    tensor_bitwise_box_f64: Array1<Bitwise<Box<f64>>>,
    bitwise_pointers: Bitwise<(Box<f32>, Rc<f64>, Arc<Key<f32>>)>,
    durations: Vec<Duration>,
    set_reverse_nonzero_i16: BTreeSet<Reverse<NonZeroI16>>,
    vec_wrapping_nonzero_u64: Vec<Wrapping<NonZeroU64>>,
    tensor_reverse_f32: Array1<Reverse<f32>>,
    ranges_f64: Vec<Range<f64>>,
    bitwise_range_f32: Bitwise<Range<f32>>,
    ranges_inclusive_u8: Vec<RangeInclusive<u8>>,
    map_ordering_duration: BTreeMap<Ordering, Duration>,
    phantom: PhantomData<f32>,
    sockets: Vec<SocketAddr>,
    set_ipaddr: BTreeSet<IpAddr>,
}

type R<T> = Result<T, String>;

fn list(v: &Value) -> R<&Vec<Value>> {
    v.as_array()
        .ok_or_else(|| format!("expected a list, got {v}"))
}

fn u(v: &Value) -> R<u64> {
    v.as_u64()
        .ok_or_else(|| format!("expected an unsigned integer, got {v}"))
}

fn i(v: &Value) -> R<i64> {
    v.as_i64()
        .ok_or_else(|| format!("expected an integer, got {v}"))
}

fn small<T: TryFrom<i64>>(v: &Value) -> R<T> {
    T::try_from(i(v)?).map_err(|_| format!("{v} out of range"))
}

fn f32b(v: &Value) -> R<f32> {
    Ok(f32::from_bits(small::<u32>(v)?))
}

fn f64b(v: &Value) -> R<f64> {
    Ok(f64::from_bits(u(v)?))
}

fn s(v: &Value) -> R<String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("expected a string, got {v}"))
}

fn each<T>(v: &Value, f: impl Fn(&Value) -> R<T>) -> R<Vec<T>> {
    list(v)?.iter().map(f).collect()
}

fn pair(v: &Value) -> R<(&Value, &Value)> {
    match list(v)?.as_slice() {
        [a, b] => Ok((a, b)),
        _ => Err(format!("expected a pair, got {v}")),
    }
}

/// A map whose keys the generator made distinct under the key type's `Ord`
/// (else entries would silently overwrite one another).
fn distinct_map<K: Ord, V>(entries: Vec<(K, V)>) -> R<BTreeMap<K, V>> {
    let n = entries.len();
    let map: BTreeMap<K, V> = entries.into_iter().collect();
    if map.len() == n {
        Ok(map)
    } else {
        Err("map keys are not distinct under Ord".into())
    }
}

fn duration(v: &Value) -> R<Duration> {
    let (secs, nanos) = pair(v)?;
    Ok(Duration::new(u(secs)?, small(nanos)?))
}

/// `start..=end`, then `next()` called `steps` times: partly iterated, run
/// dry (exhausted) or left alone.
fn inclusive(v: &Value) -> R<RangeInclusive<u8>> {
    match list(v)?.as_slice() {
        [start, end, steps] => {
            let mut r = RangeInclusive::new(small(start)?, small(end)?);
            for _ in 0..u(steps)? {
                r.next();
            }
            Ok(r)
        }
        _ => Err(format!("bad inclusive range {v}")),
    }
}

fn ip(v: &Value) -> R<IpAddr> {
    s(v)?.parse().map_err(|e| format!("bad address {v}: {e}"))
}

/// `[ip, port, flowinfo, scope_id]`, the last two 0 for IPv4.
fn socket(v: &Value) -> R<SocketAddr> {
    match list(v)?.as_slice() {
        [a, port, flow, scope] => Ok(match ip(a)? {
            IpAddr::V4(a) => SocketAddr::V4(SocketAddrV4::new(a, small(port)?)),
            IpAddr::V6(a) => SocketAddr::V6(SocketAddrV6::new(
                a,
                small(port)?,
                small(flow)?,
                small(scope)?,
            )),
        }),
        _ => Err(format!("bad socket {v}")),
    }
}

fn ordering(v: &Value) -> R<Ordering> {
    match i(v)? {
        -1 => Ok(Ordering::Less),
        0 => Ok(Ordering::Equal),
        1 => Ok(Ordering::Greater),
        _ => Err(format!("bad ordering {v}")),
    }
}

fn policies(v: &Value) -> R<Policies> {
    let f = |k: &str| v.get(k).ok_or_else(|| format!("policies: missing {k}"));
    let (floats, set) = pair(f("nested")?)?;
    Ok(Policies {
        bits: f32b(f("bits")?)?,
        canon: f64b(f("canon")?)?,
        plain: f32b(f("plain")?)?,
        nested: (
            each(floats, f64b)?,
            each(set, |x| f32b(x).map(Total))?.into_iter().collect(),
        ),
        canon_set: each(f("canon_set")?, |x| f64b(x).map(Total))?
            .into_iter()
            .collect(),
    })
}

fn disc(v: &Value) -> R<Disc> {
    let items = list(v)?;
    let name = items.first().and_then(Value::as_str).unwrap_or_default();
    Ok(match (name, items.as_slice()) {
        ("A", [_]) => Disc::A,
        ("B", [_, b]) => Disc::B(f32b(b)?),
        ("C", [_, x, y]) => Disc::C {
            x: small(x)?,
            y: if y.is_null() {
                None
            } else {
                Some(Total(f64b(y)?))
            },
        },
        ("D", [_]) => Disc::D,
        _ => return Err(format!("bad variant {v}")),
    })
}

fn level(v: &Value) -> R<Level> {
    match v.as_str() {
        Some("High") => Ok(Level::High),
        Some("Low") => Ok(Level::Low),
        Some("Mid") => Ok(Level::Mid),
        _ => Err(format!("bad level {v}")),
    }
}

pub fn record(p: &Value) -> R<Record> {
    let f = |k: &str| p.get(k).ok_or_else(|| format!("missing part {k:?}"));
    Ok(Record {
        set_total_f64: each(f("set_total_f64")?, |x| f64b(x).map(Total))?
            .into_iter()
            .collect(),
        bitwise_set_total_f32: Bitwise(
            each(f("bitwise_set_total_f32")?, |x| f32b(x).map(Total))?
                .into_iter()
                .collect(),
        ),
        set_rev_i32: each(f("set_rev_i32")?, |x| small(x).map(Rev))?
            .into_iter()
            .collect(),
        map_total_f32_string: distinct_map(each(f("map_total_f32_string")?, |e| {
            let (k, v) = pair(e)?;
            Ok((Total(f32b(k)?), s(v)?))
        })?)?,
        map_rev_u8_total_f64: distinct_map(each(f("map_rev_u8_total_f64")?, |e| {
            let (k, v) = pair(e)?;
            Ok((Rev(small(k)?), Total(f64b(v)?)))
        })?)?,
        map_set_vec: distinct_map(each(f("map_set_vec")?, |e| {
            let (k, v) = pair(e)?;
            let key: BTreeSet<Total<f64>> = each(k, |x| f64b(x).map(Total))?.into_iter().collect();
            Ok((key, each(v, f32b)?))
        })?)?,
        set_box_string: each(f("set_box_string")?, |x| s(x).map(Box::new))?
            .into_iter()
            .collect(),
        set_rc_str: each(f("set_rc_str")?, |x| s(x).map(Rc::from))?
            .into_iter()
            .collect(),
        set_tagged: each(f("set_tagged")?, |x| match list(x)?.as_slice() {
            [v, w, n] => Ok(Tagged {
                value: small(v)?,
                weight: Total(f64b(w)?),
                note: small(n)?,
            }),
            _ => Err(format!("bad tagged {x}")),
        })?
        .into_iter()
        .collect(),
        discs: each(f("discs")?, disc)?,
        levels: each(f("levels")?, level)?.into_iter().collect(),
        unit: Unit,
        one: One(f64b(f("one")?)?),
        named_one: NamedOne {
            v: each(f("named_one")?, f32b)?,
        },
        policies: policies(f("policies")?)?,
        bitwise_policies: Bitwise(policies(f("bitwise_policies")?)?),
        vec_box_f32: each(f("vec_box_f32")?, |x| f32b(x).map(Box::new))?,
        vec_key_bitwise_f32: each(f("vec_key_bitwise_f32")?, |x| {
            f32b(x).map(|x| Key::new(Bitwise(x)))
        })?,
        bitwise_vec_key_f64: Bitwise(each(f("bitwise_vec_key_f64")?, |x| f64b(x).map(Key::new))?),
        tensor_bitwise_box_f64: Array1::from(each(f("tensor_bitwise_box_f64")?, |x| {
            f64b(x).map(|x| Bitwise(Box::new(x)))
        })?),
        bitwise_pointers: {
            let v = f("bitwise_pointers")?;
            match list(v)?.as_slice() {
                [a, b, c] => Bitwise((
                    Box::new(f32b(a)?),
                    Rc::new(f64b(b)?),
                    Arc::new(Key::new(f32b(c)?)),
                )),
                _ => return Err(format!("bad pointers {v}")),
            }
        },
        durations: each(f("durations")?, duration)?,
        set_reverse_nonzero_i16: each(f("set_reverse_nonzero_i16")?, |x| {
            NonZeroI16::new(small(x)?)
                .map(Reverse)
                .ok_or_else(|| "zero".to_string())
        })?
        .into_iter()
        .collect(),
        vec_wrapping_nonzero_u64: each(f("vec_wrapping_nonzero_u64")?, |x| {
            NonZeroU64::new(u(x)?)
                .map(Wrapping)
                .ok_or_else(|| "zero".to_string())
        })?,
        tensor_reverse_f32: Array1::from(each(f("tensor_reverse_f32")?, |x| f32b(x).map(Reverse))?),
        ranges_f64: each(f("ranges_f64")?, |e| {
            let (a, b) = pair(e)?;
            Ok(f64b(a)?..f64b(b)?)
        })?,
        bitwise_range_f32: {
            let (a, b) = pair(f("bitwise_range_f32")?)?;
            Bitwise(f32b(a)?..f32b(b)?)
        },
        ranges_inclusive_u8: each(f("ranges_inclusive_u8")?, inclusive)?,
        map_ordering_duration: distinct_map(each(f("map_ordering_duration")?, |e| {
            let (k, v) = pair(e)?;
            Ok((ordering(k)?, duration(v)?))
        })?)?,
        phantom: PhantomData,
        sockets: each(f("sockets")?, socket)?,
        set_ipaddr: each(f("set_ipaddr")?, ip)?.into_iter().collect(),
    })
}

/// Each part's digest, the record's, and the record's under `Bitwise`.
pub fn digests(r: &Record) -> Vec<(&'static str, String)> {
    macro_rules! parts {
        ($($field:ident),*) => {
            vec![$((stringify!($field), r.$field.digest().to_hex())),*]
        };
    }
    let mut out = parts!(
        set_total_f64,
        bitwise_set_total_f32,
        set_rev_i32,
        map_total_f32_string,
        map_rev_u8_total_f64,
        map_set_vec,
        set_box_string,
        set_rc_str,
        set_tagged,
        discs,
        levels,
        unit,
        one,
        named_one,
        policies,
        bitwise_policies,
        vec_box_f32,
        vec_key_bitwise_f32,
        bitwise_vec_key_f64,
        tensor_bitwise_box_f64,
        bitwise_pointers,
        durations,
        set_reverse_nonzero_i16,
        vec_wrapping_nonzero_u64,
        tensor_reverse_f32,
        ranges_f64,
        bitwise_range_f32,
        ranges_inclusive_u8,
        map_ordering_duration,
        phantom,
        sockets,
        set_ipaddr
    );
    out.push(("record", r.digest().to_hex()));
    out.push(("bitwise_record", Bitwise(r).digest().to_hex()));
    out
}

/// Half-precision parts (feature `half`): wrapped `bf16` and `f16` elements.
#[cfg(feature = "half")]
pub fn half_digests(p: &Value) -> R<Vec<(&'static str, String)>> {
    use half::{bf16, f16};
    let bits = |k: &str| -> R<Vec<u16>> {
        each(
            p.get(k).ok_or_else(|| format!("missing part {k:?}"))?,
            small,
        )
    };
    let boxes: Vec<Box<bf16>> = bits("vec_box_bf16")?
        .into_iter()
        .map(|b| Box::new(bf16::from_bits(b)))
        .collect();
    let keys: Array1<Key<f16>> = bits("tensor_key_f16")?
        .into_iter()
        .map(|b| Key::new(f16::from_bits(b)))
        .collect();
    let bitwise: Vec<Bitwise<Key<f16>>> = bits("vec_bitwise_key_f16")?
        .into_iter()
        .map(|b| Bitwise(Key::new(f16::from_bits(b))))
        .collect();
    Ok(vec![
        ("vec_box_bf16", boxes.digest().to_hex()),
        ("tensor_key_f16", keys.digest().to_hex()),
        ("vec_bitwise_key_f16", bitwise.digest().to_hex()),
    ])
}
