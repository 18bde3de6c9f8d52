//! numpy arrays, read in place: the data pointer, shape and byte strides of the
//! array become an `ndarray::ArrayView` with the same strides (negative ones by
//! inverting the axis, zero ones as they are), and the core crate encodes that
//! view. No numpy copy is made, whatever the layout; the only copies are of
//! arrays the view cannot describe (byte-swapped, misaligned, or a bool array
//! holding bytes other than 0 and 1), made by numpy and then read the same way.

use crate::scalar::{self, Elem, Visit, tag};
use crate::sink::{Sink, SkipSink, emit, put_len};
use ndarray::{ArrayView, Axis, IxDyn, ShapeBuilder, Slice};
use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// Tensors of at least this many bytes are hashed with the GIL released.
const RELEASE_GIL_BYTES: usize = 64 * 1024;
/// Tensors bigger than this are encoded slab by slab, each slab with the GIL
/// released, checking for signals (Ctrl-C) between slabs.
const SLAB_BYTES: usize = 16 * 1024 * 1024;

/// The SPEC.md scalar tag of a numpy dtype, or a `TypeError` naming it.
pub(crate) fn element_tag(descr: &Bound<'_, PyArrayDescr>) -> PyResult<u8> {
    let t = if descr.has_fields() || descr.has_subarray() {
        None
    } else {
        match (descr.kind(), descr.itemsize()) {
            (b'b', 1) => Some(tag::BOOL),
            (b'u', 1) => Some(tag::U8),
            (b'u', 2) => Some(tag::U16),
            (b'u', 4) => Some(tag::U32),
            (b'u', 8) => Some(tag::U64),
            (b'i', 1) => Some(tag::I8),
            (b'i', 2) => Some(tag::I16),
            (b'i', 4) => Some(tag::I32),
            (b'i', 8) => Some(tag::I64),
            (b'f', 2) => Some(tag::F16),
            (b'f', 4) => Some(tag::F32),
            (b'f', 8) => Some(tag::F64),
            (b'c', 8) => Some(tag::C32),
            (b'c', 16) => Some(tag::C64),
            // ml_dtypes.bfloat16 (also what JAX and TensorFlow hand to numpy).
            (b'V', 2) if descr.typeobj().name()?.to_cow()? == "bfloat16" => Some(tag::BF16),
            _ => None,
        }
    };
    t.ok_or_else(|| {
        PyTypeError::new_err(format!(
            "numpy dtype {} has no tensor-key element type; supported: bool, int8..int64, \
             uint8..uint64, float16, bfloat16 (ml_dtypes), float32, float64, complex64, complex128",
            descr
                .repr()
                .map_or_else(|_| "?".to_string(), |r| r.to_string())
        ))
    })
}

/// An array as the core crate can see it: element tag, data pointer, shape and
/// strides in bytes.
struct Raw {
    tag: u8,
    size: usize,
    ptr: *const u8,
    shape: Vec<usize>,
    strides: Vec<isize>,
}

// SAFETY: `Raw` is only read while the array it describes is alive (the caller
// holds a reference to it); see `encode_array` on concurrent mutation.
unsafe impl Send for Raw {}
unsafe impl Sync for Raw {}

impl Raw {
    /// Whether an `ArrayView` can describe the array: element-aligned data and
    /// strides that are whole elements (on every axis longer than 1).
    fn viewable(&self) -> bool {
        let align = if matches!(self.tag, tag::C32 | tag::C64) {
            self.size / 2
        } else {
            self.size
        };
        (self.ptr as usize).is_multiple_of(align)
            && self
                .shape
                .iter()
                .zip(&self.strides)
                .all(|(&n, &s)| n <= 1 || s % self.size as isize == 0)
    }

    /// The array as an `ArrayView` with its own strides.
    ///
    /// # Safety
    /// `self` describes live, readable memory of `T` values; `viewable()` holds.
    unsafe fn view<'a, T>(&self) -> ArrayView<'a, T, IxDyn> {
        if self.shape.contains(&0) {
            return ArrayView::from_shape(IxDyn(&self.shape), &[]).expect("an empty shape");
        }
        let mut ptr = self.ptr;
        let mut strides = Vec::with_capacity(self.shape.len());
        let mut inverted = Vec::new();
        for (axis, (&n, &s)) in self.shape.iter().zip(&self.strides).enumerate() {
            if n <= 1 {
                strides.push(0);
                continue;
            }
            let elems = s / self.size as isize;
            if elems < 0 {
                // ndarray wants non-negative strides: start at the lowest
                // address and walk the axis backwards.
                // SAFETY: the last element along the axis is inside the array.
                ptr = unsafe { ptr.offset(s * (n as isize - 1)) };
                inverted.push(axis);
            }
            strides.push(elems.unsigned_abs());
        }
        let shape = IxDyn(&self.shape).strides(IxDyn(&strides));
        // SAFETY: numpy guarantees every index of the array is in bounds of its
        // buffer; alignment and whole-element strides are checked by `viewable`.
        let mut v = unsafe { ArrayView::from_shape_ptr(shape, ptr.cast::<T>()) };
        for axis in inverted {
            v.invert_axis(Axis(axis));
        }
        v
    }
}

fn raw(arr: &Bound<'_, PyUntypedArray>, t: u8, size: usize) -> Raw {
    // SAFETY: `arr` is a live numpy array; its `data` field is its first element.
    let ptr = unsafe { (*arr.as_array_ptr()).fields.data } as *const u8;
    Raw {
        tag: t,
        size,
        ptr,
        shape: arr.shape().to_vec(),
        strides: arr.strides().to_vec(),
    }
}

