//! Checks digests computed by the Python reference implementation
//! (`python/gen_random.py`) against this crate.
//!
//! Each input line is either a tensor or a record:
//!
//! * `{"dtype", "shape", "data", "digest"}`: the elements in logical row-major
//!   order as little-endian hex. The tensor is rebuilt as an `ArrayD` and
//!   digested in several memory layouts (C, Fortran, permuted axes, negative
//!   strides); every digest must equal the Python one.
//! * `{"kind": "record", "parts", "digests"}`: structured values (sets and maps
//!   of keys whose `Ord` disagrees with their encoding, derived enums with
//!   explicit discriminants, unit and one-field structs, per-field float
//!   attributes, wrapped scalars as elements, standard-library value types;
//!   see `support/records.rs`). Each part, the record struct holding them and
//!   `Bitwise(record)` must have the Python digests.
//!
//! ```sh
//! python3 python/gen_random.py --seed 1 --count 3000 --out /tmp/tensors.jsonl
//! cargo run --release --features half --example crosscheck -- /tmp/tensors.jsonl
//! ```
//!
//! Without `--features half`, `float16` and `bfloat16` lines are an error.

use ndarray::{ArrayD, IxDyn, ShapeBuilder, Slice};
use num_complex::Complex;
use serde_json::Value;
use std::process::ExitCode;
use tensor_key::FrozenKey;

#[path = "support/records.rs"]
mod records;

/// An element type rebuilt from its little-endian bytes.
trait Element: FrozenKey + Clone + Default {
    const SIZE: usize;
    fn from_le(bytes: &[u8]) -> Result<Self, String>;
}

macro_rules! le_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_le(bytes: &[u8]) -> Result<Self, String> {
                Ok(<$t>::from_le_bytes(bytes.try_into().map_err(|_| "element width")?))
            }
        }
    )*};
}

le_element!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

impl Element for bool {
    const SIZE: usize = 1;
    fn from_le(bytes: &[u8]) -> Result<Self, String> {
        match bytes {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(format!("bool byte {bytes:?} is neither 0 nor 1")),
        }
    }
}

impl<T: Element> Element for Complex<T>
where
    Complex<T>: FrozenKey,
{
    const SIZE: usize = 2 * T::SIZE;
    fn from_le(bytes: &[u8]) -> Result<Self, String> {
        let (re, im) = bytes.split_at(T::SIZE);
        Ok(Complex::new(T::from_le(re)?, T::from_le(im)?))
    }
}

#[cfg(feature = "half")]
impl Element for half::f16 {
    const SIZE: usize = 2;
    fn from_le(bytes: &[u8]) -> Result<Self, String> {
        Ok(half::f16::from_bits(<u16 as Element>::from_le(bytes)?))
    }
}

#[cfg(feature = "half")]
impl Element for half::bf16 {
    const SIZE: usize = 2;
    fn from_le(bytes: &[u8]) -> Result<Self, String> {
        Ok(half::bf16::from_bits(<u16 as Element>::from_le(bytes)?))
    }
}

/// The digests of one tensor in several memory layouts, named.
fn digests<T: Element>(
    shape: &[usize],
    data: &[u8],
) -> Result<Vec<(&'static str, String)>, String> {
    if !data.len().is_multiple_of(T::SIZE) {
        return Err(format!(
            "{} data bytes is not a multiple of {}",
            data.len(),
            T::SIZE
        ));
    }
    let items = data
        .chunks_exact(T::SIZE)
        .map(T::from_le)
        .collect::<Result<Vec<T>, String>>()?;
    let c = ArrayD::from_shape_vec(IxDyn(shape), items).map_err(|e| e.to_string())?;

    let mut fortran = ArrayD::from_elem(IxDyn(shape).f(), T::default());
    fortran.assign(&c);
    let permuted = c.t().as_standard_layout().into_owned(); // axes reversed in storage
    // Standard-layout storage of the reversed values (`to_owned` would keep the
    // negative strides), viewed back through negative strides below.
    let reversed = c
        .slice_each_axis(|_| Slice::new(0, None, -1))
        .as_standard_layout()
        .into_owned();

    Ok(vec![
        ("C order", c.digest().to_hex()),
        ("Fortran order", fortran.digest().to_hex()),
        ("reversed axes (.t())", permuted.t().digest().to_hex()),
        (
            "negative strides",
            reversed
                .slice_each_axis(|_| Slice::new(0, None, -1))
                .digest()
                .to_hex(),
        ),
    ])
}

