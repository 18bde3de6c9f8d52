//! Standard-library value types as keys (SPEC.md 4.13): exact bytes, the laws
//! as properties, wrapped scalars as packed elements, `RangeInclusive`'s
//! exhaustion, and `Key<Duration>` / `Key<Range<u32>>` in a `HashMap`.

mod common;

use common::hashes;
use ndarray::{Array1, array};
use proptest::prelude::*;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::num::{
    NonZeroI8, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI128, NonZeroIsize, NonZeroU8,
    NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU128, NonZeroUsize, Saturating, Wrapping,
};
use std::ops::{Range, RangeInclusive};
use std::time::Duration;
use tensor_key::{Bitwise, FrozenKey, Key, KeySink};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The pieces the encoder hands its sink (SPEC.md section 10).
fn pieces<T: FrozenKey + ?Sized>(v: &T) -> Vec<Vec<u8>> {
    struct Pieces(Vec<Vec<u8>>);
    impl KeySink for Pieces {
        fn write(&mut self, bytes: &[u8]) {
            self.0.push(bytes.to_vec());
        }
    }
    let mut p = Pieces(Vec::new());
    v.encode_into(&mut p);
    p.0
}

/// `a` and `b` are the same key in every respect: encoding, digest, hashes
/// under a split-sensitive hasher, pieces.
fn same<A: FrozenKey + ?Sized, B: FrozenKey + ?Sized>(a: &A, b: &B) {
    assert_eq!(a.encoding(), b.encoding());
    assert_eq!(a.digest(), b.digest());
    assert_eq!(hashes(a), hashes(b));
    assert_eq!(pieces(a), pieces(b));
}

/// `same`, under both float policies.
fn same_bits<A: FrozenKey + ?Sized, B: FrozenKey + ?Sized>(a: &A, b: &B) {
    same(a, b);
    same(&Bitwise(a), &Bitwise(b));
}

fn nz32(x: u32) -> NonZeroU32 {
    NonZeroU32::new(x).expect("not zero")
}

fn nz64(x: u64) -> NonZeroU64 {
    NonZeroU64::new(x).expect("not zero")
}

#[test]
fn nonzero_integers_encode_like_their_integer() {
    same(&NonZeroU8::new(0xAB).unwrap(), &0xABu8);
    same(&NonZeroU16::new(0xABCD).unwrap(), &0xABCDu16);
    same(&NonZeroU32::new(7).unwrap(), &7u32);
    same(&NonZeroU64::new(u64::MAX).unwrap(), &u64::MAX);
    same(&NonZeroU128::new(1 << 100).unwrap(), &(1u128 << 100));
    same(&NonZeroUsize::new(5).unwrap(), &5u64);
    same(&NonZeroI8::new(-1).unwrap(), &-1i8);
    same(&NonZeroI16::new(i16::MIN).unwrap(), &i16::MIN);
    same(&NonZeroI32::new(-2).unwrap(), &-2i32);
    same(&NonZeroI64::new(3).unwrap(), &3i64);
    same(&NonZeroI128::new(-(1 << 100)).unwrap(), &-(1i128 << 100));
    same(&NonZeroIsize::new(-5).unwrap(), &-5i64);
    assert_eq!(NonZeroU32::new(7).unwrap().encoding(), hex("04 07000000"));
    assert_eq!(NonZeroI16::new(-2).unwrap().encoding(), hex("08 feff"));
    // `Option<NonZero>` is an option, not the integer with 0 for `None`.
    assert_eq!(None::<NonZeroU32>.encoding(), hex("30"));
    assert_eq!(NonZeroU32::new(7).encoding(), hex("31 04 07000000"));
}

#[test]
fn transparent_wrappers_encode_like_their_value() {
    same(&Wrapping(250u8), &250u8);
    same(&Saturating(-3i32), &-3i32);
    same(&Reverse("ab"), &"ab");
    same_bits(&Wrapping(f32::NAN), &f32::NAN);
    same_bits(&Saturating(-0.0f64), &-0.0f64);
    same(&Reverse(-0.0f64), &0.0f64);
    same(&Reverse(Wrapping(NonZeroU16::new(9).unwrap())), &9u16);
    // They keep the float policy in force.
    assert_eq!(Bitwise(Wrapping(-0.0f32)).encoding(), hex("1a 00000080"));
    assert_eq!(Bitwise(Reverse(-0.0f32)).encoding(), hex("1a 00000080"));
    assert_eq!(Reverse(vec![1u8]).encoding(), vec![1u8].encoding());
}

