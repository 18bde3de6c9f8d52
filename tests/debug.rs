//! Every public type of tensor-key implements `Debug` (the crate also denies
//! `missing_debug_implementations`), and its output names the type and shows
//! what it holds.

use ndarray::{Ix1, array};
use std::fmt::Debug;
use std::sync::Mutex;
use tensor_key::{
    Bitwise, Encoder, FloatPolicy, Freeze, FrozenKey, FrozenTensor, Key, KeyDigest,
    ParseDigestError, TensorQuery,
};

fn shows<T: Debug + ?Sized>(value: &T, needles: &[&str]) {
    let text = format!("{value:?}");
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} not in {text:?}");
    }
}

/// Records how the encoder looks while it encodes.
struct Probe;
static SEEN: Mutex<String> = Mutex::new(String::new());

impl FrozenKey for Probe {
    fn encode(&self, enc: &mut Encoder<'_>) {
        *SEEN.lock().unwrap() = format!("{enc:?}");
        enc.begin_struct(0);
    }
    fn key_eq_with(&self, _: &Self, _: FloatPolicy) -> bool {
        true
    }
}

#[test]
fn every_public_type_formats_with_debug() {
    let a = array![1.5f32, -0.0];
    shows(&Key::new(a.clone()), &["Key(", "1.5"]);
    shows(&Bitwise(2.5f64), &["Bitwise(2.5)"]);
    shows(&FloatPolicy::Canonical, &["Canonical"]);
    shows(&FloatPolicy::Bitwise, &["Bitwise"]);
    let d = KeyDigest::from_bytes([0xAB; 32]);
    assert_eq!(format!("{d:?}"), format!("KeyDigest({})", "ab".repeat(32)));
    let err: ParseDigestError = "abc".parse::<KeyDigest>().unwrap_err();
    shows(&err, &["WrongLength", "found: 3"]);
    let err = "z".repeat(64).parse::<KeyDigest>().unwrap_err();
    shows(&err, &["InvalidChar", "'z'", "index: 0"]);
    let frozen: FrozenTensor<f32, Ix1> = a.view().freeze();
    shows(&frozen, &["FrozenTensor(", "1.5", "-0.0"]);
    shows(&TensorQuery::new(a.view()), &["TensorQuery(", "1.5"]);

    let _ = Probe.encoding();
    assert_eq!(
        *SEEN.lock().unwrap(),
        "Encoder { floats: Canonical, buffered: 0, .. }"
    );
    let _ = (1u8, Bitwise(Probe)).encoding();
    assert_eq!(
        *SEEN.lock().unwrap(),
        "Encoder { floats: Bitwise, buffered: 11, .. }",
        "the tuple header (9 bytes) and the u8 (2) wait in the buffer"
    );
}
