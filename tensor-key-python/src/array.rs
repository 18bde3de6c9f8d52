//! numpy arrays, read in place: the data pointer, shape and byte strides of the
//! array become an `ndarray::ArrayView` with the same strides (negative ones by
//! inverting the axis, zero ones as they are), and the core crate encodes that
//! view. No numpy copy is made, whatever the layout; the only copies are of
//! arrays the view cannot describe (byte-swapped, misaligned, or a bool array
//! holding bytes other than 0 and 1), made by numpy and then read the same way.

use crate::scalar::{self, Elem, Visit, tag};
use crate::sink::{Sink, SkipSink, emit, put_len};
use ndarray::{ArrayView, ArrayViewMut, Axis, IxDyn, ShapeBuilder, Slice};
use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use std::borrow::Cow;

/// Tensors of at least this many bytes are hashed with the GIL released.
const RELEASE_GIL_BYTES: usize = 64 * 1024;
/// Tensors bigger than this are encoded slab by slab, each slab with the GIL
/// released, checking for signals (Ctrl-C) between slabs.
const SLAB_BYTES: usize = 16 * 1024 * 1024;

/// The SPEC.md scalar tag of a numpy dtype, or a `TypeError` naming it.
pub(crate) fn element_tag(descr: &Bound<'_, PyArrayDescr>) -> PyResult<u8> {
    let kind = descr.kind();
    let t = if kind == b'V' && (descr.has_fields() || descr.has_subarray()) {
        None
    } else {
        match (kind, descr.itemsize()) {
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
struct Raw<'a> {
    tag: u8,
    size: usize,
    ptr: *const u8,
    shape: Cow<'a, [usize]>,
    strides: Cow<'a, [isize]>,
}

impl Raw<'_> {
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
                .zip(self.strides.iter())
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
        // Inline (no allocation) up to rank 4, like the shape.
        let mut strides = IxDyn::zeros(self.shape.len());
        let mut inverted = Vec::new();
        for (axis, (&n, &s)) in self.shape.iter().zip(self.strides.iter()).enumerate() {
            if n <= 1 {
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
            strides[axis] = elems.unsigned_abs();
        }
        let shape = IxDyn(&self.shape).strides(strides);
        // SAFETY: numpy guarantees every index of the array is in bounds of its
        // buffer; alignment and whole-element strides are checked by `viewable`.
        let mut v = unsafe { ArrayView::from_shape_ptr(shape, ptr.cast::<T>()) };
        for axis in inverted {
            v.invert_axis(Axis(axis));
        }
        v
    }
}

fn raw<'a>(arr: &'a Bound<'_, PyUntypedArray>, t: u8, size: usize) -> Raw<'a> {
    // SAFETY: `arr` is a live numpy array; its `data` field is its first element.
    let ptr = unsafe { (*arr.as_array_ptr()).fields.data } as *const u8;
    Raw {
        tag: t,
        size,
        ptr,
        shape: Cow::Borrowed(arr.shape()),
        strides: Cow::Borrowed(arr.strides()),
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
    if !native || !r.viewable() || (t == tag::BOOL && !bools_are_01(py, &r)?) {
        let fixed = fix.call1((arr,))?;
        let fixed = fixed.cast::<PyUntypedArray>()?;
        let r2 = raw(fixed, t, fixed.dtype().itemsize());
        debug_assert!(r2.viewable());
        return encode_raw(py, &r2, bitwise, sink);
    }
    encode_raw(py, &r, bitwise, sink)
}

/// True when every byte of a bool array is 0 or 1 (numpy allows others through
/// views; a Rust `bool` does not). Axes of stride 0 are visited once. Like the
/// encoding, a big array is scanned with the GIL released, in slabs, checking
/// for signals (Ctrl-C) between slabs: an overlapping strided view can hold
/// far more elements than memory.
fn bools_are_01(py: Python<'_>, r: &Raw) -> PyResult<bool> {
    let collapsed = Raw {
        tag: tag::U8,
        size: 1,
        ptr: r.ptr,
        shape: r
            .shape
            .iter()
            .zip(r.strides.iter())
            .map(|(&n, &s)| if s == 0 { n.min(1) } else { n })
            .collect(),
        strides: r.strides.clone(),
    };
    // SAFETY: the same memory, read as bytes.
    let v = unsafe { collapsed.view::<u8>() };
    if v.len() < RELEASE_GIL_BYTES {
        return Ok(v.iter().all(|&b| b <= 1));
    }
    let mut slabs = Slabs::new(v.shape(), 1, SLAB_BYTES);
    loop {
        let mut verdict = None;
        py.detach(|| match slabs.next() {
            None => verdict = Some(true),
            Some((index, range)) => {
                if !slab_of(&v, index, range).iter().all(|&b| b <= 1) {
                    verdict = Some(false);
                }
            }
        });
        py.check_signals()?;
        if let Some(ok) = verdict {
            return Ok(ok);
        }
    }
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
    r: &'a Raw<'a>,
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

/// Encodes a tensor view through the core crate; big ones without the GIL, in
/// slabs, checking for signals (Ctrl-C) between slabs so that other threads run
/// and a huge broadcast view can be interrupted.
///
/// A view whose memory-contiguous axis is not its last one (Fortran order, a
/// transpose) would be read by the row-major walk across a page per element;
/// such views go through small row-major slabs instead: each slab is gathered
/// in memory order into a bounded buffer, and the core crate encodes the buffer.
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
    let transposed = is_transposed(&v);
    if bytes <= SLAB_BYTES && !transposed {
        py.detach(|| emit(&v, bitwise, sink));
        return Ok(());
    }
    // The header as SPEC.md 4.10 writes it, then the elements slab by slab,
    // each slab encoded by the core crate as a tensor of its own minus its header.
    sink.write_tag(0x50);
    put_len(sink, v.ndim());
    for &n in v.shape() {
        put_len(sink, n);
    }
    sink.write_tag(scalar::tag_under(t, bitwise));
    if transposed && bytes <= SLAB_BYTES {
        py.detach(|| gather_pipelined(&v, bitwise, sink));
        return Ok(());
    }
    let slab_bytes = if transposed { GATHER_BYTES } else { SLAB_BYTES };
    let per_check = (SLAB_BYTES / slab_bytes).max(1);
    let mut buffer: Vec<T> = Vec::new();
    let mut slabs = Slabs::new(v.shape(), size, slab_bytes);
    loop {
        let mut done = false;
        py.detach(|| {
            for _ in 0..per_check {
                let Some((index, range)) = slabs.next() else {
                    done = true;
                    return;
                };
                let slab = slab_of(&v, index, range);
                let skip = 1 + 8 + 8 * slab.ndim() + 1;
                let mut s = SkipSink {
                    inner: &mut *sink,
                    skip,
                };
                if transposed {
                    let c = gather(&slab, &mut buffer);
                    emit(&c, bitwise, &mut s);
                } else {
                    emit(&slab, bitwise, &mut s);
                }
            }
        });
        py.check_signals()?;
        if done {
            return Ok(());
        }
    }
}

/// The elements of a transposed view, slab by slab: a second thread gathers
/// the next slab into one of two buffers while this one hashes the previous.
fn gather_pipelined<T: Elem>(v: &ArrayView<'_, T, IxDyn>, bitwise: bool, sink: &mut Sink) {
    use std::sync::mpsc::sync_channel;
    let size = std::mem::size_of::<T>();
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<(Vec<T>, IxDyn)>(1);
        let (empty_tx, empty_rx) = sync_channel::<Vec<T>>(2);
        empty_tx.send(Vec::new()).expect("room for two buffers");
        empty_tx.send(Vec::new()).expect("room for two buffers");
        let v = v.view();
        scope.spawn(move || {
            let mut slabs = Slabs::new(v.shape(), size, GATHER_BYTES);
            while let Some((index, range)) = slabs.next() {
                let Ok(mut buffer) = empty_rx.recv() else {
                    return;
                };
                let slab = slab_of(&v, index, range);
                gather(&slab, &mut buffer);
                if full_tx.send((buffer, slab.raw_dim())).is_err() {
                    return;
                }
            }
        });
        while let Ok((buffer, dim)) = full_rx.recv() {
            let n = ndarray::Dimension::size(&dim);
            let c = ArrayView::from_shape(dim, &buffer[..n]).expect("a gathered slab");
            let mut s = SkipSink {
                inner: &mut *sink,
                skip: 1 + 8 + 8 * c.ndim() + 1,
            };
            emit(&c, bitwise, &mut s);
            // The gatherer may have finished: a closed channel is fine.
            let _ = empty_tx.send(buffer);
        }
    });
}

