//! Tensors of rank 1 to 4 with their extents and strides in fixed arrays: the
//! small-key fast path.
//!
//! A 4 x 4 key's whole encoding costs about as much as the general walk's
//! set-up (normalizing axes, sizing index arrays), so small tensors of low
//! rank skip it: with the rank a constant, every loop over the axes unrolls,
//! and the elements are read with nested loops.

use super::strided::standard_slice;
use std::marker::PhantomData;

/// Evaluates `$body` with `$r` a constant equal to `$rank` when the rank is 1
/// to 4 (giving `Some`), or gives `None`: one copy of fixed-rank code per rank
/// it serves.
macro_rules! at_fixed_rank {
    ($rank:expr, $r:ident => $body:expr) => {
        match $rank {
            1 => {
                const $r: usize = 1;
                Some($body)
            }
            2 => {
                const $r: usize = 2;
                Some($body)
            }
            3 => {
                const $r: usize = 3;
                Some($body)
            }
            4 => {
                const $r: usize = 4;
                Some($body)
            }
            _ => None,
        }
    };
}
pub(crate) use at_fixed_rank;

/// A rank-`R` tensor in memory: see [`TensorRef::fixed`](super::strided::TensorRef::fixed).
pub(crate) struct Fixed<'a, T, const R: usize> {
    pub(super) ptr: *const T,
    pub(super) shape: [usize; R],
    pub(super) strides: [isize; R],
    pub(super) _elements: PhantomData<&'a T>,
}

impl<T, const R: usize> Clone for Fixed<'_, T, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const R: usize> Copy for Fixed<'_, T, R> {}

impl<'a, T: Copy, const R: usize> Fixed<'a, T, R> {
    /// The extents.
    #[inline(always)]
    pub(crate) fn shape(&self) -> &[usize; R] {
        &self.shape
    }

