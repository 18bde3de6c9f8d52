//! Tensors as raw strided memory, walked in logical row-major order without
//! allocating, whatever the rank, the dimension type or the strides.
//!
//! ndarray's own iterators build new dimension values as they go, and for
//! dynamic rank (`IxDyn`) above rank 4 every such value is a heap allocation;
//! `is_standard_layout` alone allocates there. These walks read only the shape
//! and strides slices an array already holds, and keep their indices in fixed
//! stack arrays.
//!
//! The walks first *normalize* the axes: axes of extent 1 are dropped (their
//! stride is irrelevant), and an axis is merged into its outer neighbour when
//! memory allows (outer stride = inner stride × inner extent, for every tensor
//! walked together). C-order tensors become a single run; a Fortran-order matrix
//! stays two axes, the outer one with unit stride, which is what the banded
//! transposes look for.

use super::fixed::Fixed;
use crate::policy::Bitwise;
use ndarray::{ArrayBase, Data, Dimension};
use std::marker::PhantomData;
use std::mem::MaybeUninit;

/// Room for the axes of extent above 1. An array holds at most `isize::MAX`
/// elements (ndarray's invariant, and nalgebra's), and each such axis at least
/// doubles the count, so no array with elements has more than 62 of them.
const MAX_AXES: usize = 64;

/// Tensors of rank up to this (nearly all) walk with index arrays of this
/// size: clearing and moving 64-entry arrays cost more than a small key's
/// whole encoding.
const SMALL_RANK: usize = 8;

/// Evaluates `$body` with `$cap` the capacity of the index arrays: small for
/// tensors of rank up to [`SMALL_RANK`], [`MAX_AXES`] otherwise.
macro_rules! with_capacity {
    ($shape:expr, $cap:ident => $body:expr) => {
        if $shape.len() <= SMALL_RANK {
            const $cap: usize = SMALL_RANK;
            $body
        } else {
            const $cap: usize = MAX_AXES;
            $body
        }
    };
}

/// The elements as one slice in logical order, when memory holds them so (C
/// order, ignoring the strides of extent-1 axes): one pass from the innermost
/// axis, where the C-order stride each axis must have is the product of the
/// extents inside it.
///
/// # Safety
/// `ptr`, `shape` and `strides` satisfy [`TensorRef::from_raw`]'s contract
/// for `'a`.
///
/// With `RANK` nonzero, `shape` and `strides` have exactly that many entries
/// and the loop is unrolled for them (the fixed-rank path); with 0, any.
#[inline(always)]
pub(super) unsafe fn standard_slice<'a, T, const RANK: usize>(
    ptr: *const T,
    shape: &[usize],
    strides: &[isize],
) -> Option<&'a [T]> {
    let mut len = 1usize;
    let mut contiguous = true;
    let rank = if RANK == 0 {
        shape.len().min(strides.len())
    } else {
        RANK
    };
    for k in (0..rank).rev() {
        let (n, s) = (shape[k], strides[k]);
        contiguous &= n == 1 || s as usize == len;
        len = len.saturating_mul(n);
    }
    if len == 0 {
        return Some(&[]);
    }
    if !contiguous {
        return None;
    }
    // SAFETY: the strides are C-order strides, so the indices inside the
    // shape address exactly `ptr..ptr + len`, in logical order; by the
    // caller's contract they are initialized `T`s borrowed for `'a`.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The elements of a tensor in memory: a base pointer, the extents, and the
/// strides in elements (any sign, or zero), borrowed for `'a`.
///
/// Built safely from any ndarray array ([`of_array`](Self::of_array)) or slice
/// ([`with_slice`](Self::with_slice)); other storage (nalgebra) vouches for its
/// memory with [`from_raw`](Self::from_raw).
pub struct TensorRef<'a, T> {
    ptr: *const T,
    shape: &'a [usize],
    strides: &'a [isize],
    _elements: PhantomData<&'a T>,
}

impl<T> Clone for TensorRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for TensorRef<'_, T> {}

impl<'a, T> TensorRef<'a, T> {
    /// The elements of an array, of any storage, dimension type and layout.
    #[inline]
    pub(crate) fn of_array<S: Data<Elem = T>, D: Dimension>(a: &'a ArrayBase<S, D>) -> Self {
        // ndarray's invariants give `from_raw`'s contract: every index inside the
        // shape addresses an initialized element of the array's storage, which
        // `&'a ArrayBase` with `S: Data` keeps alive and unmutated for `'a`, and
        // the element count is at most `isize::MAX`.
        TensorRef {
            ptr: a.as_ptr(),
            shape: a.shape(),
            strides: a.strides(),
            _elements: PhantomData,
        }
    }