/// The slab of `v` with a fixed index on the first axes and a range on the next.
fn slab_of<'a, T>(
    v: &ArrayView<'a, T, IxDyn>,
    index: &[usize],
    range: std::ops::Range<usize>,
) -> ArrayView<'a, T, IxDyn> {
    let mut slab = v.clone();
    for &i in index {
        slab = slab.index_axis_move(Axis(0), i);
    }
    slab.slice_axis_move(Axis(0), Slice::from(range))
}

/// Row-major slabs of about `GATHER_BYTES` when gathering a transposed layout.
const GATHER_BYTES: usize = 1024 * 1024;

/// True when the axis with the smallest non-zero stride is not the last axis
/// (of those longer than 1) and the last axis is not unit-stride.
fn is_transposed<T>(v: &ArrayView<'_, T, IxDyn>) -> bool {
    let axes: Vec<(usize, usize)> = v
        .shape()
        .iter()
        .zip(v.strides())
        .map(|(&n, &s)| (n, s.unsigned_abs()))
        .filter(|&(n, s)| n > 1 && s != 0)
        .collect();
    match axes.last() {
        Some(&(_, last)) => last != 1 && axes.iter().any(|&(_, s)| s < last),
        None => false,
    }
}

/// Copies `slab` into `buffer` in row-major order and returns the buffer as a
/// standard-layout view. The copy goes tile by tile over the plane of the
/// slab's memory-fastest axis and its last axis, so that both the reads and
/// the writes of a tile stay within a few cache lines.
fn gather<'b, T: Elem>(
    slab: &ArrayView<'_, T, IxDyn>,
    buffer: &'b mut Vec<T>,
) -> ArrayView<'b, T, IxDyn> {
    let n = slab.len();
    // Zeroed once, when the buffer grows; every element up to `n` is written below.
    if buffer.len() < n {
        buffer.resize(n, T::from_bits(0));
    }
    let q = slab.ndim();
    let fast = (0..q)
        .filter(|&a| slab.shape()[a] > 1)
        .min_by_key(|&a| slab.strides()[a].unsigned_abs());
    match fast {
        Some(f) if q >= 2 && f != q - 1 && n > 0 => {
            // Row-major strides of the buffer, in elements.
            let mut dst_strides = vec![0isize; q];
            let mut acc = 1isize;
            for a in (0..q).rev() {
                dst_strides[a] = acc;
                acc *= slab.shape()[a] as isize;
            }
            // Axes in the order [others..., fast, last].
            let order: Vec<usize> = (0..q)
                .filter(|&a| a != f && a != q - 1)
                .chain([f, q - 1])
                .collect();
            let shape: Vec<usize> = order.iter().map(|&a| slab.shape()[a]).collect();
            let ss: Vec<isize> = order.iter().map(|&a| slab.strides()[a]).collect();
            let ds: Vec<isize> = order.iter().map(|&a| dst_strides[a]).collect();
            // SAFETY: every offset is an index of `slab` (source) or of the
            // row-major buffer of `n` elements (destination).
            unsafe { copy_planes(slab.as_ptr(), buffer.as_mut_ptr(), &shape, &ss, &ds) };
        }
        _ => {
            let mut out =
                ArrayViewMut::from_shape(slab.raw_dim(), &mut buffer[..n]).expect("n elements");
            out.assign(slab);
        }
    }
    ArrayView::from_shape(slab.raw_dim(), &buffer[..n]).expect("n elements")
}