#[test]
fn wrapped_scalars_are_packed_elements() {
    let v: Vec<u32> = (1..=3000).collect();
    let nzs: Vec<NonZeroU32> = v.iter().map(|&x| nz32(x)).collect();
    same(&nzs, &v); // 12000 bytes: a large block, cut after its tag
    assert_eq!(pieces(&nzs).len(), 4);
    let w: Array1<Wrapping<u8>> = array![Wrapping(1u8), Wrapping(2), Wrapping(255)];
    same_bits(&w, &array![1u8, 2, 255]);
    let wf: Array1<Wrapping<f32>> = array![Wrapping(-0.0), Wrapping(f32::from_bits(0xFFC0_0001))];
    same_bits(&wf, &array![-0.0f32, f32::from_bits(0xFFC0_0001)]);
    assert_eq!(
        vec![Wrapping(1u8), Wrapping(2)].encoding(),
        hex("41 0200000000000000 02 01 02")
    );
    let r: Vec<Reverse<f32>> = vec![Reverse(-0.0), Reverse(f32::NAN)];
    same(&r, &vec![0.0f32, f32::NAN]);
    assert_eq!(
        Bitwise(&r).encoding(),
        hex("41 0200000000000000 1a 00000080 0000c07f")
    );
    let s: Vec<Saturating<i64>> = vec![Saturating(-1)];
    same(&s, &vec![-1i64]);
    // Strided and reversed views of wrapped elements.
    let big: Array1<NonZeroU64> = (1..=1200u64).map(nz64).collect();
    let plain: Array1<u64> = (1..=1200u64).collect();
    same(
        &big.slice(ndarray::s![..;-3]),
        &plain.slice(ndarray::s![..;-3]),
    );
}

#[test]
fn sets_of_reverse_are_sets_of_the_value() {
    // `Reverse` orders the `BTreeSet` backwards; the encoding orders it by bytes.
    let rev: BTreeSet<Reverse<i32>> = [-1, 1, 256].into_iter().map(Reverse).collect();
    let fwd: BTreeSet<i32> = [-1, 1, 256].into_iter().collect();
    same(&rev, &fwd);
    assert_eq!(
        rev.encoding(),
        hex("43 0300000000000000 09 00010000 09 01000000 09 ffffffff")
    );
}

#[test]
fn duration_is_a_struct_of_secs_and_nanos() {
    let d = Duration::new(90, 500_000_000);
    assert_eq!(
        d.encoding(),
        hex("60 0200000000000000 05 5a00000000000000 04 0065cd1d")
    );
    assert_eq!(
        Duration::ZERO.encoding(),
        hex("60 0200000000000000 05 0000000000000000 04 00000000")
    );
    assert_eq!(
        Duration::MAX.encoding(),
        hex("60 0200000000000000 05 ffffffffffffffff 04 ff c9 9a 3b")
    );
    // Normalized by construction: 1.5 s however it was built.
    same(&Duration::from_millis(1500), &Duration::new(1, 500_000_000));
    same(
        &Duration::new(0, 1_500_000_000),
        &Duration::from_nanos(1_500_000_000),
    );
    assert!(!Duration::from_secs(1).key_eq(&Duration::from_nanos(999_999_999)));
}

#[test]
fn ranges_are_structs_of_their_bounds() {
    assert_eq!(
        (3u32..5).encoding(),
        hex("60 0200000000000000 04 03000000 04 05000000")
    );
    assert_eq!(
        (3u32..=5).encoding(),
        hex("60 0300000000000000 04 03000000 04 05000000 01 00")
    );
    // Floats inside follow the policy in force.
    same(&(-0.0f64..f64::NAN), &(0.0f64..-f64::NAN));
    assert_eq!(
        Bitwise(-0.0f32..1.0).encoding(),
        hex("60 0200000000000000 1a 00000080 1a 0000803f")
    );
    // Bounds as given: empty ranges are not normalized (as in Rust's `==`).
    #[allow(clippy::reversed_empty_ranges)]
    let (a, b) = (5u8..3, 4u8..4);
    assert!(!a.key_eq(&b));
    // `1..3` and `1..=3` are different keys of different types, and their
    // encodings differ too (2 fields against 3).
    assert_ne!((1u8..3).digest(), (1u8..=3).digest());
    assert_ne!((1u8..3).digest(), (1u8..=2).digest());
}

