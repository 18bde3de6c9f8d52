//! A fixed entry, byte for byte: the format is an interface (other languages
//! read it), so a change here must be deliberate and come with a new version.

use serde::Serialize;
use std::collections::BTreeMap;
use tensor_key::FrozenKey;
use tensor_key_cache::format::{self, HEADER_LEN, PAYLOAD_MSGPACK};

#[derive(Serialize)]
struct Value {
    mean: f64,
    label: String,
    v: Vec<f32>,
    missing: Option<u8>,
}

const EXPECTED: &str = concat!(
    "544b4301",         // b"TKC\x01"
    "01000000",         // MessagePack, reserved
    "e803000000000000", // written at 1000 ms
    "2d00000000000000", // payload length 45
    // the digest of ("golden".to_string(), 42u32)
    "d6b0ac3be1c2fbb7ff0e89184db500fb12a3b65cab58766d4eba9675a94c4199",
    // SHA-256 of the 56 bytes above and the payload
    "f420dde279f745fcb4dbec310f5b247ad04be72ae8f7bf76d4c52a54bb11d077",
    // {"mean": 2.5, "label": "x", "v": [1.5, -0.0], "missing": nil}
    "84a46d65616ecb4004000000000000a56c6162656ca178a17692ca3fc00000ca80000000a76d697373696e67c0",
);

#[test]
fn a_known_entry_byte_for_byte() {
    let key = (String::from("golden"), 42u32);
    let digest = key.digest();
    let payload = rmp_serde::to_vec_named(&Value {
        mean: 2.5,
        label: "x".into(),
        v: vec![1.5, -0.0],
        missing: None,
    })
    .unwrap();
    let entry = format::encode_entry(&digest, &payload, 1000);
    let hex: String = entry.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, EXPECTED);
    // The checksum is SHA-256 over the first 56 bytes and the payload.
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(&entry[..56]);
    h.update(&entry[HEADER_LEN..]);
    assert_eq!(h.finalize()[..], entry[56..HEADER_LEN]);
    let parsed = format::decode_entry(&digest, &entry).unwrap();
    assert_eq!(
        (parsed.written_at_ms, parsed.payload_format),
        (1000, PAYLOAD_MSGPACK)
    );
    // The payload is plain MessagePack: a generic reader sees a map.
    let generic: BTreeMap<String, rmpv_like::Any> = rmp_serde::from_slice(parsed.payload).unwrap();
    assert_eq!(generic.len(), 4);
}

mod rmpv_like {
    /// Accepts any MessagePack value.
    pub struct Any;
    impl<'de> serde::Deserialize<'de> for Any {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(d).map(|_| Any)
        }
    }
}