    /// Runs `f` on a slice seen as a rank-1 tensor.
    #[inline]
    pub(crate) fn with_slice<R>(items: &[T], f: impl FnOnce(TensorRef<'_, T>) -> R) -> R {
        let shape = [items.len()];
        let strides = [1];
        // Every index `i < len` addresses `items[i]`, borrowed for the call.
        f(TensorRef {
            ptr: items.as_ptr(),
            shape: &shape,
            strides: &strides,
            _elements: PhantomData,
        })
    }

    /// Runs `f` on `items` seen as a C-order tensor of `shape`, whose C-order
    /// `strides` the caller computed. Panics if they do not describe `items`
    /// exactly (a bug in the caller, never a property of user data).
    #[inline]
    pub(crate) fn standard<R>(
        items: &[T],
        shape: &[usize],
        strides: &[isize],
        f: impl FnOnce(TensorRef<'_, T>) -> R,
    ) -> R {
        let mut step = 1usize;
        let c_order = shape.len() == strides.len()
            && shape.iter().zip(strides).rev().all(|(&n, &s)| {
                let ok = n == 1 || s as usize == step;
                step = step.saturating_mul(n);
                ok
            });
        assert!(
            c_order && step == items.len(),
            "not a C-order tensor of its slice"
        );
        // Every index inside `shape` addresses `items[Σ i[k] * strides[k]]`,
        // inside the slice, borrowed for the call.
        f(TensorRef {
            ptr: items.as_ptr(),
            shape,
            strides,
            _elements: PhantomData,
        })
    }

    /// # Safety
    /// `shape` and `strides` have the same length, the product of the extents is
    /// at most `isize::MAX`, and for every index `i` inside the shape
    /// (`i[k] < shape[k]`), `ptr.wrapping_offset(Σ i[k] * strides[k])` points to
    /// an initialized `T` that is neither mutated nor freed during `'a`.
    #[inline]
    #[cfg_attr(not(feature = "nalgebra"), allow(dead_code))]
    pub(crate) unsafe fn from_raw(ptr: *const T, shape: &'a [usize], strides: &'a [isize]) -> Self {
        debug_assert_eq!(shape.len(), strides.len());
        TensorRef {
            ptr,
            shape,
            strides,
            _elements: PhantomData,
        }
    }

    /// The extents.
    #[inline]
    pub(crate) fn shape(&self) -> &'a [usize] {
        self.shape
    }

    /// The number of elements.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// All elements as one slice in logical order, when memory holds them so
    /// (C order, ignoring the strides of extent-1 axes). Cheap: the fast path
    /// for small keys checks this before anything else.
    #[inline]
    pub(crate) fn as_standard_slice(&self) -> Option<&'a [T]> {
        // SAFETY: `ptr`, `shape` and `strides` are this tensor's, under the
        // type's contract.
        unsafe { standard_slice::<T, 0>(self.ptr, self.shape, self.strides) }
    }

    /// Calls `f` with every run along the innermost (normalized) axis, in
    /// logical row-major order. Runs are never empty.
    pub(crate) fn for_each_run(&self, mut f: impl FnMut(Run<'a, T>)) {
        with_capacity!(self.shape, CAP => {
            let Some(axes) = Axes::<1, CAP>::new(self.shape, [self.strides]) else {
                return;
            };
        let (len, [stride]) = axes.inner();
        axes.walk(0..axes.rank.saturating_sub(1), [0], |[offset]| {
            f(self.run(offset, len, stride));
            true
        });
        })
    }

    /// When some axis other than the innermost has unit stride (Fortran order,
    /// transposes, permuted axes), the tensor as bands along that axis: see
    /// [`Banded`]. `None` when no such axis exists or the tensor is empty.
    pub(crate) fn banded(&self) -> Option<Banded<'a, T>> {
        let axes = Axes::<1, MAX_AXES>::new(self.shape, [self.strides])?;
        let (_, [inner_stride]) = axes.inner();
        if inner_stride == 1 {
            return None;
        }
        let band_axis = (0..axes.rank.saturating_sub(1))
            .rev()
            .find(|&k| axes.strides[k] == [1])?;
        Some(Banded {
            tensor: *self,
            axes,
            band_axis,
        })
    }

    /// Calls `f` with the runs of `self` and `other` that hold the same logical
    /// elements, in order, while it returns true; true if it always did. The
    /// shapes must be equal (false otherwise).
    pub(crate) fn zip_runs(
        &self,
        other: &TensorRef<'a, T>,
        mut f: impl FnMut(Run<'a, T>, Run<'a, T>) -> bool,
    ) -> bool {
        if self.shape != other.shape {
            return false;
        }
        with_capacity!(self.shape, CAP => {
            let Some(axes) = Axes::<2, CAP>::new(self.shape, [self.strides, other.strides]) else {
                return true;
            };
            let (len, [sa, sb]) = axes.inner();
            axes.walk(0..axes.rank.saturating_sub(1), [0, 0], |[a, b]| {
                f(self.run(a, len, sa), other.run(b, len, sb))
            })
        })
    }

