//! The serde format of `FrozenTensor` (feature `serde`): lossless for every
//! bit pattern in text and binary formats, row-major whatever the layout, and
//! malformed input is an error, never a panic or a huge allocation.
#![cfg(feature = "serde")]

use ndarray::{Array, ArrayD, Ix1, Ix2, IxDyn, ShapeBuilder, array};
use num_complex::Complex;
use proptest::prelude::*;
use std::fmt::Debug;
use tensor_key::serde::TensorElement;
use tensor_key::{Bitwise, Freeze, FrozenKey, FrozenTensor};

/// Bitwise equality of two frozen tensors (shape included).
fn bitwise_eq<A: TensorElement>(a: &FrozenTensor<A, IxDyn>, b: &FrozenTensor<A, IxDyn>) -> bool {
    Bitwise(a.view()).key_eq(&Bitwise(b.view()))
}

/// JSON and postcard round trips, from C order and from Fortran order.
fn round_trips<A: TensorElement + Clone + Debug>(a: &ArrayD<A>) {
    let c = a.view().freeze();
    let fortran = a
        .view()
        .reversed_axes()
        .as_standard_layout()
        .into_owned()
        .reversed_axes()
        .into_frozen();
    assert!(bitwise_eq(&c, &fortran));
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        serde_json::to_string(&fortran).unwrap(),
        json,
        "layout leaked into JSON"
    );
    assert!(!json.contains("null"), "{json}");
    let back: FrozenTensor<A, IxDyn> = serde_json::from_str(&json).unwrap();
    assert!(bitwise_eq(&back, &c), "JSON: {json}");
    assert_eq!(back.shape(), c.shape());

    let bin = postcard::to_allocvec(&c).unwrap();
    assert_eq!(
        postcard::to_allocvec(&fortran).unwrap(),
        bin,
        "layout leaked into postcard"
    );
    let back: FrozenTensor<A, IxDyn> = postcard::from_bytes(&bin).unwrap();
    assert!(bitwise_eq(&back, &c));
    assert_eq!(back.digest(), c.digest());
}

/// Float bit patterns, half of them special: NaNs with payloads and either
/// sign, signed zeros, infinities, subnormals.
fn bits32() -> impl Strategy<Value = u32> + Clone {
    prop_oneof![
        any::<u32>(),
        prop::sample::select(vec![
            0x8000_0000,
            0x0000_0000,
            0x7FC0_0000,
            0x7FC0_0001,
            0xFFA0_0001,
            0x7F80_0001,
            0x7F80_0000,
            0xFF80_0000,
            0x0000_0001,
            0x807F_FFFF,
        ]),
    ]
}

fn bits64() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![
        any::<u64>(),
        prop::sample::select(vec![
            0x8000_0000_0000_0000,
            0x7FF8_0000_0000_0000,
            0x7FF8_0000_0000_0001,
            0xFFF4_0000_0000_0000,
            0x7FF0_0000_0000_0000,
            0xFFF0_0000_0000_0000,
            0x0000_0000_0000_0001,
        ]),
    ]
}

fn bits16() -> impl Strategy<Value = u16> + Clone {
    prop_oneof![
        any::<u16>(),
        prop::sample::select(vec![0x8000, 0x7E01, 0xFC01, 0x7FC1, 0xFF81, 0x7C00, 0x0001]),
    ]
}