/// Copies a strided block whose last two axes are (source-fastest,
/// destination-fastest), in 16×16 tiles.
///
/// # Safety
/// All offsets `Σ i_k · stride_k` for indices within `shape` are in bounds of
/// `src` and `dst`.
unsafe fn copy_planes<T: Elem>(
    src: *const T,
    dst: *mut T,
    shape: &[usize],
    ss: &[isize],
    ds: &[isize],
) {
    if shape.len() == 2 {
        // Each tile is read into a small local block, then written out: every
        // cache line of the source and of the destination is touched in one
        // burst, whatever the (often power-of-two) strides do to cache sets.
        const TILE_I: usize = 256;
        const TILE_J: usize = 8;
        let (n0, n1) = (shape[0], shape[1]);
        let mut tile = [[T::from_bits(0); TILE_I]; TILE_J];
        for ib in (0..n0).step_by(TILE_I) {
            let ti = TILE_I.min(n0 - ib);
            for jb in (0..n1).step_by(TILE_J) {
                let tj = TILE_J.min(n1 - jb);
                for (j, row) in tile.iter_mut().enumerate().take(tj) {
                    let sj = (jb + j) as isize * ss[1];
                    for (i, x) in row.iter_mut().enumerate().take(ti) {
                        // SAFETY: in bounds by the caller's contract.
                        *x = unsafe { *src.offset((ib + i) as isize * ss[0] + sj) };
                    }
                }
                for i in 0..ti {
                    let di = (ib + i) as isize * ds[0];
                    for (j, row) in tile.iter().enumerate().take(tj) {
                        // SAFETY: in bounds by the caller's contract.
                        unsafe { *dst.offset(di + (jb + j) as isize * ds[1]) = row[i] };
                    }
                }
            }
        }
        return;
    }
    for k in 0..shape[0] {
        let k = k as isize;
        // SAFETY: in bounds by the caller's contract.
        unsafe {
            copy_planes(
                src.offset(k * ss[0]),
                dst.offset(k * ds[0]),
                &shape[1..],
                &ss[1..],
                &ds[1..],
            );
        }
    }
}