#[test]
fn an_exhausted_range_inclusive_is_not_the_fresh_one() {
    let fresh = 3u8..=3;
    let mut spent = 3u8..=3;
    assert_eq!(spent.next(), Some(3));
    // Rust's own `==` tells them apart: one holds 3, the other nothing.
    assert_ne!(fresh, spent);
    assert!(!fresh.key_eq(&spent));
    assert_eq!(
        spent.encoding(),
        hex("60 0300000000000000 02 03 02 03 01 01")
    );
    // Every way of running a range dry gives the same key: start == end, exhausted.
    let mut by_loop = 1u8..=3;
    by_loop.by_ref().for_each(drop);
    let mut by_nth = 0u8..=3;
    assert_eq!(by_nth.nth(7), None);
    let mut by_back = 3u8..=5;
    assert_eq!(by_back.nth_back(2), Some(3));
    let spent_at = |x: u8| {
        let mut r = x..=x;
        r.next();
        r
    };
    assert!(by_loop.key_eq(&spent_at(3)));
    assert!(by_nth.key_eq(&spent_at(3)));
    assert!(by_back.key_eq(&spent_at(3)));
    // A range that was empty from the start is never marked: iterating it
    // changes nothing, and it stays the key of its bounds.
    let mut empty = RangeInclusive::new(5u8, 3);
    assert_eq!(empty.next(), None);
    assert!(empty.key_eq(&RangeInclusive::new(5, 3)));
    assert_eq!(
        empty.encoding(),
        hex("60 0300000000000000 02 05 02 03 01 00")
    );
    // Partly iterated: the key is the remaining range.
    let mut part = 1u32..=4;
    part.next();
    assert!(part.key_eq(&(2..=4)));
    // Equal keys exactly when Rust's `==` holds, on these integer ranges.
    let all = [
        fresh.clone(),
        spent.clone(),
        spent_at(4),
        3..=4,
        empty.clone(),
        RangeInclusive::new(5, 3),
    ];
    for x in &all {
        for y in &all {
            assert_eq!(x.key_eq(y), x == y, "{x:?} vs {y:?}");
            assert_eq!(x.key_eq(y), x.digest() == y.digest());
        }
    }
}

#[test]
fn ordering_is_a_fieldless_enum() {
    assert_eq!(
        Ordering::Less.encoding(),
        hex("61 00000000 0000000000000000")
    );
    assert_eq!(
        Ordering::Equal.encoding(),
        hex("61 01000000 0000000000000000")
    );
    assert_eq!(
        Ordering::Greater.encoding(),
        hex("61 02000000 0000000000000000")
    );
    // A set of orderings: composite elements, in bytewise order Less < Equal < Greater.
    let set = BTreeSet::from([Ordering::Greater, Ordering::Less]);
    assert_eq!(
        set.encoding(),
        hex("43 0200000000000000 61 00000000 0000000000000000 61 02000000 0000000000000000")
    );
    assert_eq!(
        vec![Ordering::Equal].encoding(),
        hex("41 0100000000000000 ff 61 01000000 0000000000000000")
    );
}

#[test]
fn phantom_data_is_the_unit() {
    same(&PhantomData::<f32>, &());
    same(&PhantomData::<str>, &PhantomData::<Vec<u8>>);
    assert_eq!(PhantomData::<u8>.encoding(), hex("00"));
    assert_eq!(
        vec![PhantomData::<u8>, PhantomData].encoding(),
        hex("41 0200000000000000 ff 00 00")
    );
}

