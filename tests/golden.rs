//! Golden digest vectors: the encoding and digest of one value of every key type,
//! committed in `tests/vectors/digests.json`. A failure here means the format
//! changed: that is a breaking change that must bump `FORMAT_VERSION` and update
//! SPEC.md. Regenerate with `UPDATE_GOLDEN=1 cargo test --test golden`.

use ndarray::{
    ArcArray, Array, Array0, Array1, Array2, Array3, ArrayD, CowArray, IxDyn, arr0, array, s,
};
use num_complex::Complex;
use serde_json::{Value, json};
use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::num::{
    NonZeroI8, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI128, NonZeroIsize, NonZeroU8,
    NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU128, NonZeroUsize, Saturating, Wrapping,
};
use std::ops::{Range, RangeInclusive};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tensor_key::{Bitwise, FrozenKey, Key};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/digests.json");

struct Vector {
    name: &'static str,
    rust: &'static str,
    encoding: Vec<u8>,
    digest: String,
}

macro_rules! vectors {
    ($($name:literal => $value:expr;)*) => {
        vec![$({
            let value = $value;
            Vector {
                name: $name,
                rust: stringify!($value),
                encoding: value.encoding(),
                digest: value.digest().to_hex(),
            }
        }),*]
    };
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Derived types: the struct and enum of SPEC.md examples 8.7 and 8.8.
#[derive(FrozenKey)]
struct Point {
    x: f32,
    y: f32,
    label: String,
}

#[derive(FrozenKey)]
enum Shape {
    Empty,
    Circle(f64),
    Rect { w: u32, h: u32 },
}

#[derive(FrozenKey)]
struct Node {
    features: Array2<f32>,
    layer: u8,
    #[frozen_key(skip)]
    _name: &'static str,
    #[frozen_key(float = "bitwise")]
    scale: f32,
}

#[derive(FrozenKey)]
struct Unit;

#[derive(FrozenKey)]
struct Pair(u8, Option<u8>);

/// One-field structs are structs of one field: no transparent encoding.
#[derive(FrozenKey)]
struct Meters(f32);

/// Explicit discriminants: the encoded variant index is still the declaration
/// position (High = 0, Low = 1, Mid = 2), not the discriminant.
#[derive(FrozenKey)]
#[repr(u8)]
enum Level {
    High = 5,
    Low = 1,
    Mid(u8) = 3,
}

/// Per-field float policies: `float = ...` fixes the policy of its field, even
/// inside `Bitwise`; other fields take the policy in force.
#[derive(FrozenKey)]
struct Policies {
    #[frozen_key(float = "bitwise")]
    bits: f32,
    #[frozen_key(float = "canonical")]
    canon: f32,
    plain: f32,
}

/// An `f64` set element ordered by `total_cmp`, so `0.0` and `-0.0` (and NaNs
/// of different bits) are distinct members; the encoding keeps one of each
/// distinct encoding.
#[derive(Clone, Copy)]
struct Total(f64);

impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Total {}
impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Total {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl FrozenKey for Total {
    fn encode(&self, enc: &mut tensor_key::Encoder<'_>) {
        self.0.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, floats: tensor_key::FloatPolicy) -> bool {
        self.0.key_eq_with(&other.0, floats)
    }
}

/// Standard-library value types as derived fields (SPEC.md 4.13): the
/// `PhantomData` field is a field, encoded as the unit.
#[derive(FrozenKey)]
struct Job {
    timeout: Duration,
    span: Range<u64>,
    retries: NonZeroU8,
    _marker: PhantomData<f32>,
}

/// `x..=x` run dry by an iterator: it holds nothing.
fn spent(x: u8) -> RangeInclusive<u8> {
    let mut r = x..=x;
    assert_eq!(r.next(), Some(x));
    r
}

fn zeros_and_nans() -> BTreeSet<Total> {
    BTreeSet::from([
        Total(0.0),
        Total(-0.0),
        Total(f64::NAN),
        Total(-f64::NAN),
        Total(1.0),
    ])
}

fn vectors() -> Vec<Vector> {
    let grid = Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32 - 2.5);
    let big = Array::from_shape_fn((40, 52), |(i, j)| ((i * 52 + j) as f32).sqrt());
    vectors! {
        "unit" => ();
        "bool_true" => true;
        "bool_false" => false;
        "char" => 'é';
        "u8" => 0xABu8;
        "u16" => 0xABCDu16;
        "u32" => 0xDEAD_BEEFu32;
        "u64" => u64::MAX - 1;
        "u128" => u128::MAX / 3;
        "usize" => 12345usize;
        "i8" => -2i8;
        "i16" => i16::MIN;
        "i32" => -123_456i32;
        "i64" => i64::MIN + 1;
        "i128" => -(1i128 << 100);
        "isize" => -12345isize;
        "f32" => 1.5f32;
        "f32_nan" => f32::NAN;
        "f32_nan_payload" => f32::from_bits(0xFFC0_0001);
        "f32_neg_zero" => -0.0f32;
        "f32_inf" => f32::NEG_INFINITY;
        "f64" => std::f64::consts::PI;
        "f64_nan" => -f64::NAN;
        "f64_neg_zero" => -0.0f64;
        "c32" => Complex::new(1.0f32, -2.0);
        "c64_nan" => Complex::new(f64::NAN, -0.0);
        "bitwise_f32_nan_payload" => Bitwise(f32::from_bits(0xFFC0_0001));
        "bitwise_f64_neg_zero" => Bitwise(-0.0f64);
        "bitwise_c32" => Bitwise(Complex::new(-0.0f32, 1.0));
        "str" => "tensor";
        "str_empty" => "";
        "string" => String::from("ключ");
        "none" => None::<u8>;
        "some" => Some(7u32);
        "some_none" => Some(None::<bool>);
        "tuple1" => (1u8,);
        "tuple2" => (1u8, "a");
        "tuple12" => (1u8, 2u16, 3u32, 4u64, 5i8, 6i16, 7i32, 8i64, 9.0f32, 10.0f64, '1', "12");
        "array_u8_3" => [1u8, 2, 3];
        "array_empty" => [0u8; 0];
        "slice_f64" => &[1.0f64, -0.0, f64::NAN][..];
        "vec_f32" => vec![1.0f32, 2.0];
        "vec_empty_f32" => Vec::<f32>::new();
        "vec_empty_i32" => Vec::<i32>::new();
        "vec_bool" => vec![true, false, true];
        "vec_string" => vec!["a".to_string(), "bc".to_string()];
        "vec_vec_u8" => vec![vec![1u8], vec![2, 3]];
        "vec_option_u8" => vec![Some(1u8), None];
        "vecdeque_u16" => VecDeque::from(vec![1u16, 2, 3]);
        "box" => Box::new(5u8);
        "rc" => Rc::new("rc");
        "arc" => Arc::new(-1i64);
        "cow" => Cow::<str>::Borrowed("cow");
        "ref" => &(1u8, 2u8);
        "key" => Key::new(3u8);
        "btreemap" => BTreeMap::from([(2u8, "two"), (1u8, "one")]);
        "btreeset" => BTreeSet::from(['b', 'a']);
        "tensor0_f32" => arr0(2.0f32);
        "tensor1_f32" => array![1.0f32, -0.0, f32::NAN];
        "tensor2_f32" => grid.clone();
        "tensor2_f32_fortran_view" => grid.t().as_standard_layout().t().to_owned();
        "tensor2_f32_reversed_view" => grid.slice(s![..;-1, ..]).to_owned().slice(s![..;-1, ..]).to_owned();
        "tensor3_u8" => Array3::from_shape_fn((2, 3, 2), |(i, j, k)| (i * 6 + j * 2 + k) as u8);
        "tensor4_i16" => Array::from_shape_fn((1, 2, 1, 2), |(_, j, _, l)| (j * 2 + l) as i16 - 1);
        "tensor5_u32" => Array::from_elem((1, 1, 2, 1, 1), 9u32);
        "tensor6_i64" => Array::from_elem((1, 1, 1, 1, 1, 1), -9i64);
        "tensordyn_f64" => ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![0.5f64, 1.0, 1.5, 2.0]).unwrap();
        "tensor2_empty_0x3_f32" => Array2::<f32>::zeros((0, 3));
        "tensor2_empty_3x0_f32" => Array2::<f32>::zeros((3, 0));
        "tensor1_empty_i32" => Array1::<i32>::zeros(0);
        "tensor0_u8" => Array0::from_elem((), 1u8);
        "tensor1_bool" => array![true, false];
        "tensor1_char" => array!['x', 'y'];
        "tensor1_u128" => array![1u128, u128::MAX];
        "tensor1_i128" => array![-1i128];
        "tensor1_usize" => array![1usize, 2];
        "tensor1_isize" => array![-1isize];
        "tensor1_c64" => array![Complex::new(1.0f64, 2.0)];
        "tensor1_bitwise_f32" => array![Bitwise(-0.0f32), Bitwise(f32::NAN)];
        "bitwise_tensor1_f32" => Bitwise(array![-0.0f32, f32::NAN]);
        "tensor2_string" => array![["a".to_string(), "b".to_string()], ["c".to_string(), "".to_string()]];
        "tensor1_option_u8" => array![Some(1u8), None];
        "arcarray_f32" => ArcArray::from_vec(vec![1.0f32, 2.0]);
        "arrayview_f32" => grid.slice(s![1.., ..;2]);
        "cowarray_f32" => CowArray::from(grid.view());
        "tensor2_f32_big" => big;
        "tuple_tensor_u32" => (grid.clone(), 7u32);
        "derive_struct" => Point { x: 1.0, y: -0.0, label: "p".into() };
        "derive_enum_unit" => Shape::Empty;
        "derive_enum_tuple" => Shape::Circle(f64::NAN);
        "derive_enum_named" => Shape::Rect { w: 3, h: 4 };
        "derive_skip_and_bitwise" => Node { features: grid.clone(), layer: 2, _name: "n", scale: -0.0 };
        "derive_unit_struct" => Unit;
        "derive_tuple_struct" => Pair(1, None);
        "derive_one_field_struct" => Meters(-0.0);
        "vec_derive_one_field_struct" => vec![Meters(1.0), Meters(f32::NAN)];
        "derive_enum_discriminant_first" => Level::High;
        "derive_enum_discriminant_unit" => Level::Low;
        "derive_enum_discriminant_tuple" => Level::Mid(7);
        "derive_float_attrs" => Policies { bits: -0.0, canon: -0.0, plain: -0.0 };
        "bitwise_derive_float_attrs" => Bitwise(Policies { bits: -0.0, canon: -0.0, plain: -0.0 });
        "btreeset_i32_signs" => BTreeSet::from([-1i32, 1, 2]);
        "btreeset_strings" => BTreeSet::from(["b", "aa", ""]);
        "btreeset_box_string" => BTreeSet::from([Box::new("b".to_string()), Box::new("aa".to_string())]);
        "btreeset_rc_str" => BTreeSet::from([Rc::<str>::from("b"), Rc::<str>::from("aa")]);
        "btreeset_total_f64" => zeros_and_nans();
        "bitwise_btreeset_total_f64" => Bitwise(zeros_and_nans());
        "btreemap_total_f64_keys" => BTreeMap::from([(Total(0.0), "b"), (Total(-0.0), "a"), (Total(1.0), "a")]);
        "btreemap_i32_keys" => BTreeMap::from([(-1i32, 'a'), (1i32, 'b')]);
        "btreemap_nested_sets" => BTreeMap::from([(BTreeSet::from([2u8]), vec![-0.0f32]), (BTreeSet::from([1u8, 2]), vec![])]);
        "vec_box_f32" => vec![Box::new(-0.0f32), Box::new(1.0)];
        "vec_key_bitwise_f32" => vec![Key::new(Bitwise(-0.0f32)), Key::new(Bitwise(f32::NAN))];
        "bitwise_vec_key_f32" => Bitwise(vec![Key::new(-0.0f32), Key::new(f32::NAN)]);
        "bitwise_pointers" => Bitwise((Box::new(-0.0f32), Rc::new(-0.0f64), Arc::new(Key::new(-0.0f32)), &-0.0f32));
        "tensor1_box_f64" => array![Box::new(-0.0f64), Box::new(2.0)];
        // Standard-library value types (SPEC.md 4.13).
        "nonzero_u8" => NonZeroU8::new(0xAB).unwrap();
        "nonzero_u16" => NonZeroU16::new(0xABCD).unwrap();
        "nonzero_u32" => NonZeroU32::new(0xDEAD_BEEF).unwrap();
        "nonzero_u64" => NonZeroU64::MAX;
        "nonzero_u128" => NonZeroU128::new(u128::MAX / 3).unwrap();
        "nonzero_usize" => NonZeroUsize::new(12345).unwrap();
        "nonzero_i8" => NonZeroI8::new(-2).unwrap();
        "nonzero_i16" => NonZeroI16::MIN;
        "nonzero_i32" => NonZeroI32::new(-123_456).unwrap();
        "nonzero_i64" => NonZeroI64::new(i64::MIN + 1).unwrap();
        "nonzero_i128" => NonZeroI128::new(-(1 << 100)).unwrap();
        "nonzero_isize" => NonZeroIsize::new(-12345).unwrap();
        "option_nonzero_u32_none" => None::<NonZeroU32>;
        "option_nonzero_u32_some" => NonZeroU32::new(7);
        "vec_nonzero_u32" => vec![NonZeroU32::MIN, NonZeroU32::MAX];
        "tensor1_nonzero_i16" => array![NonZeroI16::MIN, NonZeroI16::new(-1).unwrap()];
        "wrapping_u8" => Wrapping(250u8);
        "wrapping_f32_nan" => Wrapping(f32::from_bits(0xFFC0_0001));
        "bitwise_wrapping_f32" => Bitwise(Wrapping(-0.0f32));
        "vec_wrapping_u8" => vec![Wrapping(1u8), Wrapping(255)];
        "tensor1_wrapping_f64" => array![Wrapping(-0.0f64), Wrapping(1.5)];
        "saturating_i64" => Saturating(-7i64);
        "reverse_string" => Reverse(String::from("rev"));
        "btreeset_reverse_i32" => BTreeSet::from([Reverse(-1i32), Reverse(1), Reverse(256)]);
        "vec_reverse_f32" => vec![Reverse(-0.0f32), Reverse(f32::NAN)];
        "duration" => Duration::new(90, 500_000_000);
        "duration_zero" => Duration::ZERO;
        "duration_max" => Duration::MAX;
        "btreemap_duration_keys" => BTreeMap::from([(Duration::from_millis(1500), "slow"), (Duration::from_secs(1), "ok")]);
        "range_u32" => 3u32..5;
        "range_f64" => -0.0f64..f64::NAN;
        "range_string" => String::from("a")..String::from("b");
        "range_inclusive_u8" => 1u8..=3;
        "range_inclusive_fresh_u8" => 3u8..=3;
        "range_inclusive_exhausted_u8" => spent(3);
        "ordering_less" => Ordering::Less;
        "ordering_equal" => Ordering::Equal;
        "ordering_greater" => Ordering::Greater;
        "btreeset_ordering" => BTreeSet::from([Ordering::Greater, Ordering::Less, Ordering::Equal]);
        "phantom_data" => PhantomData::<f32>;
        "ipv4addr" => Ipv4Addr::new(192, 168, 0, 1);
        "ipv6addr" => Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        "ipaddr_v4" => IpAddr::V4(Ipv4Addr::LOCALHOST);
        "ipaddr_v6_mapped" => IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        "socketaddr_v4" => SocketAddr::from(([10, 0, 0, 1], 8080));
        "socketaddr_v6" => SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 7, 2));
        "btreeset_ipv4addr" => BTreeSet::from([Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(9, 255, 255, 255)]);
        "derive_std_fields" => Job { timeout: Duration::from_millis(2500), span: 0..10, retries: NonZeroU8::new(3).unwrap(), _marker: PhantomData };
    }
}