    /// Like [`zip_runs`](Self::zip_runs), but in bands when `self` has a
    /// unit-stride axis other than its (jointly normalized) innermost one:
    /// `f` gets a band's column segment of `self` (a slice of at most
    /// `height` elements) and the same elements of `other` as a run, band by
    /// band. The order is not row-major; equality does not need it. `None`
    /// when `self` has no such axis.
    pub(crate) fn zip_banded(
        &self,
        other: &TensorRef<'a, T>,
        height: usize,
        mut f: impl FnMut(Run<'a, T>, Run<'a, T>) -> bool,
    ) -> Option<bool> {
        if self.shape != other.shape {
            return Some(false);
        }
        with_capacity!(self.shape, CAP => {
            let Some(axes) = Axes::<2, CAP>::new(self.shape, [self.strides, other.strides]) else {
                return Some(true);
            };
            let (_, [inner, _]) = axes.inner();
            if inner == 1 {
                return None;
            }
            let u = (0..axes.rank.saturating_sub(1))
                .rev()
                .find(|&k| axes.strides[k][0] == 1)?;
            let rows = axes.len[u];
            let other_stride = axes.strides[u][1];
            let height = height.max(1);
            Some(axes.walk(0..u, [0, 0], |[a, b]| {
                (0..rows).step_by(height).all(|top| {
                    let h = height.min(rows - top);
                    let start = [a + top as isize, b + top as isize * other_stride];
                    axes.walk(u + 1..axes.rank, start, |[x, y]| {
                        f(self.run(x, h, 1), other.run(y, h, other_stride))
                    })
                })
            }))
        })
    }

    /// The run of `len` elements `stride` apart from element offset `offset`.
    /// Only called with runs inside the shape.
    #[inline]
    fn run(&self, offset: isize, len: usize, stride: isize) -> Run<'a, T> {
        Run {
            ptr: self.ptr.wrapping_offset(offset),
            len,
            stride,
            _elements: PhantomData,
        }
    }
}

impl<'a, T> TensorRef<'a, T> {
    /// The tensor with its extents and strides in fixed arrays, when its rank
    /// is `R`.
    #[inline(always)]
    pub(crate) fn fixed<const R: usize>(&self) -> Option<Fixed<'a, T, R>> {
        Some(Fixed {
            ptr: self.ptr,
            shape: self.shape.try_into().ok()?,
            strides: self.strides.try_into().ok()?,
            _elements: PhantomData,
        })
    }
}

impl<'a, T> TensorRef<'a, Bitwise<T>> {
    /// The values inside `Bitwise` elements.
    #[inline]
    pub(crate) fn unwrap_bitwise(self) -> TensorRef<'a, T> {
        TensorRef {
            // `Bitwise<T>` is `repr(transparent)` over `T`: same size, alignment
            // and validity, so the same memory holds the same valid `T`s.
            ptr: self.ptr.cast(),
            shape: self.shape,
            strides: self.strides,
            _elements: PhantomData,
        }
    }
}

/// `len` elements `stride` apart (any sign, or zero) in logical order.
pub struct Run<'a, T> {
    ptr: *const T,
    len: usize,
    stride: isize,
    _elements: PhantomData<&'a T>,
}

impl<T> Clone for Run<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Run<'_, T> {}

impl<T: Copy> Run<'_, T> {
    /// Copies the run's first elements (as many as `buf` holds) into `buf`
    /// and returns them as a slice. Small constant strides (2, 3, 4 and -1,
    /// every-other-column views, reversed axes, fields of interleaved
    /// records) get loops compiled for that stride, which unroll and
    /// vectorize; a runtime stride loads one element at a time.
    #[inline]
    pub(crate) fn gather<'b>(&self, buf: &'b mut [MaybeUninit<T>]) -> &'b [T] {
        let n = self.len.min(buf.len());
        let out = &mut buf[..n];
        match self.stride {
            1 => gather_const::<T, 1>(self.ptr, out),
            2 => gather_const::<T, 2>(self.ptr, out),
            3 => gather_const::<T, 3>(self.ptr, out),
            4 => gather_const::<T, 4>(self.ptr, out),
            -1 => gather_const::<T, -1>(self.ptr, out),
            stride => {
                for (i, slot) in out.iter_mut().enumerate() {
                    // SAFETY: `i < len`, so this is element `i` of the run,
                    // initialized and borrowed (the `TensorRef` contract).
                    slot.write(unsafe { self.ptr.wrapping_offset(i as isize * stride).read() });
                }
            }
        }
        // SAFETY: every one of the first `n` slots was written just above,
        // and `MaybeUninit<T>` has the layout of `T`.
        unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<T>(), n) }
    }
}

/// The gather loop for a stride known at compile time.
#[inline(always)]
fn gather_const<T: Copy, const STRIDE: isize>(ptr: *const T, out: &mut [MaybeUninit<T>]) {
    for (i, slot) in out.iter_mut().enumerate() {
        // SAFETY: the caller's run has at least `out.len()` elements `STRIDE`
        // apart from `ptr`, so this is element `i`, initialized and borrowed.
        slot.write(unsafe { ptr.wrapping_offset(i as isize * STRIDE).read() });
    }
}