/// A tensor of rank 0 to 3 with elements drawn from `elem`.
fn tensor<T: Debug + Clone>(
    elem: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = ArrayD<T>> {
    prop::collection::vec(0usize..4, 0..=3).prop_flat_map(move |shape| {
        let n: usize = shape.iter().product();
        prop::collection::vec(elem.clone(), n)
            .prop_map(move |data| Array::from_shape_vec(IxDyn(&shape), data).unwrap())
    })
}

proptest! {
    #[test]
    fn f32_bit_patterns_round_trip(a in tensor(bits32().prop_map(f32::from_bits))) {
        round_trips(&a);
        round_trips(&a.mapv(Bitwise));
    }

    #[test]
    fn f64_bit_patterns_round_trip(a in tensor(bits64().prop_map(f64::from_bits))) {
        round_trips(&a);
    }

    #[test]
    fn complex_bit_patterns_round_trip(
        a in tensor((bits32(), bits32()).prop_map(|(r, i)| Complex::new(f32::from_bits(r), f32::from_bits(i)))),
        b in tensor((bits64(), bits64()).prop_map(|(r, i)| Complex::new(f64::from_bits(r), f64::from_bits(i)))),
    ) {
        round_trips(&a);
        round_trips(&b);
    }

    #[test]
    fn integers_bools_and_chars_round_trip(
        a in tensor(any::<u8>()),
        b in tensor(any::<i16>()),
        c in tensor(any::<u32>()),
        d in tensor(any::<i64>()),
        e in tensor(any::<u128>()),
        f in tensor(any::<i128>()),
        g in tensor(any::<bool>()),
        h in tensor(any::<char>()),
    ) {
        round_trips(&a);
        round_trips(&b);
        round_trips(&c);
        round_trips(&d);
        round_trips(&e);
        round_trips(&f);
        round_trips(&g);
        round_trips(&h);
    }
}

#[cfg(feature = "half")]
proptest! {
    #[test]
    fn half_bit_patterns_round_trip(
        a in tensor(bits16().prop_map(half::f16::from_bits)),
        b in tensor(bits16().prop_map(half::bf16::from_bits)),
    ) {
        round_trips(&a);
        round_trips(&b);
    }
}

#[test]
fn the_documented_text_forms() {
    let t = array![[Complex::new(1.0f64, -0.0)]].freeze();
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        r#"{"v":1,"dtype":"complex128","shape":[1,1],"data":[["3ff0000000000000","8000000000000000"]]}"#
    );
    let t = array![u128::MAX, 0].freeze();
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        format!(
            r#"{{"v":1,"dtype":"u128","shape":[2],"data":["{}","0"]}}"#,
            u128::MAX
        )
    );
    let t = array![true, false].freeze();
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        r#"{"v":1,"dtype":"bool","shape":[2],"data":[true,false]}"#
    );
    // Binary: v, dtype, shape, then one byte string of little-endian elements.
    let t = array![1.0f32, -0.0].freeze();
    let bin = postcard::to_allocvec(&t).unwrap();
    let mut expected = vec![1, 3, b'f', b'3', b'2', 1, 2, 8];
    expected.extend_from_slice(&1.0f32.to_le_bytes());
    expected.extend_from_slice(&(-0.0f32).to_le_bytes());
    assert_eq!(bin, expected);
    // Fields in any order, upper-case hex digits.
    let back: FrozenTensor<f32, Ix1> =
        serde_json::from_str(r#"{"data":["7FC00001"],"shape":[1],"dtype":"f32","v":1}"#).unwrap();
    assert_eq!(back.as_array()[[0]].to_bits(), 0x7FC0_0001);
}

/// Deserializes JSON as a rank-2 `f32` tensor and returns the error message.
fn json_err(json: &str) -> String {
    match serde_json::from_str::<FrozenTensor<f32, Ix2>>(json) {
        Ok(t) => panic!("accepted {json}: {t:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_text_is_an_error() {
    let ok = r#"{"v":1,"dtype":"f32","shape":[1,2],"data":["3f800000","00000000"]}"#;
    assert!(serde_json::from_str::<FrozenTensor<f32, Ix2>>(ok).is_ok());
    let cases = [
        // Wrong number of elements for the shape.
        (
            r#"{"v":1,"dtype":"f32","shape":[2,2],"data":["3f800000"]}"#,
            "elements",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":["3f800000","3f800000"]}"#,
            "elements",
        ),
        // Dtypes.
        (
            r#"{"v":1,"dtype":"f64","shape":[1,1],"data":["3ff0000000000000"]}"#,
            "f32",
        ),
        (
            r#"{"v":1,"dtype":"float","shape":[1,1],"data":["3f800000"]}"#,
            "f32",
        ),
        // Rank.
        (
            r#"{"v":1,"dtype":"f32","shape":[1],"data":["3f800000"]}"#,
            "rank 2",
        ),
        // Shapes whose element count overflows.
        (
            r#"{"v":1,"dtype":"f32","shape":[18446744073709551615,18446744073709551615],"data":[]}"#,
            "overflow",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[4294967296,4294967297],"data":["3f800000"]}"#,
            "overflow",
        ),
        // Zero elements, but axes too long for ndarray.
        (
            r#"{"v":1,"dtype":"f32","shape":[0,18446744073709551615],"data":[]}"#,
            "shape",
        ),
        // A huge shape claim with little data: an error, not an allocation.
        (
            r#"{"v":1,"dtype":"f32","shape":[1099511627776,1024],"data":["3f800000"]}"#,
            "elements",
        ),
        // Bad elements.
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":["3f80000"]}"#,
            "8 hex digits",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":["+f800000"]}"#,
            "8 hex digits",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":["zzzzzzzz"]}"#,
            "8 hex digits",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":[1.0]}"#,
            "hex digits",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":[null]}"#,
            "hex digits",
        ),
        // Versions and fields.
        (
            r#"{"v":2,"dtype":"f32","shape":[1,1],"data":["3f800000"]}"#,
            "version 2",
        ),
        (
            r#"{"dtype":"f32","shape":[1,1],"data":["3f800000"]}"#,
            "missing field `v`",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1]}"#,
            "missing field `data`",
        ),
        (
            r#"{"v":1,"v":1,"dtype":"f32","shape":[1,1],"data":["3f800000"]}"#,
            "duplicate",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[1,1],"data":["3f800000"],"x":0}"#,
            "unknown field",
        ),
        (
            r#"{"v":1,"dtype":"f32","shape":[-1,1],"data":["3f800000"]}"#,
            "invalid",
        ),
        ("[1,2,3]", "invalid"),
    ];
    for (json, needle) in cases {
        let err = json_err(json);
        assert!(err.contains(needle), "{json}: {err}");
    }
}

