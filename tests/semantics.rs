//! The documented semantics, one test each: canonical floats, shape and element
//! type in the key, the static dimension type not, and exact encodings.

mod common;

use ndarray::{Array0, Array1, Array2, ArrayD, IxDyn, arr0, array};
use num_complex::Complex;
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use tensor_key::{Bitwise, FloatPolicy, FrozenKey, Key};

fn nans_f32() -> Vec<f32> {
    vec![
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7F80_0001), // signalling
        f32::from_bits(0xFF80_0001), // signalling, negative
        f32::from_bits(0x7FFF_FFFF), // quiet, full payload
        f32::from_bits(0x7FC0_1234),
    ]
}

#[test]
fn every_nan_is_one_key() {
    let nans = nans_f32();
    for a in &nans {
        for b in &nans {
            assert!(a.key_eq(b));
            assert_eq!(a.digest(), b.digest());
            assert_eq!(common::hashes(a), common::hashes(b));
            let (x, y) = (
                f64::from_bits(a.to_bits() as u64 | 0x7FF0 << 48),
                f64::from(*b),
            );
            assert!(x.is_nan() && y.is_nan());
            assert!(x.key_eq(&y));
            assert_eq!(x.digest(), y.digest());
        }
    }
    // Inside tensors too, and in complex numbers component-wise.
    let t: Array1<f32> = nans.iter().copied().collect();
    assert!(t.key_eq(&Array1::from_elem(nans.len(), f32::NAN)));
    assert!(Complex::new(f64::NAN, -0.0).key_eq(&Complex::new(-f64::NAN, 0.0)));
    assert!(!Complex::new(1.0f32, 2.0).key_eq(&Complex::new(2.0, 1.0)));
}

#[test]
fn negative_zero_is_zero() {
    assert!((-0.0f32).key_eq(&0.0));
    assert!((-0.0f64).key_eq(&0.0));
    assert_eq!((-0.0f32).digest(), 0.0f32.digest());
    assert_eq!(array![-0.0f64, 1.0].digest(), array![0.0f64, 1.0].digest());
    assert_eq!((-0.0f32).encoding(), [0x12, 0, 0, 0, 0]);
    assert_eq!(f32::NAN.encoding(), [0x12, 0x00, 0x00, 0xC0, 0x7F]);
}

#[test]
fn bitwise_tells_every_bit_pattern_apart() {
    let nans = nans_f32();
    for (i, a) in nans.iter().enumerate() {
        for (j, b) in nans.iter().enumerate() {
            assert_eq!(Bitwise(*a).key_eq(&Bitwise(*b)), i == j);
            assert_eq!(Bitwise(*a).digest() == Bitwise(*b).digest(), i == j);
        }
    }
    assert!(!Bitwise(-0.0f64).key_eq(&Bitwise(0.0)));
    assert!(!(-0.0f64).key_eq_with(&0.0, FloatPolicy::Bitwise));
    // Ordinary values are equal under both policies, but the policy is part of the key.
    assert!(Bitwise(1.5f32).key_eq(&Bitwise(1.5)));
    assert_ne!(Bitwise(1.5f32).digest(), 1.5f32.digest());
    // Inside tuples and tensors.
    assert!(!(Bitwise(f32::NAN), 1u8).key_eq(&(Bitwise(-f32::NAN), 1u8)));
    assert!(!Bitwise(array![0.0f32]).key_eq(&Bitwise(array![-0.0f32])));
    assert!(!array![Bitwise(0.0f32)].key_eq(&array![Bitwise(-0.0f32)]));
    assert!(!Bitwise(Complex::new(0.0f32, 0.0)).key_eq(&Bitwise(Complex::new(0.0, -0.0))));
}

