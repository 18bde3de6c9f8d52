//! `tensor_key.Key`: a hashable snapshot of a value's canonical encoding.

use crate::sink::{Sink, hex};
use crate::{parse_floats, scalar, walk};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyTuple};
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// Per-process random hash keys, like Python's own `str`/`bytes` hashing.
fn hasher() -> &'static foldhash::quality::RandomState {
    static STATE: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    STATE.get_or_init(foldhash::quality::RandomState::default)
}

/// A value as a dict/set key: equal exactly when the canonical encodings are
/// equal (every NaN equals every NaN, -0.0 == 0.0 under canonical floats;
/// shape and dtype count, memory layout does not).
///
/// The encoding is copied when the key is made, so mutating the array later
/// does not change the key; the hash is computed once.
#[pyclass(frozen, module = "tensor_key", name = "Key")]
pub(crate) struct Key {
    encoding: Box<[u8]>,
    hash: u64,
    bitwise: bool,
}

impl Key {
    fn from_encoding(encoding: Vec<u8>, bitwise: bool) -> Self {
        let hash = hasher().hash_one(&encoding[..]);
        Key {
            encoding: encoding.into_boxed_slice(),
            hash,
            bitwise,
        }
    }
}

#[pymethods]
impl Key {
    #[new]
    #[pyo3(signature = (value, /, *, floats = "canonical"))]
    fn new(value: &Bound<'_, PyAny>, floats: &str) -> PyResult<Self> {
        let bitwise = parse_floats(floats)?;
        let mut sink = Sink::buffer();
        walk::encode(value, bitwise, &mut sink)?;
        Ok(Key::from_encoding(sink.into_bytes(), bitwise))
    }

    fn __hash__(&self) -> u64 {
        self.hash
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        let py = other.py();
        match other.cast::<Key>() {
            Ok(other) => {
                let other = other.get();
                let eq = self.hash == other.hash && self.encoding == other.encoding;
                PyBool::new(py, eq).to_owned().into_any().unbind()
            }
            Err(_) => py.NotImplemented(),
        }
    }

    /// The SHA-256 digest, 64 hex digits: equal to `tensor_key.digest(value)`.
    fn digest(&self) -> String {
        hex(&Sink::Buf(self.encoding.to_vec()).into_digest())
    }

    /// The SHA-256 digest as 32 bytes.
    fn digest_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &Sink::Buf(self.encoding.to_vec()).into_digest())
    }

    /// The canonical encoding (SPEC.md), as `bytes`.
    #[getter]
    fn encoding<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.encoding)
    }

    /// `"canonical"` or `"bitwise"`.
    #[getter]
    fn floats(&self) -> &'static str {
        if self.bitwise { "bitwise" } else { "canonical" }
    }

    fn __repr__(&self) -> String {
        let d = hex(&Sink::Buf(self.encoding.to_vec()).into_digest());
        let floats = if self.bitwise {
            ", floats='bitwise'"
        } else {
            ""
        };
        format!(
            "Key(<{}>{floats}, digest='{}…')",
            describe(&self.encoding),
            &d[..16]
        )
    }

    /// Pickling keeps the encoding (a key made from it is the same key).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let k = slf.get();
        let ctor = slf.get_type().getattr("_from_encoding")?;
        let args = PyTuple::new(
            py,
            [
                PyBytes::new(py, &k.encoding).into_any(),
                k.floats().into_pyobject(py)?.into_any(),
            ],
        )?;
        Ok((ctor, args))
    }

    /// For unpickling only: trusts `encoding` to be a canonical encoding.
    #[staticmethod]
    fn _from_encoding(encoding: &[u8], floats: &str) -> PyResult<Self> {
        Ok(Key::from_encoding(encoding.to_vec(), parse_floats(floats)?))
    }
}

/// A short description of an encoded value, from its first bytes.
fn describe(e: &[u8]) -> String {
    let u64_at = |i: usize| -> Option<u64> {
        e.get(i..i + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    };
    match e.first() {
        Some(0x50) => {
            let Some(r) = u64_at(1) else {
                return "tensor".into();
            };
            let dims: Option<Vec<u64>> = (0..r as usize).map(|i| u64_at(9 + 8 * i)).collect();
            let Some(dims) = dims else {
                return "tensor".into();
            };
            let elem = match e.get(9 + 8 * r as usize) {
                Some(0xFF) => "any",
                Some(&t) => scalar::name(t),
                None => "?",
            };
            let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!("tensor {elem} [{}]", dims.join(", "))
        }
        Some(&t) if scalar::width(scalar::canonical_tag(t)).is_some() => {
            scalar::name(t).to_string()
        }
        Some(0x00) => "unit".into(),
        Some(0x20) => "str".into(),
        Some(0x30) => "None".into(),
        Some(0x31) => "Some".into(),
        Some(0x40) => format!("tuple of {}", u64_at(1).unwrap_or(0)),
        Some(0x41) => format!("sequence of {}", u64_at(1).unwrap_or(0)),
        Some(0x42) => format!("map of {}", u64_at(1).unwrap_or(0)),
        Some(0x43) => format!("set of {}", u64_at(1).unwrap_or(0)),
        Some(0x60) => format!("struct of {}", u64_at(1).unwrap_or(0)),
        Some(0x61) => "variant".into(),
        _ => "?".into(),
    }
}
