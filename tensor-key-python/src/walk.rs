//! The walk over a Python value that writes its canonical encoding: numpy
//! arrays, scalars and strings are encoded by the core crate; tuples,
//! sequences of composite elements, maps, sets, options, structs and variants
//! are framed here exactly as SPEC.md section 4 writes them (the same framing
//! the core crate's Rust types use), with the parts inside written by the core
//! crate again.

use crate::array::{element_tag, encode_array};
use crate::scalar::{self, Elem, Visit, tag};
use crate::sink::{Sink, SkipSink, emit, put_len};
use ndarray::{ArrayD, IxDyn};
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{
    PyOverflowError, PyRecursionError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyComplex, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet,
    PyString, PyTuple, PyType,
};
use tensor_key::KeySink;

/// Nesting depth beyond which a value is refused (a list that contains
/// itself would otherwise recurse until the stack overflows).
const MAX_DEPTH: u32 = 200;

/// SPEC.md section 3 tags of the composite kinds, from the core crate.
use tensor_key::__private::tag as ctag;

/// The Python side of the value model (`tensor_key/_model.py`) and the numpy
/// helpers, handed over once by `tensor_key/__init__.py`.
pub(crate) struct Model {
    scalar: Py<PyType>,
    str_: Py<PyType>,
    some: Py<PyType>,
    tuple: Py<PyType>,
    seq: Py<PyType>,
    map: Py<PyType>,
    set: Py<PyType>,
    tensor: Py<PyType>,
    struct_: Py<PyType>,
    variant: Py<PyType>,
    bitwise: Py<PyType>,
    canonical: Py<PyType>,
    any: Py<PyAny>,
    generic: Py<PyType>,
    ndarray_ok: Py<PyTuple>,
    asarray: Py<PyAny>,
    fix_array: Py<PyAny>,
    foreign: Py<PyAny>,
}

static MODEL: PyOnceLock<Model> = PyOnceLock::new();

/// Called once by `tensor_key/__init__.py` with the model classes and helpers.
#[pyfunction]
pub(crate) fn _register(py: Python<'_>, d: &Bound<'_, PyDict>) -> PyResult<()> {
    let ty = |k: &str| -> PyResult<Py<PyType>> {
        Ok(d.get_item(k)?
            .ok_or_else(|| PyValueError::new_err(format!("missing {k}")))?
            .cast_into::<PyType>()?
            .unbind())
    };
    let obj = |k: &str| -> PyResult<Py<PyAny>> {
        Ok(d.get_item(k)?
            .ok_or_else(|| PyValueError::new_err(format!("missing {k}")))?
            .unbind())
    };
    let model = Model {
        scalar: ty("Scalar")?,
        str_: ty("Str")?,
        some: ty("Some")?,
        tuple: ty("Tuple")?,
        seq: ty("Seq")?,
        map: ty("Map")?,
        set: ty("Set")?,
        tensor: ty("Tensor")?,
        struct_: ty("Struct")?,
        variant: ty("Variant")?,
        bitwise: ty("Bitwise")?,
        canonical: ty("Canonical")?,
        any: obj("ANY")?,
        generic: ty("generic")?,
        ndarray_ok: obj("ndarray_ok")?
            .bind(py)
            .cast::<PyTuple>()?
            .clone()
            .unbind(),
        asarray: obj("asarray")?,
        fix_array: obj("fix_array")?,
        foreign: obj("foreign")?,
    };
    // A second registration (importlib.reload) keeps the first.
    let _ = MODEL.set(py, model);
    Ok(())
}