#[test]
fn shape_is_part_of_the_key() {
    let flat = ArrayD::from_shape_vec(IxDyn(&[4]), vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
    let square = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
    assert!(!flat.key_eq(&square));
    assert_ne!(flat.digest(), square.digest());

    let wide = ArrayD::<f32>::zeros(IxDyn(&[0, 3]));
    let tall = ArrayD::<f32>::zeros(IxDyn(&[3, 0]));
    assert!(!wide.key_eq(&tall));
    assert_ne!(wide.digest(), tall.digest());

    let scalar = ArrayD::from_elem(IxDyn(&[]), 5.0f32);
    let single = ArrayD::from_elem(IxDyn(&[1]), 5.0f32);
    assert!(!scalar.key_eq(&single));
    assert_ne!(scalar.digest(), single.digest());
    assert_ne!(arr0(5.0f32).digest(), array![5.0f32].digest());
}

#[test]
fn element_type_is_part_of_the_key() {
    let one = 1.0f32;
    let bits = one.to_bits();
    let digests = [
        array![one].digest(),
        array![bits as i32].digest(),
        array![bits].digest(),
        one.digest(),
        (bits as i32).digest(),
        bits.digest(),
    ];
    for (i, a) in digests.iter().enumerate() {
        for b in &digests[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert_ne!(
        Array1::<f32>::zeros(0).digest(),
        Array1::<i32>::zeros(0).digest()
    );
    assert_ne!(
        Array1::<f32>::zeros(0).digest(),
        Array1::<String>::from(vec![]).digest()
    );
    assert_ne!(Vec::<f32>::new().digest(), Vec::<f64>::new().digest());
}

#[test]
fn static_dimension_type_does_not_matter() {
    let a = array![[1.0f32, 2.0], [3.0, 4.0]];
    assert_eq!(a.digest(), a.clone().into_dyn().digest());
    assert_eq!(a.encoding(), a.view().into_dyn().encoding());
    let z: Array0<u8> = arr0(3);
    assert_eq!(z.digest(), z.into_dyn().digest());
}

#[test]
fn exact_encodings() {
    let u64le = |n: u64| n.to_le_bytes();
    assert_eq!(().encoding(), [0x00]);
    assert_eq!(true.encoding(), [0x01, 1]);
    assert_eq!(0x0102u16.encoding(), [0x03, 0x02, 0x01]);
    assert_eq!((-1i8).encoding(), [0x07, 0xFF]);
    assert_eq!(7usize.encoding(), 7u64.encoding());
    assert_eq!((-7isize).encoding(), (-7i64).encoding());
    assert_eq!('A'.encoding(), [0x0C, 0x41, 0, 0, 0]);
    let mut s = vec![0x20];
    s.extend(u64le(2));
    s.extend(b"hi");
    assert_eq!("hi".encoding(), s);
    assert_eq!(String::from("hi").encoding(), s);
    assert_eq!(None::<u8>.encoding(), [0x30]);
    let mut t = vec![0x40];
    t.extend(u64le(2));
    t.extend([0x02, 1, 0x01, 0]);
    assert_eq!((1u8, false).encoding(), t);
    // A packed sequence: tag, length, element tag once, raw elements.
    let mut v = vec![0x41];
    v.extend(u64le(2));
    v.extend([0x03, 1, 0, 2, 0]);
    assert_eq!(vec![1u16, 2].encoding(), v);
    assert_eq!([1u16, 2].encoding(), v);
    // A sequence of composite elements: the 0xFF marker, then full encodings.
    let mut w = vec![0x41];
    w.extend(u64le(1));
    w.extend([0xFF, 0x30]);
    assert_eq!(vec![None::<u8>].encoding(), w);
    // A 2x1 tensor of u8.
    let mut m = vec![0x50];
    m.extend(u64le(2));
    m.extend(u64le(2));
    m.extend(u64le(1));
    m.extend([0x02, 5, 6]);
    assert_eq!(array![[5u8], [6]].encoding(), m);
    // Digest = SHA-256("tensor-key\0" 0x02 encoding).
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"tensor-key\x00\x02");
    h.update(&m);
    let expected: [u8; 32] = h.finalize().into();
    assert_eq!(array![[5u8], [6]].digest().as_bytes(), &expected);
}

#[test]
fn pointers_are_transparent() {
    let v = vec![1.0f32, 2.0];
    let d = v.digest();
    assert_eq!(<&Vec<f32> as FrozenKey>::digest(&&v), d);
    assert_eq!(Box::new(v.clone()).digest(), d);
    assert_eq!(Rc::new(v.clone()).digest(), d);
    assert_eq!(Arc::new(v.clone()).digest(), d);
    assert_eq!(Cow::Borrowed(v.as_slice()).digest(), d);
    assert_eq!(Key::new(v.clone()).digest(), d);
    // Also as elements of a sequence or tensor.
    let refs: Vec<&f32> = v.iter().collect();
    assert_eq!(refs.digest(), d);
    let boxed: Array1<Box<f32>> = v.iter().map(|&x| Box::new(x)).collect();
    assert_eq!(boxed.digest(), Array1::from(v).digest());
}

#[test]
fn key_in_hash_map_and_set() {
    let mut counts: HashMap<Key<Array2<f64>>, u32> = HashMap::new();
    for x in [f64::NAN, -f64::NAN, 0.0, -0.0, 1.0] {
        *counts.entry(Key::new(array![[x]])).or_default() += 1;
    }
    assert_eq!(counts.len(), 3);
    assert_eq!(counts[&Key::new(array![[f64::NAN]])], 2);
    assert_eq!(counts[&Key::new(array![[0.0]])], 2);
    let k = Key::new(array![[2.0f64]]);
    assert_eq!(k.get()[[0, 0]], 2.0);
    assert_eq!(k.as_ref().shape(), &[1, 1]);
    assert_eq!(k.into_inner(), array![[2.0]]);
}

#[test]
fn digest_text_round_trips_and_rejects_bad_input() {
    use tensor_key::{KeyDigest, ParseDigestError};
    let d = array![1u8, 2].digest();
    let hex = d.to_hex();
    assert_eq!(hex, d.to_string());
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(hex.parse::<KeyDigest>(), Ok(d));
    assert_eq!(hex.to_uppercase().parse::<KeyDigest>(), Ok(d));
    assert_eq!(format!("{d:?}"), format!("KeyDigest({hex})"));
    assert_eq!(KeyDigest::from_bytes(*d.as_bytes()), d);
    assert!(matches!(
        "".parse::<KeyDigest>(),
        Err(ParseDigestError::WrongLength { found: 0, .. })
    ));
    let long = format!("{hex}0");
    assert!(matches!(
        long.parse::<KeyDigest>(),
        Err(ParseDigestError::WrongLength { found: 65, .. })
    ));
    let mut bad = hex.clone();
    bad.replace_range(10..11, "z");
    assert!(matches!(
        bad.parse::<KeyDigest>(),
        Err(ParseDigestError::InvalidChar {
            ch: 'z',
            index: 10,
            ..
        })
    ));
    assert_eq!(KeyDigest::from_hex(&bad), bad.parse::<KeyDigest>());
    // Multi-byte characters are counted as characters and rejected, never sliced.
    let wide = "é".repeat(64);
    assert!(matches!(
        wide.parse::<KeyDigest>(),
        Err(ParseDigestError::InvalidChar {
            ch: 'é',
            index: 0,
            ..
        })
    ));
    let err = "xyz".parse::<KeyDigest>().unwrap_err().to_string();
    assert!(err.contains("64") && err.contains('3'), "{err}");
    // from_hex follows the rules of parse; {:x} and {:X} are the hex forms,
    // with `#` for a 0x prefix and width, fill and `0` as for integers.
    assert_eq!(KeyDigest::from_hex(&hex), Ok(d));
    assert_eq!(KeyDigest::from_hex(&hex.to_uppercase()), Ok(d));
    assert_eq!(KeyDigest::from_hex(&long), long.parse::<KeyDigest>());
    assert!(KeyDigest::from_hex(&format!("0x{}", &hex[2..])).is_err());
    assert!(KeyDigest::from_hex(&format!(" {}", &hex[1..])).is_err());
    assert_eq!(format!("{d:x}"), hex);
    assert_eq!(format!("{d:X}"), hex.to_uppercase());
    assert_eq!(format!("{d:#x}"), format!("0x{hex}"));
    assert_eq!(format!("{d:#X}"), format!("0x{}", hex.to_uppercase()));
    assert_eq!(format!("{d:<66x}|"), format!("{hex}  |"));
    assert_eq!(format!("{d:#068x}"), format!("0x00{hex}"));
    assert_eq!(format!("{d:*^68}"), format!("**{hex}**"));
    // Order and hashing are by bytes.
    let (lo, hi) = (
        KeyDigest::from_bytes([0; 32]),
        KeyDigest::from_bytes([1; 32]),
    );
    assert!(lo < hi);
}

#[test]
fn keys_are_transparent_as_elements_too() {
    let keys = vec![Key::new(1.0f32), Key::new(2.0)];
    assert_eq!(keys.encoding(), vec![1.0f32, 2.0].encoding());
}

/// SPEC.md 2: the text form's length counts characters, not bytes.
#[test]
fn digest_text_length_counts_characters() {
    use tensor_key::{KeyDigest, ParseDigestError};
    let accented = "é".repeat(32); // 64 bytes, 32 characters
    assert!(matches!(
        accented.parse::<KeyDigest>(),
        Err(ParseDigestError::WrongLength { found: 32, .. })
    ));
    // 64 characters of which one is not ASCII: a character error, not a length one.
    let mixed = format!("{}é", "0".repeat(63));
    assert!(matches!(
        mixed.parse::<KeyDigest>(),
        Err(ParseDigestError::InvalidChar {
            ch: 'é',
            index: 63,
            ..
        })
    ));
}

/// SPEC.md 4.6: only the crate's scalars (and its wrappers around them) are
/// scalar elements; a type implemented outside the crate is a composite
/// element even when it encodes like a scalar.
#[test]
fn outside_keys_are_composite_elements() {
    struct Meters(f64);
    impl FrozenKey for Meters {
        fn encode(&self, enc: &mut tensor_key::Encoder<'_>) {
            self.0.encode(enc);
        }
        fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
            self.0.key_eq_with(&other.0, floats)
        }
    }
    assert_eq!(Meters(1.0).encoding(), 1.0f64.encoding());
    let mut want = vec![0x41];
    want.extend(1u64.to_le_bytes());
    want.push(0xFF);
    want.extend(1.0f64.encoding());
    assert_eq!(vec![Meters(1.0)].encoding(), want);
    assert_ne!(vec![Meters(1.0)].encoding(), vec![1.0f64].encoding());
}