/// A record line: every part's digest against the Python one.
fn check_record(v: &Value) -> Result<(), String> {
    let parts = v.get("parts").ok_or("record without parts")?;
    let want = v
        .get("digests")
        .and_then(Value::as_object)
        .ok_or("record without digests")?;
    #[cfg_attr(not(feature = "half"), allow(unused_mut))]
    let mut got = records::digests(&records::record(parts)?);
    if parts.get("vec_box_bf16").is_some() {
        #[cfg(feature = "half")]
        got.extend(records::half_digests(parts)?);
        #[cfg(not(feature = "half"))]
        return Err(
            "half-precision parts need `--features half` (or gen_random.py --no-half)".into(),
        );
    }
    if got.len() != want.len() {
        return Err(format!(
            "Python sent {} digests, Rust computed {}",
            want.len(),
            got.len()
        ));
    }
    for (name, digest) in got {
        let expected = want
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no Python digest for part {name}"))?;
        if digest != expected {
            return Err(format!(
                "record part {name} = {}: Rust digest {digest}, Python digest {expected}",
                parts
                    .get(name)
                    .map_or_else(|| "(the whole record)".into(), Value::to_string)
            ));
        }
    }
    Ok(())
}

fn check_line(line: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("bad JSON: {e}"))?;
    if v.get("kind").and_then(Value::as_str) == Some("record") {
        return check_record(&v);
    }
    let field = |k: &str| v.get(k).ok_or_else(|| format!("missing field {k:?}"));
    let dtype = field("dtype")?.as_str().ok_or("dtype is not a string")?;
    let shape = field("shape")?
        .as_array()
        .ok_or("shape is not an array")?
        .iter()
        .map(|n| n.as_u64().map(|n| n as usize).ok_or("bad extent"))
        .collect::<Result<Vec<usize>, _>>()?;
    let data = hex_decode(field("data")?.as_str().ok_or("data is not a string")?)?;
    let want = field("digest")?.as_str().ok_or("digest is not a string")?;

    let got = match dtype {
        "bool" => digests::<bool>(&shape, &data),
        "uint8" => digests::<u8>(&shape, &data),
        "uint16" => digests::<u16>(&shape, &data),
        "uint32" => digests::<u32>(&shape, &data),
        "uint64" => digests::<u64>(&shape, &data),
        "int8" => digests::<i8>(&shape, &data),
        "int16" => digests::<i16>(&shape, &data),
        "int32" => digests::<i32>(&shape, &data),
        "int64" => digests::<i64>(&shape, &data),
        "float32" => digests::<f32>(&shape, &data),
        "float64" => digests::<f64>(&shape, &data),
        "complex64" => digests::<Complex<f32>>(&shape, &data),
        "complex128" => digests::<Complex<f64>>(&shape, &data),
        #[cfg(feature = "half")]
        "float16" => digests::<half::f16>(&shape, &data),
        #[cfg(feature = "half")]
        "bfloat16" => digests::<half::bf16>(&shape, &data),
        #[cfg(not(feature = "half"))]
        "float16" | "bfloat16" => Err(format!(
            "{dtype} needs `--features half` (or generate with gen_random.py --no-half)"
        )),
        other => Err(format!("unknown dtype {other:?}")),
    }?;
    for (layout, digest) in got {
        if digest != want {
            return Err(format!(
                "{dtype} tensor of shape {shape:?} in {layout}: Rust digest {digest}, Python digest {want}"
            ));
        }
    }
    Ok(())
}

fn hex_decode(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return Err("data is not an even number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("bad hex: {e}")))
        .collect()
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: crosscheck FILE.jsonl  (written by python/gen_random.py)");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("crosscheck: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut checked = 0usize;
    let mut records = 0usize;
    let mut failed = 0usize;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        checked += 1;
        records += usize::from(line.contains(r#""kind": "record""#));
        if let Err(e) = check_line(line) {
            failed += 1;
            if failed <= 20 {
                eprintln!("crosscheck: {path}:{}: {e}", n + 1);
            }
        }
    }
    if failed > 0 || checked == 0 {
        eprintln!(
            "crosscheck: FAILED: {failed} of {checked} values failed the check against the Python reference"
        );
        return ExitCode::FAILURE;
    }
    println!(
        "crosscheck: {checked} values checked ({} tensors in 4 layouts each, {records} records part by part): every Rust digest equals the Python one",
        checked - records,
    );
    ExitCode::SUCCESS
}