fn model(py: Python<'_>) -> PyResult<&'static Model> {
    MODEL
        .get(py)
        .ok_or_else(|| PyRuntimeError::new_err("import tensor_key, not tensor_key._native"))
}

/// Encodes `obj` (canonical floats unless `bitwise`) into `sink`.
pub(crate) fn encode(obj: &Bound<'_, PyAny>, bitwise: bool, sink: &mut Sink) -> PyResult<()> {
    let py = obj.py();
    // The fast path: a plain numpy array at the top.
    if let Ok(a) = obj.cast_exact::<PyUntypedArray>() {
        return encode_array(py, a, bitwise, sink, model(py)?.fix_array.bind(py));
    }
    Walker {
        py,
        m: model(py)?,
        depth: 0,
    }
    .encode(obj, bitwise, sink)
}

struct Walker<'py> {
    py: Python<'py>,
    m: &'static Model,
    depth: u32,
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .fully_qualified_name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

fn is(obj: &Bound<'_, PyAny>, t: &Py<PyType>) -> bool {
    obj.get_type_ptr() == t.as_ptr().cast()
}

impl<'py> Walker<'py> {
    fn encode(&mut self, obj: &Bound<'py, PyAny>, bw: bool, out: &mut Sink) -> PyResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PyRecursionError::new_err(format!(
                "value nested more than {MAX_DEPTH} levels deep (does a container hold itself?)"
            )));
        }
        let result = self.encode_inner(obj, bw, out);
        self.depth -= 1;
        result
    }

    fn encode_inner(&mut self, obj: &Bound<'py, PyAny>, bw: bool, out: &mut Sink) -> PyResult<()> {
        let py = self.py;
        let m = self.m;
        if let Ok(a) = obj.cast_exact::<PyUntypedArray>() {
            return encode_array(py, a, bw, out, m.fix_array.bind(py));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            emit(&*s.to_cow()?, bw, out);
            return Ok(());
        }
        if let Some((t, bits)) = self.scalar_bits(obj)? {
            encode_scalar(t, bits, bw, out);
            return Ok(());
        }
        if obj.is_none() {
            out.write_tag(ctag::NONE);
            return Ok(());
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            if t.is_empty() {
                out.write_tag(ctag::UNIT);
                return Ok(());
            }
            return self.framed(ctag::TUPLE, None, t.iter(), t.len(), bw, out);
        }
        if let Ok(l) = obj.cast::<PyList>() {
            let items: Vec<_> = l.iter().collect();
            return self.list(&items, bw, out);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let entries: Vec<_> = d.iter().collect();
            return self.map(entries, bw, out);
        }
        if let Ok(s) = obj.cast::<PySet>() {
            let items: Vec<_> = s.iter().collect();
            return self.set(&items, bw, out);
        }
        if let Ok(s) = obj.cast::<PyFrozenSet>() {
            let items: Vec<_> = s.iter().collect();
            return self.set(&items, bw, out);
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            emit(b.as_bytes(), bw, out);
            return Ok(());
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            emit(&b.to_vec()[..], bw, out);
            return Ok(());
        }
        if let Some(r) = self.model_value(obj, bw, out) {
            return r;
        }
        if let Ok(a) = obj.cast::<PyUntypedArray>() {
            // An ndarray subclass: only those whose meaning is their data.
            if obj.is_instance(m.ndarray_ok.bind(py).as_any())? {
                return encode_array(py, a, bw, out, m.fix_array.bind(py));
            }
            return Err(PyTypeError::new_err(format!(
                "tensor_key does not encode numpy.ndarray subclass {}: it may carry meaning \
                 beyond its data (a mask, units); pass numpy.asarray(x), or a tuple of the parts",
                type_name(obj)
            )));
        }
        if obj.hasattr(intern!(py, "__dlpack__"))? || obj.hasattr(intern!(py, "__array__"))? {
            let a = m.foreign.bind(py).call1((obj,))?;
            let a = a.cast::<PyUntypedArray>()?;
            return encode_array(py, a, bw, out, m.fix_array.bind(py));
        }
        Err(PyTypeError::new_err(format!(
            "tensor_key cannot encode a value of type {}; see the value mapping in \
             tensor_key's README (wrap it in a supported type, e.g. a tuple of its parts)",
            type_name(obj)
        )))
    }

    /// The explicit wrappers of `tensor_key/_model.py`; `None` if `obj` is none.
    fn model_value(
        &mut self,
        obj: &Bound<'py, PyAny>,
        bw: bool,
        out: &mut Sink,
    ) -> Option<PyResult<()>> {
        let m = self.m;
        let py = self.py;
        let get = |name: &Bound<'py, PyString>| obj.getattr(name);
        let r = if is(obj, &m.str_) {
            get(intern!(py, "value")).and_then(|v| {
                let s = v.cast::<PyString>()?.to_cow()?.into_owned();
                emit(&*s, bw, out);
                Ok(())
            })
        } else if is(obj, &m.some) {
            out.write_tag(ctag::SOME);
            get(intern!(py, "value")).and_then(|v| self.encode(&v, bw, out))
        } else if is(obj, &m.tuple) {
            get(intern!(py, "items")).and_then(|items| {
                let items = items.cast_into::<PyTuple>()?;
                if items.is_empty() {
                    return Err(PyValueError::new_err("a Tuple has at least one element"));
                }
                self.framed(ctag::TUPLE, None, items.iter(), items.len(), bw, out)
            })
        } else if is(obj, &m.struct_) {
            get(intern!(py, "fields")).and_then(|f| {
                let f = f.cast_into::<PyTuple>()?;
                self.framed(ctag::STRUCT, None, f.iter(), f.len(), bw, out)
            })
        } else if is(obj, &m.variant) {
            (|| {
                let index: u32 = get(intern!(py, "index"))?.extract()?;
                let f = get(intern!(py, "fields"))?.cast_into::<PyTuple>()?;
                self.framed(ctag::VARIANT, Some(index), f.iter(), f.len(), bw, out)
            })()
        } else if is(obj, &m.seq) || is(obj, &m.tensor) {
            self.seq_or_tensor(obj, bw, out)
        } else if is(obj, &m.map) {
            (|| {
                let entries = get(intern!(py, "entries"))?;
                let mut pairs = Vec::new();
                for e in entries.try_iter()? {
                    let e = e?;
                    let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = e.extract()?;
                    pairs.push((k, v));
                }
                self.map(pairs, bw, out)
            })()
        } else if is(obj, &m.set) {
            (|| {
                let items: Vec<_> = get(intern!(py, "items"))?
                    .try_iter()?
                    .collect::<PyResult<_>>()?;
                self.set(&items, bw, out)
            })()
        } else if is(obj, &m.bitwise) {
            get(intern!(py, "value")).and_then(|v| self.encode(&v, true, out))
        } else if is(obj, &m.canonical) {
            get(intern!(py, "value")).and_then(|v| self.encode(&v, false, out))
        } else if obj.is(m.any.bind(py)) {
            Err(PyTypeError::new_err(
                "ANY is an element type (Seq(ANY, ...), Tensor(ANY, ...)), not a value",
            ))
        } else {
            return None;
        };
        Some(r)
    }

    /// `tag || [u32 index] || u64(n) || n encodings`: tuples, structs, variants.
    fn framed(
        &mut self,
        t: u8,
        index: Option<u32>,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        n: usize,
        bw: bool,
        out: &mut Sink,
    ) -> PyResult<()> {
        out.write_tag(t);
        if let Some(i) = index {
            out.write(&i.to_le_bytes());
        }
        put_len(out, n);
        for x in items {
            self.encode(&x, bw, out)?;
        }
        Ok(())
    }

    /// A plain list: a `Vec` of the elements' scalar type when they all have
    /// the same one (a scalar element block), else of composite elements (an
    /// `FF` block). The empty list is an empty composite `Vec`.
    fn list(&mut self, items: &[Bound<'py, PyAny>], bw: bool, out: &mut Sink) -> PyResult<()> {
        if let Some(first) = items.first()
            && let Some((t, b0)) = self.scalar_bits(first)?
        {
            let mut bits = Vec::with_capacity(items.len());
            bits.push(b0);
            let mut same = true;
            for x in &items[1..] {
                match self.scalar_bits(x)? {
                    Some((tx, b)) if tx == t => bits.push(b),
                    _ => {
                        same = false;
                        break;
                    }
                }
            }
            if same {
                encode_scalar_seq(t, None, &bits, bw, out);
                return Ok(());
            }
        }
        out.write_tag(ctag::SEQ);
        put_len(out, items.len());
        out.write_tag(ctag::ANY);
        for x in items {
            self.encode(x, bw, out)?;
        }
        Ok(())
    }

    /// `Seq(elem, items)` and `Tensor(elem, shape, items)` of the value model.
    fn seq_or_tensor(&mut self, obj: &Bound<'py, PyAny>, bw: bool, out: &mut Sink) -> PyResult<()> {
        let py = self.py;
        let elem = obj.getattr(intern!(py, "elem"))?;
        let items: Vec<_> = obj
            .getattr(intern!(py, "items"))?
            .try_iter()?
            .collect::<PyResult<_>>()?;
        let shape: Option<Vec<usize>> = if is(obj, &self.m.tensor) {
            let shape: Vec<usize> = obj.getattr(intern!(py, "shape"))?.extract()?;
            // An extent of 0 makes the tensor empty whatever the others are.
            let count = if shape.contains(&0) {
                Some(0)
            } else {
                shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n))
            };
            if count != Some(items.len()) {
                return Err(PyValueError::new_err(format!(
                    "Tensor of shape {shape:?} needs as many items as the shape's product, got {}",
                    items.len()
                )));
            }
            Some(shape)
        } else {
            None
        };
        if elem.is(self.m.any.bind(py)) {
            match &shape {
                Some(shape) => {
                    out.write_tag(ctag::TENSOR);
                    put_len(out, shape.len());
                    for &n in shape {
                        put_len(out, n);
                    }
                }
                None => {
                    out.write_tag(ctag::SEQ);
                    put_len(out, items.len());
                }
            }
            out.write_tag(ctag::ANY);
            for x in &items {
                self.encode(x, bw, out)?;
            }
            return Ok(());
        }
        let t: u8 = elem.getattr(intern!(py, "tag"))?.extract()?;
        if scalar::width(t).is_none() {
            return Err(PyValueError::new_err(format!(
                "element type tag {t:#04x} is not a scalar type of SPEC.md"
            )));
        }
        let mut bits = Vec::with_capacity(items.len());
        for x in &items {
            match self.scalar_bits(x)? {
                Some((tx, b)) if tx == t => bits.push(b),
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "element {} is not a {}",
                        x.repr()?,
                        scalar::name(t)
                    )));
                }
            }
        }
        encode_scalar_seq(t, shape.as_deref(), &bits, bw, out);
        Ok(())
    }

    /// SPEC.md 4.8: entries encoded aside, written in bytewise order, each
    /// distinct `key || value` string once.
    fn map(
        &mut self,
        entries: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
        bw: bool,
        out: &mut Sink,
    ) -> PyResult<()> {
        let mut encoded = Vec::with_capacity(entries.len());
        for (k, v) in &entries {
            let mut s = Sink::buffer();
            self.encode(k, bw, &mut s)?;
            self.encode(v, bw, &mut s)?;
            encoded.push(s.into_bytes());
        }
        write_sorted(ctag::MAP, encoded, out);
        Ok(())
    }

    fn set(&mut self, items: &[Bound<'py, PyAny>], bw: bool, out: &mut Sink) -> PyResult<()> {
        let mut encoded = Vec::with_capacity(items.len());
        for x in items {
            let mut s = Sink::buffer();
            self.encode(x, bw, &mut s)?;
            encoded.push(s.into_bytes());
        }
        write_sorted(ctag::SET, encoded, out);
        Ok(())
    }

    /// The scalar type (tag) and payload bits of a scalar value, or `None` for
    /// a value that is not a scalar.
    fn scalar_bits(&self, obj: &Bound<'py, PyAny>) -> PyResult<Option<(u8, u128)>> {
        if let Ok(b) = obj.cast_exact::<PyBool>() {
            return Ok(Some((tag::BOOL, b.is_true() as u128)));
        }
        if obj.is_exact_instance_of::<PyFloat>() || obj.is_instance_of::<PyFloat>() {
            let x = obj.cast::<PyFloat>()?.value();
            return Ok(Some((tag::F64, x.to_bits() as u128)));
        }
        if let Ok(i) = obj.cast::<PyInt>() {
            return match i.extract::<i64>() {
                Ok(v) => Ok(Some((tag::I64, v as u64 as u128))),
                Err(_) => Err(PyOverflowError::new_err(format!(
                    "int {} is outside the range of i64, the type of a Python int in \
                     tensor_key; wrap it: U64(x), I128(x) or U128(x)",
                    i.repr()?
                ))),
            };
        }
        if let Ok(c) = obj.cast::<PyComplex>() {
            let re = c.real().to_bits() as u128;
            let im = c.imag().to_bits() as u128;
            return Ok(Some((tag::C64, re | (im << 64))));
        }
        if is(obj, &self.m.scalar) {
            return self.wrapper_bits(obj).map(Some);
        }
        if obj.is_instance(self.m.generic.bind(self.py).as_any())?
            && !obj.is_instance_of::<PyBytes>()
        {
            return self.numpy_scalar_bits(obj).map(Some);
        }
        Ok(None)
    }

    /// A `Scalar` of the value model: its type's tag and its payload.
    fn wrapper_bits(&self, obj: &Bound<'py, PyAny>) -> PyResult<(u8, u128)> {
        let py = self.py;
        let t: u8 = obj
            .getattr(intern!(py, "type"))?
            .getattr(intern!(py, "tag"))?
            .extract()?;
        let payload = obj.getattr(intern!(py, "payload"))?;
        let w = scalar::width(t).ok_or_else(|| PyValueError::new_err(format!("bad tag {t}")))?;
        let range = |ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(PyOverflowError::new_err(format!(
                    "{} is out of range for {}",
                    payload
                        .repr()
                        .map_or_else(|_| "?".into(), |r| r.to_string()),
                    scalar::name(t)
                )))
            }
        };
        let bits_of = |p: &Bound<'py, PyAny>, width: u32| -> PyResult<u128> {
            let b: u128 = p.extract()?;
            if width < 128 && b >> width != 0 {
                return Err(PyValueError::new_err(format!(
                    "{b:#x} is not a {width}-bit pattern"
                )));
            }
            Ok(b)
        };
        let bits = match t {
            tag::BOOL => payload.cast::<PyBool>()?.is_true() as u128,
            tag::U8 | tag::U16 | tag::U32 | tag::U64 | tag::U128 => {
                let v: u128 = payload.extract().map_err(|_| {
                    PyOverflowError::new_err(format!(
                        "payload out of range for {}",
                        scalar::name(t)
                    ))
                })?;
                range(w == 16 || v >> (8 * w) == 0)?;
                v
            }
            tag::I8 | tag::I16 | tag::I32 | tag::I64 | tag::I128 => {
                let v: i128 = payload.extract().map_err(|_| {
                    PyOverflowError::new_err(format!(
                        "payload out of range for {}",
                        scalar::name(t)
                    ))
                })?;
                let half = 1i128 << (8 * w as u32 - 1).min(126);
                range(w == 16 || (-half..half).contains(&v))?;
                v as u128
            }
            tag::CHAR => {
                let cp: u32 = payload.extract()?;
                if char::from_u32(cp).is_none() {
                    return Err(PyValueError::new_err(format!(
                        "{cp:#x} is not a Unicode scalar value"
                    )));
                }
                cp as u128
            }
            tag::F16 | tag::BF16 | tag::F32 | tag::F64 => bits_of(&payload, 8 * w as u32)?,
            tag::C32 | tag::C64 => {
                let (re, im): (Bound<'py, PyAny>, Bound<'py, PyAny>) = payload.extract()?;
                let half = 4 * w as u32;
                bits_of(&re, half)? | (bits_of(&im, half)? << half)
            }
            _ => return Err(PyValueError::new_err(format!("bad tag {t}"))),
        };
        Ok((t, bits))
    }

    /// A numpy scalar (`np.float32(1.5)`, `np.bool_`, `np.uint64`...): read
    /// from the 0-d array numpy makes of it, bits exact.
    fn numpy_scalar_bits(&self, obj: &Bound<'py, PyAny>) -> PyResult<(u8, u128)> {
        let py = self.py;
        let mut a = self.m.asarray.bind(py).call1((obj,))?;
        let mut arr = a.cast::<PyUntypedArray>()?.clone();
        let descr = arr.dtype();
        let t = element_tag(&descr)?;
        if !descr.is_native_byteorder().unwrap_or(true) {
            a = self.m.fix_array.bind(py).call1((arr,))?;
            arr = a.cast::<PyUntypedArray>()?.clone();
        }
        let size = arr.dtype().itemsize();
        // SAFETY: a live 0-d array holds one element of `size` bytes.
        let data = unsafe {
            std::slice::from_raw_parts((*arr.as_array_ptr()).fields.data as *const u8, size)
        };
        let mut buf = [0u8; 16];
        buf[..size].copy_from_slice(data);
        let mut bits = u128::from_le_bytes(buf);
        if t == tag::BOOL {
            bits = (bits != 0) as u128;
        }
        Ok((t, bits))
    }
}