impl<'a, T> Run<'a, T> {
    /// The number of elements.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The elements as a slice, when they are adjacent in memory.
    #[inline]
    pub(crate) fn as_slice(&self) -> Option<&'a [T]> {
        if self.stride == 1 || self.len <= 1 {
            // SAFETY: the run's elements are `ptr + i` for `i < len`, initialized
            // and borrowed for `'a` (the contract of the `TensorRef` it came
            // from); with `len <= 1` the stride is never applied. Array pointers
            // are non-null and aligned even when there are no elements.
            Some(unsafe { std::slice::from_raw_parts(self.ptr, self.len) })
        } else {
            None
        }
    }

    /// The elements in logical order.
    #[inline]
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &'a T> + use<'a, T> {
        let Run {
            ptr, len, stride, ..
        } = *self;
        (0..len).map(move |i| {
            // SAFETY: `i < len`, so the element is inside the run: initialized
            // and borrowed for `'a`. `i * stride` is an offset inside the
            // tensor, which fits in isize.
            unsafe { &*ptr.wrapping_offset(i as isize * stride) }
        })
    }

    /// The first `mid` elements and the rest; `mid <= len`.
    #[inline]
    pub(crate) fn split_at(self, mid: usize) -> (Self, Self) {
        assert!(mid <= self.len);
        let tail = Run {
            ptr: self
                .ptr
                .wrapping_offset((mid as isize).wrapping_mul(self.stride)),
            len: self.len - mid,
            ..self
        };
        (Run { len: mid, ..self }, tail)
    }
}

/// A tensor with a unit-stride axis that is not the innermost: the *band
/// axis*. In row-major order the tensor is, for each index of the axes before
/// the band axis, a matrix whose rows run along the band axis and whose
/// columns are the axes after it (flattened). Reading a band of consecutive
/// rows column by column touches memory in unit-stride segments, one per
/// column, instead of one cache line per element.
pub(crate) struct Banded<'a, T> {
    tensor: TensorRef<'a, T>,
    axes: Axes<1, MAX_AXES>,
    band_axis: usize,
}

impl<'a, T> Banded<'a, T> {
    /// Rows per matrix (the band axis's extent).
    #[inline]
    pub(crate) fn rows(&self) -> usize {
        self.axes.len[self.band_axis]
    }

    /// Columns per matrix: elements per row.
    #[inline]
    pub(crate) fn cols(&self) -> usize {
        self.axes.len[self.band_axis + 1..self.axes.rank]
            .iter()
            .product()
    }

    /// The distance in elements between consecutive columns' segments when
    /// they follow each other along the innermost axis (the common case: the
    /// next column's segment is this far ahead, except where an outer column
    /// axis carries).
    #[inline]
    pub(crate) fn column_stride(&self) -> isize {
        self.axes.strides[self.axes.rank - 1][0]
    }

    /// All elements as one slice in memory order, when they fill a block of
    /// memory exactly once (any permutation of C-order strides, as Fortran
    /// order is).
    pub(crate) fn memory_block(&self) -> Option<&'a [T]> {
        let axes = &self.axes;
        let mut by_stride = [(0usize, 0isize); MAX_AXES];
        for (slot, (&n, &[s])) in by_stride.iter_mut().zip(axes.len.iter().zip(&axes.strides)) {
            *slot = (n, s);
        }
        let by_stride = &mut by_stride[..axes.rank];
        by_stride.sort_unstable_by_key(|&(_, s)| s);
        let mut expected = 1isize;
        for &(n, s) in by_stride.iter() {
            if s != expected {
                return None;
            }
            expected = expected.checked_mul(n as isize)?;
        }
        // SAFETY: the strides are a permutation of C-order strides of the
        // normalized extents (all positive, the smallest 1, each the product of
        // the extents below it), so the indices inside the shape address
        // exactly `ptr..ptr + len`, each once; by the `TensorRef` contract they
        // are initialized and borrowed for `'a`.
        Some(unsafe { std::slice::from_raw_parts(self.tensor.ptr, expected as usize) })
    }

    /// Calls `f` with each band of at most `height` consecutive rows, matrix
    /// by matrix, top to bottom (so the bands' rows are in row-major order).
    #[cfg(test)]
    pub(crate) fn for_each_band(&self, height: usize, mut f: impl FnMut(Band<'_, 'a, T>)) {
        self.all_aligned_bands(height, 1, |band| {
            f(band);
            true
        });
    }

    /// Like [`for_each_band`](Self::for_each_band), while `f` returns true
    /// (true if it always did), and each matrix's first band is
    /// cut short where that makes the next bands start at a multiple of
    /// `align` bytes in memory (when the elements are aligned to their size),
    /// so that with column strides that are multiples of `align`, no band's
    /// segments share a cache line with another band's.
    pub(crate) fn all_aligned_bands(
        &self,
        height: usize,
        align: usize,
        mut f: impl FnMut(Band<'_, 'a, T>) -> bool,
    ) -> bool {
        let height = height.max(1);
        let rows = self.rows();
        let size = std::mem::size_of::<T>();
        let align = align.max(1);
        self.axes.walk(0..self.band_axis, [0], |[matrix]| {
            let addr = self.tensor.ptr.wrapping_offset(matrix) as usize;
            let lead = match size {
                0 => 0,
                _ if !addr.is_multiple_of(size) => 0,
                _ => (align - addr % align) % align / size,
            };
            let mut top = 0;
            let mut h = if lead == 0 { height } else { lead.min(height) };
            while top < rows {
                let band_height = h.min(rows - top);
                if !f(Band {
                    banded: self,
                    start: matrix + top as isize,
                    height: band_height,
                }) {
                    return false;
                }
                top += band_height;
                h = height;
            }
            true
        })
    }
}

