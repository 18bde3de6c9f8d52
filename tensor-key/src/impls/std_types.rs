//! Standard-library value types (SPEC.md 4.13): `NonZero` integers, `Wrapping`,
//! `Saturating` and `Reverse` (transparent: each encodes like the value it
//! holds, also as an element), `Duration` and the ranges (structs of their
//! fields), `Ordering` (a fieldless enum), `PhantomData` (the unit), and IP
//! addresses (their octets) and socket addresses (structs and enums of them).
//!
//! None of them needs a tag of its own: each is written with constructs the
//! format already has, so the grammar of SPEC.md section 9 is unchanged.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::format::tag;
use crate::frozen_key::sealed::Internal;
use crate::policy::FloatPolicy;
use std::cmp::{Ordering, Reverse};
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::num::{NonZero, Saturating, Wrapping};
use std::ops::{Range, RangeInclusive};
use std::time::Duration;

/// Implements `FrozenKey` for a wrapper by delegating everything, element
/// hooks included, to the value `$get` returns, so that a sequence or tensor
/// of wrapped scalars is a packed block of the scalar (SPEC.md 4.6). The bulk
/// paths of scalars are not taken: elements are written one by one, with the
/// same bytes and the same piece boundaries.
macro_rules! transparent {
    ($([$($gen:tt)*] $ty:ty => $target:ty, |$s:ident| $get:expr;)*) => {$(
        impl<$($gen)*> FrozenKey for $ty {
            #[inline]
            fn encode(&self, enc: &mut Encoder<'_>) {
                let $s = self;
                <$target as FrozenKey>::encode($get, enc)
            }
            #[inline]
            fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
                let $s = self;
                let a = $get;
                let $s = other;
                <$target as FrozenKey>::key_eq_with(a, $get, floats)
            }
            #[inline]
            fn __element_block(count: usize, enc: &mut Encoder<'_>, i: Internal) {
                <$target as FrozenKey>::__element_block(count, enc, i)
            }
            #[inline]
            fn __encode_element(&self, enc: &mut Encoder<'_>, i: Internal) {
                let $s = self;
                <$target as FrozenKey>::__encode_element($get, enc, i)
            }
        }
    )*};
}

macro_rules! nonzero {
    ($($t:ty),*) => {
        transparent! {$(
            [] NonZero<$t> => $t, |s| &s.get();
        )*}
    };
}

nonzero!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

transparent! {
    [T: FrozenKey] Wrapping<T> => T, |s| &s.0;
    [T: FrozenKey] Saturating<T> => T, |s| &s.0;
    [T: FrozenKey] Reverse<T> => T, |s| &s.0;
}

/// `struct Duration { secs: u64, nanos: u32 }`, `nanos < 1_000_000_000`.
impl FrozenKey for Duration {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.begin_struct(2);
        self.as_secs().encode(enc);
        self.subsec_nanos().encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// `struct Range<T> { start: T, end: T }`, bounds as given (an empty range is
/// not normalized, as in Rust's `==`).
impl<T: FrozenKey> FrozenKey for Range<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.begin_struct(2);
        self.start.encode(enc);
        self.end.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.start.key_eq_with(&other.start, floats) && self.end.key_eq_with(&other.end, floats)
    }
}

/// Whether an iterator ran the range dry. Iteration sets the hidden flag only
/// when `start == end` (it needs `T: Step`, a total order), so there
/// `is_empty()` reports exactly the flag; where `start <= end` fails the flag
/// was never set.
fn exhausted<T: PartialOrd>(r: &RangeInclusive<T>) -> bool {
    r.is_empty() && r.start() <= r.end()
}

/// `struct RangeInclusive<T> { start: T, end: T, exhausted: bool }`: the
/// bounds as given and whether the range was iterated to its end (then it
/// holds nothing, unlike the fresh `x..=x`; Rust's `==` tells them apart too).
impl<T: FrozenKey + PartialOrd> FrozenKey for RangeInclusive<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.begin_struct(3);
        self.start().encode(enc);
        self.end().encode(enc);
        exhausted(self).encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.start().key_eq_with(other.start(), floats)
            && self.end().key_eq_with(other.end(), floats)
            && exhausted(self) == exhausted(other)
    }
}

/// `enum Ordering { Less, Equal, Greater }`: variants 0, 1 and 2, no fields.
impl FrozenKey for Ordering {
    fn encode(&self, enc: &mut Encoder<'_>) {
        let index = match self {
            Ordering::Less => 0,
            Ordering::Equal => 1,
            Ordering::Greater => 2,
        };
        enc.begin_variant(index, 0);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// The unit `()`, whatever `T`: one value, no fields.
impl<T: ?Sized> FrozenKey for PhantomData<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.put_tag(tag::UNIT);
    }
    fn key_eq_with(&self, _: &Self, _: FloatPolicy) -> bool {
        true
    }
}

/// The array of its octets in network order, `[u8; 4]`: a sequence of four `u8`.
impl FrozenKey for Ipv4Addr {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.octets().encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// The array of its octets in network order, `[u8; 16]`.
impl FrozenKey for Ipv6Addr {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.octets().encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// `enum IpAddr { V4(Ipv4Addr), V6(Ipv6Addr) }`.
impl FrozenKey for IpAddr {
    fn encode(&self, enc: &mut Encoder<'_>) {
        match self {
            IpAddr::V4(ip) => {
                enc.begin_variant(0, 1);
                ip.encode(enc);
            }
            IpAddr::V6(ip) => {
                enc.begin_variant(1, 1);
                ip.encode(enc);
            }
        }
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// `struct SocketAddrV4 { ip: Ipv4Addr, port: u16 }`.
impl FrozenKey for SocketAddrV4 {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.begin_struct(2);
        self.ip().encode(enc);
        self.port().encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// `struct SocketAddrV6 { ip: Ipv6Addr, port: u16, flowinfo: u32, scope_id: u32 }`:
/// every part Rust's `==` compares.
impl FrozenKey for SocketAddrV6 {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.begin_struct(4);
        self.ip().encode(enc);
        self.port().encode(enc);
        self.flowinfo().encode(enc);
        self.scope_id().encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

/// `enum SocketAddr { V4(SocketAddrV4), V6(SocketAddrV6) }`.
impl FrozenKey for SocketAddr {
    fn encode(&self, enc: &mut Encoder<'_>) {
        match self {
            SocketAddr::V4(a) => {
                enc.begin_variant(0, 1);
                a.encode(enc);
            }
            SocketAddr::V6(a) => {
                enc.begin_variant(1, 1);
                a.encode(enc);
            }
        }
    }
    fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool {
        self == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhaustion_is_read_from_the_range() {
        let mut r = 3u8..=3;
        assert!(!exhausted(&r));
        assert_eq!(r.next(), Some(3));
        assert!(exhausted(&r));
        let mut empty = RangeInclusive::new(5u8, 3);
        assert_eq!(empty.next(), None);
        assert!(!exhausted(&empty));
        let mut back = 1i32..=4;
        assert_eq!(back.nth_back(3), Some(1));
        assert!(exhausted(&back));
        let mut past = 1u16..=4;
        assert_eq!(past.nth(9), None);
        assert!(exhausted(&past));
        assert!(!exhausted(&(f64::NAN..=1.0)));
    }
}