/// `tag || u64(n) || distinct encodings in bytewise order` (SPEC.md 4.8).
fn write_sorted(t: u8, mut encoded: Vec<Vec<u8>>, out: &mut Sink) {
    encoded.sort_unstable();
    encoded.dedup();
    out.write_tag(t);
    put_len(out, encoded.len());
    for e in &encoded {
        out.write(e);
    }
}

struct One<'a> {
    bits: u128,
    bw: bool,
    out: &'a mut Sink,
}

impl Visit for One<'_> {
    type Out = ();
    fn visit<T: Elem>(self) {
        emit(&T::from_bits(self.bits), self.bw, self.out);
    }
}

/// One scalar, written by the core crate.
fn encode_scalar(t: u8, bits: u128, bw: bool, out: &mut Sink) {
    scalar::dispatch(t, One { bits, bw, out }).expect("a scalar tag");
}

struct Many<'a> {
    shape: Option<&'a [usize]>,
    bits: &'a [u128],
    bw: bool,
    out: &'a mut Sink,
}

impl Visit for Many<'_> {
    type Out = ();
    fn visit<T: Elem>(self) {
        let v: Vec<T> = self.bits.iter().map(|&b| T::from_bits(b)).collect();
        match self.shape {
            None => emit(&v[..], self.bw, self.out),
            Some(shape) => match ArrayD::from_shape_vec(IxDyn(shape), v) {
                Ok(a) => emit(&a, self.bw, self.out),
                // An empty tensor whose other extents multiply past isize::MAX,
                // which ndarray cannot describe: SPEC.md 4.10 framing and an
                // empty element block (the tag alone), written here.
                Err(_) => {
                    debug_assert!(self.bits.is_empty());
                    self.out.write_tag(ctag::TENSOR);
                    put_len(self.out, shape.len());
                    for &n in shape {
                        put_len(self.out, n);
                    }
                    let none: [T; 0] = [];
                    let mut block = SkipSink {
                        inner: &mut *self.out,
                        skip: 9, // `41 || u64(0)` of the empty sequence
                    };
                    emit(&none[..], self.bw, &mut block);
                }
            },
        }
    }
}

/// A `Vec` (no shape) or tensor of scalars, written by the core crate.
fn encode_scalar_seq(t: u8, shape: Option<&[usize]>, bits: &[u128], bw: bool, out: &mut Sink) {
    scalar::dispatch(
        t,
        Many {
            shape,
            bits,
            bw,
            out,
        },
    )
    .expect("a scalar tag");
}
