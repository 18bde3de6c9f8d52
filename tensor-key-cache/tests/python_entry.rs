//! An entry written by the Python package (`tensor_key.memoize(store=...)`),
//! byte for byte: Rust reads what Python writes, under the key Rust computes
//! for the Python call's `(args, kwargs)`. `tensor-key-python/tests/test_store.py`
//! parses `PYTHON_ENTRY` from this file and checks that Python still writes
//! exactly these bytes.

use serde::Deserialize;
use std::collections::BTreeMap;
use tensor_key::FrozenKey;
use tensor_key_cache::{Cache, DirStore, Store, format};

#[derive(Debug, Deserialize, PartialEq)]
struct Value {
    mean: f64,
    label: String,
    v: Vec<f64>,
    missing: Option<u8>,
    n: i64,
}

/// Python: `f(("golden", tensor_key.U32(42)), n=2)` memoized, returning
/// `{"mean": 2.5, "label": "x", "v": [1.5, -0.0], "missing": None, "n": -7}`,
/// written at 1000 ms.
const PYTHON_ENTRY: &str = concat!(
    "544b4301",         // b"TKC\x01"
    "01000000",         // MessagePack, reserved
    "e803000000000000", // written at 1000 ms
    "3800000000000000", // payload length 56
    // the digest of ((("golden", 42u32),), {"n": 2i64})
    "93595d905e76701dcf8bab2197586fdf54d751dec9397dca17360a004d772c57",
    // SHA-256 of the 56 bytes above and the payload
    "4063e73fecbf0d99368ce30fad51c0b2a02845fc21a4903c23cbd6bb7dbcbc73",
    // Python msgpack.packb: floats as float 64
    "85a46d65616ecb4004000000000000a56c6162656ca178a17692cb3ff8000000000000cb80000000",
    "00000000a76d697373696e67c0a16ef9",
);

/// The Rust key of the Python call `f(("golden", U32(42)), n=2)`: the tuple of
/// the positional arguments and the map of the keyword arguments.
type PyCallKey = (((String, u32),), BTreeMap<String, i64>);

fn key() -> PyCallKey {
    (
        ((String::from("golden"), 42),),
        BTreeMap::from([(String::from("n"), 2)]),
    )
}

fn entry() -> Vec<u8> {
    (0..PYTHON_ENTRY.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&PYTHON_ENTRY[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn rust_reads_an_entry_python_wrote() {
    let bytes = entry();
    let digest = key().digest();
    assert_eq!(digest.as_bytes()[..], bytes[24..56], "the keys agree");
    let parsed = format::decode_entry(&digest, &bytes).unwrap();
    assert_eq!(parsed.written_at_ms, 1000);

    // Through a directory store and the cache, as a Rust program sharing the
    // Python function's namespace directory would read it.
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path().join("my_module.f")).unwrap();
    store.put(&digest, &bytes).unwrap();
    let cache = Cache::new(store);
    let v: Value = cache.get(&key()).expect("a hit");
    assert_eq!(
        v,
        Value {
            mean: 2.5,
            label: "x".into(),
            v: vec![1.5, -0.0],
            missing: None,
            n: -7,
        }
    );
    assert!(v.v[1].is_sign_negative());
    assert_eq!((cache.stats().hits, cache.stats().corrupted), (1, 0));
}