/// Encodes a numpy array as a tensor (SPEC.md 4.10). `fix` is the Python helper
/// that returns a native-order, aligned copy with 0/1 bools.
///
/// The array must stay alive and unmodified while it is hashed; the caller
/// holds a reference, so it stays alive. Another thread writing to it during
/// the call is a data race, as it is for every numpy function that releases
/// the GIL: the digest is then of some mix of old and new values.
pub(crate) fn encode_array(
    py: Python<'_>,
    arr: &Bound<'_, PyUntypedArray>,
    bitwise: bool,
    sink: &mut Sink,
    fix: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let descr = arr.dtype();
    let t = element_tag(&descr)?;
    let r = raw(arr, t, descr.itemsize());
    let native = descr.is_native_byteorder().unwrap_or(true);
    if !native || !r.viewable() || (t == tag::BOOL && !bools_are_01(&r)) {
        let fixed = fix.call1((arr,))?;
        let fixed = fixed.cast::<PyUntypedArray>()?;
        let r2 = raw(fixed, t, fixed.dtype().itemsize());
        debug_assert!(r2.viewable());
        return encode_raw(py, &r2, bitwise, sink);
    }
    encode_raw(py, &r, bitwise, sink)
}

/// True when every byte of a bool array is 0 or 1 (numpy allows others through
/// views; a Rust `bool` does not). Axes of stride 0 are visited once.
fn bools_are_01(r: &Raw) -> bool {
    let collapsed = Raw {
        tag: tag::U8,
        size: 1,
        ptr: r.ptr,
        shape: r
            .shape
            .iter()
            .zip(&r.strides)
            .map(|(&n, &s)| if s == 0 { n.min(1) } else { n })
            .collect(),
        strides: r.strides.clone(),
    };
    // SAFETY: the same memory, read as bytes.
    let v = unsafe { collapsed.view::<u8>() };
    v.iter().all(|&b| b <= 1)
}

fn encode_raw(py: Python<'_>, r: &Raw, bitwise: bool, sink: &mut Sink) -> PyResult<()> {
    scalar::dispatch(
        r.tag,
        ViewVisit {
            py,
            r,
            bitwise,
            sink,
        },
    )
    .expect("an array tag")
}

struct ViewVisit<'a, 'py> {
    py: Python<'py>,
    r: &'a Raw,
    bitwise: bool,
    sink: &'a mut Sink,
}

impl Visit for ViewVisit<'_, '_> {
    type Out = PyResult<()>;
    fn visit<T: Elem>(self) -> PyResult<()> {
        // SAFETY: see `encode_array`; `viewable` was checked.
        let v = unsafe { self.r.view::<T>() };
        encode_view(self.py, v, self.r.tag, self.bitwise, self.sink)
    }
}

/// Encodes a tensor view through the core crate; big ones without the GIL and
/// in slabs, so that other threads run and Ctrl-C is honoured.
pub(crate) fn encode_view<T: Elem>(
    py: Python<'_>,
    v: ArrayView<'_, T, IxDyn>,
    t: u8,
    bitwise: bool,
    sink: &mut Sink,
) -> PyResult<()> {
    let header = 1 + 8 + 8 * v.ndim() + 1;
    let size = std::mem::size_of::<T>();
    let bytes = v
        .shape()
        .iter()
        .try_fold(size, |acc, &n| acc.checked_mul(n));
    sink.reserve(bytes.and_then(|b| b.checked_add(header)))?;
    let bytes = bytes.unwrap_or(usize::MAX);
    if bytes < RELEASE_GIL_BYTES {
        emit(&v, bitwise, sink);
        return Ok(());
    }
    if bytes <= SLAB_BYTES {
        py.detach(|| emit(&v, bitwise, sink));
        return Ok(());
    }
    // Slabs: the header as SPEC.md 4.10 writes it, then each slab's elements
    // (the slab encoded by the core crate as a tensor, minus its own header).
    let shape = v.shape().to_vec();
    sink.write_tag(0x50);
    put_len(sink, shape.len());
    for &n in &shape {
        put_len(sink, n);
    }
    sink.write_tag(scalar::tag_under(t, bitwise));
    // The first axis whose sub-blocks fit in a slab.
    let mut k = 0;
    while shape[k + 1..].iter().product::<usize>() * size > SLAB_BYTES {
        k += 1;
    }
    let inner = shape[k + 1..].iter().product::<usize>() * size;
    let step = (SLAB_BYTES / inner).max(1);
    let outer: usize = shape[..k].iter().product();
    let mut index = vec![0usize; k];
    for o in 0..outer {
        let mut rest = o;
        for axis in (0..k).rev() {
            index[axis] = rest % shape[axis];
            rest /= shape[axis];
        }
        let mut sub = v.view();
        for &i in &index {
            sub = sub.index_axis_move(Axis(0), i);
        }
        let mut start = 0;
        while start < shape[k] {
            let end = (start + step).min(shape[k]);
            let slab = sub.slice_axis(Axis(0), Slice::from(start..end));
            let skip = 1 + 8 + 8 * slab.ndim() + 1;
            py.detach(|| {
                let mut s = SkipSink {
                    inner: &mut *sink,
                    skip,
                };
                emit(&slab, bitwise, &mut s);
            });
            py.check_signals()?;
            start = end;
        }
    }
    Ok(())
}