/// The slabs of a tensor in row-major order: a fixed index on the first `k`
/// axes and a range on axis `k`, each about `slab_bytes` (at least one
/// sub-block of axis `k`).
struct Slabs {
    shape: Vec<usize>,
    k: usize,
    step: usize,
    outer: usize,
    o: usize,
    start: usize,
    index: Vec<usize>,
}

impl Slabs {
    fn new(shape: &[usize], size: usize, slab_bytes: usize) -> Self {
        let inner = |k: usize| {
            shape[k + 1..]
                .iter()
                .product::<usize>()
                .saturating_mul(size)
        };
        let mut k = 0;
        while k + 1 < shape.len() && inner(k) > slab_bytes {
            k += 1;
        }
        let empty = shape.contains(&0) || shape.is_empty();
        Slabs {
            shape: shape.to_vec(),
            k,
            step: (slab_bytes / inner(k).max(1)).max(1),
            outer: if empty {
                0
            } else {
                shape[..k].iter().product()
            },
            o: 0,
            start: 0,
            index: vec![0; k],
        }
    }

    fn next(&mut self) -> Option<(&[usize], std::ops::Range<usize>)> {
        if self.o >= self.outer {
            return None;
        }
        let mut rest = self.o;
        for axis in (0..self.k).rev() {
            self.index[axis] = rest % self.shape[axis];
            rest /= self.shape[axis];
        }
        let len = self.shape[self.k];
        let end = (self.start + self.step).min(len);
        let range = self.start..end;
        if end == len {
            self.start = 0;
            self.o += 1;
        } else {
            self.start = end;
        }
        Some((&self.index, range))
    }
}
