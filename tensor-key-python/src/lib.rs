//! Python bindings of [`tensor_key`]: the extension module `tensor_key._native`
//! behind the Python package `tensor_key` (see `README.md` in this directory
//! for the Python API and the value mapping).
//!
//! A Python value is walked once; numpy arrays are read in place through their
//! data pointer and strides (no numpy copy, any layout; transposed layouts go
//! through bounded row-major slab buffers) and encoded by the core crate, as
//! are scalars and strings; tuples, lists, dicts, sets and the
//! explicit wrappers of the value model are framed as `SPEC.md` prescribes.
//! The result goes to a SHA-256 state (`digest`) or a buffer (`encoding`,
//! `Key`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

mod array;
mod key;
mod scalar;
mod sink;
mod walk;

use sink::{Sink, hex_digits};

/// `floats="canonical"` or `floats="bitwise"`: true for bitwise.
pub(crate) fn parse_floats(floats: &str) -> PyResult<bool> {
    match floats {
        "canonical" => Ok(false),
        "bitwise" => Ok(true),
        other => Err(PyValueError::new_err(format!(
            "floats must be 'canonical' or 'bitwise', not {other:?}"
        ))),
    }
}

fn digest_of(value: &Bound<'_, PyAny>, floats: &str) -> PyResult<[u8; 32]> {
    let mut sink = Sink::sha256();
    walk::encode(value, parse_floats(floats)?, &mut sink)?;
    Ok(sink.into_digest())
}

/// SHA-256 digest of the value's canonical encoding, as 64 lowercase hex digits.
#[pyfunction]
#[pyo3(signature = (value, /, *, floats = "canonical"))]
fn digest<'py>(value: &Bound<'py, PyAny>, floats: &str) -> PyResult<Bound<'py, PyString>> {
    let d = hex_digits(&digest_of(value, floats)?);
    let text = std::str::from_utf8(&d).expect("hex digits are ASCII");
    Ok(PyString::new(value.py(), text))
}

/// SHA-256 digest of the value's canonical encoding, as 32 bytes.
#[pyfunction]
#[pyo3(signature = (value, /, *, floats = "canonical"))]
fn digest_bytes<'py>(value: &Bound<'py, PyAny>, floats: &str) -> PyResult<Bound<'py, PyBytes>> {
    let d = digest_of(value, floats)?;
    Ok(PyBytes::new(value.py(), &d))
}

/// The canonical encoding of the value (SPEC.md), as bytes.
#[pyfunction]
#[pyo3(signature = (value, /, *, floats = "canonical"))]
fn encoding<'py>(value: &Bound<'py, PyAny>, floats: &str) -> PyResult<Bound<'py, PyBytes>> {
    let mut sink = Sink::buffer();
    walk::encode(value, parse_floats(floats)?, &mut sink)?;
    Ok(PyBytes::new(value.py(), &sink.into_bytes()))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(digest, m)?)?;
    m.add_function(wrap_pyfunction!(digest_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(encoding, m)?)?;
    m.add_function(wrap_pyfunction!(walk::_register, m)?)?;
    m.add_class::<key::Key>()?;
    m.add("FORMAT_VERSION", tensor_key::FORMAT_VERSION)?;
    Ok(())
}