#[test]
fn ip_addresses_are_their_octets() {
    let v4 = Ipv4Addr::new(192, 168, 0, 1);
    same(&v4, &[192u8, 168, 0, 1]);
    assert_eq!(v4.encoding(), hex("41 0400000000000000 02 c0a80001"));
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    same(&v6, &v6.octets());
    assert_eq!(
        IpAddr::V4(v4).encoding(),
        hex("61 00000000 0100000000000000 41 0400000000000000 02 c0a80001")
    );
    assert_eq!(
        IpAddr::V6(v6).encoding()[..13],
        hex("61 01000000 0100000000000000")
    );
    // An IPv4-mapped IPv6 address is not the IPv4 address, as in Rust's `==`.
    let mapped = IpAddr::V6(v4.to_ipv6_mapped());
    assert_ne!(mapped, IpAddr::V4(v4));
    assert!(!mapped.key_eq(&IpAddr::V4(v4)));
    let s4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 8080);
    assert_eq!(
        s4.encoding(),
        hex("60 0200000000000000 41 0400000000000000 02 0a000001 03 901f")
    );
    assert_eq!(
        SocketAddr::V4(s4).encoding(),
        [hex("61 00000000 0100000000000000"), s4.encoding()].concat()
    );
    // Every part Rust's `==` compares is in the key, flowinfo and scope id too.
    let s6 = SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 7, 2);
    assert_eq!(
        s6.encoding(),
        [
            hex("60 0400000000000000"),
            Ipv6Addr::LOCALHOST.encoding(),
            hex("03 bb01 04 07000000 04 02000000"),
        ]
        .concat()
    );
    assert!(!s6.key_eq(&SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 7, 0)));
    assert!(!s6.key_eq(&SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 0, 2)));
    let mut hosts: HashMap<Key<SocketAddr>, u8> = HashMap::new();
    hosts.insert(Key::new(SocketAddr::V4(s4)), 4);
    hosts.insert(Key::new(SocketAddr::V6(s6)), 6);
    assert_eq!(hosts[&Key::new("10.0.0.1:8080".parse().unwrap())], 4);
    assert_eq!(hosts.get(&Key::new("10.0.0.1:8081".parse().unwrap())), None);
}

#[test]
fn keys_in_hash_maps() {
    let mut timeouts: HashMap<Key<Duration>, &str> = HashMap::new();
    timeouts.insert(Key::new(Duration::from_millis(1500)), "slow");
    timeouts.insert(Key::new(Duration::from_secs(1)), "ok");
    assert_eq!(timeouts[&Key::new(Duration::new(1, 500_000_000))], "slow");
    assert_eq!(
        timeouts[&Key::new(Duration::from_nanos(1_000_000_000))],
        "ok"
    );
    assert!(!timeouts.contains_key(&Key::new(Duration::from_nanos(1))));

    let mut spans: HashMap<Key<Range<u32>>, usize> = HashMap::new();
    *spans.entry(Key::new(0..10)).or_default() += 1;
    *spans.entry(Key::new(0..10)).or_default() += 1;
    *spans.entry(Key::new(0..11)).or_default() += 1;
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[&Key::new(0..10)], 2);

    // A derived key holding them, and a map of float ranges under canonical equality.
    let mut windows: HashMap<Key<(Range<f64>, Duration)>, u8> = HashMap::new();
    windows.insert(Key::new((-0.0..1.0, Duration::from_secs(2))), 1);
    assert_eq!(
        windows.get(&Key::new((0.0..1.0, Duration::from_secs(2)))),
        Some(&1)
    );
}

/// Every law, for one pair of values of one type, under both float policies.
fn laws<T: FrozenKey + Debug + ?Sized>(a: &T, b: &T) -> Result<(), TestCaseError> {
    policy_laws(a, b)?;
    policy_laws(&Bitwise(a), &Bitwise(b))
}

fn policy_laws<T: FrozenKey + Debug + ?Sized>(a: &T, b: &T) -> Result<(), TestCaseError> {
    let (ea, eb) = (a.encoding(), b.encoding());
    prop_assert_eq!(a.key_eq(b), ea == eb, "{:?} vs {:?}", a, b);
    prop_assert_eq!(a.key_eq(b), b.key_eq(a));
    prop_assert!(a.key_eq(a));
    if ea == eb {
        prop_assert_eq!(hashes(a), hashes(b));
        prop_assert_eq!(a.digest(), b.digest());
    } else {
        prop_assert!(
            !ea.starts_with(&eb) && !eb.starts_with(&ea),
            "prefix: {:?} vs {:?}",
            a,
            b
        );
        prop_assert_ne!(a.digest(), b.digest());
    }
    Ok(())
}

fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => (-2i8..2).prop_map(f32::from),
        1 => Just(-0.0f32),
        1 => any::<u32>().prop_map(|p| f32::from_bits(0x7F80_0001 | p)),
    ]
}

/// Few distinct durations, so that equal pairs are common; extremes included.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..3, prop::sample::select(vec![0u32, 1, 999_999_999]))
            .prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::MAX),
        any::<(u64, u32)>().prop_map(|(s, n)| Duration::new(s, n % 1_000_000_000)),
    ]
}

/// Small inclusive ranges, fresh, partly iterated or run dry.
fn range_inclusive() -> impl Strategy<Value = RangeInclusive<i8>> {
    (-2i8..3, -2i8..3, 0usize..6).prop_map(|(a, b, steps)| {
        let mut r = a..=b;
        for _ in 0..steps {
            r.next();
        }
        r
    })
}