#[test]
fn golden_vectors_match() {
    let vectors = vectors();
    let names: BTreeSet<_> = vectors.iter().map(|v| v.name).collect();
    assert_eq!(names.len(), vectors.len(), "duplicate vector names");

    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let lines: Vec<String> = vectors
            .iter()
            .map(|v| {
                format!(
                    r#"{{"name": {}, "rust": {}, "encoding": "{}", "digest": "{}"}}"#,
                    json!(v.name),
                    json!(v.rust),
                    hex(&v.encoding),
                    v.digest
                )
            })
            .collect();
        std::fs::write(FILE, format!("[\n{}\n]\n", lines.join(",\n"))).unwrap();
    }

    let text = std::fs::read_to_string(FILE).expect("tests/vectors/digests.json is missing");
    let stored: Vec<Value> = serde_json::from_str(&text).expect("digests.json is not valid JSON");
    let stored: BTreeMap<&str, &Value> = stored
        .iter()
        .map(|v| (v["name"].as_str().expect("vector without a name"), v))
        .collect();
    assert_eq!(
        stored.len(),
        vectors.len(),
        "digests.json and the table list different vectors"
    );
    for v in &vectors {
        let s = stored
            .get(v.name)
            .unwrap_or_else(|| panic!("{} is not in digests.json", v.name));
        assert_eq!(
            s["encoding"].as_str(),
            Some(hex(&v.encoding).as_str()),
            "encoding of {}",
            v.name
        );
        assert_eq!(
            s["digest"].as_str(),
            Some(v.digest.as_str()),
            "digest of {}",
            v.name
        );
    }
}

#[test]
fn digest_is_sha256_of_prefix_and_encoding() {
    use sha2::{Digest, Sha256};
    for v in vectors() {
        let mut h = Sha256::new();
        h.update(b"tensor-key\x00\x02");
        h.update(&v.encoding);
        assert_eq!(hex(&h.finalize()), v.digest, "{}", v.name);
    }
}

#[test]
fn layouts_share_their_vector() {
    let v = vectors();
    let get = |n: &str| v.iter().find(|x| x.name == n).unwrap().digest.clone();
    assert_eq!(get("tensor2_f32"), get("tensor2_f32_fortran_view"));
    assert_eq!(get("tensor2_f32"), get("tensor2_f32_reversed_view"));
    assert_eq!(get("tensor1_bitwise_f32"), get("bitwise_tensor1_f32"));
    assert_ne!(get("tensor2_empty_0x3_f32"), get("tensor2_empty_3x0_f32"));
}