/// Consecutive rows of a [`Banded`] tensor's matrix.
pub(crate) struct Band<'b, 'a, T> {
    banded: &'b Banded<'a, T>,
    start: isize,
    height: usize,
}

impl<'a, T> Band<'_, 'a, T> {
    /// The number of rows.
    #[inline]
    pub(crate) fn height(&self) -> usize {
        self.height
    }

    /// Calls `f` with each column's segment of the band (a slice of
    /// [`height`](Self::height) elements), in column order.
    #[inline]
    pub(crate) fn for_each_column(&self, mut f: impl FnMut(&'a [T])) {
        let Banded {
            tensor,
            axes,
            band_axis,
        } = self.banded;
        axes.walk(band_axis + 1..axes.rank, [self.start], |[at]| {
            // A unit-stride run is always a slice.
            f(tensor
                .run(at, self.height, 1)
                .as_slice()
                .unwrap_or_default());
            true
        });
    }
}

impl<'a, T> Band<'_, 'a, T> {
    /// Calls `f` with the column segments of the band `G` at a time, in
    /// column order: full groups, then one shorter group with the rest, if
    /// any. Matrices whose columns run along a single axis (every matrix, and
    /// Fortran-order tensors of any rank) skip the general walk.
    #[inline]
    pub(crate) fn for_each_column_group<const G: usize>(&self, mut f: impl FnMut(&[&'a [T]])) {
        let Banded {
            tensor,
            axes,
            band_axis,
        } = self.banded;
        let segment = |at: isize| {
            tensor
                .run(at, self.height, 1)
                .as_slice()
                .unwrap_or_default()
        };
        if axes.rank == band_axis + 2 {
            let (cols, [stride]) = axes.inner();
            let mut at = self.start;
            let mut left = cols;
            while left >= G {
                let group: [&'a [T]; G] = std::array::from_fn(|c| {
                    segment(at.wrapping_add((c as isize).wrapping_mul(stride)))
                });
                f(&group);
                at = at.wrapping_add((G as isize).wrapping_mul(stride));
                left -= G;
            }
            if left > 0 {
                let mut group: [&'a [T]; G] = [&[]; G];
                for (c, slot) in group[..left].iter_mut().enumerate() {
                    *slot = segment(at.wrapping_add((c as isize).wrapping_mul(stride)));
                }
                f(&group[..left]);
            }
            return;
        }
        let mut group: [&'a [T]; G] = [&[]; G];
        let mut grouped = 0;
        axes.walk(band_axis + 1..axes.rank, [self.start], |[at]| {
            group[grouped] = segment(at);
            grouped += 1;
            if grouped == G {
                f(&group);
                grouped = 0;
            }
            true
        });
        if grouped > 0 {
            f(&group[..grouped]);
        }
    }
}

/// The normalized axes of `N` same-shaped tensors walked together.
/// `CAP` bounds the number of axes of extent above 1 of the tensors walked.
struct Axes<const N: usize, const CAP: usize> {
    rank: usize,
    len: [usize; CAP],
    strides: [[isize; N]; CAP],
}

impl<const N: usize, const CAP: usize> Axes<N, CAP> {
    /// Drops extent-1 axes and merges mergeable neighbours; `None` when there
    /// are no elements.
    #[inline]
    fn new(shape: &[usize], strides: [&[isize]; N]) -> Option<Self> {
        if shape.contains(&0) {
            return None;
        }
        let mut axes = Axes {
            rank: 0,
            len: [0; CAP],
            strides: [[0; N]; CAP],
        };
        for (k, &n) in shape.iter().enumerate() {
            if n == 1 {
                continue;
            }
            let s: [isize; N] = std::array::from_fn(|j| strides[j][k]);
            if let Some(p) = axes.rank.checked_sub(1) {
                let outer = axes.strides[p];
                if (0..N).all(|j| s[j].checked_mul(n as isize) == Some(outer[j])) {
                    axes.len[p] *= n;
                    axes.strides[p] = s;
                    continue;
                }
            }
            axes.len[axes.rank] = n;
            axes.strides[axes.rank] = s;
            axes.rank += 1;
        }
        Some(axes)
    }

    /// The innermost axis's extent and strides; a single element when every
    /// extent is 1.
    #[inline]
    fn inner(&self) -> (usize, [isize; N]) {
        match self.rank.checked_sub(1) {
            Some(k) => (self.len[k], self.strides[k]),
            None => (1, [1; N]),
        }
    }

    /// Calls `f` with the offsets (from `base`) of every index of the axes in
    /// `range`, in row-major order, while it returns true; true if it always
    /// did. An empty range calls `f` once, with `base`.
    #[inline]
    fn walk(
        &self,
        range: std::ops::Range<usize>,
        base: [isize; N],
        mut f: impl FnMut([isize; N]) -> bool,
    ) -> bool {
        let mut index = [0usize; CAP];
        let mut offset = base;
        loop {
            if !f(offset) {
                return false;
            }
            // Odometer: bump the innermost axis of the range, carrying outwards.
            // Offsets are element offsets inside the tensor, so they fit in
            // isize; the wrapping operations only make the intermediate
            // one-past-the-end values harmless.
            let mut k = range.end;
            loop {
                if k == range.start {
                    return true;
                }
                k -= 1;
                index[k] += 1;
                for (o, s) in offset.iter_mut().zip(self.strides[k]) {
                    *o = o.wrapping_add(s);
                }
                if index[k] < self.len[k] {
                    break;
                }
                index[k] = 0;
                for (o, s) in offset.iter_mut().zip(self.strides[k]) {
                    *o = o.wrapping_sub(s.wrapping_mul(self.len[k] as isize));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array, ArrayD, IxDyn, ShapeBuilder, s};

    /// The elements in logical order, from the runs.
    fn by_runs<T: Copy + PartialEq>(t: TensorRef<'_, T>) -> Vec<T> {
        let mut out = Vec::new();
        t.for_each_run(|run| {
            assert!(run.len() > 0);
            out.extend(run.iter().copied());
            if let Some(slice) = run.as_slice() {
                assert!(slice.iter().copied().eq(run.iter().copied()));
            }
        });
        out
    }

    /// A band's rows, in row-major order, read column segment by column
    /// segment; checks the band's height and every segment's length.
    fn band_rows<T: Copy + Default>(band: &Band<'_, '_, T>, height: usize, cols: usize) -> Vec<T> {
        let h = band.height();
        assert!((1..=height.max(1)).contains(&h));
        let mut tile = vec![T::default(); h * cols];
        let mut j = 0;
        band.for_each_column(|segment| {
            assert_eq!(segment.len(), h);
            for (r, &x) in segment.iter().enumerate() {
                tile[r * cols + j] = x;
            }
            j += 1;
        });
        assert_eq!(j, cols);
        tile
    }

    /// The elements in logical order, from the bands, when the tensor has any.
    fn by_bands<T: Copy + Default + PartialEq>(
        t: TensorRef<'_, T>,
        height: usize,
    ) -> Option<Vec<T>> {
        let banded = t.banded()?;
        let cols = banded.cols();
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for align in [1, 8, 64] {
            let mut out = Vec::new();
            assert!(banded.all_aligned_bands(height, align, |band| {
                out.extend(band_rows(&band, height, cols));
                true
            }));
            seen.push(out);
        }
        banded.for_each_band(height, |band| {
            let tile = band_rows(&band, height, cols);
            // The grouped walk gives the same segments, in full groups first.
            for g in [1usize, 3, 8] {
                let mut grouped: Vec<(*const T, usize)> = Vec::new();
                let mut short = false;
                let mut check = |group: &[&[T]]| {
                    assert!(!short && !group.is_empty() && group.len() <= g);
                    short = group.len() < g;
                    grouped.extend(group.iter().map(|s| (s.as_ptr(), s.len())));
                };
                match g {
                    1 => band.for_each_column_group::<1>(&mut check),
                    3 => band.for_each_column_group::<3>(&mut check),
                    _ => band.for_each_column_group::<8>(&mut check),
                }
                let mut k = 0;
                band.for_each_column(|segment| {
                    assert_eq!((segment.as_ptr(), segment.len()), grouped[k]);
                    k += 1;
                });
                assert_eq!(k, grouped.len());
            }
            out.extend(tile);
        });
        for other in seen {
            assert!(other == out, "aligned bands in another order");
        }
        Some(out)
    }

    fn logical<T: Copy, D: ndarray::Dimension>(a: &ndarray::ArrayView<'_, T, D>) -> Vec<T> {
        a.iter().copied().collect()
    }

    /// Every layout family at every rank from 0 to 8, through both walks.
    #[test]
    fn runs_and_bands_visit_elements_in_logical_order() {
        for rank in 0..=8usize {
            let shape: Vec<usize> = (0..rank).map(|k| [3, 2, 1, 4, 2, 3, 1, 2][k]).collect();
            let n: usize = shape.iter().product();
            let data: Vec<u32> = (0..2 * n as u32 + 7).collect();
            let c = ArrayD::from_shape_vec(IxDyn(&shape), data[..n].to_vec()).unwrap();
            let f = {
                let mut f = ArrayD::<u32>::zeros(IxDyn(&shape).f());
                f.assign(&c);
                f
            };
            let mut axes: Vec<usize> = (0..rank).collect();
            axes.rotate_left(rank.min(1));
            let permuted = c.view().permuted_axes(IxDyn(&axes));
            let reversed = c.slice_each_axis(|_| ndarray::Slice::new(0, None, -1));
            let big = ArrayD::from_shape_fn(IxDyn(&shape).f(), |i| {
                i.slice().iter().sum::<usize>() as u32
            });
            let doubled: Vec<usize> = shape.iter().map(|&n| 2 * n).collect();
            let store =
                ArrayD::from_shape_fn(IxDyn(&doubled), |i| i.slice().iter().sum::<usize>() as u32);
            let stepped = store.slice_each_axis(|_| ndarray::Slice::new(0, None, 2));
            let views = [c.view(), f.view(), permuted, reversed, big.view(), stepped];
            for (family, v) in views.iter().enumerate() {
                let expected = logical(v);
                let t = TensorRef::of_array(v);
                assert_eq!(by_runs(t), expected, "rank {rank}, family {family}");
                for height in [1, 2, 3, 16] {
                    if let Some(got) = by_bands(t, height) {
                        assert_eq!(got, expected, "rank {rank}, family {family}, band {height}");
                    }
                }
                let other = TensorRef::of_array(&views[0]);
                if v.shape() == views[0].shape() {
                    for height in [1, 2, 5, 16] {
                        let mut pairs = Vec::new();
                        let banded = t.zip_banded(&other, height, |a, b| {
                            assert_eq!(a.as_slice().map(<[u32]>::len), Some(a.len()));
                            assert_eq!(a.len(), b.len());
                            pairs.extend(a.iter().copied().zip(b.iter().copied()));
                            true
                        });
                        if banded.is_some() {
                            // Every element once, paired with its counterpart.
                            let mut expected_pairs: Vec<(u32, u32)> =
                                expected.iter().copied().zip(logical(&views[0])).collect();
                            expected_pairs.sort_unstable();
                            pairs.sort_unstable();
                            assert_eq!(pairs, expected_pairs, "rank {rank}, family {family}");
                        }
                    }
                }
                if v.shape() == views[0].shape() {
                    let mut zipped = (Vec::new(), Vec::new());
                    assert!(t.zip_runs(&other, |a, b| {
                        assert_eq!(a.len(), b.len());
                        zipped.0.extend(a.iter().copied());
                        zipped.1.extend(b.iter().copied());
                        true
                    }));
                    assert_eq!(zipped.0, expected);
                    assert_eq!(zipped.1, logical(&views[0]));
                }
            }
        }
    }

    #[test]
    fn fortran_matrices_band_along_their_rows() {
        let a = Array::from_shape_fn((5, 7).f(), |(i, j)| (i * 7 + j) as u8);
        let t = TensorRef::of_array(&a);
        assert!(t.as_standard_slice().is_none());
        let banded = t.banded().unwrap();
        assert_eq!((banded.rows(), banded.cols()), (5, 7));
        assert_eq!(by_bands(t, 2).unwrap(), (0..35).collect::<Vec<u8>>());
        // C order has no band axis; it is one slice.
        let c = a.as_standard_layout();
        assert!(TensorRef::of_array(&c).banded().is_none());
        assert_eq!(
            TensorRef::of_array(&c).as_standard_slice().unwrap().len(),
            35
        );
    }

    #[test]
    fn zero_strides_broadcast_and_empty_shapes() {
        let row = Array::from_shape_fn(4, |j| j as i16);
        let b = row.broadcast((3, 4)).unwrap();
        let t = TensorRef::of_array(&b);
        assert!(t.as_standard_slice().is_none());
        assert_eq!(by_runs(t), logical(&b));
        let column = row.broadcast((2, 4)).unwrap().reversed_axes();
        assert_eq!(by_runs(TensorRef::of_array(&column)), logical(&column));
        assert_eq!(
            by_bands(TensorRef::of_array(&column), 3).unwrap(),
            logical(&column)
        );
        for shape in [vec![0], vec![3, 0], vec![0, 5, 1], vec![2, 0, 9]] {
            let e = ArrayD::<u8>::zeros(IxDyn(&shape));
            let t = TensorRef::of_array(&e);
            assert!(by_runs(t).is_empty());
            assert_eq!(t.as_standard_slice(), Some(&[] as &[u8]));
            assert!(t.banded().is_none());
            assert!(t.zip_runs(&t, |_, _| panic!("no runs in an empty tensor")));
        }
        let scalar = ndarray::arr0(9u64);
        assert_eq!(by_runs(TensorRef::of_array(&scalar)), [9]);
        assert_eq!(
            TensorRef::of_array(&scalar).as_standard_slice(),
            Some(&[9u64][..])
        );
    }

    #[test]
    fn runs_split_anywhere() {
        let a = Array::from_shape_fn((6, 5), |(i, j)| (i * 5 + j) as u32);
        let col = a.slice(s![..;-1, 2]);
        let t = TensorRef::of_array(&col);
        t.for_each_run(|run| {
            for mid in 0..=run.len() {
                let (x, y) = run.split_at(mid);
                let joined: Vec<u32> = x.iter().chain(y.iter()).copied().collect();
                assert_eq!(joined, logical(&col));
            }
        });
    }

    #[test]
    fn memory_blocks_are_found_only_where_memory_is_filled_once() {
        let f = Array::from_shape_fn((5, 7).f(), |(i, j)| (i * 7 + j) as u16);
        let block = TensorRef::of_array(&f).banded().unwrap();
        let m = block.memory_block().unwrap();
        assert_eq!(m.len(), 35);
        assert_eq!(m, f.as_slice_memory_order().unwrap());
        // Permuted axes of a C-order store also fill it.
        let c = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| i.slice().iter().sum::<usize>() as u8);
        let p = c.view().permuted_axes(IxDyn(&[2, 0, 1]));
        let m = TensorRef::of_array(&p)
            .banded()
            .unwrap()
            .memory_block()
            .unwrap();
        assert_eq!(m, c.as_slice().unwrap());
        // Stepped, reversed and broadcast views do not.
        let big = Array::from_shape_fn((10, 14).f(), |(i, j)| (i + j) as u16);
        let stepped = big.slice(s![.., ..;2]);
        assert!(
            TensorRef::of_array(&stepped)
                .banded()
                .unwrap()
                .memory_block()
                .is_none()
        );
        let reversed = f.slice(s![.., ..;-1]);
        assert!(
            TensorRef::of_array(&reversed)
                .banded()
                .unwrap()
                .memory_block()
                .is_none()
        );
        let col = Array::from_shape_fn(6, |i| i as u16);
        let wide = col.broadcast((3, 6)).unwrap().reversed_axes();
        assert!(
            TensorRef::of_array(&wide)
                .banded()
                .unwrap()
                .memory_block()
                .is_none()
        );
    }

    #[test]
    fn gathers_copy_runs_of_every_stride_in_pieces() {
        let store: Vec<u32> = (0..200).collect();
        let a = Array::from_shape_vec((10, 20), store).unwrap();
        let views = [
            a.slice(s![.., ..;2]),
            a.slice(s![.., ..;3]),
            a.slice(s![.., ..;4]),
            a.slice(s![.., ..;5]),
            a.slice(s![.., ..;-1]),
            a.slice(s![.., 1..;-2]),
            a.slice(s![.., 3..4]),
            a.slice(s![.., 0..0]),
        ];
        for v in &views {
            for cap in [0usize, 1, 2, 3, 7, 64] {
                let mut got = Vec::new();
                TensorRef::of_array(v).for_each_run(|mut run| {
                    let mut buf = [MaybeUninit::<u32>::uninit(); 64];
                    if cap == 0 {
                        assert!(run.gather(&mut buf[..0]).is_empty());
                        got.extend(run.iter().copied());
                        return;
                    }
                    while run.len() > 0 {
                        let items = run.gather(&mut buf[..cap]);
                        assert_eq!(items.len(), cap.min(run.len()));
                        got.extend_from_slice(items);
                        run = run.split_at(items.len()).1;
                    }
                });
                assert_eq!(got, logical(v), "cap {cap}");
            }
        }
        let strided = ArrayD::from_shape_fn(IxDyn(&[3, 9]), |i| i[0] * 9 + i[1]);
        let cols = strided.slice_each_axis(|ax| match ax.axis.index() {
            1 => ndarray::Slice::new(0, None, 4),
            _ => ndarray::Slice::from(..),
        });
        let mut got = Vec::new();
        TensorRef::of_array(&cols).for_each_run(|run| {
            let mut buf = [MaybeUninit::<usize>::uninit(); 2];
            let mut run = run;
            while run.len() > 0 {
                let items = run.gather(&mut buf);
                got.extend_from_slice(items);
                run = run.split_at(items.len()).1;
            }
        });
        assert_eq!(got, cols.iter().copied().collect::<Vec<_>>());
    }

    #[test]
    fn mismatched_shapes_never_zip() {
        let a = Array::<u8, _>::zeros((2, 3));
        let b = Array::<u8, _>::zeros((3, 2));
        assert!(!TensorRef::of_array(&a).zip_runs(&TensorRef::of_array(&b), |_, _| true));
    }
}