/// postcard bytes of a tensor with the given fields.
fn postcard_tensor(v: u8, dtype: &str, shape: &[u64], data: &[u8]) -> Vec<u8> {
    postcard::to_allocvec(&(v, dtype, shape, serde_bytes_like(data))).unwrap()
}

/// A byte string as postcard writes it (`&[u8]` would be a sequence).
fn serde_bytes_like(data: &[u8]) -> impl serde::Serialize + '_ {
    struct B<'a>(&'a [u8]);
    impl serde::Serialize for B<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    B(data)
}

#[test]
fn malformed_binary_is_an_error() {
    let one = 1.0f32.to_le_bytes();
    let good = postcard_tensor(1, "f32", &[1], &one);
    assert_eq!(
        postcard::from_bytes::<FrozenTensor<f32, Ix1>>(&good)
            .unwrap()
            .as_array()[[0]],
        1.0
    );
    let bad = [
        postcard_tensor(1, "f32", &[1], &one[..3]),
        postcard_tensor(1, "f32", &[2], &one),
        postcard_tensor(1, "u32", &[1], &one),
        postcard_tensor(2, "f32", &[1], &one),
        postcard_tensor(1, "f32", &[1 << 40], &one),
        postcard_tensor(1, "f32", &[u64::MAX], &[]),
        postcard_tensor(1, "f32", &[1, 1], &one),
    ];
    for bytes in &bad {
        assert!(
            postcard::from_bytes::<FrozenTensor<f32, Ix1>>(bytes).is_err(),
            "{bytes:?}"
        );
    }
    // A byte-string length far beyond the input.
    let mut truncated = postcard_tensor(1, "f32", &[1], &one);
    truncated.truncate(truncated.len() - 2);
    assert!(postcard::from_bytes::<FrozenTensor<f32, Ix1>>(&truncated).is_err());
    let mut lying = postcard_tensor(1, "f32", &[1], &[]);
    lying.pop();
    lying.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]); // varint length 2^32 - 1
    assert!(postcard::from_bytes::<FrozenTensor<f32, Ix1>>(&lying).is_err());
    // Invalid bools and chars.
    assert!(
        postcard::from_bytes::<FrozenTensor<bool, Ix1>>(&postcard_tensor(1, "bool", &[1], &[2]))
            .is_err()
    );
    let surrogate = 0xD800u32.to_le_bytes();
    assert!(
        postcard::from_bytes::<FrozenTensor<char, Ix1>>(&postcard_tensor(
            1,
            "char",
            &[1],
            &surrogate
        ))
        .is_err()
    );
    let a = u32::from('a').to_le_bytes();
    assert_eq!(
        postcard::from_bytes::<FrozenTensor<char, Ix1>>(&postcard_tensor(1, "char", &[1], &a))
            .unwrap()
            .as_array()[[0]],
        'a'
    );
}

#[test]
fn a_fortran_ordered_tensor_is_written_row_major() {
    let mut f = Array::<u16, _>::zeros((2, 3).f());
    f.assign(&array![[1, 2, 3], [4, 5, 6]]);
    assert!(!f.is_standard_layout());
    let json = serde_json::to_string(&f.into_frozen()).unwrap();
    assert_eq!(
        json,
        r#"{"v":1,"dtype":"u16","shape":[2,3],"data":[1,2,3,4,5,6]}"#
    );
}

#[test]
fn usize_and_isize_are_written_as_u64_and_i64() {
    let t = array![usize::MAX, 0].freeze();
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"v":1,"dtype":"u64","shape":[2],"data":[{},0]}}"#,
            usize::MAX
        )
    );
    let back: FrozenTensor<u64, Ix1> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.as_array()[[0]], u64::MAX);
    let back: FrozenTensor<usize, Ix1> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
    let i = array![isize::MIN, -1].freeze();
    let bin = postcard::to_allocvec(&i).unwrap();
    assert_eq!(
        postcard::from_bytes::<FrozenTensor<isize, Ix1>>(&bin).unwrap(),
        i
    );
    assert_eq!(
        postcard::from_bytes::<FrozenTensor<i64, Ix1>>(&bin)
            .unwrap()
            .as_array()[[0]],
        i64::MIN
    );
}