/// Few distinct addresses, so that equal pairs are common.
fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..2, 0u8..2).prop_map(|(a, b)| IpAddr::V4(Ipv4Addr::new(10, 0, a, b))),
        (0u16..2, 0u16..2)
            .prop_map(|(a, b)| IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, a, b))),
        Just(IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped())),
    ]
}

fn socket() -> impl Strategy<Value = SocketAddr> {
    (ip(), 0u16..2, 0u32..2, 0u32..2).prop_map(|(ip, port, flow, scope)| match ip {
        IpAddr::V4(ip) => SocketAddr::V4(SocketAddrV4::new(ip, port)),
        IpAddr::V6(ip) => SocketAddr::V6(SocketAddrV6::new(ip, port, flow, scope)),
    })
}

fn ordering() -> impl Strategy<Value = Ordering> {
    prop::sample::select(vec![Ordering::Less, Ordering::Equal, Ordering::Greater])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nonzero_laws(a in 1u8..4, b in 1u8..4, c in any::<i128>(), d in any::<i128>()) {
        let (x, y) = (NonZeroU8::new(a).unwrap(), NonZeroU8::new(b).unwrap());
        laws(&x, &y)?;
        prop_assert_eq!(x.encoding(), a.encoding());
        let (p, q) = (NonZeroI128::new(c | 1).unwrap(), NonZeroI128::new(d | 1).unwrap());
        laws(&p, &q)?;
        laws(&vec![x, y], &vec![y, x])?;
        laws(&Some(x), &NonZeroU8::new(b))?;
        prop_assert_eq!(vec![p, q].encoding(), vec![c | 1, d | 1].encoding());
    }

    #[test]
    fn wrapper_laws(a in float(), b in float(), i in 0u8..3, j in 0u8..3) {
        laws(&Wrapping(a), &Wrapping(b))?;
        laws(&Saturating(i), &Saturating(j))?;
        laws(&Reverse(a), &Reverse(b))?;
        laws(&vec![Reverse(a), Reverse(b)], &vec![Reverse(b), Reverse(a)])?;
        laws(&array![Wrapping(a), Wrapping(b)], &array![Wrapping(b), Wrapping(a)])?;
        laws(&BTreeSet::from([Reverse(i), Reverse(j)]), &BTreeSet::from([Reverse(j), Reverse(2)]))?;
        prop_assert_eq!(Wrapping(a).encoding(), a.encoding());
        prop_assert_eq!(Bitwise(Reverse(a)).encoding(), Bitwise(a).encoding());
    }

    #[test]
    fn duration_laws(a in duration(), b in duration()) {
        laws(&a, &b)?;
        prop_assert_eq!(a.key_eq(&b), a == b);
        laws(&(a, 1u8), &(b, 1u8))?;
        laws(&vec![a, b], &vec![b, a])?;
        laws(&BTreeMap::from([(a, 0u8)]), &BTreeMap::from([(b, 0u8)]))?;
    }

    #[test]
    fn range_laws(a in float(), b in float(), c in float(), d in float(), i in 0u8..3, j in 0u8..3) {
        laws(&(a..b), &(c..d))?;
        laws(&(i..j), &(j..i))?;
        laws(&(a..=b), &(c..=d))?;
        laws(&vec![a..b], &vec![c..d, a..b])?;
    }

    #[test]
    fn range_inclusive_laws(a in range_inclusive(), b in range_inclusive()) {
        laws(&a, &b)?;
        // Integer ranges: equal keys exactly when Rust's `==` holds.
        prop_assert_eq!(a.key_eq(&b), a == b);
        laws(&Some(a.clone()), &Some(b.clone()))?;
    }

    #[test]
    fn address_laws(a in ip(), b in ip(), s in socket(), t in socket()) {
        laws(&a, &b)?;
        prop_assert_eq!(a.key_eq(&b), a == b);
        laws(&s, &t)?;
        prop_assert_eq!(s.key_eq(&t), s == t);
        laws(&BTreeSet::from([a, b]), &BTreeSet::from([b]))?;
        laws(&(s, a), &(t, b))?;
    }

    #[test]
    fn ordering_and_phantom_laws(a in ordering(), b in ordering()) {
        laws(&a, &b)?;
        prop_assert_eq!(a.key_eq(&b), a == b);
        laws(&BTreeSet::from([a]), &BTreeSet::from([a, b]))?;
        laws(&(a, PhantomData::<f32>), &(b, PhantomData::<f32>))?;
    }
}
