// Every pure function and method of the public API is `#[must_use]`: calling
// one for nothing is a mistake the compiler reports.
#![deny(unused_must_use)]

use ndarray::{Ix1, array};
use tensor_key::{Freeze, FrozenKey, FrozenTensor, Key, KeyDigest, TensorQuery};

fn main() {
    let a = array![1.0f32, 2.0];
    a.digest();
    a.key_eq(&a);
    a.key_eq_with(&a, tensor_key::FloatPolicy::Bitwise);
    a.encoding();
    Key::new(1u8);
    Key::new(1u8).get();
    Key::new(1u8).into_inner();
    a.freeze();
    a.clone().into_frozen();
    let f: FrozenTensor<f32, Ix1> = FrozenTensor::new(a.clone());
    f.view();
    f.fingerprint();
    f.as_array();
    f.thaw();
    f.shape();
    f.len();
    f.is_empty();
    f.ptr_eq(&f);
    TensorQuery::new(a.view());
    let d = KeyDigest::from_bytes([0; 32]);
    d.as_bytes();
    d.to_hex();
    KeyDigest::from_hex("00");
}