    /// The number of elements (at most `isize::MAX`, so the product cannot
    /// overflow).
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// All elements as one slice in logical order, when memory holds them so
    /// (C order, ignoring the strides of extent-1 axes).
    #[inline(always)]
    pub(crate) fn as_standard_slice(&self) -> Option<&'a [T]> {
        // SAFETY: `ptr`, `shape` and `strides` are those of a `TensorRef`,
        // whose contract `standard_slice` asks for.
        unsafe { standard_slice::<T, R>(self.ptr, &self.shape, &self.strides) }
    }

    /// The first element in logical order, if there is one.
    #[inline(always)]
    pub(crate) fn first(&self) -> Option<T> {
        if self.len() == 0 {
            return None;
        }
        // SAFETY: the tensor has an element, so index 0 is inside the shape and
        // addresses `ptr`: by `TensorRef`'s contract an initialized `T`
        // borrowed for `'a`.
        Some(unsafe { *self.ptr })
    }

    /// Copies the elements, in logical row-major order, to the front of
    /// `out`; their number. `None`, having copied nothing, when there are more
    /// than `out` holds.
    #[inline(always)]
    pub(crate) fn gather(&self, out: &mut [T]) -> Option<usize> {
        let len = self.len();
        if len > out.len() {
            return None;
        }
        if len == 0 || R == 0 {
            return Some(0);
        }
        let (inner, step) = (self.shape[R - 1], self.strides[R - 1]);
        let mut index = [0usize; R];
        let mut offset = 0isize;
        for row in out[..len].chunks_exact_mut(inner) {
            for (j, slot) in row.iter_mut().enumerate() {
                // SAFETY: `index[..R - 1]` is inside the shape (the odometer
                // below keeps it so, and there are exactly len / inner rows)
                // and `j < inner`, so the offset is that of an index inside
                // the shape: by `TensorRef`'s contract an initialized `T`
                // borrowed for `'a`.
                *slot = unsafe { *self.ptr.wrapping_offset(offset + j as isize * step) };
            }
            // The next row: the odometer over the outer axes.
            for k in (0..R - 1).rev() {
                index[k] += 1;
                offset += self.strides[k];
                if index[k] < self.shape[k] {
                    break;
                }
                offset -= self.strides[k] * self.shape[k] as isize;
                index[k] = 0;
            }
        }
        Some(len)
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::strided::TensorRef;
    use ndarray::{Array, ArrayView, IxDyn, ShapeBuilder, Slice};

    /// Gathers through the fixed-rank walk and through ndarray's iterator.
    fn agree(view: ArrayView<'_, i32, IxDyn>) {
        let expected: Vec<i32> = view.iter().copied().collect();
        let t = TensorRef::of_array(&view);
        let mut out = [0i32; 64];
        let got =
            at_fixed_rank!(view.ndim(), R => t.fixed::<R>().unwrap().gather(&mut out)).unwrap();
        if expected.len() > out.len() {
            assert_eq!(got, None, "{:?}", view.shape());
            return;
        }
        assert_eq!(got, Some(expected.len()));
        assert_eq!(
            &out[..expected.len()],
            &expected[..],
            "{:?} {:?}",
            view.shape(),
            view.strides()
        );
        let first = at_fixed_rank!(view.ndim(), R => t.fixed::<R>().unwrap().first()).unwrap();
        assert_eq!(first, expected.first().copied());
        let standard =
            at_fixed_rank!(view.ndim(), R => t.fixed::<R>().unwrap().as_standard_slice()).unwrap();
        if let Some(items) = standard {
            assert_eq!(items, &expected[..]);
        }
        // The general check agrees on which tensors are one slice.
        assert_eq!(standard.is_some(), t.as_standard_slice().is_some());
    }

    #[test]
    fn fixed_walks_read_every_layout_in_logical_order() {
        // Extents 0, 1 and more at every rank; C and Fortran order, reversed
        // (negative strides), stepped, and broadcast (zero strides).
        let extents = [0usize, 1, 2, 3, 5];
        for rank in 1..=4 {
            let mut shape = vec![0; rank];
            let count = extents.len().pow(rank as u32);
            for code in 0..count {
                let mut c = code;
                for n in shape.iter_mut() {
                    *n = extents[c % extents.len()];
                    c /= extents.len();
                }
                let len = shape.iter().product::<usize>() as i32;
                let c_order = Array::from_shape_vec(IxDyn(&shape), (0..len).collect()).unwrap();
                agree(c_order.view());
                let mut f = Array::zeros(IxDyn(&shape).f());
                f.assign(&c_order);
                agree(f.view());
                agree(c_order.slice_each_axis(|_| Slice::new(0, None, -1)));
                let doubled: Vec<usize> = shape.iter().map(|&n| 2 * n + 1).collect();
                let wide = Array::from_shape_vec(
                    IxDyn(&doubled),
                    (0..doubled.iter().product::<usize>() as i32).collect(),
                )
                .unwrap();
                agree(wide.slice_each_axis(|_| Slice::new(1, None, 2)));
                agree(wide.slice_each_axis(|_| Slice::new(0, None, -2)));
            }
        }
        let row = Array::from_shape_vec(IxDyn(&[1, 4]), vec![1, 2, 3, 4]).unwrap();
        agree(row.broadcast(IxDyn(&[3, 4])).unwrap());
        agree(row.broadcast(IxDyn(&[2, 2, 4])).unwrap());
    }

    #[test]
    fn gather_declines_what_does_not_fit() {
        let a = Array::from_shape_vec(IxDyn(&[5, 13]), (0..65).collect()).unwrap();
        let t = a.t();
        let r = TensorRef::of_array(&t);
        let mut out = [0i32; 64];
        assert_eq!(r.fixed::<2>().unwrap().gather(&mut out), None);
        let mut out = [0i32; 65];
        assert_eq!(r.fixed::<2>().unwrap().gather(&mut out), Some(65));
        assert!(r.fixed::<3>().is_none());
    }
}
